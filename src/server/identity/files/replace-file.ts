/**
 * `replaceFile`: how `treerights keys` and `treerights users` write a keys or
 * users file: never in place. The new content goes to a temporary file beside
 * the target (with the target's mode, else 0600), is fsynced, and is renamed
 * over the target, whose directory is then fsynced; a symbolic link is
 * written through to its target. A server polling the file sees the old
 * version or the new one, never half of one.
 */
import { randomBytes } from "node:crypto";
import { open, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The mode of a keys or users file the commands create. */
export const NEW_FILE_MODE = 0o600;

/** Options of `replaceFile`. */
export interface ReplaceOptions {
  /** The new file's mode (default: the existing file's, else `NEW_FILE_MODE`). */
  readonly mode?: number;
  /** Asked right before the rename: false means the file changed since it was read, and `changed()` is thrown instead. */
  readonly unchanged?: () => Promise<boolean>;
  readonly changed?: () => Error;
}

/** Writes `bytes` over `path` atomically (see the module comment). */
export async function replaceFile(path: string, bytes: Uint8Array, options: ReplaceOptions = {}): Promise<void> {
  const target = await realpath(path).catch((error: unknown) => {
    if (codeOf(error) === "ENOENT") return path;
    throw error;
  });
  const mode = options.mode ?? await stat(target).then((s) => s.mode & 0o777, (error: unknown) => {
    if (codeOf(error) === "ENOENT") return NEW_FILE_MODE;
    throw error;
  });
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", mode);
  let renamed = false;
  try {
    try {
      // open's mode is reduced by the umask; the file gets exactly the mode asked for.
      await handle.chmod(mode);
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.unchanged !== undefined && !(await options.unchanged())) {
      throw options.changed?.() ?? new Error(`\`${path}\` changed while it was being edited; run the command again`);
    }
    await rename(temp, target);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(dirname(target));
}

/** The `code` of a Node system error, or `unknown`. */
export function codeOf(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unknown";
}

// The rename is durable only once the directory entry is; some platforms cannot open a directory, which is not an error.
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort: the data is already synced, only the rename's durability is at stake
  }
}
