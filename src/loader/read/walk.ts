/**
 * Walking a rights tree: finds every `access.rights` below the root without
 * following symbolic links, skipping `.git`, `node_modules` and ignored paths.
 */
import type { Dirent } from "node:fs";
import type { Problem } from "../../engine/index.js";
import { CONFIG_FILE } from "../parse/config.js";
import type { IgnoreMatcher } from "./ignore.js";
import { RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { NOWHERE, compareStrings, problem, quote } from "../parse/problems.js";
import type { TreeFs } from "./tree-fs.js";
import { TimeSlicer, nodeFs } from "./tree-fs.js";

/** What a walk found. */
export interface WalkResult {
  /** Relative paths of every `access.rights` entry, whatever its type, sorted. */
  readonly rightsPaths: string[];
  /** The rights paths the directory listing showed as regular files. */
  readonly regular: Set<string>;
  /** Symbolic links (warnings) and unreadable directories (errors). */
  readonly problems: Problem[];
  /** Every directory walked below the root (relative, unsorted), ignored ones left out. */
  readonly directories: string[];
}

/** The relative path of `name` in the directory `dir` (`""` for the root). */
export function childPath(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

/** How many directories the thread pool lists at once while this thread lists others. */
export const POOL_LISTINGS = 4;

/**
 * Walks the tree at `root` (an existing directory). An entry named
 * `access.rights` is listed whatever it is (a directory or a symbolic link
 * of that name must be reported, not skipped); other symbolic links are
 * reported and not followed, so a link loop cannot trap the walk.
 *
 * Listing a directory is mostly kernel work. This thread lists directories
 * synchronously (no promise per directory) while the libuv thread pool lists
 * `POOL_LISTINGS` others, so the kernel's work runs on two cores; the event
 * loop gets a turn whenever a pool slot is free to refill or `slicer` says a
 * slice has run its time.
 */
export async function walkTree(root: string, ignore: IgnoreMatcher, fs: TreeFs = nodeFs, slicer = new TimeSlicer()): Promise<WalkResult> {
  const result: WalkResult = { rightsPaths: [], regular: new Set(), problems: [], directories: [] };
  const queue = new DirQueue("");
  // Plain concatenation: `join` would normalize every one of 100,000 paths again.
  const base = root.endsWith("/") ? root : `${root}/`;
  const absolute = (dir: string): string => (dir === "" ? root : base + dir);
  let inPool = 0;
  let wake: (() => void) | null = null;
  // The pool takes directories from the front (shallow ones, with big subtrees), this thread from the back.
  const forPool = (): string | undefined => (inPool < POOL_LISTINGS && queue.size > 1 ? queue.takeFirst() : undefined);
  for (;;) {
    for (let dir = forPool(); dir !== undefined; dir = forPool()) {
      inPool++;
      fs.readdirAsync(absolute(dir), (err, entries) => {
        inPool--;
        visit(dir, err === null ? entries : failed(err, dir, result.problems), ignore, queue, result);
        wake?.();
      });
    }
    const dir = queue.takeLast();
    if (dir === undefined) {
      if (inPool === 0) break;
      await new Promise<void>((resolve) => { wake = resolve; });
      wake = null;
      continue;
    }
    visit(dir, readEntries(fs, absolute(dir), dir, result.problems), ignore, queue, result);
    if (slicer.due() || (inPool < POOL_LISTINGS && queue.size > 1)) await slicer.pause();
  }
  result.rightsPaths.sort(compareStrings);
  return result;
}

function visit(dir: string, entries: readonly Dirent[], ignore: IgnoreMatcher, queue: DirQueue, found: WalkResult): void {
  for (const entry of entries) {
    const rel = childPath(dir, entry.name);
    const isDirectory = entry.isDirectory();
    if (ignore(rel, isDirectory)) continue;
    if (entry.name === RIGHTS_FILE_NAME) {
      found.rightsPaths.push(rel);
      if (entry.isFile()) found.regular.add(rel);
    } else if (entry.isSymbolicLink() && rel !== CONFIG_FILE) { // a linked `treerights.yaml` is reported as not a regular file
      found.problems.push(problem("symlink", rel, NOWHERE,
        `symbolic link ${quote(rel)} is not followed; rights files behind it are never read`));
    }
    if (isDirectory) {
      queue.push(rel);
      found.directories.push(rel);
    }
  }
}

function readEntries(fs: TreeFs, path: string, dir: string, problems: Problem[]): Dirent[] {
  try {
    return fs.readdir(path);
  } catch (err) {
    return failed(err as NodeJS.ErrnoException, dir, problems);
  }
}

function failed(err: NodeJS.ErrnoException, dir: string, problems: Problem[]): Dirent[] {
  const code = err.code;
  // A directory removed mid-walk (a checkout in progress) holds no rights; the watcher reloads again.
  if (code === "ENOENT" || code === "ENOTDIR") return [];
  problems.push(problem("unreadable", dir, NOWHERE,
    `cannot read directory ${quote(dir === "" ? "." : dir)} (${code ?? "error"}); make it readable or add it to the ignore globs`));
  return [];
}

/**
 * Directories still to list, taken from both ends. `Array.prototype.shift`
 * is linear on large arrays (a flat directory of 100,000 entries would make
 * the walk quadratic), so the front is an index that moves.
 */
export class DirQueue {
  #items: string[];
  #head = 0;

  constructor(first: string) {
    this.#items = [first];
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(dir: string): void {
    this.#items.push(dir);
  }

  takeFirst(): string | undefined {
    if (this.size === 0) return undefined;
    const dir = this.#items[this.#head];
    this.#head++;
    // Drop the taken front now and then, so memory follows what is left.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return dir;
  }

  takeLast(): string | undefined {
    return this.size === 0 ? undefined : this.#items.pop();
  }
}
