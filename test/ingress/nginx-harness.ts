/**
 * A real nginx for the ingress tests, started as an ordinary process with
 * its own prefix on loopback (never a system service), running
 * `examples/nginx/nginx.conf` with only its three ports changed; and the
 * backend behind it, which records every byte it receives (the witness: a
 * denied request must never reach it) and answers as a backend that folds
 * case and normalises Unicode would.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { connect, createServer as createNetServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** The example every nginx test runs. */
export const EXAMPLE_CONF = new URL("../../examples/nginx/nginx.conf", import.meta.url);

/** The loopback ports the example is written for. */
export const EXAMPLE_PORTS = { gateway: 8000, treerights: 8080, backend: 9000 } as const;

/** The nginx binary: Debian's /usr/sbin/nginx, or `nginx` on PATH. Throws (fails the test, never skips it) when there is none. */
export function nginxBinary(): string {
  const candidates = ["/usr/sbin/nginx", ...(process.env["PATH"] ?? "").split(delimiter).filter((d) => d !== "").map((d) => join(d, "nginx"))];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Next candidate.
    }
  }
  throw new Error("nginx is not installed (looked for /usr/sbin/nginx and nginx on PATH). The ingress tests run a real nginx: install Debian's `nginx` package (.ci/run does: apt-get install -y nginx); no service needs to run.");
}

/** The example config with its ports replaced; every port must occur in it (else the example changed under the test). */
export function exampleConf(ports: { readonly gateway: number; readonly treerights: number; readonly backend: number }): string {
  let text = readFileSync(EXAMPLE_CONF, "utf8");
  for (const key of ["gateway", "treerights", "backend"] as const) {
    const from = `127.0.0.1:${String(EXAMPLE_PORTS[key])}`;
    if (!text.includes(from)) throw new Error(`examples/nginx/nginx.conf no longer mentions ${from} (the ${key}); the tests substitute exactly that`);
    text = text.replaceAll(from, `127.0.0.1:${String(ports[key])}`);
  }
  return text;
}

/** A loopback port nobody listened on a moment ago. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

/** A running nginx. */
export interface RunningNginx {
  readonly port: number;
  readonly prefix: string;
  /** What nginx wrote to stderr and its error log so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx with `conf(gatewayPort)` in a fresh prefix and resolves once
 * it accepts connections. Retries with another port (at most 3 times) when
 * the chosen one was taken meanwhile.
 */
export async function startNginx(conf: (gatewayPort: number) => string): Promise<RunningNginx> {
  const binary = nginxBinary();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const prefix = await mkdtemp(join(tmpdir(), "treerights-nginx-"));
    // nginx started as root runs its workers as `nobody`: they must reach the temp directories inside the prefix.
    await chmod(prefix, 0o755);
    const confFile = join(prefix, "nginx.conf");
    await writeFile(confFile, conf(port));
    const child = spawn(binary, ["-p", `${prefix}/`, "-c", confFile, "-e", "stderr"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString("utf8"); });
    const log = (): string => {
      let errorLog = "";
      try {
        errorLog = readFileSync(join(prefix, "error.log"), "utf8");
      } catch {
        // Not written yet.
      }
      return `${stderr}${errorLog}`;
    };
    try {
      await waitListening(port, child, log);
      return { port, prefix, log, stop: () => stopNginx(child, prefix) };
    } catch (error) {
      lastError = error;
      await stopNginx(child, prefix);
      if (!/Address already in use/.test(log())) break;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function waitListening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited (${String(child.exitCode ?? child.signalCode)}) before listening:\n${log()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${String(port)} within 8 s:\n${log()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => { socket.destroy(); resolve(false); });
  });
}

async function stopNginx(child: ChildProcess, prefix: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => { resolve(); }));
    // SIGTERM: the master stops its workers, then exits; SIGKILL only if that takes too long.
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
  await rm(prefix, { recursive: true, force: true });
}

/** One request as the backend parsed it. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  /** Lower-case name → values, as received. */
  readonly headers: IncomingMessage["headersDistinct"];
  readonly bodyBytes: number;
  /** The path a case-folding, NFKC-normalising backend would serve. */
  readonly served: string;
}

/** The backend: records everything, answers `{ method, url, served, bodyBytes }`. */
export interface RecordingBackend {
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Bytes received on every connection, parsed or not (a request the parser refused still counts). */
  bytesReceived(): number;
  close(): Promise<void>;
}

/** Starts the backend on a loopback port (`port` 0: any). */
export async function startBackend(port = 0): Promise<RecordingBackend> {
  const requests: RecordedRequest[] = [];
  let bytes = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let bodyBytes = 0;
    req.on("data", (chunk: Buffer) => { bodyBytes += chunk.length; });
    req.on("end", () => {
      const url = req.url ?? "";
      const served = foldedPath(url);
      requests.push({ method: req.method ?? "", url, headers: req.headersDistinct, bodyBytes, served });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ method: req.method, url, served, bodyBytes }));
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("data", (chunk: Buffer) => { bytes += chunk.length; });
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    bytesReceived: () => bytes,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => { resolve(); });
    }),
  };
}

/**
 * What a lenient backend serves for `url`: query and fragment cut, every
 * `%XX` decoded (as often as it takes), `;` parameters dropped, `\` read as
 * `/`, NFKC and lower case, `.` and `..` resolved. The tricks below are
 * tricks because a real backend does some of this.
 */
export function foldedPath(url: string): string {
  // Node hands the request line over as latin1: its bytes are read as UTF-8.
  let path = Buffer.from(url.split(/[?#]/, 1)[0] ?? "", "latin1").toString("utf8");
  for (let i = 0; i < 3 && /%[0-9A-Fa-f]{2}/.test(path); i++) {
    try {
      path = decodeURIComponent(path);
    } catch {
      path = Buffer.from(path.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), "latin1").toString("utf8");
    }
  }
  path = path.normalize("NFKC").toLowerCase().normalize("NFKC").replaceAll("\\", "/");
  const out: string[] = [];
  for (const raw of path.split("/")) {
    const segment = raw.split(";", 1)[0] ?? "";
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}`;
}
