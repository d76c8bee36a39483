/**
 * Walking a rights tree: finds every `access.rights` below the root without
 * following symbolic links, skipping `.git`, `node_modules` and ignored paths.
 */
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Problem } from "../engine/index.js";
import { drain } from "./bounded.js";
import type { IgnoreMatcher } from "./ignore.js";
import { RIGHTS_FILE_NAME } from "./parse-rights.js";
import { NOWHERE, compareStrings, problem, quote } from "./problems.js";

/** How many directories are read at once. */
export const WALK_CONCURRENCY = 32;

/** What a walk found. */
export interface WalkResult {
  /** Relative paths of every `access.rights` entry, whatever its type, sorted. */
  readonly rightsPaths: string[];
  /** The rights paths the directory listing showed as regular files. */
  readonly regular: Set<string>;
  /** Symbolic links (warnings) and unreadable directories (errors). */
  readonly problems: Problem[];
}

/** The relative path of `name` in the directory `dir` (`""` for the root). */
export function childPath(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

/**
 * Walks the tree at `root` (an existing directory). An entry named
 * `access.rights` is listed whatever it is (a directory or a symbolic link
 * of that name must be reported, not skipped); other symbolic links are
 * reported and not followed, so a link loop cannot trap the walk.
 */
export async function walkTree(root: string, ignore: IgnoreMatcher): Promise<WalkResult> {
  const rightsPaths: string[] = [];
  const problems: Problem[] = [];
  const regular = new Set<string>();
  const queue = [""];
  await drain(queue, WALK_CONCURRENCY, async (dir) => {
    const entries = await readEntries(root, dir, problems);
    for (const entry of entries) {
      const rel = childPath(dir, entry.name);
      const isDirectory = entry.isDirectory();
      if (ignore(rel, isDirectory)) continue;
      if (entry.name === RIGHTS_FILE_NAME) {
        rightsPaths.push(rel);
        if (entry.isFile()) regular.add(rel);
      } else if (entry.isSymbolicLink()) {
        problems.push(problem("symlink", rel, NOWHERE,
          `symbolic link ${quote(rel)} is not followed; rights files behind it are never read`));
      }
      if (isDirectory) queue.push(rel);
    }
  });
  rightsPaths.sort(compareStrings);
  return { rightsPaths, regular, problems };
}

async function readEntries(root: string, dir: string, problems: Problem[]): Promise<Dirent[]> {
  try {
    return await readdir(join(root, dir), { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A directory removed mid-walk (a checkout in progress) holds no rights; the watcher reloads again.
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    problems.push(problem("unreadable", dir, NOWHERE,
      `cannot read directory ${quote(dir === "" ? "." : dir)} (${code ?? "error"}); make it readable or add it to the ignore globs`));
    return [];
  }
}
