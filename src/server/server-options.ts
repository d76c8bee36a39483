/** `ServerOptions` and `RunningServer`: how a decision server is configured, and what `serve` returns. */
import type { FastifyInstance } from "fastify";
import { TreeRightsError } from "../engine/index.js";
import type { TreeHandle } from "../loader/index.js";

/** Pino log levels accepted by `logger.level`. */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

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
}

/** A listening server made by `serve`. */
export interface RunningServer {
  /** `http://host:port`, with an IPv6 host in brackets. */
  readonly url: string;
  /** The bound address, such as `127.0.0.1`. */
  readonly address: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  readonly app: FastifyInstance;
  readonly tree: TreeHandle;
  /** Stops accepting, finishes in-flight requests, closes the tree; idempotent. */
  close(): Promise<void>;
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

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TreeRightsError("invalid_option", `server option \`${name}\` must be a positive integer, not \`${String(value)}\``);
  }
  return value;
}
