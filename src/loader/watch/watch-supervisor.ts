/**
 * Keeping a tree watched: starts the watcher, watches the root itself,
 * reports every failure, and recovers when it can.
 */
import { realpath, stat } from "node:fs/promises";
import type { WatchStatus } from "../types.js";
import { isDirectory } from "../read/tree-fs.js";
import { watchTreeInThread } from "./watch-thread.js";
import { watchTree } from "./watch-tree.js";
import type { TreeChange, TreeWatcher, TreeWatchListener, WatcherFactory } from "./watch-tree.js";

/** Default time between recovery attempts, in ms; doubled while restarts keep failing. */
export const RECOVERY_POLL_MS = 500;

/**
 * How often the root path is looked at, in ms: a root renamed away or
 * replaced by rename (a deploy's `mv new root`) leaves the watcher watching
 * the old directory under a new name, and no event says so.
 */
export const ROOT_CHECK_MS = 500;

/**
 * What the root path names, against the directory being watched: the same
 * directory, nothing, another directory, or unknown because nothing is
 * being watched (a failed watcher not yet recovered).
 */
export type RootState = "same" | "missing" | "replaced" | "unwatched";

/** Starts a watcher in place of chokidar's (the test seam that reports changes in any order). */
export type WatcherStarter = (root: string, listener: TreeWatchListener) => Promise<TreeWatcher>;

/** Longest time between recovery attempts, in ms. */
const MAX_RECOVERY_DELAY_MS = 30_000;

/** What a `WatchSupervisor` reports to its tree. */
export interface SupervisorListener {
  /** A change that can alter the tree. */
  change(change: TreeChange): void;
  /** Watching stopped; `status` now says `failed`. Never silent: called once per failure. */
  failed(error: Error): void;
  /** Watching runs again after a failure; the tree should be reloaded. */
  recovered(): void;
}

/** Options of a `WatchSupervisor`. */
export interface SupervisorOptions {
  readonly ignore?: readonly string[];
  /** Watch in this thread with this factory (tests inject failures); implies `thread: false`. */
  readonly createWatcher?: WatcherFactory;
  /** Run the watcher in a worker thread (`watchTreeInThread`, the default) or in this one. */
  readonly thread?: boolean;
  /** Time between recovery attempts, in ms (default `RECOVERY_POLL_MS`). */
  readonly recoveryPollMs?: number;
  /** Watch with this instead of chokidar (tests); wins over `createWatcher` and `thread`. */
  readonly startWatcher?: WatcherStarter;
}

/**
 * Owns the watcher of one tree. On a watcher error (an inotify limit), a
 * removed root, or a root path that names another directory than the one
 * watched, it reports `failed`, then polls (unref'd timers) until the root
 * is a directory again, restarts the watcher on what the path names now and
 * reports `recovered`.
 */
