/**
 * `openTree(dir, { ref })`: a live rights tree served from the commits a git
 * ref names, never from the work tree. Each move of the ref (a commit, a
 * merge, a reset, `git update-ref`, a fetch) reads only the rights files
 * that changed between the two commits and swaps one reference; a commit
 * whose tree has errors is rejected and the last good index keeps answering.
 */
import { LoadError, TreeRightsError } from "../../engine/index.js";
import { RefSource } from "../git/ref-source.js";
import { RefWatch, REF_POLL_MS } from "../git/ref-watch.js";
import { NOWHERE, problem } from "../parse/problems.js";
import { ignoreMatcher } from "../read/ignore.js";
import type {
  OpenOptions, TreeHandle, TreeSource, TreeStatus, WatchStatus,
} from "../types.js";
import type { RefLoad } from "./ref-loader.js";
import { RefLoader } from "./ref-loader.js";
import { debounceOf, LiveHandle, messageOf } from "./live-handle.js";

/** Quiet time after git last touched its directory before the ref is looked at, in ms: a commit writes several files. */
export const REF_DEBOUNCE_MS = 10;

/** Seam for tests (not exported from the package). */
export interface RefHooks {
  /** How often the ref is looked at whatever the watches say, in ms (default `REF_POLL_MS`). */
  readonly pollMs?: number;
  /** Skip the file watches: only the poll notices moves. */
  readonly noWatch?: boolean;
}

/**
 * Loads the tree at the commit `options.ref` names in the repository holding
 * `dir`, and follows the ref. Rejects with `LoadError` when that commit's
 * tree is invalid, and with `TreeRightsError` (`git_failed`) when `dir` is
 * not in a git repository or the ref names no commit.
 */
export async function openRefTree(dir: string, options: OpenOptions, hooks: RefHooks = {}): Promise<TreeHandle> {
  if (options.watch === false) {
    throw new TreeRightsError("invalid_option", "a ref is followed as it moves and cannot be combined with `watch: false` (`--no-watch`); name a commit to serve a fixed tree");
  }
  const debounceMs = debounceOf(options, REF_DEBOUNCE_MS);
  ignoreMatcher(options.ignore); // throws `invalid_option` before git runs
  const { source } = await RefSource.open(dir, options.ref ?? "HEAD");
  const tree = new RefTree(source, options, hooks, debounceMs);
  await tree.start();
  return tree;
}

/** The live handle behind `openTree(dir, { ref })`. */
class RefTree extends LiveHandle {
  readonly #source: RefSource;
  readonly #watch: RefWatch | null;
  readonly #loader: RefLoader;
  /** The commit last looked at, loaded or rejected: the next load starts only when the ref names another. */
  #seen: string | null = null;
  /** Why the ref cannot be followed now; cleared when it resolves again. */
  #refError: string | null = null;
  #closing: Promise<void> | null = null;
  /** The poll when there are no file watches (`RefWatch` polls on its own). */
  #poll: NodeJS.Timeout | null = null;

  constructor(source: RefSource, options: OpenOptions, hooks: RefHooks, debounceMs: number) {
    super(debounceMs);
    this.#source = source;
    this.#loader = new RefLoader(source, options);
    const look = (): void => { this.scheduler.notify(); };
    this.#watch = hooks.noWatch === true ? null : new RefWatch(source.gitDir, source.commonDir, { look, failed: (error) => { this.served.events.emit("watch-error", error); } }, hooks.pollMs ?? REF_POLL_MS);
    // Without file watches the poll is all there is; with them it is the safety net.
    if (this.#watch === null) this.#poll = setInterval(look, hooks.pollMs ?? REF_POLL_MS).unref();
  }

  override get status(): TreeStatus {
    const watch: WatchStatus = this.#watch?.error == null
      ? { state: "watching" }
      : { state: "watching", error: this.#watch.error.message };
    const source: TreeSource = {
      mode: "ref", ref: this.#source.ref, path: this.#source.prefix, ...(this.#refError === null ? {} : { error: this.#refError }),
    };
    return this.served.status({ root: this.#source.root, watch: Object.freeze(watch), source: Object.freeze(source) });
  }

  /** Resolves the ref again now and loads its commit if it moved. */
  override close(): Promise<void> {
    this.#watch?.close();
    if (this.#poll !== null) clearInterval(this.#poll);
    // The scheduler waits for a running load, which sees `#closing` and neither swaps nor emits.
    this.served.events.silence();
    this.#closing ??= this.scheduler.close();
    return this.#closing;
  }

  /** Watches, then loads: the watch comes first so no move after the load is missed. */
  start(): Promise<void> {
    return this.open(() => {
      this.#watch?.start();
      return Promise.resolve();
    });
  }

  protected async load(forced: boolean): Promise<void> {
    const initial = this.served.current === null;
    let commit: string | null;
    try {
      commit = await this.#source.resolve();
    } catch (err) {
      this.#fail(initial, err instanceof Error ? err : new Error(messageOf(err)));
      return;
    }
    if (commit === null) {
      this.#fail(initial, new TreeRightsError("git_failed", `ref \`${this.#source.ref}\` names no commit any more (deleted?); the last good index keeps answering`));
      return;
    }
    this.#refError = null;
    // A look that finds the ref where it was is the common case (git touched other files): nothing to do.
    if (commit === this.#seen && !(forced && initial)) return;
    this.#seen = commit;
    const started = performance.now();
    let outcome: RefLoad;
    try {
      outcome = await this.#loader.load(commit);
    } catch (err) {
      if (initial) this.startError = err instanceof Error ? err : new Error(messageOf(err));
      else if (this.#closing === null) {
        // Look again at the next notice: the commit was not read.
        this.#seen = null;
        this.served.reject("", [problem("unreadable", "", NOWHERE, `cannot read commit \`${commit}\`: ${messageOf(err)}`)], commit);
      }
      return;
    }
    const durationMs = performance.now() - started;
    if (this.#isClosing()) return;
    if (!outcome.ok) {
      if (initial) this.startError = new LoadError(outcome.problems);
      else this.served.reject(outcome.revision, outcome.problems, commit);
      return;
    }
    if (this.served.current === outcome.index) this.served.unchanged(commit);
    else this.served.swap(outcome, commit, durationMs);
  }

  // A method, not a field read: TypeScript would keep the narrowing of `#closing` across an `await`.
  #isClosing(): boolean {
    return this.#closing !== null;
  }

  /** The ref could not be resolved: at startup the error; later reported once per cause, the last index answering. */
  #fail(initial: boolean, error: Error): void {
    if (initial) {
      this.startError = error;
      return;
    }
    if (this.#refError === error.message) return;
    this.#refError = error.message;
    this.served.events.emit("watch-error", error);
  }
}
