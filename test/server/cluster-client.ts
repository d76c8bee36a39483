/** HTTP on fresh connections, for cluster tests: Node's cluster hands each new connection to the next free worker. */
import { request } from "node:http";
import type { Agent, IncomingHttpHeaders } from "node:http";

/** A response read whole. */
export interface FreshReply {
  readonly status: number;
  readonly text: string;
  // Parsed JSON whose shape each assertion checks (undefined when the body is not JSON); `any` keeps those assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly headers: IncomingHttpHeaders;
  /** True when the request went over a connection an agent had already used. */
  readonly reused: boolean;
}

/** Options of `fresh`. */
export interface FreshOptions {
  readonly method?: string;
  readonly json?: unknown;
  /** A header given as a list is sent once per value. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly timeoutMs?: number;
  /** Send over this agent's connections instead of a new one closed after the answer. */
  readonly agent?: Agent;
}

/**
 * One request on its own TCP connection (no agent, `connection: close`)
 * unless `agent` is given, failing after `timeoutMs`. `target` is a URL, or
 * a port and a path sent exactly as written (a URL string would have `.`
 * segments resolved by WHATWG URL parsing).
 */
export function fresh(target: string | { readonly port: number; readonly path: string }, options: FreshOptions = {}): Promise<FreshReply> {
  const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
  const where = typeof target === "string" ? new URL(target) : undefined;
  return new Promise((resolve, reject) => {
    const req = request({
      host: where === undefined ? "127.0.0.1" : where.hostname.replace(/^\[|\]$/g, ""),
      port: where === undefined ? (target as { port: number }).port : Number(where.port),
      path: where === undefined ? (target as { path: string }).path : `${where.pathname}${where.search}`,
      method: options.method ?? (payload === undefined ? "GET" : "POST"),
      agent: options.agent ?? false,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, body, headers: res.headers, reused: req.reusedSocket });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (options.agent === undefined) req.setHeader("connection", "close");
    for (const [name, value] of Object.entries(options.headers ?? {})) req.setHeader(name, value);
    if (payload !== undefined) req.setHeader("content-type", "application/json");
    req.end(payload);
  });
}

/** Calls `probe` every 25 ms until it returns a value (not `undefined`); throws after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True while a process with this id exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The sum of every sample of `metric` (any labels) in a Prometheus text exposition. */
export function sumOf(exposition: string, metric: string): number {
  let sum = 0;
  for (const line of exposition.split("\n")) {
    if (line.startsWith(`${metric} `) || line.startsWith(`${metric}{`)) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}
