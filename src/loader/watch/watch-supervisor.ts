/** Keeping a tree watched: starts the watcher, reports its failures, recovers when it can. */
import { realpath } from "node:fs/promises";
import type { WatchStatus } from "../types.js";
import type { TreeChange } from "./watch-tree.js";
import { GitLockGate } from "../git/watch-git.js";
import { watchTreeInThread } from "./watch-thread.js";
import { isDirectory } from "../read/tree-fs.js";
import { watchTree } from "./watch-tree.js";
import type { TreeWatcher, TreeWatchListener, WatcherFactory } from "./watch-tree.js";

/** Default time between recovery attempts, in ms; doubled while restarts keep failing. */
export const RECOVERY_POLL_MS = 500;

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
}

/**
 * Owns the watcher of one tree. On a watcher error (an inotify limit) or a
 * removed root it reports `failed`, then polls (unref'd timers) until the
 * root is a directory again, restarts the watcher and reports `recovered`.
 */
export class WatchSupervisor {
  readonly #root: string;
  readonly #options: SupervisorOptions;
  readonly #listener: SupervisorListener;
  readonly #git = new GitLockGate();
  #status: WatchStatus = Object.freeze({ state: "off" });
  #watcher: TreeWatcher | null = null;
  /** Counts watchers started; events of an older watcher are ignored. */
  #generation = 0;
  /** Failures since the last watcher that started cleanly, for the backoff. */
  #failures = 0;
  #timer: NodeJS.Timeout | null = null;
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

  /** True while a new directory waits for its second walk: a reload now could miss a file in it. */
  settling(): boolean {
    return this.#watcher?.settling() ?? false;
  }

  /**
   * Resolves once every change the watcher had seen is reported. A watch
   * thread runs apart from this one and may lag behind it (starved of CPU
   * in the middle of a burst, say), so a reload asks first.
   */
  sync(): Promise<void> {
    return this.#watcher?.sync() ?? Promise.resolve();
  }

  /** True while git rewrites the tree (its index lock is held), so a reload would see half a checkout. */
  gitBusy(): Promise<boolean> {
    return this.#git.busy();
  }

  /**
   * Starts watching; resolves once the watcher is ready (true) or has failed
   * or was closed meanwhile (false). Throws `invalid_option` for bad ignore globs.
   */
  async start(): Promise<boolean> {
    const generation = ++this.#generation;
    // The root may be a symbolic link (a deploy path); links are not followed, so watch what it points at.
    const watchRoot = await realpath(this.#root).catch(() => this.#root);
    await this.#git.locate(watchRoot);
    const listener: TreeWatchListener = {
      change: (change) => {
        if (generation === this.#generation) this.#listener.change(change);
      },
      failed: (error) => {
        this.#fail(generation, error);
      },
    };
    const ignore = this.#options.ignore ?? [];
    const { createWatcher } = this.#options;
    // An injected factory is a function: it cannot cross into a thread.
    const watcher = createWatcher === undefined && this.#options.thread !== false
      ? await watchTreeInThread(watchRoot, listener, { ignore })
      : await watchTree(watchRoot, listener, { ignore, ...(createWatcher ? { createWatcher } : {}) });
    if (generation !== this.#generation || this.#closed) {
      // It failed while starting, or the tree closed meanwhile.
      await watcher.close();
      return false;
    }
    this.#watcher = watcher;
    this.#status = Object.freeze({ state: "watching" });
    this.#failures = 0;
    return true;
  }

  /** A reload found the root gone: a watch failure (once), not a rejected tree. */
  rootMissing(): void {
    if (this.#status.state === "watching") this.#fail(this.#generation, new Error(`root directory \`${this.#root}\` was removed`));
  }

  /** Stops the watcher and every timer; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#generation++;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#status.state !== "off") this.#status = Object.freeze({ state: "off" });
    const watcher = this.#watcher;
    this.#watcher = null;
    await watcher?.close();
  }

  #fail(generation: number, error: Error): void {
    if (generation !== this.#generation || this.#closed) return;
    this.#generation++;
    this.#failures++;
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
