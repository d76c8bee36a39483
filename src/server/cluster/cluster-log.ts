/**
 * `ClusterLog`: the cluster primary's logger. The primary runs no fastify
 * app, so it writes pino's line format itself (`level`, `time`, `pid`,
 * `hostname`, the fields, `msg`): its lines and the workers' read alike.
 */
import { hostname } from "node:os";
import type { LogLevel, ResolvedServerOptions } from "../server-options.js";

const LEVELS: Readonly<Record<LogLevel, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** A line-oriented JSON logger with pino's levels. */
export interface ClusterLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  /** Writes a line another process already formatted (a worker's forwarded log line). */
  raw(line: string): void;
}

/** The logger for resolved `logger` options: nothing when `false`, else lines at or above the level, to the stream or stdout. */
export function clusterLog(logger: ResolvedServerOptions["logger"]): ClusterLog {
  const threshold = logger === false ? Infinity : LEVELS[logger.level];
  const stream = logger === false ? undefined : logger.stream ?? process.stdout;
  const host = hostname();
  const write = (level: number, fields: object, msg: string): void => {
    if (level < threshold || stream === undefined) return;
    stream.write(`${JSON.stringify({ level, time: Date.now(), pid: process.pid, hostname: host, ...fields, msg }, errorFields)}\n`);
  };
  return {
    info: (fields, message) => { write(LEVELS.info, fields, message); },
    warn: (fields, message) => { write(LEVELS.warn, fields, message); },
    error: (fields, message) => { write(LEVELS.error, fields, message); },
    raw: (line) => { stream?.write(line.endsWith("\n") ? line : `${line}\n`); },
  };
}

// Errors have no enumerable fields: log their type, message and code, as pino's serializer does.
function errorFields(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = "code" in value && typeof value.code === "string" ? { code: value.code } : {};
  return { type: value.name, message: value.message, ...code };
}
