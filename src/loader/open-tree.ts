/**
 * `openTree`: a live rights tree. Each reload builds the complete new index
 * aside and swaps one reference; a rejected tree keeps the last good index.
 */
import { EventEmitter } from "node:events";
import path from "node:path";
import { compile, LoadError, TreeRightsError } from "../engine/index.js";
import type { Problem, RightsIndex } from "../engine/index.js";
import { hasErrors, NOWHERE, problem } from "./problems.js";
import { readTree } from "./read-tree.js";
import type { TreeSnapshot } from "./read-tree.js";
import type { OpenOptions, RejectedLoad, TreeEvents, TreeHandle, TreeStatus, WatchStatus } from "./types.js";
import { changedFiles, fileFingerprints } from "./watch-changes.js";
import { ReloadScheduler } from "./watch-scheduler.js";
import { isDirectory, WatchSupervisor } from "./watch-supervisor.js";
import type { WatcherFactory } from "./watch-tree.js";

const OFF: WatchStatus = Object.freeze({ state: "off" });

/** Default quiet time before a reload, in ms. */
export const DEFAULT_DEBOUNCE_MS = 50;

/** Seam for tests (not exported from the package): inject watcher failures, speed up recovery. */
export interface OpenHooks {
  readonly createWatcher?: WatcherFactory;
  /** How often a failed watcher checks whether it can start again, in ms (default 500). */
  readonly recoveryPollMs?: number;
}

/**
 * Loads the tree at `dir` and keeps it live. Rejects with `LoadError` when the
 * tree is invalid at startup; it never becomes ready. With `watch: true`,
 * changes to rights files reload it after a short debounce.
 */
export function openTree(dir: string, options: OpenOptions = {}): Promise<TreeHandle> {
  return openTreeWith(dir, options, {});
}

/** `openTree` with test seams. */
export async function openTreeWith(dir: string, options: OpenOptions, hooks: OpenHooks): Promise<TreeHandle> {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  if (!Number.isFinite(debounceMs) || debounceMs < 0) {
    throw new TreeRightsError("invalid_option", `\`debounceMs\` must be a non-negative number of milliseconds, got \`${String(debounceMs)}\``);
  }
  const tree = new LiveTree(path.resolve(dir), options, hooks, debounceMs);
  await tree.start();
  return tree;
}

/** A tree that was read and compiled, or why it was not. */
type Outcome =
  | { readonly ok: true; readonly snapshot: TreeSnapshot; readonly index: RightsIndex }
  | { readonly ok: false; readonly revision: string; readonly problems: readonly Problem[] };

