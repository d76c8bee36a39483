/**
 * `serve`: open a tree (watching it), build the server, listen, and shut down
 * gracefully; with `workers`, the same in several processes on one port.
 */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { openTree } from "../loader/index.js";
import type { TreeHandle } from "../loader/index.js";
import { buildServer } from "./build-server.js";
import { loadServerConfig } from "./config/load-server-config.js";
import { serveCluster } from "./cluster/cluster-primary.js";
import { SHUTDOWN_TIMEOUT_MS, serverUrl } from "./server-options.js";
import type { ClusterOptions, ClusterServer, RunningServer, ServeOptions } from "./server-options.js";
import { handleShutdownSignals } from "./shutdown-signals.js";

/**
 * Opens the rights tree in `dir` (watched unless `watch: false`), serves it on
 * `host:port` (default 127.0.0.1:8080) and resolves once listening. Rejects,
 * leaving nothing open, when the tree does not load or the port is taken.
 * With `handleSignals`, SIGTERM and SIGINT stop accepting, finish in-flight
 * requests, close the tree and exit 0 (1 when that takes longer than
 * `shutdownTimeoutMs`, default 10 s); a second signal meanwhile kills at once.
 *
 * With `workers` above 1, this process becomes a cluster primary and
 * resolves to a `ClusterServer` once every worker listens (see `serveCluster`);
 * `workers: 1` is the single process above.
 */
export function serve(dir: string, options?: ServeOptions & { readonly workers?: 1 }): Promise<RunningServer>;
export function serve(dir: string, options: ClusterOptions): Promise<RunningServer | ClusterServer>;
export async function serve(dir: string, options: ServeOptions | ClusterOptions = {}): Promise<RunningServer | ClusterServer> {
  // A JavaScript caller may pass `workers: undefined`: the single process, as when it is absent.
  const { workers } = options as { readonly workers?: number };
  if (workers !== undefined && workers !== 1 && "workers" in options) return serveCluster(dir, options);
  let unhandleSignals: (() => void) | undefined;
  const running = await listenOn(dir, options, (app) => {
    // However the server ends up closed, it must not keep the process's signal handlers.
    app.addHook("onClose", (_instance, done) => {
      unhandleSignals?.();
      done();
    });
  });
  const { root, source, commit } = running.tree.status;
  running.app.log.info({ url: running.url, root, ...(source?.ref === undefined ? {} : { ref: source.ref, commit }), revision: running.tree.index.revision, fileCount: running.tree.index.fileCount }, "treerights serving");
  if (options.handleSignals === true) {
    unhandleSignals = handleShutdownSignals(() => running.close(), running.app.log, options.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS);
  }
  return running;
}

/**
 * Opens the tree, builds the server and listens, without a log line or
 * signal handlers (`serve` and each cluster worker add their own);
 * `prepare` may add hooks before the server listens. Rejects, leaving
 * nothing open, when the tree does not load or the port is taken.
 */
export async function listenOn(dir: string, options: ServeOptions, prepare?: (app: FastifyInstance) => void): Promise<RunningServer> {
  // Every process reads the config itself (cluster workers too), before opening the tree: a bad config fails fast.
  const serverConfig = options.configFile === undefined ? options.serverConfig : await loadServerConfig(options.configFile);
  const tree = await openTree(dir, {
    watch: options.watch ?? true,
    ...(options.ref !== undefined ? { ref: options.ref } : {}),
    ...(options.ignore !== undefined ? { ignore: options.ignore } : {}),
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
  });
  let app: FastifyInstance | undefined;
  try {
    app = await buildServer(tree, serverConfig === undefined ? options : { ...options, serverConfig });
    prepare?.(app);
    await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 8080 });
  } catch (error) {
    await app?.close();
    await tree.close();
    throw error;
  }
  return runningServer(app, tree);
}

function runningServer(app: FastifyInstance, tree: TreeHandle): RunningServer {
  const { address, port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: serverUrl(address, port),
    address,
    port,
    app,
    tree,
    close() {
      closing ??= (async () => {
        try {
          await app.close();
        } finally {
          await tree.close();
        }
        app.log.info("treerights stopped");
      })();
      return closing;
    },
  };
}
