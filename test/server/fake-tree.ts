/** A `TreeHandle` over `compile([...])`, for server tests: swap and reject by hand. */
import { EventEmitter } from "node:events";
import { compile } from "../../src/engine/index.js";
import type { Problem, RightsFile, RightsIndex } from "../../src/engine/index.js";
import type { RejectedLoad, TreeEvents, TreeHandle, TreeStatus } from "../../src/loader/index.js";
import type { ReloadRecord, RevisionChanges } from "../../src/loader/types.js";

/** A small plant tree: ops read everywhere, supervisors write under /plant, contractors lose /plant/secret. */
export const PLANT: readonly RightsFile[] = [
  { dir: "/", READ: { include: ["ops", "admin"] }, WRITE: { include: ["admin"] } },
  { dir: "/plant", READ: { include: ["contractors"] }, WRITE: { include: ["supervisors"] } },
  { dir: "/plant/secret", READ: { exclude: ["contractors"] }, WRITE: { override: ["admin"] } },
];

/** Options of `FakeTree`. */
export interface FakeTreeOptions {
  /**
   * Act like a handle from `openTree` in a git work tree: report this commit
   * (null: outside git), keep a history of swaps and answer `changesSince`.
   * Without it, the handle has neither, like one from before they existed.
   */
  readonly commit?: string | null;
}

/** A fake live tree; `swap` and `reject` emit what the real loader would. */
export class FakeTree extends EventEmitter<TreeEvents> implements TreeHandle {
  index: RightsIndex;
  #status: TreeStatus;
  closed = false;
  /** Present only with the `commit` option, as on handles from `openTree`. */
  readonly changesSince?: (revision: string) => RevisionChanges | null;
  readonly #kept: { readonly record: ReloadRecord; readonly index: RightsIndex }[] = [];
  readonly #tracked: boolean;

  constructor(files: readonly RightsFile[] = PLANT, options: FakeTreeOptions = {}) {
    super();
    this.index = compile(files);
    this.#tracked = options.commit !== undefined;
    this.#status = {
      root: "/fake/tree",
      revision: this.index.revision,
      loadedAt: new Date(0).toISOString(),
      loadMs: 1,
      fileCount: this.index.fileCount,
      reloads: 0,
      rejectedReloads: 0,
      rejected: null,
      watch: { state: "off" },
    };
    if (options.commit !== undefined) {
      this.#track(options.commit, this.index.fileCount);
      this.changesSince = (revision) => {
        const kept = this.#kept.findLast((k) => k.record.revision === revision);
        if (kept === undefined) return null;
        return { from: revision, to: this.index.revision, changes: kept.index === this.index ? [] : this.index.changesSince(kept.index) };
      };
    }
  }

  #track(commit: string | null, filesChanged: number): void {
    const record: ReloadRecord = { revision: this.index.revision, commit, at: new Date(0).toISOString(), filesChanged, changes: { grants: 0, revocations: 0 } };
    this.#kept.push({ record, index: this.index });
    this.#status = { ...this.#status, commit, history: this.#kept.map((k) => k.record) };
  }

  get status(): TreeStatus {
    return this.#status;
  }

  /** Swaps in an index compiled from `files` (at `commit`, when the tree tracks commits) and emits `reload`. */
  swap(files: readonly RightsFile[], commit: string | null = null, changedFiles: readonly string[] = []): RightsIndex {
    const previous = this.index;
    const rejected = this.#status.rejected;
    this.index = compile(files);
    this.#status = { ...this.#status, revision: this.index.revision, fileCount: this.index.fileCount, reloads: this.#status.reloads + 1, rejected: null };
    if (this.#tracked) this.#track(commit, files.length);
    if (rejected !== null) this.emit("recovered", rejected);
    this.emit("reload", { index: this.index, previous, durationMs: 1, changedFiles, ...(this.#tracked ? { commit } : {}) });
    return this.index;
  }

  /** Sets the watcher's state, as a live tree's watcher reports it. */
  setWatch(watch: TreeStatus["watch"]): void {
    this.#status = { ...this.#status, watch };
  }

  /** What the loader does when a reload finds the same rights at a new HEAD: a new commit, no swap, no event. */
  moveHead(commit: string | null): void {
    this.#status = { ...this.#status, commit };
  }

  /** Records a rejected load and emits `rejected`; the index keeps answering. */
  reject(problems: readonly Problem[]): RejectedLoad {
    const rejected: RejectedLoad = { revision: "rejected-rev", at: new Date(0).toISOString(), problems };
    this.#status = { ...this.#status, rejectedReloads: this.#status.rejectedReloads + 1, rejected };
    this.emit("rejected", rejected);
    return rejected;
  }

  reload(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
