/**
 * Reading one `access.rights` safely: never through a symbolic link, never
 * blocking on a pipe, never more than 1 MiB, and never a non-regular file
 * read as empty.
 */
import { constants } from "node:fs";
import type { Stats } from "node:fs";
import { lstat, open } from "node:fs/promises";
import { join } from "node:path";
import type { Problem, RightsFile } from "../engine/index.js";
import { parseRights } from "./parse-rights.js";
import type { ProblemCode } from "./problems.js";
import { NOWHERE, problem, quote } from "./problems.js";

/** The largest rights file read, in bytes (1 MiB). */
export const MAX_RIGHTS_BYTES = 1024 * 1024;

/** What reading one rights file gave: the parsed file (`null` on errors), its problems, and the raw bytes when read. */
export interface RightsFileRead {
  file: RightsFile | null;
  problems: Problem[];
  bytes: Buffer | null;
}

// O_NOFOLLOW: a symbolic link fails with ELOOP; O_NONBLOCK: opening a FIFO does not wait for a writer.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** A read that stopped: which problem it is, or `null` when the file is gone. Never escapes this module. */
class Stop extends Error {
  constructor(readonly code: ProblemCode | null, message: string) {
    super(message);
  }
}

/**
 * Reads and checks the rights file at `relPath` (relative to `root`). A file
 * that does not exist gives no file, no problems and no bytes. With
 * `knownRegular` (the walk saw a regular file), the `lstat` that keeps
 * devices from being opened is skipped; `fstat` on the open file still checks.
 */
export async function readRights(root: string, relPath: string, knownRegular = false): Promise<RightsFileRead> {
  const absolute = join(root, ...relPath.split("/"));
  try {
    if (!knownRegular) checkStats(await lstat(absolute).catch((err: unknown) => stop(err, relPath, false)), relPath);
    const bytes = await readRegular(absolute, relPath);
    return { ...parseRights(bytes, relPath), bytes };
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    if (err.code === null) return { file: null, problems: [], bytes: null };
    return { file: null, problems: [problem(err.code, relPath, NOWHERE, err.message)], bytes: null };
  }
}

async function readRegular(absolute: string, relPath: string): Promise<Buffer> {
  const handle = await open(absolute, OPEN_FLAGS).catch((err: unknown) => stop(err, relPath, true));
  try {
    const info = await handle.stat();
    checkStats(info, relPath);
    // Read as much as the stat said: a file growing meanwhile is read as it was, and the watcher sees the change.
    const buffer = Buffer.allocUnsafe(info.size);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } catch (err) {
    return stop(err, relPath, false);
  } finally {
    await handle.close();
  }
}

function checkStats(info: Stats, relPath: string): void {
  const kind = notRegular(info);
  if (kind !== null) throw new Stop("not_regular_file", `${quote(relPath)} is ${kind}, not a regular file; replace it with a regular file`);
  if (info.size > MAX_RIGHTS_BYTES) {
    throw new Stop("file_too_large", `file is ${info.size} bytes, over the 1 MiB (${MAX_RIGHTS_BYTES} bytes) limit; split its rules across subdirectories`);
  }
}

function notRegular(info: Stats): string | null {
  if (info.isFile()) return null;
  if (info.isSymbolicLink()) return "a symbolic link (links are not followed)";
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a named pipe";
  if (info.isSocket()) return "a socket";
  return "a device";
}

// A file system error as a stop; a Stop passes through. Opening with O_NOFOLLOW fails with ELOOP on a symbolic link.
function stop(err: unknown, relPath: string, opening: boolean): never {
  if (err instanceof Stop) throw err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "error";
  if (code === "ENOENT") throw new Stop(null, "");
  if (code === "ELOOP" && opening) {
    throw new Stop("not_regular_file", `${quote(relPath)} is a symbolic link (links are not followed), not a regular file; replace it with a regular file`);
  }
  throw new Stop("unreadable", `cannot read ${quote(relPath)} (${code}); make it a readable regular file`);
}
