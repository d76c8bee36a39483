/** When to reload a watched tree: debounced, capped, and never two reloads at once. */

/** Longest a tree that never goes quiet waits for a reload, unless the debounce is longer. */
export const DEFAULT_MAX_WAIT_MS = 1000;

/** Timing of a `ReloadScheduler`. */
export interface ReloadTiming {
  /** Quiet time after the last change before reloading, in ms. */
  readonly debounceMs: number;
  /** Longest wait from the first unhandled change to a reload, in ms (default: `DEFAULT_MAX_WAIT_MS` or 10 debounces, whichever is longer). */
  readonly maxWaitMs?: number;
}

/**
 * Turns a stream of change notices into reloads: waits until the tree is
 * quiet for `debounceMs` (so a `git checkout` of hundreds of files is one
 * reload), but no longer than `maxWaitMs` after the first change (so a tree
 * that never goes quiet still reloads). Runs one reload at a time; a reload
 * asked for while one runs becomes exactly one more run after it.
 */
export class ReloadScheduler {
  readonly #run: (forced: boolean) => Promise<void>;
  readonly #debounceMs: number;
  readonly #maxWaitMs: number;
  #timer: NodeJS.Timeout | null = null;
  /** When the first change not yet covered by a scheduled run arrived. */
  #firstChangeAt: number | null = null;
  #running: Promise<void> | null = null;
  /** The one run queued behind the running one, with its waiters; forced when `now()` asked for it. */
  #queued: { promise: Promise<void>; resolve: () => void; forced: boolean } | null = null;
  #closed = false;

  /** `run` is told whether `now()` forced it (a forced run should not hold off). */
  constructor(run: (forced: boolean) => Promise<void>, timing: ReloadTiming) {
    this.#run = run;
    this.#debounceMs = timing.debounceMs;
    this.#maxWaitMs = timing.maxWaitMs ?? Math.max(DEFAULT_MAX_WAIT_MS, timing.debounceMs * 10);
  }

  /** True while a reload runs. */
  get busy(): boolean {
    return this.#running !== null;
  }

  /**
   * A change happened: reload once the tree has been quiet for the debounce,
   * or for `quietMs` when the change asks for longer (or the max wait passed).
   */
  notify(quietMs = this.#debounceMs): void {
    if (this.#closed) return;
    const now = Date.now();
    this.#firstChangeAt ??= now;
    const untilCap = this.#firstChangeAt + this.#maxWaitMs - now;
    this.#arm(Math.max(0, Math.min(Math.max(this.#debounceMs, quietMs), untilCap)));
  }

  /** Reloads now, skipping the debounce; resolves when a run that started after this call has finished. */
  now(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#disarm();
    return this.#trigger(true);
  }

  /** Drops pending changes and timers, then waits for a running reload to finish. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#disarm();
    const queued = this.#queued;
    this.#queued = null;
    queued?.resolve();
    await this.#running;
  }

  #arm(delayMs: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#firstChangeAt = null;
      void this.#trigger(false);
    }, delayMs);
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#firstChangeAt = null;
  }

  #trigger(forced: boolean): Promise<void> {
    if (this.#running === null) return this.#start(forced);
    // The running reload may have read the tree before this change: one more run follows it.
    if (this.#queued === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#queued = { promise, resolve, forced };
    }
    this.#queued.forced ||= forced;
    return this.#queued.promise;
  }

  #start(forced: boolean): Promise<void> {
    const running = this.#run(forced)
      .catch(() => undefined) // the run reports its own failures; the schedule must go on
      .then(() => {
        this.#running = null;
        const queued = this.#queued;
        if (queued === null || this.#closed) return;
        this.#queued = null;
        void this.#start(queued.forced).then(queued.resolve);
      });
    this.#running = running;
    return running;
  }
}
