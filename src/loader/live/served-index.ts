/**
 * What a live tree serves and tells about it, whatever it reads from (a
 * watched work tree, a git ref): the index answering, its commit, the
 * swaps and rejections so far, the reload history, and the events.
 */
import { namedGroupsSteps, TreeRightsError } from "../../engine/index.js";
import type { Problem, RightsIndex } from "../../engine/index.js";
import { TimeSlicer } from "../read/tree-fs.js";
import type { RejectedLoad, ReloadRecord, RevisionChanges, TreeSource, TreeStatus, WatchStatus } from "../types.js";
import { RELOAD_SLICE_MS } from "./incremental-reload.js";
import { TreeEmitter } from "./tree-emitter.js";
import { ReloadHistory } from "./watch-history.js";

/** A good load to swap in. */
export interface LoadedIndex {
  readonly index: RightsIndex;
  /** Rights files added, changed or removed since the previous index, sorted. */
  readonly changedFiles: readonly string[];
  /** The index shares nothing with the previous one. */
  readonly rebuilt: boolean;
}

/** What a live tree's status says besides what `ServedIndex` keeps. */
export interface StatusContext {
  readonly root: string;
  readonly watch: WatchStatus;
  readonly source?: TreeSource;
}

/**
 * The served side of a live tree. `swap` is the only way a new index
 * starts answering; everything else (status, history, events) follows it.
 */
export class ServedIndex {
  readonly events = new TreeEmitter();
  readonly #history = new ReloadHistory();
  #index: RightsIndex | null = null;
  #commit: string | null = null;
  #loadedAt = "";
  #loadMs = 0;
  #reloads = 0;
  #rejectedReloads = 0;
  #rejected: RejectedLoad | null = null;

  /** The index answering; throws `not_ready` before the first swap. */
  get index(): RightsIndex {
    if (this.#index === null) throw new TreeRightsError("not_ready", "the rights tree has not loaded yet");
    return this.#index;
  }

  /** The index answering, or null before the first swap. */
  get current(): RightsIndex | null {
    return this.#index;
  }

  /** The commit of the index answering. */
  get commit(): string | null {
    return this.#commit;
  }

  /**
   * Swaps in `loaded`, read at `commit` in `durationMs`: ends a rejection,
   * records the swap, emits `reload` (not for the first index), and counts
   * the swap's grants afterwards, in slices, for the history.
   */
  swap(loaded: LoadedIndex, commit: string | null, durationMs: number): void {
    const previous = this.#index;
    this.#recovered();
    // INVARIANT: decisions only ever see a complete index, and its commit with it; these assignments are the swap.
    this.#commit = commit;
    this.#index = loaded.index;
    const now = new Date();
    this.#loadedAt = now.toISOString();
    this.#loadMs = durationMs;
    const record = this.#history.add(loaded.index, previous, {
      commit, filesChanged: previous === null ? loaded.index.fileCount : loaded.changedFiles.length, rebuilt: loaded.rebuilt, at: now,
    });
    if (previous !== null) {
      this.#reloads++;
      this.events.emit("reload", { index: loaded.index, previous, durationMs, changedFiles: loaded.changedFiles, commit });
    }
    void this.#afterSwap(record, loaded.index, previous);
  }

  /**
   * What follows a swap without holding it up, in slices: the swap's grant
   * counts for the history, and the groups the new index names (explain's
   * `unknownGroups` needs them; listing 100,000 files at once would hold
   * the first explain's request, and every check behind it).
   */
  async #afterSwap(record: ReloadRecord, index: RightsIndex, previous: RightsIndex | null): Promise<void> {
    const slicer = new TimeSlicer(RELOAD_SLICE_MS);
    if (previous !== null) await this.#history.count(record, index, previous, slicer);
    await slicer.run(namedGroupsSteps(index));
  }

  /** A good load that gave the index already answering: ends a rejection, and notes a new commit (`commit` event). */
  unchanged(commit: string | null): void {
    this.#recovered();
    if (this.#commit === commit) return;
    this.#commit = commit;
    this.events.emit("commit", commit);
  }

  /** A load with errors: the index answering stays. The same content rejected again is one rejection, not two. */
  reject(revision: string, problems: readonly Problem[], commit?: string): void {
    if (revision !== "" && this.#rejected?.revision === revision) return;
    const rejected: RejectedLoad = Object.freeze({
      revision, at: new Date().toISOString(), problems: Object.freeze([...problems]), ...(commit === undefined ? {} : { commit }),
    });
    this.#rejected = rejected;
    this.#rejectedReloads++;
    this.events.emit("rejected", rejected);
  }

  /** The status of the tree serving this index. */
  status(context: StatusContext): TreeStatus {
    const index = this.index;
    return Object.freeze({
      root: context.root,
      revision: index.revision,
      loadedAt: this.#loadedAt,
      loadMs: this.#loadMs,
      fileCount: index.fileCount,
      reloads: this.#reloads,
      rejectedReloads: this.#rejectedReloads,
      rejected: this.#rejected,
      watch: context.watch,
      commit: this.#commit,
      history: this.#history.records,
      ...(context.source === undefined ? {} : { source: context.source }),
    });
  }

  /** Effective changes from `revision` to the index answering (see `TreeHandle.changesSince`). */
  changesSince(revision: string): RevisionChanges | null {
    return this.#history.changesSince(revision, this.index);
  }

  #recovered(): void {
    const rejected = this.#rejected;
    if (rejected === null) return;
    this.#rejected = null;
    this.events.emit("recovered", rejected);
  }
}
