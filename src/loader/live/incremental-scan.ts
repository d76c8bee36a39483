/**
 * Reading a tree into a `RightsCache`: all of it (the full reload), or only
 * the rights files and subtrees a batch of watcher changes names. Reads are
 * synchronous in time slices, as `readTree`'s are.
 */
import path from "node:path";
import { readConfig } from "../parse/config.js";
import type { IgnoreMatcher } from "../read/ignore.js";
import { ignoreMatcher } from "../read/ignore.js";
import { cachedFile, isAtOrBelow, RightsCache } from "./incremental-cache.js";
import { RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { readRights } from "../read/read-rights-file.js";
import { readTree } from "../read/read-tree.js";
import { nodeFs, TimeSlicer } from "../read/tree-fs.js";
import type { LoadOptions } from "../types.js";
import { walkTree } from "../read/walk.js";
import { isDirectory } from "../read/tree-fs.js";

/** What the watcher saw since the last reload, relative to the root. */
export interface ChangeBatch {
  /** Rights files added, changed or removed. */
  readonly files: ReadonlySet<string>;
  /** Directories added or removed: their whole subtrees are walked again. */
  readonly dirs: ReadonlySet<string>;
}

/**
 * Reads `treerights.yaml` and every rights file of the tree at `root` into a
 * new cache, as `readTree` does. A root that is not a directory gives
 * `readTree`'s problems. Throws `invalid_option` for bad ignore globs.
 */
export async function scanTree(root: string, options: LoadOptions, slicer = new TimeSlicer()): Promise<RightsCache> {
  const given = options.ignore ?? [];
  ignoreMatcher(given);
  if (!(await isDirectory(root))) {
    const cache = new RightsCache(ignoreMatcher(given));
    cache.setRootProblems((await readTree(root, options)).problems);
    return cache;
  }
  const config = readConfig(root);
  const cache = new RightsCache(ignoreMatcher([...given, ...config.config.ignore]));
  cache.setConfig(config);
  const walk = await walkTree(root, cache.ignore, nodeFs, slicer);
  cache.setWalkProblems(walk.problems);
  for (const rel of walk.rightsPaths) {
    const entry = cachedFile(rel, readRights(root, rel, walk.regular.has(rel)));
    if (entry !== null) cache.set(entry);
    if (slicer.due()) await slicer.pause();
  }
  return cache;
}

/**
 * Brings `cache` up to date with `batch`: walks each changed directory's
 * subtree again (and only that), re-reads every rights file named or found
 * there, and forgets those no longer found. As in a whole-tree walk, a file
 * counts only when every directory above it is a real directory (not a
 * symbolic link, not ignored). Returns every path re-read or forgotten.
 */
export async function rescan(root: string, cache: RightsCache, batch: ChangeBatch, slicer = new TimeSlicer()): Promise<string[]> {
  const { ignore } = cache;
  const walked = outermost(batch.dirs);
  const read = new Map<string, boolean>(); // path → the walk saw a regular file
  const gone = new Set<string>();
  const before = walked.flatMap((dir) => cache.pathsUnder(dir));
  const open = walked.filter((dir) => !ignoredPath(ignore, dir, true));
  if (open.length > 0) {
    // One walk for every changed subtree, so each directory on the way down is listed once.
    const walk = await walkTree(root, within(ignore, open), nodeFs, slicer);
    for (const dir of walked) {
      // The directories on the way down were listed too; what they hold is not this walk's to judge.
      cache.replaceWalkProblems(dir, walk.problems.filter((p) => isAtOrBelow(p.file, dir)));
    }
    for (const rel of walk.rightsPaths) read.set(rel, walk.regular.has(rel));
  }
  for (const rel of before) if (!read.has(rel)) gone.add(rel);
  for (const file of batch.files) {
    const isRights = file === RIGHTS_FILE_NAME || file.endsWith(`/${RIGHTS_FILE_NAME}`);
    // Inside a walked subtree the walk has the last word.
    if (!isRights || walked.some((dir) => isAtOrBelow(file, dir))) continue;
    if (!ignoredPath(ignore, file, false) && reachable(root, file)) read.set(file, false);
    else gone.add(file);
  }
  for (const [rel, regular] of read) {
    const entry = cachedFile(rel, readRights(root, rel, regular));
    if (entry === null) cache.delete(rel);
    else cache.set(entry);
    if (slicer.due()) await slicer.pause();
  }
  for (const rel of gone) cache.delete(rel);
  return [...read.keys(), ...gone];
}

/** True when every directory above `rel` is a directory itself, not a symbolic link or a file: a walk would reach it. */
function reachable(root: string, rel: string): boolean {
  for (let at = rel.indexOf("/"); at >= 0; at = rel.indexOf("/", at + 1)) {
    try {
      if (!nodeFs.lstat(path.join(root, rel.slice(0, at))).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** True when `rel` or one of its directories is never read (`.git`, `node_modules`, ignore globs). */
function ignoredPath(ignore: IgnoreMatcher, rel: string, isDirectory: boolean): boolean {
  for (let at = rel.indexOf("/"); at >= 0; at = rel.indexOf("/", at + 1)) {
    if (ignore(rel.slice(0, at), true)) return true;
  }
  return ignore(rel, isDirectory);
}

/**
 * A matcher for a walk from the root that enters only the directories on the
 * way to each of `dirs` and their subtrees, so `walkTree` reports paths and
 * problems exactly as a whole-tree walk would, for those subtrees alone.
 */
function within(ignore: IgnoreMatcher, dirs: readonly string[]): IgnoreMatcher {
  const targets = new Set(dirs);
  const onTheWay = new Set<string>();
  for (const dir of dirs) {
    for (let at = dir.indexOf("/"); at >= 0; at = dir.indexOf("/", at + 1)) onTheWay.add(dir.slice(0, at));
  }
  const inSubtree = (rel: string): boolean => {
    if (targets.has(rel)) return true;
    for (let at = rel.indexOf("/"); at >= 0; at = rel.indexOf("/", at + 1)) if (targets.has(rel.slice(0, at))) return true;
    return false;
  };
  return (rel, isDirectory) => {
    if (inSubtree(rel)) return ignore(rel, isDirectory);
    return !(isDirectory && onTheWay.has(rel)) || ignore(rel, isDirectory);
  };
}

/** The directories of `dirs` that have no ancestor in `dirs`. */
export function outermost(dirs: Iterable<string>): string[] {
  const sorted = [...new Set(dirs)].sort((a, b) => a.length - b.length);
  const kept = new Set<string>();
  for (const dir of sorted) {
    let covered = false;
    for (let at = dir.indexOf("/"); at >= 0 && !covered; at = dir.indexOf("/", at + 1)) covered = kept.has(dir.slice(0, at));
    if (!covered) kept.add(dir);
  }
  return [...kept];
}
