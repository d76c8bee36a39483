/** `serve`: the real loader on a temp tree, listening on 127.0.0.1, and graceful shutdown on signals. */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { serve } from "../../src/server/index.js";
import type { RunningServer } from "../../src/server/index.js";
import { jsonOf } from "./helpers.js";
import type { Reply } from "./helpers.js";
import { treeDir, writeFiles } from "./tree-dir.js";

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

const ROOT = "READ:\n  include: [ops]\nWRITE:\n  include: [admin]\n";
const check = (base: string, body: unknown): Promise<Response> =>
  fetch(`${base}/v1/check`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** GETs or POSTs until `ok` holds for the JSON answer (or 5 s pass); returns the last answer. */
async function until(request: () => Promise<Response>, ok: (body: Reply["body"]) => boolean, timeoutMs = 5000): Promise<Reply["body"]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await jsonOf(await request());
    if (ok(value) || performance.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("serve", () => {
  test("opens, watches and serves a tree on 127.0.0.1", async () => {
    const dir = treeDir({ "access.rights": ROOT, "plant/access.rights": "WRITE:\n  include: [supervisors]\n" });
    const server = await serve(dir, { port: 0, logger: false, processMetrics: false, debounceMs: 20 });
    running.push(server);
    expect(server.address).toBe("127.0.0.1");
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const revision = server.tree.index.revision;

    expect(await jsonOf(await check(server.url, { groups: ["supervisors"], access: "WRITE", path: "/plant/x" }))).toEqual({ allowed: true, revision });
    const status = await jsonOf(await fetch(`${server.url}/v1/status`));
    expect(status).toMatchObject({ root: path.resolve(dir), revision, fileCount: 2, reloads: 0, rejected: null, watch: { state: "watching" } });

    // A change on disk is picked up, and answers name the new revision.
    writeFiles(dir, { "plant/access.rights": "WRITE:\n  override: [admin]\n" });
    const after = await until(
      () => check(server.url, { groups: ["supervisors"], access: "WRITE", path: "/plant/x" }),
      (body) => body.revision !== revision,
    );
    expect(after).toEqual({ allowed: false, revision: server.tree.index.revision });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain("treerights_reloads_total 1");

    // A broken edit is rejected; the last good revision keeps answering and status shows why.
    writeFiles(dir, { "plant/access.rights": "Write:\n  include: [x]\n" });
    const rejected = await until(() => fetch(`${server.url}/v1/status`), (s) => s.rejected !== null);
    expect(rejected.rejected.problems[0]).toMatchObject({ file: "plant/access.rights", line: 1, severity: "error" });
    expect((await jsonOf(await check(server.url, { groups: ["admin"], access: "WRITE", path: "/plant/x" }))).revision).toBe(after.revision);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain("treerights_rejected_reloads_total 1");
  });

  test("close stops listening, closes the tree, and is idempotent", async () => {
    const server = await serve(treeDir({ "access.rights": ROOT }), { port: 0, logger: false, processMetrics: false });
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    expect(server.tree.status.watch.state).toBe("off");
  });

  test("watch: false serves a fixed tree", async () => {
    const server = await serve(treeDir({ "access.rights": ROOT }), { port: 0, logger: false, processMetrics: false, watch: false });
    running.push(server);
    expect((await jsonOf(await fetch(`${server.url}/v1/status`))).watch).toEqual({ state: "off" });
  });

  test("a tree invalid at startup never serves", async () => {
    const port = await freePort();
    await expect(serve(treeDir({ "access.rights": "READS: {}\n" }), { port, logger: false, processMetrics: false })).rejects.toMatchObject({ code: "load_failed" });
    await expect(serve(treeDir({ "other.txt": "" }), { port, logger: false, processMetrics: false })).rejects.toMatchObject({ code: "load_failed" });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  test("a taken port rejects and leaves nothing open", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(serve(treeDir({ "access.rights": ROOT }), { port, logger: false, processMetrics: false })).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test("logs its lifecycle at info", async () => {
    const lines: string[] = [];
    const server = await serve(treeDir({ "access.rights": ROOT }), { port: 0, processMetrics: false, logger: { stream: { write: (l) => { lines.push(l); } } } });
    await server.close();
    const messages = lines.map((l) => JSON.parse(l) as { msg: string; level: number; url?: string });
    expect(messages.find((m) => m.msg === "treerights serving")).toMatchObject({ level: 30, url: server.url });
    expect(messages.at(-1)).toMatchObject({ level: 30, msg: "treerights stopped" });
  });
});

describe("signals", () => {
  test.each(["SIGTERM", "SIGINT"] as const)("%s finishes in-flight requests, closes and exits 0", async (signal) => {
    const dir = treeDir({ "access.rights": ROOT });
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "fixtures/serve-child.ts"), dir], { stdio: ["ignore", "pipe", "pipe"] });
    const logs: { msg: string; url?: string }[] = [];
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let pending = "";
      child.stdout.on("data", (d: Buffer) => {
        pending += d.toString();
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          const entry = JSON.parse(line) as { msg: string; url?: string };
          logs.push(entry);
          if (entry.msg === "treerights serving" && entry.url) resolve(entry.url);
        }
      });
      void exited.then((code) => { reject(new Error(`child exited ${String(code)}: ${stderr}`)); });
    });

    expect((await jsonOf(await check(url, { groups: ["ops"], access: "READ", path: "/x" }))).allowed).toBe(true);
    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ groups: ["ops"], access: "READ", path: "/x" });
    let sendRest!: () => void;
    const rest = new Promise<void>((resolve) => { sendRest = resolve; });
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode(body.slice(0, 5)));
        await rest;
        controller.enqueue(new TextEncoder().encode(body.slice(5)));
        controller.close();
      },
    });
    const inFlight = fetch(`${url}/v1/check`, { method: "POST", headers: { "content-type": "application/json", "content-length": String(body.length) }, body: stream, duplex: "half" });
    await new Promise((r) => setTimeout(r, 300));
    child.kill(signal);
    await new Promise((r) => setTimeout(r, 200));
    sendRest();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect((await jsonOf(answer)).allowed).toBe(true);
    expect(await exited).toBe(0);
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down: finishing in-flight requests", "treerights stopped"]));
  }, 20_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => { resolve(port); });
    });
  });
}
