/**
 * What every live tree (a watched work tree, a followed git ref) answers the
 * same way: the index and its history from a `ServedIndex`, reloads through
 * one `ReloadScheduler`, and the first load before the handle is given out.
 */
import { TreeRightsError } from "../../engine/index.js";
import type { RightsIndex } from "../../engine/index.js";
import type { OpenOptions, RevisionChanges, TreeEvents, TreeHandle, TreeStatus } from "../types.js";
import { ServedIndex } from "./served-index.js";
import { ReloadScheduler } from "./watch-scheduler.js";

/** The shared part of a live tree; a subclass says how a load reads and what its status and close add. */
export abstract class LiveHandle implements TreeHandle {
  protected readonly served = new ServedIndex();
  protected readonly scheduler: ReloadScheduler;
  /** Why the first load gave no index, for `open` to throw. */
  protected startError: Error | null = null;

  protected constructor(debounceMs: number) {
    this.scheduler = new ReloadScheduler((forced) => this.load(forced), { debounceMs });
  }

  abstract get status(): TreeStatus;

  abstract close(): Promise<void>;

  /** One load, run by the scheduler (one at a time); `forced` when `reload()` or the first load asked for it. */
  protected abstract load(forced: boolean): Promise<void>;

  /** The last good index. */
  get index(): RightsIndex {
    return this.served.index;
  }

  changesSince(revision: string): RevisionChanges | null {
    return this.served.changesSince(revision);
  }

  on<E extends keyof TreeEvents>(event: E, listener: (...args: TreeEvents[E]) => void): this {
    this.served.events.on(event, listener);
    return this;
  }

  off<E extends keyof TreeEvents>(event: E, listener: (...args: TreeEvents[E]) => void): this {
    this.served.events.off(event, listener);
    return this;
  }

  /** Loads again now, outside the debounce; resolves once swapped or rejected. */
  reload(): Promise<void> {
    return this.scheduler.now();
  }

  /**
   * Runs `watch` (which starts watching, so no change after the load is
   * missed), then the first load through the scheduler (so it never overlaps
   * a reload a change asked for). Closes the handle and throws when no index
   * came of it.
   */
  protected async open(watch: () => Promise<unknown>): Promise<void> {
    try {
      await watch();
      await this.scheduler.now();
    } finally {
      if (this.served.current === null) await this.close();
    }
    if (this.served.current === null) throw this.startError ?? new TreeRightsError("not_ready", "the rights tree was closed before it loaded");
  }
}

/** The quiet time `options` asks for, or `fallback`; throws `invalid_option` for anything but a non-negative number of ms. */
export function debounceOf(options: OpenOptions, fallback: number): number {
  const debounceMs = options.debounceMs ?? fallback;
  if (!Number.isFinite(debounceMs) || debounceMs < 0) {
    throw new TreeRightsError("invalid_option", `\`debounceMs\` must be a non-negative number of milliseconds, got \`${String(debounceMs)}\``);
  }
  return debounceMs;
}

/** An error's message, or what was thrown as text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
