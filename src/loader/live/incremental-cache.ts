/**
 * The per-file state of a live tree: every `access.rights` as last read (its
 * parsed file, its problems, and the digest it enters the revision with), plus
 * `treerights.yaml`, so a reload re-reads only what changed yet still judges
 * and hashes the whole tree exactly as `readTree` would.
 */
import type { Problem, RightsFile, Steps } from "../../engine/index.js";
import type { ConfigRead, TreeConfig } from "../parse/config.js";
import { CONFIG_FILE, DEFAULT_CONFIG } from "../parse/config.js";
import type { IgnoreMatcher } from "../read/ignore.js";
import { RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { compareStrings, hasErrors, NOWHERE, problem, sortProblems } from "../parse/problems.js";
import { checkDirName } from "../read/read-tree.js";
import type { RightsFileRead, TreeSnapshot } from "../read/read-tree.js";
import { fileDigest, TreeRevision } from "../read/revision.js";
import type { FilePlaces } from "../parse/rights-places.js";

/** One file as last read. Immutable: a re-read makes a new one. */
export interface CachedFile {
  /** Relative to the root, such as `plant/access.rights`. */
  readonly path: string;
  /** The parsed file; null when the file has errors. */
  readonly file: RightsFile | null;
  readonly places: FilePlaces | undefined;
  readonly problems: readonly Problem[];
  readonly hasErrors: boolean;
  /** This file's part of the revision (`fileDigest`): sha256 over its path and bytes, or its path and why it could not be read. */
  readonly digest: Buffer;
}

/**
 * The cache entry for what reading the rights file `path` gave, or null when
 * the file is gone. Mirrors `readTree`: a directory no tree path can name is
 * an error, and the file's digest is the one `readTree` enters in the revision.
 */
export function cachedFile(path: string, read: RightsFileRead): CachedFile | null {
  if (read.bytes === null && read.file === null && read.problems.length === 0) return null;
  const problems = [...read.problems];
  let file = read.file;
  const unaddressable = checkDirName(path);
  if (unaddressable !== null) {
    problems.push(unaddressable);
    file = null;
  }
  return Object.freeze({
    path, file, places: read.places, problems: Object.freeze(problems), hasErrors: hasErrors(problems),
    digest: fileDigest(path, read.bytes, read.problems[0]?.code ?? ""),
  });
}

/** True when `rel` is `dir` or below it (every path is below the root, `""`). */
export function isAtOrBelow(rel: string, dir: string): boolean {
  return dir === "" || rel === dir || (rel.startsWith(dir) && rel[dir.length] === "/");
}

/** True when two reads of one path have the same content: equal digests (both absent counts as the same). */
export function sameContent(a: CachedFile | undefined, b: CachedFile | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a === b || a.digest.equals(b.digest);
}

/**
 * Every rights file of a tree by relative path, with `treerights.yaml` and
 * the problems of the walks that found them. Answers what a full `readTree`
 * would: the problems, whether any is an error, and the revision.
 */
export class RightsCache {
  /** What is never read: `.git`, `node_modules`, the caller's and the configuration's ignore globs. */
  readonly ignore: IgnoreMatcher;
  readonly #entries = new Map<string, CachedFile>();
  /** Every path of `#entries` in code-unit order. */
  readonly #sorted: string[] = [];
  /** The revision of every entry and `treerights.yaml`, kept up to date entry by entry. */
  readonly #revision = new TreeRevision();
  /** Paths whose entries have an error. */
  readonly #broken = new Set<string>();
  /** Paths whose entries have any problem. */
  readonly #noted = new Set<string>();
  /** `treerights.yaml` when the root has one. */
  #config: { readonly read: ConfigRead; readonly digest: Buffer } | null = null;
  /** Symbolic links and unreadable directories the walks found. */
  #walkProblems: readonly Problem[] = [];
  /** Set when the root is not a directory: then these are the only problems. */
  #rootProblems: readonly Problem[] | null = null;

  constructor(ignore: IgnoreMatcher) {
    this.ignore = ignore;
  }

  /** Number of rights files found. */
  get size(): number {
    return this.#entries.size;
  }

  /** Every rights file path, sorted. */
  paths(): readonly string[] {
    return this.#sorted;
  }

  get(path: string): CachedFile | undefined {
    return this.#entries.get(path);
  }

  /** Adds or replaces the entry of `entry.path`. */
  set(entry: CachedFile): void {
    const { path } = entry;
    if (!this.#entries.has(path)) this.#sorted.splice(this.#lowerBound(path), 0, path);
    this.#entries.set(path, entry);
    this.#revision.set(path, entry.digest);
    this.#mark(this.#broken, path, entry.hasErrors);
    this.#mark(this.#noted, path, entry.problems.length > 0);
  }

  /** Forgets the entry of `path`, if any. */
  delete(path: string): void {
    if (!this.#entries.delete(path)) return;
    this.#sorted.splice(this.#lowerBound(path), 1);
    this.#revision.delete(path);
    this.#broken.delete(path);
    this.#noted.delete(path);
  }

  /** Paths of the entries at `dir` itself (a directory named `access.rights`) or below it. */
  pathsUnder(dir: string): string[] {
    if (dir === "") return [...this.#sorted];
    const found: string[] = [];
    // Every path starting with `dir` is in one run of the sorted list; keep those that are `dir` or below it.
    for (let i = this.#lowerBound(dir); i < this.#sorted.length; i++) {
      const path = this.#sorted[i] as string;
      if (!path.startsWith(dir)) break;
      if (isAtOrBelow(path, dir)) found.push(path);
    }
    return found;
  }

  /** What reading `treerights.yaml` gave. */
  setConfig(read: ConfigRead): void {
    this.#config = read.found ? { read, digest: fileDigest(CONFIG_FILE, read.bytes, read.problems[0]?.code ?? "") } : null;
    if (this.#config === null) this.#revision.delete(CONFIG_FILE);
    else this.#revision.set(CONFIG_FILE, this.#config.digest);
  }

  /** The digest `treerights.yaml` enters the revision with, or null without one. */
  get configDigest(): Buffer | null {
    return this.#config?.digest ?? null;
  }

  /** The tree's configuration (the defaults without `treerights.yaml` or when it has errors). */
  get config(): TreeConfig {
    return this.#config?.read.config ?? DEFAULT_CONFIG;
  }

  /** The problems of a whole-tree walk. */
  setWalkProblems(problems: readonly Problem[]): void {
    this.#walkProblems = problems;
  }

  /** The problems of a walk of `dir`'s subtree replace those found there before. */
  replaceWalkProblems(dir: string, problems: readonly Problem[]): void {
    const kept = this.#walkProblems.filter((p) => !isAtOrBelow(p.file, dir));
    this.#walkProblems = [...kept, ...problems];
  }

  /** The root is not a directory: `problems` (from `readTree`) are all there is to say. */
  setRootProblems(problems: readonly Problem[]): void {
    this.#rootProblems = problems;
  }

  /** True when a load of this tree must be rejected. */
  get hasErrors(): boolean {
    if (this.#rootProblems !== null) return hasErrors(this.#rootProblems);
    return this.#broken.size > 0 || !this.#entries.has(RIGHTS_FILE_NAME)
      || hasErrors(this.#walkProblems) || hasErrors(this.#config?.read.problems ?? []);
  }

  /** Every problem, as `readTree` lists them: sorted by file, line and column. */
  problems(): Problem[] {
    if (this.#rootProblems !== null) return sortProblems(this.#rootProblems);
    const all = [...(this.#config?.read.problems ?? []), ...this.#walkProblems];
    for (const path of [...this.#noted].sort(compareStrings)) all.push(...(this.#entries.get(path)?.problems ?? []));
    if (!this.#entries.has(RIGHTS_FILE_NAME)) {
      // Keep in step with `readTree`.
      all.push(problem("missing_root_rights", RIGHTS_FILE_NAME, NOWHERE,
        "the tree root has no `access.rights`; create one (an empty file grants nothing)"));
    }
    return sortProblems(all);
  }

  /**
   * The revision `readTree` computes for the same content (`TreeRevision`),
   * in steps: one bucket's rehash after a change of one file, every bucket's
   * after a full read.
   */
  revisionSteps(): Steps<string> {
    return this.#revision.revisionSteps();
  }

  /** The cache as the snapshot `readTree` would have returned, for a full compile. */
  snapshot(revision: string): TreeSnapshot {
    const files: RightsFile[] = [];
    const places = new Map<string, FilePlaces>();
    for (const path of this.#sorted) {
      const entry = this.#entries.get(path) as CachedFile;
      if (entry.file === null) continue;
      files.push(entry.file);
      if (entry.places !== undefined) places.set(path, entry.places);
    }
    return Object.freeze({
      files: Object.freeze(files),
      problems: Object.freeze(this.problems()),
      revision,
      rightsPaths: Object.freeze([...this.#sorted]),
      config: this.config,
      places,
    });
  }

  #mark(set: Set<string>, path: string, on: boolean): void {
    if (on) set.add(path);
    else set.delete(path);
  }

  /** The first position whose path is not below `path` in code-unit order. */
  #lowerBound(path: string): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareStrings(this.#sorted[mid] as string, path) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
