/** The loader's public contract: loading a tree from disk and keeping it live. */
import type { EffectiveChange, Problem, RightsIndex } from "../engine/index.js";

/** Options shared by every way of reading a tree. */
export interface LoadOptions {
  /** Extra micromatch globs (relative to the root, `dot: true`) of paths never read; `.git` and `node_modules` are always skipped. */
  readonly ignore?: readonly string[];
}

/** What `lintTree` found: every error and warning, and the index when there were no errors. */
export interface LintResult {
  readonly problems: readonly Problem[];
  readonly index: RightsIndex | null;
  /** Number of `access.rights` files found, broken ones included. */
  readonly fileCount: number;
}

/** Options of `openTree`. */
export interface OpenOptions extends LoadOptions {
  /** Watch the tree and swap in each new valid index (default false). */
  readonly watch?: boolean;
  /** Quiet time after the last change before reloading, in ms (default 25). */
  readonly debounceMs?: number;
  /**
   * Run the file watcher in a worker thread (default true). chokidar keeps
   * objects for every watched directory (about 360 MiB for 100,000 of them); in
   * their own thread's heap, collecting them never pauses checks. `false`
   * watches in the calling thread: one thread fewer, longer GC pauses on
   * big trees.
   */
  readonly watchThread?: boolean;
  /**
   * Serve the tree at the commit this git ref names (`main`, `origin/main`,
   * `HEAD`, a tag or a commit), read from git's object store, never from the
   * work tree: uncommitted edits are ignored, and the index moves when the
   * ref moves. `dir` may be any directory inside the repository; the tree's
   * root is that directory's path in it. Implies watching the ref.
   */
  readonly ref?: string;
}

/** A load that was rejected while an older index kept answering. */
export interface RejectedLoad {
  /** Revision of the rejected tree content. */
  readonly revision: string;
  /** ISO time of the rejection. */
  readonly at: string;
  readonly problems: readonly Problem[];
  /** The commit whose tree was rejected; set when serving a git ref. */
  readonly commit?: string;
}

/** State of the file watcher. */
export interface WatchStatus {
  readonly state: "off" | "watching" | "failed";
  /** Why watching failed (inotify limit, root removed, ...); set while `state` is `failed`. */
  readonly error?: string;
}

/** Where a live tree is read from. */
export interface TreeSource {
  /** `work-tree`: the files on disk; `ref`: the commits a git ref names (`OpenOptions.ref`). */
  readonly mode: "work-tree" | "ref";
  /** The ref served, in `ref` mode. */
  readonly ref?: string;
  /** The tree's root inside the repository (`config/rights`, `""` for the top), in `ref` mode. */
  readonly path?: string;
  /** Why the ref cannot be followed now (deleted, git failing); the last index keeps answering. */
  readonly error?: string;
}

/** What `TreeHandle.status` and `GET /v1/status` report about a live tree. */
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
  /**
   * HEAD commit of the git work tree holding the root, as of the last good
   * reload; null outside git or without git. Always set by `openTree`.
   */
  readonly commit?: string | null;
  /** The last 50 swaps, the initial load first, oldest first. Always set by `openTree`. */
  readonly history?: readonly ReloadRecord[];
  /** Where the tree is read from; set in `ref` mode (absent means the work tree). */
  readonly source?: TreeSource;
}

/** One swap in `TreeStatus.history`. */
export interface ReloadRecord {
  readonly revision: string;
  readonly commit: string | null;
  /** ISO time of the swap. */
  readonly at: string;
  /** Rights files added, changed or removed (for the initial load: every file loaded). */
  readonly filesChanged: number;
  /**
   * Grants (a group newly holding a level on a directory with a rights file)
   * and revocations (one no longer holding it) against the previous index;
   * zero for the initial load. Counted after the swap, so that the swap
   * never waits for it: null while still being counted.
   */
  readonly changes: { readonly grants: number; readonly revocations: number } | null;
}

/** The effective changes from one revision to the current one, for change feeds. */
export interface RevisionChanges {
  readonly from: string;
  readonly to: string;
  readonly changes: readonly EffectiveChange[];
}

/** Payload of a `reload` event. */
export interface ReloadEvent {
  readonly index: RightsIndex;
  readonly previous: RightsIndex;
  readonly durationMs: number;
  /** Rights files (relative paths) added, changed or removed since the previous index, and `treerights.yaml` when it changed; sorted. */
  readonly changedFiles: readonly string[];
  /** HEAD commit when the new index was read (see `TreeStatus.commit`). Always set by `openTree`. */
  readonly commit?: string | null;
}

/** Events of a live tree. */
export interface TreeEvents {
  reload: [event: ReloadEvent];
  rejected: [rejected: RejectedLoad];
  /** A good load after rejected ones: the last rejection is over. */
  recovered: [rejected: RejectedLoad];
  "watch-error": [error: Error];
  /** Something an operator should know that did not stop the reload (files read otherwise than git's index records them). */
  warning: [message: string];
  /** The commit moved and its rights files are those of the index already answering: no swap, a new commit. Emitted in `ref` mode. */
  commit: [commit: string | null];
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
  /**
   * Effective changes from `revision` to the current index, or null when
   * `revision` is not among the last 50 in `status.history` (too old or never
   * loaded). Always present on handles from `openTree`.
   */
  changesSince?(revision: string): RevisionChanges | null;
  /** Stops watching; the last index keeps answering for whoever holds it. */
  close(): Promise<void>;
}
