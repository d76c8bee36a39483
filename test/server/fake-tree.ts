/** A `TreeHandle` over `compile([...])`, for server tests: swap and reject by hand. */
import { EventEmitter } from "node:events";
import { compile } from "../../src/engine/index.js";
import type { Problem, RightsFile, RightsIndex } from "../../src/engine/index.js";
import type { RejectedLoad, TreeEvents, TreeHandle, TreeStatus } from "../../src/loader/index.js";

/** A small plant tree: ops read everywhere, supervisors write under /plant, contractors lose /plant/secret. */
export const PLANT: readonly RightsFile[] = [
  { dir: "/", READ: { include: ["ops", "admin"] }, WRITE: { include: ["admin"] } },
  { dir: "/plant", READ: { include: ["contractors"] }, WRITE: { include: ["supervisors"] } },
  { dir: "/plant/secret", READ: { exclude: ["contractors"] }, WRITE: { override: ["admin"] } },
];

/** A fake live tree; `swap` and `reject` emit what the real loader would. */
export class FakeTree extends EventEmitter<TreeEvents> implements TreeHandle {
  index: RightsIndex;
  #status: TreeStatus;
  closed = false;

  constructor(files: readonly RightsFile[] = PLANT) {
    super();
    this.index = compile(files);
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
  }

  get status(): TreeStatus {
    return this.#status;
  }

  /** Swaps in an index compiled from `files` and emits `reload`. */
  swap(files: readonly RightsFile[]): RightsIndex {
    const previous = this.index;
    this.index = compile(files);
    this.#status = { ...this.#status, revision: this.index.revision, fileCount: this.index.fileCount, reloads: this.#status.reloads + 1, rejected: null };
    this.emit("reload", { index: this.index, previous, durationMs: 1, changedFiles: [] });
    return this.index;
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
