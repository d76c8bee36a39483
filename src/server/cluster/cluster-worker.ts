/**
 * The entry of a cluster worker forked by `serveCluster` (never imported):
 * asks the primary for its configuration, opens the tree (watching it),
 * builds the server and listens on the shared port, then reports `ready`
 * or `failed`. It stops gracefully on the primary's `shutdown` and on
 * SIGTERM/SIGINT (a terminal's Ctrl-C reaches every process of the group;
 * the primary then does not restart it), and exits at once when the primary
 * goes away (Node's cluster does that for every worker).
 */
import cluster from "node:cluster";
import { WorkerLink, installWorkerLink } from "./cluster-link.js";
import { isPrimaryMessage, toWireError } from "./cluster-protocol.js";
import type { PrimaryMessage, WorkerConfig, WorkerMessage } from "./cluster-protocol.js";
import { listenOn } from "../serve.js";
import { SHUTDOWN_TIMEOUT_MS } from "../server-options.js";
import type { RunningServer, ServeOptions } from "../server-options.js";

if (!cluster.isWorker) throw new Error("cluster-worker runs only as a worker forked by `serve` with `workers`");

let link: WorkerLink | undefined;
let running: RunningServer | undefined;
// Until the primary's configuration says otherwise.
let shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS;

/**
 * Sends `message` to the primary; false when the channel is closed. (Node's
 * own `false` means only that the message waits in a backlog: it is still
 * sent, and `sent` still runs once it has been.)
 */
function send(message: WorkerMessage, sent?: () => void): boolean {
  if (!process.connected || process.send === undefined) return false;
  if (sent === undefined) process.send(message);
  else process.send(message, () => { sent(); });
  return true;
}

function onMessage(message: unknown): void {
  if (!isPrimaryMessage(message)) return;
  if (link?.receive(message) === true) return;
  handle(message);
}

function handle(message: PrimaryMessage): void {
  if (message.type === "treerights:start" && link === undefined) void start(message.config);
  else if (message.type === "treerights:shutdown") stop();
}

async function start(config: WorkerConfig): Promise<void> {
  shutdownTimeoutMs = config.shutdownTimeoutMs;
  link = new WorkerLink({ id: config.id, count: config.count, pid: process.pid }, send, config.metricsWaitMs);
  installWorkerLink(link);
  try {
    running = await listenOn(config.dir, serveOptions(config));
  } catch (error) {
    // The primary reports the error (a tree that does not load lists its problems); this worker has nothing left to do.
    const exit = (): never => process.exit(1);
    if (!send({ type: "treerights:failed", error: toWireError(error) }, exit)) exit();
    return;
  }
  running.app.log.info({ worker: config.id, workers: config.count, url: running.url, revision: running.tree.index.revision, fileCount: running.tree.index.fileCount }, "treerights worker listening");
  send({ type: "treerights:ready", address: running.address, port: running.port });
}

/** The configured options; forwarded logs go to the primary line by line. */
function serveOptions({ serve, forwardLogs }: WorkerConfig): ServeOptions {
  const { logger } = serve;
  if (logger === false || !forwardLogs) return serve;
  return { ...serve, logger: { ...logger, stream: { write: (line: string) => { send({ type: "treerights:log", line }); } } } };
}

/**
 * Finishes in-flight requests, closes the tree and exits: 0, or 1 when
 * closing failed or took longer than the configured `shutdownTimeoutMs` (a
 * request held open must not keep a stopped worker alive).
 */
function stop(): void {
  // Not listening yet (never started, or still loading the tree): no request to finish.
  if (running === undefined) process.exit(0);
  const server = running;
  running = undefined;
  setTimeout(() => {
    server.app.log.error({ timeoutMs: shutdownTimeoutMs }, "worker shutdown timed out; exiting");
    process.exit(1);
  }, shutdownTimeoutMs).unref();
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      server.app.log.error({ err: error }, "worker shutdown failed");
      process.exit(1);
    },
  );
}

process.on("message", onMessage);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
send({ type: "treerights:hello" });
