/**
 * `openTree`: a live rights tree. Each reload builds the complete new index
 * aside and swaps one reference; a rejected tree keeps the last good index.
 * When a reload may read and whether what it read may be served is the
 * reload gate's decision (`reload-gate.ts`); this module reads, builds and
 * swaps. A watched change re-reads only the rights files and directories it
 * names and updates the index incrementally; `reload()`, watch recovery and
 * configuration changes read the whole tree.
 */
import { EventEmitter } from "node:events";
import path from "node:path";
import { LoadError, TreeRightsError } from "../../engine/index.js";
import type { Problem, RightsIndex } from "../../engine/index.js";
import { HeadCommit } from "../git/git-commit.js";
import { WorkTreeIndex } from "../git/work-tree-index.js";
import type { PendingLoad } from "./incremental-reload.js";
import { IncrementalLoader, RELOAD_SLICE_MS } from "./incremental-reload.js";
import { NOWHERE, problem } from "../parse/problems.js";
import type {
  OpenOptions, RejectedLoad, RevisionChanges, TreeEvents, TreeHandle, TreeStatus, WatchStatus,
} from "../types.js";
import { openRefTree } from "./ref-tree.js";
import { ReloadGate } from "./reload-gate.js";
import { TimeSlicer } from "../read/tree-fs.js";
import { ReloadHistory } from "./watch-history.js";
import { ReloadScheduler } from "./watch-scheduler.js";
import { warmReloadPaths } from "./warm-up.js";
import { WatchSupervisor } from "../watch/watch-supervisor.js";
import type { WatcherStarter } from "../watch/watch-supervisor.js";
import type { WatcherFactory } from "../watch/watch-tree.js";

const OFF: WatchStatus = Object.freeze({ state: "off" });

/** Default quiet time before a reload, in ms: long enough to gather a `git checkout` into one swap. */
export const DEFAULT_DEBOUNCE_MS = 25;

/** Seam for tests (not exported from the package): inject watcher failures, speed up recovery. */
export interface OpenHooks {
  readonly createWatcher?: WatcherFactory;
  /** Watch with this instead of chokidar: a test reports changes in any order, or not at all. */
  readonly startWatcher?: WatcherStarter;
  /** How often a failed watcher checks whether it can start again, in ms (default 500). */
  readonly recoveryPollMs?: number;
  /** Changed paths one reload re-reads before it reads the whole tree instead (default `MAX_BATCH`). */
  readonly maxBatch?: number;
}

/**
 * Loads the tree at `dir` and keeps it live. Rejects with `LoadError` when the
 * tree is invalid at startup; it never becomes ready. With `watch: true`,
 * changes to rights files reload it after a short debounce.
 */
export function openTree(dir: string, options: OpenOptions = {}): Promise<TreeHandle> {
  if (options.ref !== undefined) return openRefTree(dir, options);
  return openTreeWith(dir, options, {});
}

