/**
 * Incremental reload: re-read only the rights files a batch of watcher
 * changes touched, judge and hash the whole tree from the per-file cache, and
 * apply what changed with `index.update`, so every untouched subtree is
 * shared with the previous index.
 */
import type { EffectiveChange, Problem, RightsFile, RightsIndex } from "../../engine/index.js";
import { TreeRightsError, samePatterns } from "../../engine/index.js";
import { compileSnapshotInSlices } from "../read/compile-snapshot.js";
import { CONFIG_FILE } from "../parse/config.js";
import type { CachedFile, RightsCache } from "./incremental-cache.js";
import { sameContent } from "./incremental-cache.js";
import type { ChangeBatch } from "./incremental-scan.js";
import { rescan, scanTree } from "./incremental-scan.js";
import { ignoreMatcher } from "../read/ignore.js";
import { exclusiveWrites } from "../lint/lint-exclusive.js";
import { dirOf, RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { sortProblems } from "../parse/problems.js";
import { TimeSlicer } from "../read/tree-fs.js";
import type { LoadOptions } from "../types.js";

/**
 * Longest stretch of synchronous reload work, in ms, before checks get a
 * turn: well below the 5 ms a check may wait, since the last step of a slice
 * (parsing one file, 64 directories of a rebuild, 256 entries of the map
 * of files) runs past it, and a young-generation GC may land in any slice.
 */
export const RELOAD_SLICE_MS = 1;

/** A load that gave an index to answer with: the same one when nothing changed. */
export interface LoadedTree {
  readonly ok: true;
  readonly index: RightsIndex;
  readonly revision: string;
  /** Rights files whose bytes differ from those of the previous index, sorted. */
  readonly changedFiles: readonly string[];
  /** `index.changesSince(previous)` (empty for the first load), computed in slices on first call. */
  readonly changes: () => Promise<readonly EffectiveChange[]>;
  /** The index shares nothing with the previous one (a first load, a full compile, a change to the root's pattern rules). */
  readonly rebuilt: boolean;
}

/**
 * What `IncrementalLoader.load` gives: a loaded tree the caller must
 * `accept` before the loader builds on it, or a rejected one.
 */
export type PendingLoad = (LoadedTree & {
  /**
   * Makes this the loader's last good index, the base of the next load. Until
   * then the loader still builds on the index before it: a load whose read
   * the reload gate refused is never built on.
   */
  readonly accept: () => void;
}) | RejectedTree;

/** A load whose tree has errors: the previous index keeps answering. */
export interface RejectedTree {
  readonly ok: false;
  readonly revision: string;
  readonly problems: readonly Problem[];
}

/** What one load gave. */
export type LoadOutcome = LoadedTree | RejectedTree;

/** The changes to apply to the current index, and the files they come from. */
interface IndexDelta {
  readonly upsert: RightsFile[];
  readonly remove: string[];
  readonly changed: string[];
  /** A changed file has pattern rules, before or after: their reach is not in `changesSince`. */
  patterns: boolean;
  /** The root's file changed its pattern rules: `update` then rebuilds the whole trie. */
  rootPatterns: boolean;
}

/**
 * Keeps one tree's per-file cache and last good index. `load(batch)` brings
 * the cache up to date (the whole tree when there is no cache or no batch),
 * then builds the next index from the previous one. Not reentrant: one load
 * at a time (the reload scheduler sees to that).
 */
export class IncrementalLoader {
  readonly #root: string;
  readonly #options: LoadOptions;
  /** Every rights file as last read; null when the next load must read the whole tree. */
  #cache: RightsCache | null = null;
  /** The entries the last good index was built from. INVARIANT: each has a parsed file and no error. */
  readonly #applied = new Map<string, CachedFile>();
  /** Paths read since the last good index, whose entries may differ from `#applied`. */
  readonly #stale = new Set<string>();
  #index: RightsIndex | null = null;
  /** The next good load compiles from scratch instead of updating (the configuration changed). */
  #recompile = false;
  /** `treerights.yaml` as the last good index was built with it. */
  #appliedConfig: Buffer | null = null;

  /** Throws `TreeRightsError` (`invalid_option`) for bad ignore globs. */
  constructor(root: string, options: LoadOptions = {}) {
    this.#root = root;
    this.#options = options;
    ignoreMatcher(options.ignore);
  }

  /** The last good index, or null before the first good load. */
  get index(): RightsIndex | null {
    return this.#index;
  }

  /** The next load reads the whole tree again; with `recompile`, it also compiles it from scratch. */
  invalidate(recompile = false): void {
    this.#cache = null;
    this.#recompile ||= recompile;
  }

  /**
   * Loads the changes in `batch` (or the whole tree when `batch` is null or
   * there is no cache yet). A tree with any error, in a changed file or not,
   * is rejected. Yields to the event loop between slices of work.
   */
  async load(batch: ChangeBatch | null): Promise<PendingLoad> {
    const slicer = new TimeSlicer(RELOAD_SLICE_MS);
    const cache = await this.#read(batch, slicer);
    const revision = await slicer.run(cache.revisionSteps());
    if (cache.hasErrors) return { ok: false, revision, problems: cache.problems() };
    const delta = await this.#delta(cache, slicer);
    const previous = this.#index;
    if (previous !== null && delta.changed.length === 0 && previous.revision === revision && !this.#recompile) {
      return { ok: true, index: previous, revision, changedFiles: [], changes: () => Promise.resolve([]), rebuilt: false, accept: () => {
        this.#stale.clear();
      } };
    }
    const built = await this.#build(cache, previous, delta, revision, slicer);
    if (!built.ok) return built;
    return { ...built, accept: () => {
      this.#accept(cache, built.index);
    } };
  }

  #accept(cache: RightsCache, index: RightsIndex): void {
    for (const path of this.#stale) {
      const entry = cache.get(path);
      if (entry === undefined) this.#applied.delete(path);
      else this.#applied.set(path, entry);
    }
    this.#stale.clear();
    this.#recompile = false;
    this.#appliedConfig = cache.configDigest;
    this.#index = index;
  }

  async #read(batch: ChangeBatch | null, slicer: TimeSlicer): Promise<RightsCache> {
    const cache = this.#cache;
    // Until a read completes the cache may be half updated: whatever happens, the next load starts over.
    this.#cache = null;
    if (cache === null || batch === null) {
      const fresh = await scanTree(this.#root, this.#options, slicer);
      for (const path of this.#applied.keys()) this.#stale.add(path);
      for (const path of fresh.paths()) this.#stale.add(path);
      this.#cache = fresh;
      return fresh;
    }
    for (const path of await rescan(this.#root, cache, batch, slicer)) this.#stale.add(path);
    this.#cache = cache;
    return cache;
  }

  /** What changed between the entries of the last good index and the cache, among the stale paths. */
  async #delta(cache: RightsCache, slicer: TimeSlicer): Promise<IndexDelta> {
    const delta: IndexDelta = { upsert: [], remove: [], changed: [], patterns: false, rootPatterns: false };
    let n = 0;
    for (const path of this.#stale) {
      if (++n % 256 === 0 && slicer.due()) await slicer.pause();
      const now = cache.get(path);
      const before = this.#applied.get(path);
      if (sameContent(now, before)) continue;
      delta.changed.push(path);
      if (now?.file != null) delta.upsert.push(now.file);
      else if (before !== undefined) delta.remove.push(dirOf(path));
      delta.patterns ||= hasPatterns(now?.file) || hasPatterns(before?.file);
      if (path === RIGHTS_FILE_NAME) delta.rootPatterns = !samePatterns(before?.file, now?.file);
    }
    const config = cache.configDigest;
    if (this.#index !== null && !(config === null ? this.#appliedConfig === null : this.#appliedConfig?.equals(config) === true)) {
      delta.changed.push(CONFIG_FILE);
    }
    delta.changed.sort();
    return delta;
  }

  /**
   * The next index: `previous.update(delta)` sharing every untouched subtree,
   * or a full compile for the first load, after a configuration change, or
   * when the update is refused (a compile failure then rejects the tree).
   * Either way the tree-wide checks of a full load (`exclusive_write`) hold.
   */
  async #build(cache: RightsCache, previous: RightsIndex | null, delta: IndexDelta, revision: string, slicer: TimeSlicer): Promise<LoadedTree | RejectedTree> {
    // Computed in slices on first call, then kept: `mayConflict` and the loaded tree share it.
    const changesFrom = (index: RightsIndex): (() => Promise<readonly EffectiveChange[]>) =>
      once(() => (previous === null ? Promise.resolve([]) : new TimeSlicer(RELOAD_SLICE_MS).run(index.changesSinceSteps(previous))));
    const loaded = (index: RightsIndex, rebuilt: boolean, changes: () => Promise<readonly EffectiveChange[]>): LoadedTree =>
      ({ ok: true, index, revision, changedFiles: Object.freeze(delta.changed), changes, rebuilt });
    if (previous !== null && !this.#recompile) {
      let next: RightsIndex | null = null;
      try {
        next = await slicer.run(previous.updateSteps({ upsert: delta.upsert, remove: delta.remove }, { revision }));
      } catch (err) {
        // When in doubt, compile from scratch: it reports exactly what a full load would.
        if (!(err instanceof TreeRightsError)) throw err;
      }
      if (next !== null) {
        const changes = changesFrom(next);
        const conflicts = (await mayConflict(cache, changes, delta)) ? exclusiveWrites(next, cache.config, cache.snapshot(revision).places) : [];
        if (conflicts.length > 0) return { ok: false, revision, problems: sortProblems([...cache.problems(), ...conflicts]) };
        // `update` rebuilds the whole trie only when the root's pattern rules change.
        return loaded(next, delta.rootPatterns, changes);
      }
    }
    const { index, problems } = await compileSnapshotInSlices(cache.snapshot(revision), slicer);
    if (index === null) return { ok: false, revision, problems };
    return loaded(index, true, changesFrom(index));
  }
}

/**
 * False when the update cannot have made two exclusive groups both hold
 * WRITE anywhere: the previous index had no such place, so one must have
 * gained WRITE for an exclusive group in a changed directory, or a changed
 * file's pattern rules (whose reach `changesSince` does not cover) did it.
 */
async function mayConflict(cache: RightsCache, changes: () => Promise<readonly EffectiveChange[]>, delta: IndexDelta): Promise<boolean> {
  const exclusive = new Set(cache.config.exclusive.flat());
  if (exclusive.size === 0) return false;
  if (delta.patterns) return true;
  return (await changes()).some((c) => c.access === "WRITE" && c.added.some((g) => exclusive.has(g)));
}

/** `compute`, run on the first call only. */
function once<T>(compute: () => T): () => T {
  let done: { readonly value: T } | null = null;
  return () => (done ??= { value: compute() }).value;
}

function hasPatterns(file: RightsFile | null | undefined): boolean {
  return (file?.patterns?.length ?? 0) > 0;
}
