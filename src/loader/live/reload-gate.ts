/**
 * The reload gate: the one place that decides when the files on disk may
 * become the next index of a watched work tree, and what a reload reads.
 *
 * Contract:
 * - Watcher events only say where to look (`look`). What becomes the index
 *   is what a read of the disk finds: a directory is read by listing it, so
 *   a new directory's files count whether or not their events came.
 * - A reload asks `open` before it reads and `close` after; it may swap in
 *   what it read only when `close` says `accept`. Otherwise the same work
 *   is read again later, and nothing of the first read is served.
 * - While git holds its index lock, nothing is read. When git's index
 *   changed since the last accepted read, every rights file whose index
 *   entry changed is read too, whatever the watcher has reported so far.
 * - A read is accepted only when the tree stayed quiet across it (the
 *   watcher, asked to report all it has seen, reported nothing new), git's
 *   index is as it was before it (no git command wrote the tree meanwhile),
 *   the root is still the directory being watched, and every rights file
 *   git just wrote reads as git recorded it. A tree that never goes quiet
 *   is read anyway once reads have been refused for `QUIET_MAX_MS`. A disagreement that lasts `AGREE_MAX_MS` (a clean
 *   filter such as `autocrlf`, an edit racing the checkout) is accepted and
 *   reported: disk is what answers.
 * - A removed rights file holds reads for `UNLINK_HOLD_MS` (an editor's
 *   delete-then-write); a directory that appeared is looked at again after
 *   each of `RELOOK_MS` (a watcher misses what changes in a directory it
 *   has not started watching).
 * - A forced read (startup, `reload()`) waits for nothing, reads whatever
 *   directory the root path names, and is accepted. No read but the first
 *   is made while the root path names nothing: that is a watch failure.
 */
import { lstat, readFile } from "node:fs/promises";
import path from "node:path";
import type { IndexEntries, WorkTreeIndex } from "../git/work-tree-index.js";
import { blobId, changedEntries } from "../git/work-tree-index.js";
import { CONFIG_FILE } from "../parse/config.js";
import type { RootState } from "../watch/watch-supervisor.js";
import type { TreeChange } from "../watch/watch-tree.js";
import type { PendingWork } from "./watch-changes.js";
import { PendingChanges } from "./watch-changes.js";

/** Longest a read keeps being retried because files git wrote read otherwise than git recorded them, in ms. */
export const AGREE_MAX_MS = 2_000;

/** How long after a read that failed the same work is read again, in ms. */
export const RETRY_MS = 1_000;

/** Longest reads keep being refused because changes kept coming during them, in ms. */
export const QUIET_MAX_MS = 1_000;

/** When a directory that appeared is looked at again, in ms after its read was accepted. */
export const RELOOK_MS: readonly number[] = [250, 1_000, 4_000];

/** What the gate needs from around it. */
export interface GateContext {
  /** The tree's root directory, absolute. */
  readonly root: string;
  /** Git's index of the work tree holding the root; null outside git (or when not watching). */
  readonly git: WorkTreeIndex | null;
  /** Whether the root path still names the watched directory; absent when not watching. */
  readonly rootState?: () => Promise<RootState>;
  /** Resolves once the watcher has reported every change it had seen; absent when not watching. */
  readonly sync?: () => Promise<void>;
  /** Asks for a reload pass in `ms` (the scheduler's debounce when absent). */
  readonly wake: (ms?: number) => void;
  /** A read accepted despite a disagreement, for the logs. */
  readonly warn: (message: string) => void;
  /** More changed paths than this in one batch and the reload reads the whole tree instead. */
  readonly maxBatch?: number;
}

/** Git's index as one read found it. */
interface GitView {
  readonly stamp: string;
  readonly entries: IndexEntries | null;
  /** Paths whose index entry changed since the last accepted read. */
  readonly changed: readonly string[];
}

/** A read the gate let through: the work to do and what `close` checks it against. */
export interface GatePass {
  readonly work: PendingWork;
  readonly forced: boolean;
  readonly git: GitView | null;
  /** Directories that appeared, to look at again once this read is accepted. */
  readonly appeared: readonly string[];
}

