/** HTTP on fresh connections, for cluster tests: Node's cluster hands each new connection to the next free worker. */
import { request } from "node:http";

/** A response read whole. */
export interface FreshReply {
  readonly status: number;
  readonly text: string;
  // Parsed JSON whose shape each assertion checks; `any` keeps those assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** One request on its own TCP connection (no agent, `connection: close`), failing after `timeoutMs`. */
export function fresh(url: string, options: { method?: "GET" | "POST"; json?: unknown; timeoutMs?: number } = {}): Promise<FreshReply> {
  const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string> = { connection: "close" };
  if (payload !== undefined) headers["content-type"] = "application/json";
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? (payload === undefined ? "GET" : "POST"), agent: false, headers, signal: AbortSignal.timeout(options.timeoutMs ?? 5_000) }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, body });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
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