/** `openTree` with test seams. */
export async function openTreeWith(dir: string, options: OpenOptions, hooks: OpenHooks): Promise<TreeHandle> {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  if (!Number.isFinite(debounceMs) || debounceMs < 0) {
    throw new TreeRightsError("invalid_option", `\`debounceMs\` must be a non-negative number of milliseconds, got \`${String(debounceMs)}\``);
  }
  const root = path.resolve(dir);
  // Git's index tells the reload gate when git is rewriting the tree and which rights files it wrote.
  const git = options.watch === true ? await WorkTreeIndex.locate(root) : null;
  const tree = new LiveTree(root, options, hooks, debounceMs, git);
  await tree.start();
  return tree;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The live handle behind `openTree`. */
class LiveTree implements TreeHandle {
  readonly #root: string;
  readonly #events = new EventEmitter();
  readonly #scheduler: ReloadScheduler;
  readonly #watcher: WatchSupervisor | null;
  readonly #loader: IncrementalLoader;
  readonly #gate: ReloadGate;
  readonly #head: HeadCommit;
  readonly #history = new ReloadHistory();
  #index: RightsIndex | null = null;
  #commit: string | null = null;
  #startError: Error | null = null;
  #loadedAt = "";
  #loadMs = 0;
  #reloads = 0;
  #rejectedReloads = 0;
  #rejected: RejectedLoad | null = null;
  #closing: Promise<void> | null = null;

  constructor(root: string, options: OpenOptions, hooks: OpenHooks, debounceMs: number, git: WorkTreeIndex | null) {
    this.#root = root;
    this.#loader = new IncrementalLoader(root, options);
    this.#head = new HeadCommit(root);
    this.#scheduler = new ReloadScheduler((forced) => this.#load(forced), { debounceMs });
    const watcher = options.watch === true
      ? new WatchSupervisor(root, {
        ...(options.ignore ? { ignore: options.ignore } : {}),
        ...(options.watchThread === false ? { thread: false } : {}),
        ...hooks,
      }, {
        change: (change) => {
          this.#scheduler.notify(this.#gate.look(change));
        },
        failed: (error) => {
          // What a failed watcher reported may be incomplete: the next read reads everything.
          this.#gate.lookEverywhere();
          this.#emit("watch-error", error);
        },
        recovered: () => {
          // Changes while nobody watched are unknown, and the root may be another directory now: read everything.
          this.#gate.lookEverywhere();
          this.#scheduler.notify();
        },
      })
      : null;
    this.#watcher = watcher;
    this.#gate = new ReloadGate({
      root,
      git,
      ...(watcher === null ? {} : { rootState: () => watcher.rootState() }),
      wake: (ms) => {
        this.#scheduler.notify(ms);
      },
      warn: (message) => {
        this.#emit("warning", message);
      },
      ...(hooks.maxBatch === undefined ? {} : { maxBatch: hooks.maxBatch }),
    });
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
      commit: this.#commit,
      history: this.#history.records,
    });
  }

  changesSince(revision: string): RevisionChanges | null {
    return this.#history.changesSince(revision, this.index);
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
    this.#closing ??= Promise.all([this.#scheduler.close(), this.#watcher?.close()]).then(() => {
      this.#gate.dispose();
    });
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
    // A watched tree reloads: its first reload should not be the one to run cold code.
    if (this.#watcher !== null) await warmReloadPaths(this.#index, RELOAD_SLICE_MS);
  }

  /** One reload: ask the gate, read, ask the gate again, then swap or reject. */
  async #load(forced: boolean): Promise<void> {
    const initial = this.#index === null;
    // What the watch thread has seen but not yet reported belongs in this reload (the rest of a burst, say).
    if (!initial) await this.#watcher?.sync();
    const opening = await this.#gate.open(forced || initial, initial);
    // A root that is gone or replaced is a watch failure (the supervisor reports it and recovers), not a rejected tree.
    if (opening.kind !== "read") return;
    const { work } = opening.pass;
    if (work.kind === "full") this.#loader.invalidate(work.recompile);
    // `reload()` is the way to say the watcher may have missed something: it reads the whole tree.
    const batch = work.kind === "changes" && !forced ? work.batch : null;
    // HEAD is read alongside the tree, so the commit costs no time of its own.
    const commit = this.#head.read();
    const started = performance.now();
    let outcome: PendingLoad;
    try {
      outcome = await this.#loader.load(batch);
    } catch (err) {
      if (initial) this.#startError = err instanceof Error ? err : new Error(messageOf(err));
      else if (this.#closing === null) this.#reject("", [problem("unreadable", "", NOWHERE, `cannot load the tree: ${messageOf(err)}`)]);
      return;
    }
    const closing = await this.#gate.close(opening.pass);
    const head = await commit;
    const durationMs = performance.now() - started;
    if (this.#isClosing() || closing.kind !== "accept") return;
    if (!outcome.ok) {
      if (initial) this.#startError = new LoadError(outcome.problems);
      else this.#reject(outcome.revision, outcome.problems);
      return;
    }
    outcome.accept();
    const previous = this.#index;
    if (previous === outcome.index) {
      this.#recovered();
      this.#commit = head;
      return;
    }
    this.#recovered();
    this.#commit = head;
    // INVARIANT: decisions only ever see a complete index; this assignment is the swap.
    this.#index = outcome.index;
    const now = new Date();
    this.#loadedAt = now.toISOString();
    this.#loadMs = durationMs;
    const record = this.#history.add(outcome.index, previous, {
      commit: head, filesChanged: previous === null ? outcome.index.fileCount : outcome.changedFiles.length, rebuilt: outcome.rebuilt, at: now,
    });
    if (previous === null) return;
    this.#reloads++;
    this.#emit("reload", { index: outcome.index, previous, durationMs, changedFiles: outcome.changedFiles, commit: head });
    // Grant counts are for the history, not for decisions: they are counted after the swap, in slices.
    void this.#history.count(record, outcome.index, previous, new TimeSlicer(RELOAD_SLICE_MS));
  }

  /** A good load after a rejected one: the rejection is over. */
  #recovered(): void {
    const rejected = this.#rejected;
    if (rejected === null) return;
    this.#rejected = null;
    this.#emit("recovered", rejected);
  }

  // A method, not a field read: TypeScript would keep the narrowing of `#closing` across an `await`.
  #isClosing(): boolean {
    return this.#closing !== null;
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
