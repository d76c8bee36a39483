/** What the watcher saw since the last reload, gathered into the work the next reload has to do. */
import type { TreeChange } from "../watch/watch-tree.js";
import type { ChangeBatch } from "./incremental-scan.js";

export type { TreeChange };

/** The work of one reload. */
export type PendingWork =
  | { readonly kind: "none" }
  /** Read the whole tree; `recompile` when the configuration changed, so nothing cached may be reused. */
  | { readonly kind: "full"; readonly recompile: boolean }
  | { readonly kind: "changes"; readonly batch: ChangeBatch };

/** More changed paths than this in one batch and the reload reads the whole tree instead. */
export const MAX_BATCH = 10_000;

/**
 * How long a removed rights file is held before a reload may see it gone, in
 * ms: an editor that deletes and then writes the file anew (rather than
 * renaming over it) must not make a reload see the directory without rules.
 * chokidar's `atomic` option waits as long, but for every unlink.
 */
export const UNLINK_HOLD_MS = 100;

/**
 * Gathers watcher changes between reloads: the rights files and directories
 * to read again, or a full reload when the configuration changed or a burst
 * overflowed `maxBatch` (a reload that reads everything cannot miss anything).
 */
export class PendingChanges {
  readonly #maxBatch: number;
  #files = new Set<string>();
  #dirs = new Set<string>();
  #full = false;
  #recompile = false;
  /** Removed rights files not seen again yet, with when they went. */
  readonly #unlinked = new Map<string, number>();

  constructor(maxBatch = MAX_BATCH) {
    this.#maxBatch = maxBatch;
  }

  /** Records one change seen at `now` (ms). */
  add(change: TreeChange, now = Date.now()): void {
    if (change.kind === "file") {
      if (change.removed) this.#unlinked.set(change.path, now);
      else this.#unlinked.delete(change.path);
    }
    if (change.kind === "config") this.markFull(true);
    if (this.#full) return;
    if (change.kind === "file") this.#files.add(change.path);
    else if (change.kind === "dir") this.#dirs.add(change.path);
    if (this.#files.size + this.#dirs.size > this.#maxBatch) this.markFull();
  }

  /** The next reload reads the whole tree (watch recovery, a configuration change, an overflow). */
  markFull(recompile = false): void {
    this.#full = true;
    this.#recompile ||= recompile;
    this.#files = new Set();
    this.#dirs = new Set();
  }

  /** How much longer, from `now`, the next reload should wait for removed files to come back; 0 when none is held. */
  holdMs(now = Date.now()): number {
    let until = 0;
    for (const [path, at] of this.#unlinked) {
      if (at + UNLINK_HOLD_MS <= now) this.#unlinked.delete(path);
      else until = Math.max(until, at + UNLINK_HOLD_MS - now);
    }
    return until;
  }

  /** True when nothing was gathered since the last `take`. */
  get empty(): boolean {
    return !this.#full && this.#files.size + this.#dirs.size === 0;
  }

  /**
   * True when everything gathered since the last `take` is about `files`
   * (relative paths) or directories holding one of them: the echo of writes
   * a read has already seen.
   */
  onlyAbout(files: ReadonlySet<string>): boolean {
    if (this.#full) return false;
    for (const file of this.#files) if (!files.has(file)) return false;
    for (const dir of this.#dirs) {
      let holds = false;
      for (const file of files) {
        if (file.startsWith(`${dir}/`)) {
          holds = true;
          break;
        }
      }
      if (!holds) return false;
    }
    return true;
  }

  /** Puts back work `take` gave out and that was not done (a read the reload gate refused). */
  restore(work: PendingWork): void {
    if (work.kind === "full") this.markFull(work.recompile);
    else if (work.kind === "changes") {
      for (const file of work.batch.files) this.add({ kind: "file", path: file, removed: false });
      for (const dir of work.batch.dirs) this.add({ kind: "dir", path: dir, removed: false });
    }
  }

  /** The work gathered so far; starts gathering anew. */
  take(): PendingWork {
    const work: PendingWork = this.#full
      ? { kind: "full", recompile: this.#recompile }
      : this.#files.size + this.#dirs.size === 0
        ? { kind: "none" }
        : { kind: "changes", batch: { files: this.#files, dirs: this.#dirs } };
    this.#files = new Set();
    this.#dirs = new Set();
    this.#full = false;
    this.#recompile = false;
    this.#unlinked.clear();
    return work;
  }
}
