/** `serve`: open a tree (watching it), build the server, listen, and shut down gracefully. */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { openTree } from "../loader/index.js";
import type { TreeHandle } from "../loader/index.js";
import { buildServer } from "./build-server.js";
import type { RunningServer, ServerOptions } from "./server-options.js";

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * Opens the rights tree in `dir` (watched unless `watch: false`), serves it on
 * `host:port` (default 127.0.0.1:8080) and resolves once listening. Rejects,
 * leaving nothing open, when the tree does not load or the port is taken.
 * With `handleSignals`, SIGTERM and SIGINT stop accepting, finish in-flight
 * requests, close the tree and exit 0 (1 when that takes longer than
 * `shutdownTimeoutMs`, default 10 s); a second signal meanwhile kills at once.
 */
export async function serve(
  dir: string,
  options: ServerOptions & {
    readonly host?: string;
    readonly port?: number;
    readonly watch?: boolean;
    readonly ignore?: readonly string[];
    readonly debounceMs?: number;
    readonly handleSignals?: boolean;
    readonly shutdownTimeoutMs?: number;
  } = {},
): Promise<RunningServer> {
  const tree = await openTree(dir, {
    watch: options.watch ?? true,
    ...(options.ignore !== undefined ? { ignore: options.ignore } : {}),
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
  });
  let app: FastifyInstance | undefined;
  let unhandleSignals: (() => void) | undefined;
  try {
    app = await buildServer(tree, options);
    // However the server ends up closed, it must not keep the process's signal handlers.
    app.addHook("onClose", (_instance, done) => {
      unhandleSignals?.();
      done();
    });
    await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 8080 });
  } catch (error) {
    await app?.close();
    await tree.close();
    throw error;
  }
  const running = runningServer(app, tree);
  app.log.info({ url: running.url, root: tree.status.root, revision: tree.index.revision, fileCount: tree.index.fileCount }, "treerights serving");
  if (options.handleSignals === true) unhandleSignals = handleSignals(running, options.shutdownTimeoutMs ?? 10_000);
  return running;
}

function runningServer(app: FastifyInstance, tree: TreeHandle): RunningServer {
  const { address, port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
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

/** Installs the SIGTERM/SIGINT handlers; returns the function that removes them. */
function handleSignals(running: RunningServer, timeoutMs: number): () => void {
  const remove = (): void => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    remove();
    running.app.log.info({ signal }, "shutting down: finishing in-flight requests");
    const timer = setTimeout(() => {
      running.app.log.error({ timeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        running.app.log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return remove;
}
