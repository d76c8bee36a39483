/** The loader's public contract: loading a tree from disk and keeping it live. */
import type { Problem, RightsIndex } from "../engine/index.js";

/** Options shared by every way of reading a tree. */
export interface LoadOptions {
  /** Extra micromatch globs (relative to the root, `dot: true`) of paths never read; `.git` and `node_modules` are always skipped. */
  readonly ignore?: readonly string[];
}

/** What `lintTree` found: every error and warning, and the index when there were no errors. */
export interface LintResult {
  readonly problems: readonly Problem[];
  readonly index: RightsIndex | null;
}

/** Options of `openTree`. */
export interface OpenOptions extends LoadOptions {
  /** Watch the tree and swap in each new valid index (default false). */
  readonly watch?: boolean;
  /** Quiet time after the last change before reloading, in ms (default 50). */
  readonly debounceMs?: number;
}

/** A load that was rejected while an older index kept answering. */
export interface RejectedLoad {
  /** Revision of the rejected tree content. */
  readonly revision: string;
  /** ISO time of the rejection. */
  readonly at: string;
  readonly problems: readonly Problem[];
}

/** State of the file watcher. */
export interface WatchStatus {
  readonly state: "off" | "watching" | "failed";
  /** Why watching failed (inotify limit, root removed, ...); set while `state` is `failed`. */
  readonly error?: string;
}

/** What `/v1/status` and `treerights status` report about a live tree. */
export interface TreeStatus {
  /** Absolute root directory. */
  readonly root: string;
  readonly revision: string;
  /** ISO time the current index was loaded. */
  readonly loadedAt: string;
  /** How long building the current index took, in ms. */
  readonly loadMs: number;
  readonly fileCount: number;
  /** Successful reloads since open (the initial load not counted). */
  readonly reloads: number;
  /** Rejected reloads since open. */
  readonly rejectedReloads: number;
  /** The last rejected load, cleared by the next good one. */
  readonly rejected: RejectedLoad | null;
  readonly watch: WatchStatus;
}

/** Payload of a `reload` event. */
export interface ReloadEvent {
  readonly index: RightsIndex;
  readonly previous: RightsIndex;
  readonly durationMs: number;
  /** Rights files (relative paths) added, changed or removed since the previous index. */
  readonly changedFiles: readonly string[];
}

/** Events of a live tree. */
export interface TreeEvents {
  reload: [event: ReloadEvent];
  rejected: [rejected: RejectedLoad];
  "watch-error": [error: Error];
}

/**
 * A live rights tree. `index` is always the last good index: a reload builds
 * the complete new index aside and swaps this one reference.
 */
export interface TreeHandle {
  readonly index: RightsIndex;
  readonly status: TreeStatus;
  on<E extends keyof TreeEvents>(event: E, listener: (...args: TreeEvents[E]) => void): this;
  off<E extends keyof TreeEvents>(event: E, listener: (...args: TreeEvents[E]) => void): this;
  /** Re-reads the tree now, outside the debounce; resolves once swapped or rejected. */
  reload(): Promise<void>;
  /** Stops watching; the last index keeps answering for whoever holds it. */
  close(): Promise<void>;
}
