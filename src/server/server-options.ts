/**
 * `ServerOptions`, `ServeOptions` and `ClusterOptions`: how a decision server
 * is configured; `RunningServer` and `ClusterServer`: what `serve` returns.
 */
import type { FastifyInstance } from "fastify";
import { TreeRightsError } from "../engine/index.js";
import type { TreeHandle } from "../loader/index.js";
import type { ServerConfig } from "./config/server-config.js";
import type { LogLevel } from "./log-level.js";

export type { LogLevel } from "./log-level.js";

/** Options of `buildServer` (and of `serve`, which adds where to listen). */
export interface ServerOptions {
  /** `false` for no logs; `true` (the default) logs lifecycle events at `info`; or a level and an output stream. */
  readonly logger?: boolean | { readonly level?: LogLevel; readonly stream?: { write(line: string): void } };
  /** Largest accepted body in bytes, every endpoint but the batch (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Largest accepted body of `POST /v1/check/batch` in bytes (default 16 MiB). */
  readonly batchBodyLimit?: number;
  /** Most checks in one batch (default 10,000). */
  readonly maxBatch?: number;
  /** Add Node's default process metrics to `/metrics` (default true). */
  readonly processMetrics?: boolean;
  /** Who is asking: realms, protected route families, issued tokens, the decision log (see `loadServerConfig`). */
  readonly serverConfig?: ServerConfig;
  /** Write decision-log lines here instead of the config's file or stdout (tests). */
  readonly decisionLogStream?: { write(line: string): void };
  /** How often keys and users files are looked at, ms (default 500). */
  readonly identityPollMs?: number;
  /** Serve the explorer page at `/ui/` (default: the server config's `ui`, else false); given here, it wins over the config. */
  readonly ui?: boolean;
  /** The built explorer page served with `ui` (default the package's `dist/ui/`). */
  readonly uiDir?: string;
}

/** Options of `serve`: the server's, plus the tree to open and where to listen. */
export interface ServeOptions extends ServerOptions {
  /** Address to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** Port to listen on (default 8080; 0 for any free port). */
  readonly port?: number;
  /** Reload the tree when its rights files change (default true). */
  readonly watch?: boolean;
  /**
   * Serve the commits this git ref names instead of the work tree (see
   * `OpenOptions.ref`): the production mode. Follows the ref; `watch: false`
   * is refused with it.
   */
  readonly ref?: string;
  /**
   * A `treerights.server.yaml` each process reads itself (cluster workers
   * too): realms, API protection, tokens, decision log. The tree, address and
   * other options given here win over the file's.
   */
  readonly configFile?: string;
  /** Extra micromatch globs of paths never read. */
  readonly ignore?: readonly string[];
  /** Quiet time after the last change before reloading, in ms. */
  readonly debounceMs?: number;
  /** Shut down gracefully on SIGTERM and SIGINT, then exit the process (default false). */
  readonly handleSignals?: boolean;
  /** How long a graceful shutdown may take before the process exits 1 (default 10 s). */
  readonly shutdownTimeoutMs?: number;
}

/** Default of `shutdownTimeoutMs`. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/** The most server processes `workers` accepts. */
export const MAX_WORKERS = 64;

/** Options of `serve` in cluster mode: `workers` processes share one port. */
export interface ClusterOptions extends ServeOptions {
  /** Server processes sharing the port, 1 to `MAX_WORKERS`; `serve` runs 1 as a single process. */
  readonly workers: number;
  /** How long the workers may take to load the tree and listen, in ms (default 120 s). */
  readonly startTimeoutMs?: number;
  /** How long a `/metrics` scrape waits for the other workers' metrics, in ms (default 2 s). */
  readonly metricsTimeoutMs?: number;
}

/** What every server `serve` starts has: where it listens, and how to stop it. */
export interface ListeningServer {
  /** `http://host:port`, with an IPv6 host in brackets. */
  readonly url: string;
  /** The bound address, such as `127.0.0.1`. */
  readonly address: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /** Stops accepting, finishes in-flight requests, closes the tree; idempotent. */
  close(): Promise<void>;
}

/** A listening server made by `serve` in this process. */
export interface RunningServer extends ListeningServer {
  readonly app: FastifyInstance;
  readonly tree: TreeHandle;
}

/** One worker process of a `ClusterServer`. */
export interface ClusterWorker {
  /** The worker's slot, 1 to `workerCount`; a replacement keeps the slot of the worker it replaces. */
  readonly id: number;
  /** The process id, while a process runs in the slot. */
  readonly pid: number | undefined;
  /** `starting` while it loads the tree, `listening` once it serves, `restarting` while a replacement waits out its backoff, `stopped` once gone for good. */
  readonly state: "starting" | "listening" | "restarting" | "stopped";
}

/**
 * A server made by `serve` in cluster mode. This (primary) process holds no
 * tree and no fastify app: each worker process has its own, so neither is
 * here. `close` shuts every worker down gracefully.
 */
export interface ClusterServer extends ListeningServer {
  /** How many worker processes serve. */
  readonly workerCount: number;
  /** The worker slots as they are now. */
  workers(): readonly ClusterWorker[];
}

/** `ServerOptions` with every default applied. */
export interface ResolvedServerOptions {
  readonly logger: false | { readonly level: LogLevel; readonly stream?: { write(line: string): void } };
  readonly bodyLimit: number;
  readonly batchBodyLimit: number;
  readonly maxBatch: number;
  readonly processMetrics: boolean;
}

const MiB = 1024 * 1024;

/** Applies defaults and rejects invalid values with `invalid_option`. */
export function resolveServerOptions(options: ServerOptions = {}): ResolvedServerOptions {
  const logger = options.logger ?? true;
  return {
    logger: logger === false ? false : logger === true ? { level: "info" } : { level: "info", ...logger },
    bodyLimit: positiveInteger("bodyLimit", options.bodyLimit ?? MiB),
    batchBodyLimit: positiveInteger("batchBodyLimit", options.batchBodyLimit ?? 16 * MiB),
    maxBatch: positiveInteger("maxBatch", options.maxBatch ?? 10_000),
    processMetrics: options.processMetrics ?? true,
  };
}

/** `value`, when it is a positive safe integer; else throws `invalid_option` naming the server option `name`. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TreeRightsError("invalid_option", `server option \`${name}\` must be a positive integer, not \`${String(value)}\``);
  }
  return value;
}

/** `http://address:port`, with an IPv6 address in brackets. */
export function serverUrl(address: string, port: number): string {
  return `http://${address.includes(":") ? `[${address}]` : address}:${String(port)}`;
}
