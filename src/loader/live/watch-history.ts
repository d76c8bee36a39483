/** The last swaps of a live tree, and the effective changes since any of them (the change feed). */
import type { RightsIndex } from "../../engine/index.js";
import type { TimeSlicer } from "../read/tree-fs.js";
import type { ReloadRecord, RevisionChanges } from "../types.js";

/** How many swaps a live tree remembers, the initial load included. */
export const HISTORY_SIZE = 50;

/**
 * How many whole tries the history may hold, the current one included. An
 * index made by `update` shares every untouched subtree with the one before,
 * so a run of incremental reloads costs little more than one trie, and the
 * changes between two of them are found in time proportional to what
 * changed. A rebuild (the root's pattern rules changed, a configuration change, the first
 * load) makes a whole new trie: keeping older ones would cost a trie each,
 * and comparing across one walks the whole tree in one go. So changes are
 * kept only since the last rebuild; after it most of the tree may have
 * changed anyway, and a client starts over.
 */
export const REBUILDS_KEPT = 1;

/** The grant counts of the initial load. */
const NO_GRANTS = Object.freeze({ grants: 0, revocations: 0 });

/** What the history notes of a swap besides the index. */
export interface SwapInfo {
  readonly commit: string | null;
  readonly filesChanged: number;
  /** The index shares no structure with the one before. */
  readonly rebuilt: boolean;
  /** When the swap happened (default: now). */
  readonly at?: Date;
}

/** A remembered swap, and the index it swapped in while the history keeps it. */
interface Kept {
  record: ReloadRecord;
  index: RightsIndex | null;
  readonly rebuilt: boolean;
}

/**
 * Remembers the last `size` swaps and, for the most recent ones, their
 * indexes: every index since the `rebuildsKept`-th most recent rebuild.
 */
export class ReloadHistory {
  readonly #size: number;
  readonly #rebuildsKept: number;
  #kept: Kept[] = [];

  constructor(size = HISTORY_SIZE, rebuildsKept = REBUILDS_KEPT) {
    this.#size = size;
    this.#rebuildsKept = rebuildsKept;
  }

  /** The records, oldest first. */
  get records(): readonly ReloadRecord[] {
    return Object.freeze(this.#kept.map((k) => k.record));
  }

  /**
   * Records a swap from `previous` (null for the initial load) to `index`.
   * Its grant counts are null until `count` has counted them.
   */
  add(index: RightsIndex, previous: RightsIndex | null, info: SwapInfo): ReloadRecord {
    const record: ReloadRecord = Object.freeze({
      revision: index.revision,
      commit: info.commit,
      at: (info.at ?? new Date()).toISOString(),
      filesChanged: info.filesChanged,
      changes: previous === null ? NO_GRANTS : null,
    });
    this.#kept.push({ record, index, rebuilt: info.rebuilt });
    if (this.#kept.length > this.#size) this.#kept = this.#kept.slice(-this.#size);
    this.#forgetOldTries();
    return record;
  }

  /**
   * Counts the grants gained and lost from `previous` to `index` in slices
   * of `slicer`, and sets them on `record` (what `add` gave for that swap).
   */
  async count(record: ReloadRecord, index: RightsIndex, previous: RightsIndex, slicer: TimeSlicer): Promise<void> {
    const counts = await slicer.run(index.grantCountsSinceSteps(previous));
    const kept = this.#kept.find((k) => k.record === record);
    if (kept === undefined) return;
    kept.record = Object.freeze({ ...kept.record, changes: Object.freeze({ grants: counts.added, revocations: counts.removed }) });
  }

  /**
   * The effective changes from `revision` to `current`, or null when no
   * remembered swap with a kept index had that revision. A revision seen
   * more than once (a revert) is the same content each time, so the latest
   * one is compared.
   */
  changesSince(revision: string, current: RightsIndex): RevisionChanges | null {
    for (let i = this.#kept.length - 1; i >= 0; i--) {
      const { record, index } = this.#kept[i] as Kept;
      if (record.revision !== revision) continue;
      if (index === null) return null;
      const changes = index === current ? [] : current.changesSince(index);
      return Object.freeze({ from: revision, to: current.revision, changes: Object.freeze(changes) });
    }
    return null;
  }

  // Drops the indexes older than the oldest rebuild kept: each older run shares a trie nobody else holds.
  #forgetOldTries(): void {
    let rebuilds = 0;
    let forget = false;
    for (let i = this.#kept.length - 1; i >= 0; i--) {
      const kept = this.#kept[i] as Kept;
      if (forget) kept.index = null;
      else if (kept.rebuilt && ++rebuilds >= this.#rebuildsKept) forget = true;
    }
  }
}