/** `open`'s answer. */
export type GateOpening =
  | { readonly kind: "read"; readonly pass: GatePass }
  /** Nothing to read. */
  | { readonly kind: "idle" }
  /** Not now: the gate asked for another pass (git at work, a removed file held). */
  | { readonly kind: "wait" }
  /** The root path no longer names the watched directory: a watch failure, not a tree to read. */
  | { readonly kind: "root"; readonly state: Exclude<RootState, "same"> };

/** `close`'s answer. */
export type GateClosing =
  | { readonly kind: "accept" }
  /** Do not serve this read; the gate put its work back and asked for another pass. */
  | { readonly kind: "again" }
  | { readonly kind: "root"; readonly state: Exclude<RootState, "same"> };

/** Decides when a watched tree's disk may become the next index (see the module comment). */
export class ReloadGate {
  readonly #context: GateContext;
  readonly #pending: PendingChanges;
  /** Git's index as of the last accepted read. */
  #git: { readonly stamp: string; readonly entries: IndexEntries | null } | null = null;
  /** Directories reported as appeared since the last pass took them. */
  #appeared = new Set<string>();
  /** Since when files git wrote keep reading otherwise than git recorded them. */
  #disagreeingSince: number | null = null;
  /** Since when reads keep being refused because changes came during them. */
  #busySince: number | null = null;
  readonly #relooks = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(context: GateContext) {
    this.#context = context;
    this.#pending = new PendingChanges(context.maxBatch);
  }

  /** A watcher event: look at `change.path` on the next read. Returns how long that read should hold off, in ms (0: the debounce). */
  look(change: TreeChange): number {
    this.#pending.add(change);
    if (change.kind === "dir" && !change.removed) this.#appeared.add(change.path);
    return this.#pending.holdMs();
  }

  /** What was reported may be incomplete (a failed or recovered watcher): the next read reads everything. */
  lookEverywhere(recompile = false): void {
    this.#pending.markFull(recompile);
  }

  /** Before a read: whether to read now, and what. */
  async open(forced: boolean, initial = false): Promise<GateOpening> {
    // The first read reports a missing root as the load's problem; a forced one reads what the root path names now.
    const root = initial ? undefined : await this.#context.rootState?.();
    if (root === "missing" || (root !== undefined && root !== "same" && !forced)) {
      this.#giveUpTimers();
      return { kind: "root", state: root };
    }
    if (!forced) {
      const hold = this.#pending.holdMs();
      if (hold > 0) return this.#wait(hold);
    }
    let git: GitView | null = null;
    const index = this.#context.git;
    if (index !== null) {
      const state = await index.state();
      if (state.busy) {
        this.#giveUpTimers();
        if (!forced) return this.#wait();
      } else {
        git = await this.#view(index, state.stamp);
        for (const rel of git.changed) this.#pending.add(rel === CONFIG_FILE ? { kind: "config", path: rel, removed: false } : { kind: "file", path: rel, removed: false });
      }
    }
    const work = this.#pending.take();
    const appeared = [...this.#appeared];
    this.#appeared = new Set();
    if (work.kind === "none" && !forced) {
      // Git rewrote its index without touching a rights file (a `git status` refresh, say): nothing to read, nothing to check.
      if (git !== null) this.#git = { stamp: git.stamp, entries: git.entries };
      return { kind: "idle" };
    }
    return { kind: "read", pass: { work, forced, git, appeared } };
  }

  /** After a read: whether it may be served. */
  async close(pass: GatePass): Promise<GateClosing> {
    const root = pass.forced ? undefined : await this.#context.rootState?.();
    if (root !== undefined && root !== "same") {
      this.#putBack(pass);
      return { kind: "root", state: root };
    }
    if (!pass.forced && !((await this.#stayedQuiet(pass)) && (await this.#agrees(pass)))) {
      this.#putBack(pass);
      this.#wait();
      return { kind: "again" };
    }
    if (pass.git !== null) this.#git = { stamp: pass.git.stamp, entries: pass.git.entries };
    this.#giveUpTimers();
    this.#relook(pass.appeared);
    return { kind: "accept" };
  }

  /**
   * A read that failed (the loader threw): its work goes back, and another
   * pass is asked for after `RETRY_MS`, so nothing the watcher reported is
   * dropped and a failing disk is not read in a tight loop.
   */
  abandon(pass: GatePass): void {
    this.#putBack(pass);
    this.#wait(RETRY_MS);
  }

  /** Stops the look-again timers; idempotent. */
  dispose(): void {
    this.#closed = true;
    for (const timer of this.#relooks) clearTimeout(timer);
    this.#relooks.clear();
  }

  async #view(index: WorkTreeIndex, stamp: string): Promise<GitView> {
    const last = this.#git;
    if (last !== null && last.stamp === stamp) return { stamp, entries: last.entries, changed: [] };
    const entries = await index.entries();
    const changed = last?.entries == null || entries === null ? [] : changedEntries(last.entries, entries);
    return { stamp, entries, changed };
  }

  /**
   * True when no change was reported during the read, the watcher's backlog
   * included: a watcher starved of CPU reports late, and a debounce on late
   * events can take the middle of a burst for a quiet moment. Reports about
   * files git wrote before the read are not changes: the read saw them.
   */
  async #stayedQuiet(pass: GatePass): Promise<boolean> {
    await this.#context.sync?.();
    if (this.#pending.empty) return true;
    // Events about what git had written before the read (its index said so) are late news, not new changes.
    if (pass.git !== null && pass.git.changed.length > 0 && this.#pending.onlyAbout(new Set(pass.git.changed))) return true;
    const now = Date.now();
    this.#busySince ??= now;
    return now - this.#busySince >= QUIET_MAX_MS;
  }

  /** True when git did not write the tree during the read and every file it had just written reads as it recorded it. */
  async #agrees(pass: GatePass): Promise<boolean> {
    const index = this.#context.git;
    if (index === null || pass.git === null) return true;
    const state = await index.state();
    if (state.busy || state.stamp !== pass.git.stamp) {
      // Git wrote again: whatever disagreed before is another checkout's.
      this.#disagreeingSince = null;
      return false;
    }
    const { entries, changed } = pass.git;
    if (entries === null || changed.length === 0) return true;
    const differing = await this.#differing(changed, entries);
    if (differing.length === 0) return true;
    const now = Date.now();
    this.#disagreeingSince ??= now;
    if (now - this.#disagreeingSince < AGREE_MAX_MS) return false;
    const shown = differing.slice(0, 3).map((rel) => `\`${rel}\``).join(", ");
    const more = differing.length > 3 ? ` and ${differing.length - 3} more` : "";
    this.#context.warn(`${shown}${more} read otherwise than git's index records them after ${AGREE_MAX_MS} ms; serving what is on disk`);
    return true;
  }

  /** The paths among `changed` whose bytes on disk are not the blob git's index records (or that exist where git removed them). */
  async #differing(changed: readonly string[], entries: IndexEntries): Promise<string[]> {
    const checks = await Promise.all(changed.map(async (rel) => {
      const oid = entries.get(rel);
      const bytes = await regularFile(path.join(this.#context.root, rel));
      if (oid === undefined) return bytes === null;
      return bytes !== null && blobId(bytes, oid) === oid;
    }));
    return changed.filter((_, i) => checks[i] !== true);
  }

  /** An episode of refusals is over (a read accepted, the root gone, git at work): the next one starts its bounds anew. */
  #giveUpTimers(): void {
    this.#busySince = null;
    this.#disagreeingSince = null;
  }

  #putBack(pass: GatePass): void {
    this.#pending.restore(pass.work);
    for (const dir of pass.appeared) this.#appeared.add(dir);
  }

  #wait(ms?: number): GateOpening {
    this.#context.wake(ms);
    return { kind: "wait" };
  }

  #relook(dirs: readonly string[]): void {
    if (this.#closed || dirs.length === 0) return;
    for (const delay of RELOOK_MS) {
      const timer = setTimeout(() => {
        this.#relooks.delete(timer);
        if (this.#closed) return;
        for (const dir of dirs) this.#pending.add({ kind: "dir", path: dir, removed: false });
        this.#context.wake();
      }, delay);
      timer.unref();
      this.#relooks.add(timer);
    }
  }
}

/** The bytes of `file` when it is a regular file (never following a link), or null. */
async function regularFile(file: string): Promise<Buffer | null> {
  try {
    if (!(await lstat(file)).isFile()) return null;
    return await readFile(file);
  } catch {
    return null;
  }
}
