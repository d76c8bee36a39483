/**
 * HTTP/1.1 over a bare `node:net` socket: the request line goes out byte for
 * byte as written (no client library normalises `..`, `\`, `#`, or
 * re-encodes anything), and the answer is read until the server closes or a
 * bounded time passes.
 */
import { connect } from "node:net";

/** One raw answer. */
export interface RawResponse {
  readonly status: number;
  /** Lower-case name → every value, in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Buffer;
  /** Milliseconds from connect to the end of the answer. */
  readonly elapsedMs: number;
}

/** Options of `rawRequest`. */
export interface RawRequestOptions {
  readonly method?: string;
  /** Header lines in order (a name may repeat); `Host` and `Connection: close` are added unless given. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: Buffer | string;
  /** Give up (reject) after this long; default 10 s. */
  readonly timeoutMs?: number;
  /** Send the head only, even if `Content-Length` promises a body. */
  readonly withholdBody?: boolean;
}

/**
 * Sends `METHOD target HTTP/1.1` to 127.0.0.1:`port` and resolves to the
 * first complete response (by `Content-Length`, chunks, or close; a HEAD
 * answer ends with its head).
 * `target` is written as latin1 bytes: pass `utf8Target()` for UTF-8.
 */
export function rawRequest(port: number, target: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  const method = options.method ?? "GET";
  const headers = [...(options.headers ?? [])];
  const has = (name: string): boolean => headers.some(([n]) => n.toLowerCase() === name);
  if (!has("host")) headers.unshift(["Host", `127.0.0.1:${String(port)}`]);
  if (!has("connection")) headers.push(["Connection", "close"]);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  if (body !== undefined && !has("content-length")) headers.push(["Content-Length", String(body.length)]);
  const head = Buffer.from(`${method} ${target} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`, "latin1");
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => { finish(new Error(`no complete answer to ${method} ${target} within ${String(timeoutMs)} ms (got ${String(Buffer.concat(chunks).length)} bytes)`), false); }, timeoutMs);
    const finish = (error?: Error, closed = true): void => {
      if (settled) return;
      const parsed = parse(Buffer.concat(chunks), Date.now() - started, closed, method === "HEAD");
      if (error !== undefined && parsed === null) {
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(error);
        return;
      }
      if (parsed === null) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parsed);
    };
    socket.on("connect", () => {
      socket.write(head);
      // A server that answers early (a denial) may close before the whole body is written: that is not an error here.
      if (body !== undefined && options.withholdBody !== true) socket.write(body, () => undefined);
    });
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (parse(Buffer.concat(chunks), Date.now() - started, false, method === "HEAD") !== null) finish(undefined, false);
    });
    socket.on("error", (error) => { finish(error); });
    socket.on("close", () => { finish(new Error(`connection closed before a complete answer to ${method} ${target}`)); });
  });
}

/** A UTF-8 string as the latin1 string of its bytes (what `rawRequest` writes, one char per byte). */
export function utf8Target(target: string): string {
  return Buffer.from(target, "utf8").toString("latin1");
}

/** The response in `data`, or null while incomplete (`closed`: the server closed, so a body without length ends here). */
function parse(data: Buffer, elapsedMs: number, closed: boolean, head: boolean): RawResponse | null {
  const end = data.indexOf("\r\n\r\n");
  if (end === -1) return null;
  const lines = data.subarray(0, end).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  if (status === null) return null;
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const rest = data.subarray(end + 4);
  if (head) return { status: Number(status[1]), headers, body: Buffer.alloc(0), elapsedMs };
  const length = headers.get("content-length")?.[0];
  if (length !== undefined) {
    if (rest.length < Number(length)) return null;
    return { status: Number(status[1]), headers, body: rest.subarray(0, Number(length)), elapsedMs };
  }
  if (headers.get("transfer-encoding")?.[0]?.toLowerCase() === "chunked") {
    const decoded = dechunk(rest);
    return decoded === null ? null : { status: Number(status[1]), headers, body: decoded, elapsedMs };
  }
  // 1xx, 204, 304 have no body; otherwise the body runs to the close.
  const code = Number(status[1]);
  if (code < 200 || code === 204 || code === 304) return { status: code, headers, body: Buffer.alloc(0), elapsedMs };
  return closed ? { status: code, headers, body: rest, elapsedMs } : null;
}

function dechunk(data: Buffer): Buffer | null {
  const out: Buffer[] = [];
  let at = 0;
  for (let guard = 0; guard < 100_000; guard++) {
    const eol = data.indexOf("\r\n", at);
    if (eol === -1) return null;
    const size = Number.parseInt(data.subarray(at, eol).toString("latin1"), 16);
    if (Number.isNaN(size)) return null;
    if (size === 0) return Buffer.concat(out);
    if (data.length < eol + 2 + size + 2) return null;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return null;
}

/** The first value of header `name`, or undefined. */
export function header(response: RawResponse, name: string): string | undefined {
  return response.headers.get(name.toLowerCase())?.[0];
}