export class WatchSupervisor {
  readonly #root: string;
  readonly #options: SupervisorOptions;
  readonly #listener: SupervisorListener;
  #status: WatchStatus = Object.freeze({ state: "off" });
  #watcher: TreeWatcher | null = null;
  /** Counts watchers started; events of an older watcher are ignored. */
  #generation = 0;
  /** Failures since the last watcher that started cleanly, for the backoff. */
  #failures = 0;
  #timer: NodeJS.Timeout | null = null;
  /** The directory being watched (device and inode), while watching. */
  #identity: string | null = null;
  #rootCheck: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(root: string, options: SupervisorOptions, listener: SupervisorListener) {
    this.#root = root;
    this.#options = options;
    this.#listener = listener;
  }

  /** The watcher's state, for `TreeStatus.watch`. */
  get status(): WatchStatus {
    return this.#status;
  }

  /**
   * Resolves once every change the watcher had seen is reported. A watch
   * thread runs apart from this one and may lag behind it (starved of CPU
   * in the middle of a burst, say), so a reload asks first.
   */
  sync(): Promise<void> {
    return this.#watcher?.sync() ?? Promise.resolve();
  }

  /**
   * What the root path names now: the directory being watched, nothing, or
   * another directory. Anything but `same` while watching is reported as a
   * failure (once), and recovery follows the path to what it names.
   */
  async rootState(): Promise<RootState> {
    const identity = this.#identity;
    const now = await identityOf(this.#root);
    // Without a watcher nothing says when the tree is quiet: only forced reads go ahead until recovery.
    const state: RootState = now === null ? "missing" : identity === null ? "unwatched" : now === identity ? "same" : "replaced";
    if ((state === "missing" || state === "replaced") && identity !== null && identity === this.#identity) this.#rootLost(state);
    return state;
  }

  /**
   * Starts watching; resolves once the watcher is ready (true) or has failed
   * or was closed meanwhile (false). Throws `invalid_option` for bad ignore globs.
   */
  async start(): Promise<boolean> {
    const generation = ++this.#generation;
    // The root may be a symbolic link (a deploy path); links are not followed, so watch what it points at.
    const watchRoot = await realpath(this.#root).catch(() => this.#root);
    const identity = await identityOf(watchRoot);
    const listener: TreeWatchListener = {
      change: (change) => {
        if (generation === this.#generation) this.#listener.change(change);
      },
      failed: (error) => {
        this.#fail(generation, error);
      },
    };
    const ignore = this.#options.ignore ?? [];
    const { createWatcher, startWatcher } = this.#options;
    // An injected factory is a function: it cannot cross into a thread.
    const watcher = startWatcher !== undefined
      ? await startWatcher(watchRoot, listener)
      : createWatcher === undefined && this.#options.thread !== false
        ? await watchTreeInThread(watchRoot, listener, { ignore })
        : await watchTree(watchRoot, listener, { ignore, ...(createWatcher ? { createWatcher } : {}) });
    if (generation !== this.#generation || this.#closed) {
      // It failed while starting, or the tree closed meanwhile.
      await watcher.close();
      return false;
    }
    this.#watcher = watcher;
    this.#identity = identity;
    this.#status = Object.freeze({ state: "watching" });
    this.#failures = 0;
    if (this.#rootCheck === null) {
      this.#rootCheck = setInterval(() => void this.rootState(), ROOT_CHECK_MS);
      this.#rootCheck.unref();
    }
    return true;
  }

  #rootLost(state: "missing" | "replaced"): void {
    const why = state === "missing" ? "was removed" : "now names another directory (renamed or replaced)";
    this.#fail(this.#generation, new Error(`root directory \`${this.#root}\` ${why}`));
  }

  /** Stops the watcher and every timer; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#generation++;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#rootCheck !== null) clearInterval(this.#rootCheck);
    this.#rootCheck = null;
    this.#identity = null;
    if (this.#status.state !== "off") this.#status = Object.freeze({ state: "off" });
    const watcher = this.#watcher;
    this.#watcher = null;
    await watcher?.close();
  }

  #fail(generation: number, error: Error): void {
    if (generation !== this.#generation || this.#closed) return;
    this.#generation++;
    this.#failures++;
    this.#identity = null;
    this.#status = Object.freeze({ state: "failed", error: error.message });
    const watcher = this.#watcher;
    this.#watcher = null;
    void watcher?.close().catch(() => undefined); // it already failed; closing is cleanup
    this.#listener.failed(error);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    const poll = this.#options.recoveryPollMs ?? RECOVERY_POLL_MS;
    const delay = Math.min(poll * 2 ** Math.max(0, this.#failures - 1), MAX_RECOVERY_DELAY_MS);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#recover();
    }, delay);
    this.#timer.unref();
  }

  async #recover(): Promise<void> {
    if (this.#closed) return;
    if (!(await isDirectory(this.#root))) {
      this.#failures = 1; // a missing root is waited for at the plain poll rate
      this.#schedule();
      return;
    }
    let started: boolean;
    try {
      started = await this.start();
    } catch (err) {
      this.#fail(this.#generation, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (started) this.#listener.recovered();
  }
}

/** The device and inode of the directory `dir` names (following a link), or null when it names no directory. */
async function identityOf(dir: string): Promise<string | null> {
  try {
    const info = await stat(dir);
    return info.isDirectory() ? `${info.dev}:${info.ino}` : null;
  } catch {
    return null;
  }
}
