/**
 * `openTree`: a live rights tree. Each reload builds the complete new index
 * aside and swaps one reference; a rejected tree keeps the last good index.
 * When a reload may read and whether what it read may be served is the
 * reload gate's decision (`reload-gate.ts`); this module reads, builds and
 * swaps. A watched change re-reads only the rights files and directories it
 * names and updates the index incrementally; `reload()`, watch recovery and
 * configuration changes read the whole tree.
 */
import path from "node:path";
import { LoadError } from "../../engine/index.js";
import { HeadCommit } from "../git/git-commit.js";
import { WorkTreeIndex } from "../git/work-tree-index.js";
import type { PendingLoad } from "./incremental-reload.js";
import { IncrementalLoader } from "./incremental-reload.js";
import { NOWHERE, problem } from "../parse/problems.js";
import type { OpenOptions, TreeHandle, TreeStatus, WatchStatus } from "../types.js";
import { openRefTree } from "./ref-tree.js";
import { ReloadGate } from "./reload-gate.js";
import { debounceOf, LiveHandle, messageOf } from "./live-handle.js";
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
  const debounceMs = debounceOf(options, DEFAULT_DEBOUNCE_MS);
  const root = path.resolve(dir);
  // Git's index tells the reload gate when git is rewriting the tree and which rights files it wrote.
  const git = options.watch === true ? await WorkTreeIndex.locate(root) : null;
  const tree = new LiveTree(root, options, hooks, debounceMs, git);
  await tree.start();
  return tree;
}

/** The live handle behind `openTree`. */
class LiveTree extends LiveHandle {
  readonly #root: string;
  readonly #watcher: WatchSupervisor | null;
  readonly #loader: IncrementalLoader;
  readonly #gate: ReloadGate;
  readonly #head: HeadCommit;
  #closing: Promise<void> | null = null;

  constructor(root: string, options: OpenOptions, hooks: OpenHooks, debounceMs: number, git: WorkTreeIndex | null) {
    super(debounceMs);
    this.#root = root;
    this.#loader = new IncrementalLoader(root, options);
    this.#head = new HeadCommit(root);
    const events = this.served.events;
    const watcher = options.watch === true
      ? new WatchSupervisor(root, {
        ...(options.ignore ? { ignore: options.ignore } : {}),
        ...(options.watchThread === false ? { thread: false } : {}),
        ...hooks,
      }, {
        change: (change) => {
          this.scheduler.notify(this.#gate.look(change));
        },
        failed: (error) => {
          // What a failed watcher reported may be incomplete: the next read reads everything.
          this.#gate.lookEverywhere();
          events.emit("watch-error", error);
        },
        recovered: () => {
          // Changes while nobody watched are unknown, and the root may be another directory now: read everything.
          this.#gate.lookEverywhere();
          this.scheduler.notify();
        },
      })
      : null;
    this.#watcher = watcher;
    this.#gate = new ReloadGate({
      root,
      git,
      ...(watcher === null ? {} : { rootState: () => watcher.rootState(), sync: () => watcher.sync() }),
      wake: (ms) => {
        this.scheduler.notify(ms);
      },
      warn: (message) => {
        events.emit("warning", message);
      },
      ...(hooks.maxBatch === undefined ? {} : { maxBatch: hooks.maxBatch }),
    });
  }

  override get status(): TreeStatus {
    return this.served.status({ root: this.#root, watch: this.#watcher?.status ?? OFF });
  }

  override close(): Promise<void> {
    // The scheduler waits for a running reload, which sees `#closing` and neither swaps nor emits.
    this.served.events.silence();
    this.#closing ??= Promise.all([this.scheduler.close(), this.#watcher?.close()]).then(() => undefined).finally(() => {
      this.#gate.dispose();
    });
    return this.#closing;
  }

  /** Watches (when asked), then loads: the watcher comes first so no change after the load is missed. */
  start(): Promise<void> {
    return this.open(async () => this.#watcher?.start());
  }

  /** One reload: ask the gate, read, ask the gate again, then swap or reject. */
  protected async load(forced: boolean): Promise<void> {
    const initial = this.served.current === null;
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
      if (initial) this.startError = err instanceof Error ? err : new Error(messageOf(err));
      else if (!this.#isClosing()) {
        this.served.reject("", [problem("unreadable", "", NOWHERE, `cannot load the tree: ${messageOf(err)}`)]);
        // What this read was to look at is still to be looked at.
        this.#gate.abandon(opening.pass);
      }
      return;
    }
    const closing = await this.#gate.close(opening.pass);
    const head = await commit;
    const durationMs = performance.now() - started;
    if (this.#isClosing() || closing.kind !== "accept") return;
    if (!outcome.ok) {
      if (initial) this.startError = new LoadError(outcome.problems);
      else this.served.reject(outcome.revision, outcome.problems);
      return;
    }
    outcome.accept();
    if (this.served.current === outcome.index) this.served.unchanged(head);
    else this.served.swap(outcome, head, durationMs);
  }

  // A method, not a field read: TypeScript would keep the narrowing of `#closing` across an `await`.
  #isClosing(): boolean {
    return this.#closing !== null;
  }
}
