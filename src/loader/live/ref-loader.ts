/**
 * Loading the commits a ref names, one after another: the rights files of
 * the newest commit kept in a `CommitRights`, moved commit to commit by what
 * `git diff-tree` says changed, and the next index made from the last good
 * one with `updateSteps`, so untouched subtrees are shared. A change of
 * `treerights.yaml`, a root that appears or goes, or a refused update
 * compiles the whole tree instead.
 */
import type { Problem, RightsFile, RightsIndex } from "../../engine/index.js";
import { samePatterns, TreeRightsError } from "../../engine/index.js";
import { exclusiveWrites } from "../lint/lint-exclusive.js";
import { CONFIG_FILE } from "../parse/config.js";
import { dirOf, RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { compareStrings, sortProblems } from "../parse/problems.js";
import { compileSnapshotInSlices } from "../read/compile-snapshot.js";
import { TimeSlicer } from "../read/tree-fs.js";
import type { RefChanges, RefSource } from "../git/ref-source.js";
import type { LoadOptions } from "../types.js";
import { RELOAD_SLICE_MS } from "./incremental-reload.js";
import { CommitRights, ignoredPath } from "./ref-cache.js";

/** What loading one commit gave: an index to answer with (the same one when its rights did not change), or the problems that reject it. */
export type RefLoad =
  | {
    readonly ok: true;
    readonly index: RightsIndex;
    readonly revision: string;
    /** Rights files that differ from those of the previous index, and `treerights.yaml` when it changed; sorted. */
    readonly changedFiles: readonly string[];
    /** The index shares nothing with the previous one (a first load, a full compile, a change to the root's pattern rules). */
    readonly rebuilt: boolean;
  }
  | { readonly ok: false; readonly revision: string; readonly problems: readonly Problem[] };

/** The last good load: its index, the commit it came from, and the `treerights.yaml` it was built with. */
interface Applied {
  readonly index: RightsIndex;
  readonly commit: string;
  readonly config: Buffer | null;
  /** The root's rights file: a change of its pattern rules makes `update` rebuild the whole trie. */
  readonly root: RightsFile | null;
}

/**
 * Turns commits into indexes. `load(commit)` reads what changed since the
 * commit read last and judges the whole tree at `commit` as `readGitTree`
 * would; a tree with any error is rejected and the last good index stays.
 * Not reentrant: one load at a time (the reload scheduler sees to that).
 */
export class RefLoader {
  readonly #source: RefSource;
  readonly #options: LoadOptions;
  /** The rights files of the commit read last; null when the next load must read its commit in full. */
  #rights: CommitRights | null = null;
  #applied: Applied | null = null;

  constructor(source: RefSource, options: LoadOptions) {
    this.#source = source;
    this.#options = options;
  }

  /** The commit of the last good index, or null before the first good load. */
  get appliedCommit(): string | null {
    return this.#applied?.commit ?? null;
  }

  /** Loads the tree at `commit`. Rejects with `TreeRightsError` (`git_failed`) when git cannot read it. */
  async load(commit: string): Promise<RefLoad> {
    const slicer = new TimeSlicer(RELOAD_SLICE_MS);
    const { rights, moved } = await this.#read(commit, slicer);
    const { cache } = rights;
    const revision = await slicer.run(cache.revisionSteps());
    if (cache.hasErrors) return { ok: false, revision, problems: cache.problems() };
    const applied = this.#applied;
    const config = cache.configDigest;
    const sameConfig = config === null ? applied?.config === null : applied?.config?.equals(config) === true;
    if (applied !== null && applied.index.revision === revision && sameConfig) {
      this.#applied = { ...applied, commit };
      return { ok: true, index: applied.index, revision, changedFiles: [], rebuilt: false };
    }
    // What changed since the last good commit: the move just read when it started there, else a diff of its own.
    const since = applied === null ? null : applied.commit === moved?.from ? moved.changes : await this.#source.changes(applied.commit, commit);
    const changed = since === null ? [] : [...since.rights.keys()].filter((rel) => !ignoredPath(cache.ignore, rel, false)).sort(compareStrings);
    const changedFiles = Object.freeze(sameConfig || applied === null ? changed : [...changed, CONFIG_FILE].sort(compareStrings));
    const root = cache.get(RIGHTS_FILE_NAME)?.file ?? null;
    let built: { index: RightsIndex; rebuilt: boolean } | null = null;
    if (applied !== null && sameConfig && since !== null && !since.full) {
      const upsert: RightsFile[] = [];
      const remove: string[] = [];
      for (const rel of changed) {
        const file = cache.get(rel)?.file;
        // INVARIANT: a tree without errors has a parsed file for every rights path; a path without one was removed.
        if (file != null) upsert.push(file);
        else remove.push(dirOf(rel));
      }
      try {
        const index = await slicer.run(applied.index.updateSteps({ upsert, remove }, { revision }));
        built = { index, rebuilt: !samePatterns(applied.root, root) };
      } catch (err) {
        // When in doubt, compile from scratch: it reports exactly what a full load would.
        if (!(err instanceof TreeRightsError)) throw err;
      }
      if (built !== null && cache.config.exclusive.length > 0) {
        // Rare enough (a tree with `exclusive` sets) to check the whole tree, as a full load does.
        const conflicts = exclusiveWrites(built.index, cache.config, cache.snapshot(revision).places);
        if (conflicts.length > 0) return { ok: false, revision, problems: sortProblems([...cache.problems(), ...conflicts]) };
      }
    }
    if (built === null) {
      const compiled = await compileSnapshotInSlices(cache.snapshot(revision), slicer);
      if (compiled.index === null) return { ok: false, revision, problems: compiled.problems };
      built = { index: compiled.index, rebuilt: true };
    }
    this.#applied = { index: built.index, commit, config, root };
    return { ok: true, index: built.index, revision, changedFiles, rebuilt: built.rebuilt };
  }

  /** Brings the cache to `commit`: by the diff from the commit read last when it can, else in full. */
  async #read(commit: string, slicer: TimeSlicer): Promise<{ rights: CommitRights; moved: { from: string; changes: RefChanges } | null }> {
    const rights = this.#rights;
    // Until a read completes the cache may be half moved: whatever happens, the next load starts over.
    this.#rights = null;
    let moved: { from: string; changes: RefChanges } | null = null;
    if (rights !== null && rights.commit === commit) moved = { from: commit, changes: { rights: new Map(), links: new Map(), full: false } };
    else if (rights !== null && !rights.rootMissing) {
      const changes = await this.#source.changes(rights.commit, commit);
      if (!changes.full) {
        moved = { from: rights.commit, changes };
        await rights.apply(this.#source, commit, changes, slicer);
      }
    }
    const next = moved === null || rights === null ? await CommitRights.read(this.#source, commit, this.#options, slicer) : rights;
    this.#rights = next;
    return { rights: next, moved };
  }
}
