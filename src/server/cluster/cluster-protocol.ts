/**
 * What the cluster primary and its workers say to each other over IPC
 * (structured clone: typed arrays and NaN cross intact). Every message is
 * tagged `treerights:…`; anything else on the channel is ignored.
 *
 * A worker starts: `hello` →, ← `start` (its configuration), then `ready`
 * (listening) or `failed` (with the error) →. A scrape on worker W:
 * W `metrics-request` →; the primary sends every other listening worker
 * `metrics-collect`, gathers their `metrics-part`s, and answers W with
 * `metrics-parts` (or an error when one did not answer in time). Shutdown:
 * ← `shutdown`. With a custom log stream, workers send their log lines as
 * `log`.
 */
import { ERROR_CODES, LoadError, TreeRightsError } from "../../engine/index.js";
import type { ErrorCode, Problem } from "../../engine/index.js";
import type { MetricsSnapshot } from "../server-metrics.js";
import type { LogLevel, ServeOptions } from "../server-options.js";

/** Everything a worker needs to serve, sent in `start`. */
export interface WorkerConfig {
  /** The worker's slot, 1 to `count`. */
  readonly id: number;
  readonly count: number;
  /** The tree root, absolute. */
  readonly dir: string;
  /** The `serve` options as plain data: a logger's stream stays in the primary (see `forwardLogs`). */
  readonly serve: WorkerServeOptions;
  /** Send log lines to the primary (its logger has a custom stream) instead of writing them to stdout. */
  readonly forwardLogs: boolean;
  /** How long a scrape waits for the primary's `metrics-parts`, in ms. */
  readonly metricsWaitMs: number;
  /** How long the worker's own graceful stop may take before it exits 1, in ms. */
  readonly shutdownTimeoutMs: number;
}

/**
 * What of `ServeOptions` a worker gets: no signals (the primary has them), a
 * logger without its stream, and the server config's path (each worker reads
 * the file itself), never its contents.
 */
export type WorkerServeOptions = Omit<ServeOptions, "logger" | "handleSignals" | "shutdownTimeoutMs" | "serverConfig" | "decisionLogStream"> & { readonly logger: false | { readonly level: LogLevel } };

/** An error as it crosses the channel; `problems` when it is a `LoadError`. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly problems?: readonly Problem[];
}

/** Messages from the primary to a worker. */
export type PrimaryMessage =
  | { readonly type: "treerights:start"; readonly config: WorkerConfig }
  | { readonly type: "treerights:shutdown" }
  | { readonly type: "treerights:metrics-collect"; readonly id: number }
  | { readonly type: "treerights:metrics-parts"; readonly id: number; readonly parts: readonly MetricsSnapshot[] }
  | { readonly type: "treerights:metrics-failed"; readonly id: number; readonly message: string };

/** Messages from a worker to the primary. */
export type WorkerMessage =
  | { readonly type: "treerights:hello" }
  | { readonly type: "treerights:ready"; readonly address: string; readonly port: number }
  | { readonly type: "treerights:failed"; readonly error: WireError }
  | { readonly type: "treerights:log"; readonly line: string }
  | { readonly type: "treerights:metrics-request"; readonly id: number }
  | { readonly type: "treerights:metrics-part"; readonly id: number; readonly snapshot: MetricsSnapshot };

// Per tag, the fields a message must carry and their `typeof`.
const PRIMARY_FIELDS: Readonly<Record<PrimaryMessage["type"], Readonly<Record<string, string>>>> = {
  "treerights:start": { config: "object" },
  "treerights:shutdown": {},
  "treerights:metrics-collect": { id: "number" },
  "treerights:metrics-parts": { id: "number", parts: "object" },
  "treerights:metrics-failed": { id: "number", message: "string" },
};

const WORKER_FIELDS: Readonly<Record<WorkerMessage["type"], Readonly<Record<string, string>>>> = {
  "treerights:hello": {},
  "treerights:ready": { address: "string", port: "number" },
  "treerights:failed": { error: "object" },
  "treerights:log": { line: "string" },
  "treerights:metrics-request": { id: "number" },
  "treerights:metrics-part": { id: "number", snapshot: "object" },
};

/**
 * True for a message of this protocol from the primary. Checks the tag and
 * the type of each top-level field; nested payloads (a configuration, a
 * metrics snapshot) are trusted, as both ends run this module's code.
 */
export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return hasFields(value, PRIMARY_FIELDS);
}

/** True for a message of this protocol from a worker (as `isPrimaryMessage` checks it). */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return hasFields(value, WORKER_FIELDS);
}

function hasFields(value: unknown, fields: Readonly<Record<string, Readonly<Record<string, string>> | undefined>>): boolean {
  if (typeof value !== "object" || value === null || !("type" in value) || typeof value.type !== "string") return false;
  const wanted = Object.hasOwn(fields, value.type) ? fields[value.type] : undefined;
  if (wanted === undefined) return false;
  const record: Readonly<Record<string, unknown>> = { ...value };
  return Object.entries(wanted).every(([field, type]) => typeof record[field] === type && record[field] !== null);
}

/** The cluster's own failure codes, with a one-line meaning (documented in `docs/errors.md`). */
export const CLUSTER_ERROR_CODES = Object.freeze({
  worker_exited: "a worker ended before listening without saying why",
  start_timeout: "not every worker listened within `startTimeoutMs`",
  stop_timeout: "a worker was still running `shutdownTimeoutMs` after shutdown began, and was killed",
  stopped: "the server was closed before every worker listened",
} as const);

/** A code from `CLUSTER_ERROR_CODES`. */
export type ClusterErrorCode = keyof typeof CLUSTER_ERROR_CODES;

/**
 * A cluster failure that is neither a load error nor a treerights error:
 * one of the cluster's own (`CLUSTER_ERROR_CODES`), or one a worker
 * reported with its system code (Node's `EADDRINUSE`, say).
 */
export class ClusterError extends Error {
  /** A `ClusterErrorCode`, a worker's system code, or none. */
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "ClusterError";
    this.code = code;
  }
}

/** The wire form of anything thrown. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const code = "code" in error && typeof error.code === "string" ? { code: error.code } : {};
  const problems = error instanceof LoadError ? { problems: error.problems } : {};
  return { name: error.name, message: error.message, ...code, ...problems };
}

/**
 * The error to throw for a wire error: a `LoadError` with every problem, a
 * `TreeRightsError` with its code, or else a `ClusterError` keeping the code.
 */
export function fromWireError(wire: WireError): Error {
  if (wire.code === "load_failed" && wire.problems !== undefined) return new LoadError(wire.problems);
  if (wire.code !== undefined && isErrorCode(wire.code)) return new TreeRightsError(wire.code, wire.message);
  return new ClusterError(wire.message, wire.code);
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
