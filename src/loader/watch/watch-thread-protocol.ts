/** The messages between a tree's watch thread (`watch-worker.ts`) and the thread that serves it (`watch-thread.ts`). */
import type { TreeChange } from "./watch-tree.js";

/** What the watch thread is started with (its `workerData`). */
export interface WatchThreadData {
  /** The tree's root, absolute, symbolic links resolved. */
  readonly root: string;
  /** Extra micromatch globs never watched (validated before the thread starts). */
  readonly ignore: readonly string[];
}

/** A message from the watch thread. */
export type WatchThreadMessage =
  /** The initial scan is done: no change after this is missed. */
  | { readonly type: "ready" }
  /** Changes seen since the last message, in order. */
  | { readonly type: "changes"; readonly changes: readonly TreeChange[] }
  /** The watcher can no longer see the tree (`TreeWatchListener.failed`). */
  | { readonly type: "failed"; readonly message: string }
  /** Every change seen before `sync` request `id` arrived has been posted. */
  | { readonly type: "synced"; readonly id: number };

/** A message to the watch thread. */
export type WatchThreadRequest =
  /** Stop watching and end. */
  | { readonly type: "close" }
  /** Post what has been seen so far, then `synced` with the same `id`. */
  | { readonly type: "sync"; readonly id: number };
