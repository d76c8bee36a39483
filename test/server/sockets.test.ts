/** Real sockets on 127.0.0.1: the wire format, and graceful close with requests in flight. */
import { connect } from "node:net";
import type { Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, test } from "vitest";
import { buildServer } from "../../src/server/build-server.js";
import { FakeTree } from "./fake-tree.js";
import { jsonOf } from "./helpers.js";

const apps: FastifyInstance[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function listening(tree = new FakeTree(), setup?: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance; port: number; base: string }> {
  const app = await buildServer(tree, { logger: false, processMetrics: false });
  apps.push(app);
  setup?.(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, port, base: `http://127.0.0.1:${port}` };
}

/** One parsed HTTP/1.1 response read off a raw socket. */
interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Reads `count` responses (each with a content-length) from `socket`. */
function readResponses(socket: Socket, count: number): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end === -1) return;
        const [statusLine = "", ...lines] = buffer.subarray(0, end).toString("latin1").split("\r\n");
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
        const length = Number(headers["content-length"] ?? 0);
        if (buffer.length < end + 4 + length) return;
        responses.push({ status: Number(statusLine.split(" ")[1]), headers, body: buffer.subarray(end + 4, end + 4 + length).toString("utf8") });
        buffer = buffer.subarray(end + 4 + length);
        if (responses.length === count) {
          socket.off("data", onData);
          resolve(responses);
          return;
        }
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("close", () => { if (responses.length < count) reject(new Error(`socket closed after ${responses.length} of ${count} responses`)); });
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => { resolve(socket); });
    sockets.push(socket);
    socket.once("error", reject);
  });
}

/** Resolves once connecting to `port` is refused (the listener is closed). */
async function refused(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      (await open(port)).destroy();
    } catch (error) {
      // A connection accepted just as the listener closed is reset; keep asking.
      if ((error as NodeJS.ErrnoException).code === "ECONNREFUSED") return;
      expect((error as NodeJS.ErrnoException).code).toBe("ECONNRESET");
    }
    await sleep(10);
  }
  throw new Error(`port ${port} still accepts connections`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("over a real socket", () => {
  test("every endpoint answers JSON (metrics: text)", async () => {
    const tree = new FakeTree();
    const { base } = await listening(tree);
    const revision = tree.index.revision;
    const postJson = (path: string, body: unknown): Promise<Response> =>
      fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

    const check = await postJson("/v1/check", { groups: ["ops"], access: "READ", path: "/plant/a" });
    expect(check.status).toBe(200);
    expect(check.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await jsonOf(check)).toEqual({ allowed: true, revision });
    expect(await jsonOf(await fetch(`${base}/v1/check?group=ops&group=eng&access=WRITE&path=/plant/a`))).toEqual({ allowed: false, revision });
    expect(await jsonOf(await postJson("/v1/check/batch", { checks: [{ groups: ["admin"], access: "WRITE", path: "/" }] }))).toEqual({ results: [true], revision });
    expect((await jsonOf(await postJson("/v1/explain", { groups: ["admin"], access: "WRITE", path: "/" }))).deciding).toEqual(["admin"]);
    expect(await jsonOf(await fetch(`${base}/v1/groups?access=WRITE&path=/`))).toEqual({ groups: ["admin"], revision });
    expect((await jsonOf(await fetch(`${base}/v1/status`))).revision).toBe(revision);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('treerights_decisions_total{access="READ",result="allow"} 1');

    const bad = await postJson("/v1/check", { groups: ["ops"], access: "READ", path: "/a/../b" });
    expect(bad.status).toBe(400);
    expect(await jsonOf(bad)).toMatchObject({ error: { code: "invalid_path" } });
  });

  test("a raw URL with a malformed escape gets our error body", async () => {
    const { port } = await listening();
    const socket = await open(port);
    const answer = readResponses(socket, 1);
    socket.write("GET /v1/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n");
    const [res] = await answer;
    expect(res!.status).toBe(400);
    expect(JSON.parse(res!.body)).toMatchObject({ error: { code: "invalid_url" } });
    socket.destroy();
  });

  test.each([
    ["a raw non-ASCII byte in the URL", Buffer.concat([Buffer.from("GET /v1/check?access=READ&path=/a/"), Buffer.from([0xc3, 0xa9]), Buffer.from(" HTTP/1.1\r\nHost: x\r\n\r\n")]), 400, "bad_request"],
    ["a control character in a header", Buffer.from("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n"), 400, "bad_request"],
    ["a header section over the limit", Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`), 431, "headers_too_large"],
  ])("a request Node's parser refuses (%s) gets our error body, then the connection closes", async (_name, request, status, code) => {
    const { port } = await listening();
    const socket = await open(port);
    const answer = readResponses(socket, 1);
    const closed = new Promise<void>((resolve) => { socket.once("close", () => { resolve(); }); });
    socket.write(request);
    const [res] = await answer;
    expect(res!.status).toBe(status);
    expect(res!.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(res!.body)).toEqual({ error: { code, message: expect.any(String) as string } });
    await closed;
  });
});

describe("graceful close", () => {
  test("a request in flight when close begins is answered; readiness turns 503; new connections are refused", async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => { arrived = resolve; });
    const { app, port } = await listening(new FakeTree(), (a) => {
      // Runs once the headers are parsed, before the body is read.
      a.addHook("onRequest", (request, _reply, done) => {
        if (request.method === "POST") arrived();
        done();
      });
    });
    const body = JSON.stringify({ groups: ["ops"], access: "READ", path: "/plant/a" });
    const socket = await open(port);
    const answers = readResponses(socket, 2);
    // Headers and half the body: the request is in flight.
    socket.write(`POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
    await inFlight;

    let closed = false;
    const closing = app.close().then(() => { closed = true; });
    await refused(port);
    await sleep(20);
    expect(closed).toBe(false);

    // The rest of the body, and a pipelined readiness probe behind it.
    socket.write(`${body.slice(10)}GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n`);
    const [check, ready] = await answers;
    expect(check!.status).toBe(200);
    expect(JSON.parse(check!.body)).toMatchObject({ allowed: true });
    expect(ready!.status).toBe(503);
    expect(JSON.parse(ready!.body)).toEqual({ ready: false, reason: "shutting down" });
    expect(ready!.headers.connection).toBe("close");
    await closing;
    expect(closed).toBe(true);
    socket.destroy();
  });

  test("a keep-alive connection whose request was in flight does not hold close up", async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => { arrived = resolve; });
    const { app, port } = await listening(new FakeTree(), (a) => {
      a.addHook("onRequest", (_request, _reply, done) => {
        arrived();
        done();
      });
    });
    const body = JSON.stringify({ groups: ["ops"], access: "READ", path: "/plant/a" });
    const socket = await open(port);
    const answer = readResponses(socket, 1);
    const socketClosed = new Promise<void>((resolve) => socket.once("close", () => { resolve(); }));
    socket.write(`POST /v1/check HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
    await inFlight;
    const closing = app.close();
    await refused(port);
    socket.write(body.slice(10));
    expect((await answer)[0]!.status).toBe(200);
    const started = performance.now();
    await closing;
    await socketClosed;
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("idle keep-alive connections do not hold close up", async () => {
    const { app, base } = await listening();
    expect((await fetch(`${base}/healthz`, { headers: { connection: "keep-alive" } })).status).toBe(200);
    const started = performance.now();
    await app.close();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
