/**
 * `watchTreeInThread`: `watchTree` run in a worker thread. The thread keeps
 * chokidar's per-directory objects (about 360 MiB for 100,000 directories) in its
 * own heap; the thread that answers checks receives only the changes, so
 * its heap stays the size of the index and its garbage collections short.
 */
import { Worker } from "node:worker_threads";
import type { WatchThreadData, WatchThreadMessage, WatchThreadRequest } from "./watch-thread-protocol.js";
import { watchIgnore } from "./watch-tree.js";
import type { TreeWatcher, TreeWatchListener } from "./watch-tree.js";

/** How long `close` waits for the thread to end on its own before terminating it, in ms. */
export const CLOSE_TIMEOUT_MS = 5_000;

/**
 * Longest a `sync` waits for the thread's answer, in ms. A thread that does
 * not answer must not hold reloads up: the reload goes ahead with what was
 * reported, and the next one asks again.
 */
export const SYNC_TIMEOUT_MS = 2_000;

/**
 * The watch thread's entry: the compiled `watch-worker.js` beside this
 * module, or, when this module runs from its TypeScript source (tests and
 * benches, under tsx or vitest), `watch-worker-source.mjs`, which loads
 * `watch-worker.ts` through tsx.
 */
const WORKER_ENTRY = new URL(import.meta.url.endsWith(".ts") ? "./watch-worker-source.mjs" : "./watch-worker.js", import.meta.url);

/** Options of `watchTreeInThread`. */
export interface ThreadWatchOptions {
  /** Extra micromatch globs (relative, `dot: true`) never watched. */
  readonly ignore?: readonly string[];
  /** Another thread entry speaking `WatchThreadMessage` (tests). */
  readonly entry?: URL;
}

/**
 * Watches `root` (absolute) from a worker thread, with what `watchTree`
 * promises: resolves once the initial scan is done, symbolic links are not
 * followed, and every failure, the thread's own end included, is reported
 * through `listener.failed` at most once. Throws `invalid_option` for bad
 * ignore globs before any thread starts.
 */
export async function watchTreeInThread(root: string, listener: TreeWatchListener, options: ThreadWatchOptions = {}): Promise<TreeWatcher> {
  const ignore = options.ignore ?? [];
  watchIgnore(root, ignore);
  const data: WatchThreadData = { root, ignore };
  const worker = new Worker(options.entry ?? WORKER_ENTRY, { workerData: data });
  // Failed or closed: nothing more is reported.
  let ended = false;
  let running = true;
  let closing: Promise<void> | null = null;
  // `sync` requests waiting for their `synced`, by id; all resolved when the thread ends.
  const syncs = new Map<number, () => void>();
  let nextSync = 0;
  const fail = (error: Error): void => {
    if (ended) return;
    ended = true;
    listener.failed(error);
  };
  let ready!: () => void;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  // The thread's end, however it comes: pending syncs are released, and an end not asked for by `close` is a failure.
  const exited = new Promise<void>((resolve) => {
    worker.once("exit", (code) => {
      running = false;
      for (const done of syncs.values()) done();
      syncs.clear();
      if (closing === null) fail(new Error(`cannot watch \`${root}\`: the watch thread stopped (exit code ${code})`));
      ready();
      resolve();
    });
  });
  worker.on("message", (message: WatchThreadMessage) => {
    if (message.type === "ready") ready();
    else if (message.type === "synced") {
      syncs.get(message.id)?.();
      syncs.delete(message.id);
    } else if (ended) return;
    else if (message.type === "changes") {
      for (const change of message.changes) listener.change(change);
    } else {
      fail(new Error(message.message));
      ready();
    }
  });
  worker.on("error", (error) => {
    fail(new Error(`cannot watch \`${root}\`: the watch thread failed: ${error.message}`, { cause: error }));
    ready();
  });
  await started;
  return {
    close() {
      ended = true;
      closing ??= (async () => {
        if (!running) return;
        worker.postMessage({ type: "close" } satisfies WatchThreadRequest);
        const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
    sync: () => {
      if (!running || ended) return Promise.resolve();
      const id = nextSync++;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          syncs.delete(id);
          resolve();
        }, SYNC_TIMEOUT_MS);
        syncs.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
        worker.postMessage({ type: "sync", id } satisfies WatchThreadRequest);
      });
    },
  };
}
