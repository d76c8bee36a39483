/**
 * `serveCluster`: `serve` in several processes on one port. This process
 * becomes the cluster primary: it never loads the tree; it forks `workers`
 * processes that each open the tree (watching it), build the server and
 * listen on the shared host:port (Node's cluster hands them connections in
 * turn), supervises them, and shuts them all down gracefully.
 */
import cluster from "node:cluster";
import type { ClusterSettings } from "node:cluster";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TreeRightsError } from "../../engine/index.js";
import { clusterLog } from "./cluster-log.js";
import type { ClusterLog } from "./cluster-log.js";
import type { WorkerConfig, WorkerServeOptions } from "./cluster-protocol.js";
import { ClusterSupervisor } from "./cluster-supervisor.js";
import type { BoundAddress } from "./cluster-supervisor.js";
import { MAX_WORKERS, SHUTDOWN_TIMEOUT_MS, positiveInteger, resolveServerOptions, serverUrl } from "../server-options.js";
import type { ClusterOptions, ClusterServer, ResolvedServerOptions } from "../server-options.js";
import { handleShutdownSignals } from "../shutdown-signals.js";

const START_TIMEOUT_MS = 120_000;
const METRICS_TIMEOUT_MS = 2_000;
// A scrape's worker waits this much longer than the primary gathers: the primary's own error names the late worker.
const METRICS_RELAY_SLACK_MS = 1_000;
// The signal handler's last resort comes after the primary's own kill of late workers.
const SIGNAL_GRACE_MS = 3_000;

/**
 * Serves the tree in `dir` from `workers` processes sharing `host:port`, and
 * resolves once every one listens. Rejects, with every worker gone, when any
 * worker fails to start: a tree that does not load is a `LoadError` with all
 * its problems; a taken port a `ClusterError` with code `EADDRINUSE`. Throws
 * `invalid_option` for a bad option, or when called in a cluster worker.
 *
 * A worker that dies later is replaced after a backoff (100 ms, doubling to
 * 10 s while replacements keep dying quickly). `close` (and SIGTERM/SIGINT
 * with `handleSignals`) lets each worker finish its in-flight requests, then
 * kills whatever still runs after `shutdownTimeoutMs` (and rejects, or exits 1).
 */
export async function serveCluster(dir: string, options: ClusterOptions): Promise<ClusterServer> {
  const count = workerCount(options.workers);
  if (!cluster.isPrimary) throw new TreeRightsError("invalid_option", "server option `workers` needs a process that is not itself a cluster worker");
  if (options.serverConfig !== undefined && options.configFile === undefined) {
    throw new TreeRightsError("invalid_option", "server option `serverConfig` cannot be sent to cluster workers; give `configFile`, which each worker reads itself");
  }
  const resolved = resolveServerOptions(options);
  const startTimeoutMs = positiveInteger("startTimeoutMs", options.startTimeoutMs ?? START_TIMEOUT_MS);
  const metricsTimeoutMs = positiveInteger("metricsTimeoutMs", options.metricsTimeoutMs ?? METRICS_TIMEOUT_MS);
  const shutdownTimeoutMs = positiveInteger("shutdownTimeoutMs", options.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS);
  const root = path.resolve(dir);
  const log = clusterLog(resolved.logger);

  cluster.setupPrimary(workerEntry());
  const supervisor = new ClusterSupervisor({
    count,
    config: (id) => workerConfig(root, options, resolved, { id, count, metricsWaitMs: metricsTimeoutMs + METRICS_RELAY_SLACK_MS, shutdownTimeoutMs }),
    log,
    metricsTimeoutMs,
  });
  let bound: BoundAddress;
  try {
    bound = await supervisor.start(startTimeoutMs);
  } catch (error) {
    // The start's own error is the one to report; a slow stop only adds killing.
    await supervisor.stop(shutdownTimeoutMs).catch(() => undefined);
    throw error;
  }
  let unhandleSignals: (() => void) | undefined;
  const server = clusterServer(supervisor, bound, { count, log, shutdownTimeoutMs, onClose: () => unhandleSignals?.() });
  log.info({ url: server.url, root, workers: count }, "treerights serving");
  if (options.handleSignals === true) unhandleSignals = handleShutdownSignals(() => server.close(), log, shutdownTimeoutMs + SIGNAL_GRACE_MS);
  return server;
}

function workerCount(workers: number): number {
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new TreeRightsError("invalid_option", `server option \`workers\` must be an integer from 1 to ${String(MAX_WORKERS)}, not \`${String(workers)}\``);
  }
  return workers;
}

/**
 * The worker entry for `cluster.setupPrimary`. The compiled package runs
 * `cluster-worker.js` beside this module, with this process's Node flags.
 * When this module runs from TypeScript sources (tests, benches, a clone run
 * with `node --import tsx`), only `cluster-worker.ts` exists, and a worker
 * process can load it only through tsx: its loader is imported by absolute
 * URL, so the worker's working directory does not matter. Structured-clone
 * IPC lets metrics snapshots (typed arrays, NaN) cross intact. Settings are
 * process-wide: every cluster server of this process uses the same ones.
 */
function workerEntry(): ClusterSettings {
  const fromSource = import.meta.url.endsWith(".ts");
  const exec = fileURLToPath(new URL(fromSource ? "./cluster-worker.ts" : "./cluster-worker.js", import.meta.url));
  const execArgv = fromSource ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href] : process.execArgv;
  return { exec, execArgv, args: [], serialization: "advanced" };
}

function workerConfig(root: string, options: ClusterOptions, resolved: ResolvedServerOptions, worker: Pick<WorkerConfig, "id" | "count" | "metricsWaitMs" | "shutdownTimeoutMs">): WorkerConfig {
  const { logger } = resolved;
  const serve: WorkerServeOptions = {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 8080,
    watch: options.watch ?? true,
    ...(options.ref === undefined ? {} : { ref: options.ref }),
    ...(options.ignore === undefined ? {} : { ignore: options.ignore }),
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.configFile === undefined ? {} : { configFile: path.resolve(options.configFile) }),
    ...(options.identityPollMs === undefined ? {} : { identityPollMs: options.identityPollMs }),
    ...(options.ui === undefined ? {} : { ui: options.ui }),
    ...(options.uiDir === undefined ? {} : { uiDir: path.resolve(options.uiDir) }),
    bodyLimit: resolved.bodyLimit,
    batchBodyLimit: resolved.batchBodyLimit,
    maxBatch: resolved.maxBatch,
    processMetrics: resolved.processMetrics,
    logger: logger === false ? false : { level: logger.level },
  };
  return { ...worker, dir: root, serve, forwardLogs: logger !== false && logger.stream !== undefined };
}

/** `close` stops the workers within `shutdownTimeoutMs`, after `onClose` (which removes signal handlers). */
function clusterServer(
  supervisor: ClusterSupervisor,
  { address, port }: BoundAddress,
  { count, log, shutdownTimeoutMs, onClose }: { count: number; log: ClusterLog; shutdownTimeoutMs: number; onClose: () => void },
): ClusterServer {
  let closing: Promise<void> | undefined;
  return {
    url: serverUrl(address, port),
    address,
    port,
    workerCount: count,
    workers: () => supervisor.workers(),
    close() {
      closing ??= (async () => {
        onClose();
        await supervisor.stop(shutdownTimeoutMs);
        log.info({}, "treerights stopped");
      })();
      return closing;
    },
  };
}