async function buildTree(root: string, options: OpenOptions): Promise<Outcome> {
  let snapshot: TreeSnapshot;
  try {
    snapshot = await readTree(root, options);
  } catch (err) {
    if (err instanceof LoadError) return { ok: false, revision: "", problems: err.problems };
    // Misuse (a bad option) is thrown as is; anything else is a tree that could not be read.
    if (err instanceof TreeRightsError) throw err;
    return { ok: false, revision: "", problems: [problem("unreadable", "", NOWHERE, `cannot read the tree: ${messageOf(err)}`)] };
  }
  if (hasErrors(snapshot.problems)) return { ok: false, revision: snapshot.revision, problems: snapshot.problems };
  try {
    return { ok: true, snapshot, index: compile(snapshot.files, { revision: snapshot.revision }) };
  } catch (err) {
    if (!(err instanceof TreeRightsError)) throw err;
    return { ok: false, revision: snapshot.revision, problems: [...snapshot.problems, problem("invalid_rights", "", NOWHERE, err.message)] };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The live handle behind `openTree`. */
class LiveTree implements TreeHandle {
  readonly #root: string;
  readonly #options: OpenOptions;
  readonly #events = new EventEmitter();
  readonly #scheduler: ReloadScheduler;
  readonly #watcher: WatchSupervisor | null;
  #index: RightsIndex | null = null;
  #prints: ReadonlyMap<string, string> = new Map();
  #startError: Error | null = null;
  #loadedAt = "";
  #loadMs = 0;
  #reloads = 0;
  #rejectedReloads = 0;
  #rejected: RejectedLoad | null = null;
  #closing: Promise<void> | null = null;

  constructor(root: string, options: OpenOptions, hooks: OpenHooks, debounceMs: number) {
    this.#root = root;
    this.#options = options;
    this.#scheduler = new ReloadScheduler((forced) => this.#load(forced), { debounceMs });
    this.#watcher = options.watch === true
      ? new WatchSupervisor(root, { ...(options.ignore ? { ignore: options.ignore } : {}), ...hooks }, {
        change: () => {
          this.#scheduler.notify();
        },
        failed: (error) => {
          this.#emit("watch-error", error);
        },
        recovered: () => {
          this.#scheduler.notify();
        },
      })
      : null;
  }

  /** The last good index. */
  get index(): RightsIndex {
    if (this.#index === null) throw new TreeRightsError("not_ready", "the rights tree has not loaded yet");
    return this.#index;
  }

  get status(): TreeStatus {
    const index = this.index;
    return Object.freeze({
      root: this.#root,
      revision: index.revision,
      loadedAt: this.#loadedAt,
      loadMs: this.#loadMs,
      fileCount: index.fileCount,
      reloads: this.#reloads,
      rejectedReloads: this.#rejectedReloads,
      rejected: this.#rejected,
      watch: this.#watcher?.status ?? OFF,
    });
  }

  on<E extends keyof TreeEvents>(event: E, listener: (...args: TreeEvents[E]) => void): this {
    this.#events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof TreeEvents>(event: E, listener: (...args: TreeEvents[E]) => void): this {
    this.#events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  reload(): Promise<void> {
    return this.#scheduler.now();
  }

  close(): Promise<void> {
    // The scheduler waits for a running reload, which sees `#closing` and neither swaps nor emits.
    this.#closing ??= Promise.all([this.#scheduler.close(), this.#watcher?.close()]).then(() => undefined);
    return this.#closing;
  }

  /** Watches (when asked), then loads: the watcher comes first so no change after the load is missed. */
  async start(): Promise<void> {
    try {
      await this.#watcher?.start();
      // The initial load goes through the scheduler so it never overlaps a reload a change asked for.
      await this.#scheduler.now();
    } finally {
      if (this.#index === null) await this.close();
    }
    if (this.#index === null) throw this.#startError ?? new TreeRightsError("not_ready", "the rights tree was closed before it loaded");
  }

  async #load(forced: boolean): Promise<void> {
    const initial = this.#index === null;
    if (!initial && this.#watcher !== null) {
      if (!(await isDirectory(this.#root))) {
        // A tree that is gone is a watch failure, not a rejected tree; recovery reloads it when it returns.
        this.#watcher.rootMissing();
        return;
      }
      if (!forced && (await this.#watcher.gitBusy())) {
        this.#scheduler.notify(); // git is mid-checkout: look again after another debounce
        return;
      }
    }
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await buildTree(this.#root, this.#options);
    } catch (err) {
      if (initial) this.#startError = err instanceof Error ? err : new Error(messageOf(err));
      else if (this.#closing === null) this.#reject("", [problem("unreadable", "", NOWHERE, `cannot load the tree: ${messageOf(err)}`)]);
      return;
    }
    const durationMs = performance.now() - started;
    if (this.#closing !== null) return;
    if (!outcome.ok) {
      if (initial) this.#startError = new LoadError(outcome.problems);
      else this.#reject(outcome.revision, outcome.problems);
      return;
    }
    const previous = this.#index;
    this.#rejected = null;
    if (previous?.revision === outcome.index.revision) return;
    // INVARIANT: decisions only ever see a complete index; this assignment is the swap.
    this.#index = outcome.index;
    this.#loadedAt = new Date().toISOString();
    this.#loadMs = durationMs;
    const prints = fileFingerprints(outcome.snapshot);
    const changed = changedFiles(this.#prints, prints);
    this.#prints = prints;
    if (previous === null) return;
    this.#reloads++;
    this.#emit("reload", { index: outcome.index, previous, durationMs, changedFiles: Object.freeze(changed) });
  }

  #reject(revision: string, problems: readonly Problem[]): void {
    // The same broken content read again (a touch, a second event) is one rejection, not two.
    if (revision !== "" && this.#rejected?.revision === revision) return;
    const rejected: RejectedLoad = Object.freeze({ revision, at: new Date().toISOString(), problems: Object.freeze([...problems]) });
    this.#rejected = rejected;
    this.#rejectedReloads++;
    this.#emit("rejected", rejected);
  }

  #emit<E extends keyof TreeEvents>(event: E, ...args: TreeEvents[E]): void {
    if (this.#closing !== null) return;
    try {
      this.#events.emit(event, ...args);
    } catch (err) {
      // A throwing listener must not stop reloads; surface it as any throwing listener is.
      process.nextTick(() => {
        throw err;
      });
    }
  }
}
