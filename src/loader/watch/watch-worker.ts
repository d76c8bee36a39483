/**
 * The entry of a tree's watch thread: runs `watchTree` (chokidar) and posts
 * what it sees to the thread that started it. chokidar keeps objects for
 * every watched directory (hundreds of MiB for 100,000 directories); here
 * they live in this thread's own heap, so collecting them never pauses the
 * thread that answers checks.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { TreeChange } from "./watch-tree.js";
import type { WatchThreadData, WatchThreadMessage, WatchThreadRequest } from "./watch-thread-protocol.js";
import { watchTree } from "./watch-tree.js";
import type { TreeWatcher } from "./watch-tree.js";

const port = parentPort;
if (port === null) throw new Error("watch-worker runs only as a worker thread");
const { root, ignore } = workerData as WatchThreadData;

const post = (message: WatchThreadMessage): void => {
  port.postMessage(message);
};

let watcher: TreeWatcher | null = null;
// Changes seen in one turn of the event loop go out as one message (a `git checkout` makes thousands).
let queued: TreeChange[] = [];
let flushing = false;
const flush = (): void => {
  flushing = false;
  if (queued.length === 0) return;
  const changes = queued;
  queued = [];
  post({ type: "changes", changes });
};

// With the watcher closed and the port closed, nothing keeps the thread alive: it ends.
const stopping = { requested: false };
const stop = (running: TreeWatcher): void => {
  void running.close().finally(() => {
    port.close();
  });
};
port.on("message", (request: WatchThreadRequest) => {
  if (request.type === "sync") {
    // After the events this turn of the loop polled, whose changes are queued by then.
    setImmediate(() => {
      flush();
      post({ type: "synced", id: request.id });
    });
    return;
  }
  stopping.requested = true;
  if (watcher !== null) stop(watcher);
});

const started = await watchTree(root, {
  change(change) {
    queued.push(change);
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  },
  failed(error) {
    flush();
    post({ type: "failed", message: error.message });
  },
}, { ignore });
watcher = started;
if (stopping.requested) stop(started);
else post({ type: "ready" });
