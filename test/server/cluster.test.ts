/**
 * `serve` with `workers`: worker processes on one loopback port answering as
 * one service — the same answers as one process, from every worker, reloads
 * in each, metrics summed over all, a killed worker replaced, and startup
 * failures reported with nothing left running.
 */
import cluster from "node:cluster";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LoadError } from "../../src/engine/index.js";
import { serve } from "../../src/server/index.js";
import type { ClusterServer } from "../../src/server/index.js";
import { alive, fresh, sumOf, until } from "./cluster-client.js";
import { treeDir, writeFiles } from "./tree-dir.js";

const TREE = {
  "access.rights": "READ:\n  include: [ops]\nWRITE:\n  include: [admin]\n",
  "plant/access.rights": 'READ:\n  include: [operators]\nWRITE:\n  override: [supervisors]\npatterns:\n  - match: "**/*.script"\n    WRITE: { override: [script-admins] }\n',
  "plant/north/access.rights": "READ:\n  exclude: [ops]\n",
};

const QUERIES = ["ops", "operators", "supervisors", "script-admins", "admin", "auditors"].flatMap((group) =>
  (["READ", "WRITE"] as const).flatMap((access) =>
    ["/", "/x", "/plant", "/plant/a.script", "/plant/north", "/plant/north/deep/b.script", "/plant/south/v"].map((p) => ({ groups: [group], access, path: p })),
  ),
);

/** Status over fresh connections until every worker slot has answered; returns the answers by slot. */
async function statusOfEveryWorker(url: string, count: number): Promise<Map<number, { pid: number; revision: string }>> {
  const seen = new Map<number, { pid: number; revision: string }>();
  return until(async () => {
    const { body } = await fresh(`${url}/v1/status`);
    seen.set(body.worker.id, { pid: body.worker.pid, revision: body.revision });
    return seen.size === count ? seen : undefined;
  }, 10_000, "a status answer from every worker");
}

describe("a 2-worker server", () => {
  let dir: string;
  let server: ClusterServer;
  const logs: { msg: string; level: number; worker?: number; pid?: number }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "treerights-cluster-"));
    writeFiles(dir, TREE);
    const started = await serve(dir, {
      workers: 2,
      port: 0,
      debounceMs: 20,
      metricsTimeoutMs: 500,
      logger: { level: "info", stream: { write: (line) => { logs.push(JSON.parse(line) as (typeof logs)[number]); } } },
    });
    if (!("workerCount" in started)) throw new Error("serve with 2 workers made a single-process server");
    server = started;
  });

  afterAll(async () => {
    // `server` is unset when `beforeAll` failed: that failure is the one to see.
    await (server as ClusterServer | undefined)?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("listens on one real port and says so once every worker listens", () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${String(server.port)}`);
    expect(server.workerCount).toBe(2);
    expect(server.workers()).toEqual([
      { id: 1, pid: expect.any(Number), state: "listening" },
      { id: 2, pid: expect.any(Number), state: "listening" },
    ]);
    expect(logs.filter((l) => l.msg === "treerights worker listening").map((l) => l.worker).sort()).toEqual([1, 2]);
    expect(logs.find((l) => l.msg === "treerights serving")).toMatchObject({ url: server.url, workers: 2, pid: process.pid });
  });

  test("every worker answers, exactly as one process does", async () => {
    const single = await serve(dir, { port: 0, logger: false, processMetrics: false, watch: false });
    try {
      const expected = await fresh(`${single.url}/v1/check/batch`, { json: { checks: QUERIES } });
      expect(expected.status).toBe(200);
      expect(expected.body.results).toContain(true);
      expect(expected.body.results).toContain(false);
      const pathsExpected = await fresh(`${single.url}/v1/check/batch`, { json: { groups: ["operators"], access: "READ", paths: QUERIES.map((q) => q.path) } });
      expect(pathsExpected.status).toBe(200);
      // Fresh connections go to the workers in turn: with three requests a round, each worker gets each kind.
      for (let i = 0; i < 6; i++) {
        const batch = await fresh(`${server.url}/v1/check/batch`, { json: { checks: QUERIES } });
        expect(batch.body).toEqual(expected.body);
        const paths = await fresh(`${server.url}/v1/check/batch`, { json: { groups: ["operators"], access: "READ", paths: QUERIES.map((q) => q.path) } });
        expect(paths.body).toEqual(pathsExpected.body);
        const status = await fresh(`${server.url}/v1/status`);
        expect(status.body).toMatchObject({ revision: single.tree.index.revision, fileCount: 3, worker: { count: 2, pid: expect.any(Number) } });
      }
      const workers = await statusOfEveryWorker(server.url, 2);
      expect([...workers.keys()].sort()).toEqual([1, 2]);
      expect([...workers.values()].map((w) => w.pid).sort()).toEqual(server.workers().map((w) => w.pid).sort());
      const one = await fresh(`${server.url}/v1/check?group=script-admins&access=WRITE&path=/plant/north/deep/b.script`);
      expect(one.body).toEqual({ allowed: true, revision: single.tree.index.revision });
    } finally {
      await single.close();
    }
  });

  test("/metrics sums the decisions of every worker, whichever answers the scrape", async () => {
    const scrape = async (): Promise<string> => {
      const res = await fresh(`${server.url}/metrics`);
      expect(res.status, res.text).toBe(200);
      return res.text;
    };
    const before = await scrape();
    const checks = 10;
    for (let i = 0; i < checks; i++) expect((await fresh(`${server.url}/v1/check?group=ops&access=READ&path=/x`)).status).toBe(200);
    expect((await fresh(`${server.url}/v1/check/batch`, { json: { checks: QUERIES } })).status).toBe(200);
    // Scrapes on fresh connections land on both workers; each must count every decision.
    for (let i = 0; i < 4; i++) {
      const after = await scrape();
      expect(sumOf(after, "treerights_decisions_total") - sumOf(before, "treerights_decisions_total")).toBe(checks + QUERIES.length);
      expect(sumOf(after, "treerights_decision_duration_seconds_count") - sumOf(before, "treerights_decision_duration_seconds_count")).toBe(checks + 1);
      expect(after).toMatch(/^treerights_index_files 3$/m);
      expect(after).toMatch(/^treerights_info\{revision="[0-9a-f]{16}",version="[^"]+"\} 1$/m);
      expect(after).toMatch(/^# TYPE treerights_decision_duration_seconds histogram$/m);
    }
  });

  test("a scrape answers 503 metrics_unavailable when a worker does not answer, and recovers", async () => {
    const stopped = server.workers().find((w) => w.id === 2)?.pid;
    if (stopped === undefined) throw new Error("worker 2 has no process");
    process.kill(stopped, "SIGSTOP");
    try {
      // A stopped worker takes no new connection once it holds one, so scrapes soon land on worker 1.
      const refused = await until(async () => {
        const res = await fresh(`${server.url}/metrics`, { timeoutMs: 3_000 }).catch(() => undefined);
        return res?.status === 503 ? res : undefined;
      }, 10_000, "a 503 from worker 1");
      expect(refused.body).toEqual({ error: { code: "metrics_unavailable", message: expect.stringMatching(/worker 2 did not answer within 500 ms/) } });
    } finally {
      process.kill(stopped, "SIGCONT");
    }
    await until(async () => ((await fresh(`${server.url}/metrics`)).status === 200 ? true : undefined), 10_000, "scrapes to work again");
  });

  test("an edit of a rights file becomes visible from every worker", async () => {
    const before = await statusOfEveryWorker(server.url, 2);
    const old = before.get(1)?.revision;
    expect(before.get(2)?.revision).toBe(old);
    writeFiles(dir, { "plant/north/access.rights": "READ:\n  override: [auditors]\n" });
    let last: unknown;
    const converged = await until(async () => {
      const now = await statusOfEveryWorker(server.url, 2);
      last = [...now];
      const revisions = new Set([...now.values()].map((s) => s.revision));
      return revisions.size === 1 && !revisions.has(old ?? "") ? now : undefined;
    }, 10_000, "both workers to reload").catch((error: unknown) => {
      throw new Error(`${String(error)}; last seen ${JSON.stringify(last)}; logs ${JSON.stringify(logs.slice(-6))}`);
    });
    const revision = converged.get(1)?.revision;
    for (let i = 0; i < 4; i++) {
      expect((await fresh(`${server.url}/v1/check?group=auditors&access=READ&path=/plant/north/x`)).body).toEqual({ allowed: true, revision });
    }
  });

  test("a worker killed with SIGKILL is replaced, and the service keeps answering", async () => {
    const killed = server.workers().find((w) => w.id === 1)?.pid;
    if (killed === undefined) throw new Error("worker 1 has no process");
    process.kill(killed, "SIGKILL");
    await until(() => (server.workers()[0]?.state === "listening" ? undefined : true), 5_000, "the primary to notice");
    // Every request while worker 1 is replaced is answered (by worker 2, then by either).
    await until(async () => {
      const res = await fresh(`${server.url}/v1/check?group=ops&access=READ&path=/x`);
      expect(res.body).toMatchObject({ allowed: true });
      const slot = server.workers()[0];
      return slot?.state === "listening" && slot.pid !== killed ? slot : undefined;
    }, 15_000, "a replacement for worker 1");
    const now = await statusOfEveryWorker(server.url, 2);
    expect(now.get(1)?.pid).toBe(server.workers()[0]?.pid);
    expect(logs.find((l) => l.msg === "worker exited unexpectedly; restarting it")).toMatchObject({ level: 40, worker: 1, pid: killed });
    expect(logs.find((l) => l.msg === "worker restarted")).toMatchObject({ level: 30, worker: 1 });
  });

  test("close lets in-flight requests finish, stops every worker, and is idempotent", async () => {
    const pids = server.workers().map((w) => w.pid);
    // A request whose body is still arriving when the close begins.
    const body = JSON.stringify({ groups: ["ops"], access: "READ", path: "/x" });
    const req = request(`${server.url}/v1/check`, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": String(body.length) }, signal: AbortSignal.timeout(10_000) });
    const answer = new Promise<{ status: number | undefined; text: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => { resolve({ status: res.statusCode, text }); });
      });
      req.on("error", reject);
    });
    req.write(body.slice(0, 5));
    await new Promise((r) => setTimeout(r, 300));
    const closed = Promise.all([server.close(), server.close()]);
    await new Promise((r) => setTimeout(r, 200));
    req.end(body.slice(5));
    expect(await answer).toMatchObject({ status: 200, text: expect.stringContaining('"allowed":true') });
    await closed;
    for (const pid of pids) expect(pid !== undefined && alive(pid)).toBe(false);
    expect(server.workers().map((w) => w.state)).toEqual(["stopped", "stopped"]);
    await expect(fresh(`${server.url}/healthz`, { timeoutMs: 2_000 })).rejects.toThrow();
    expect(logs.at(-1)).toMatchObject({ msg: "treerights stopped", pid: process.pid });
  });
});

describe("starting a cluster", () => {
  const quiet = { port: 0, logger: false, processMetrics: false, watch: false } as const;

  test("a tree that does not load rejects with every problem, and no worker is left", async () => {
    const dir = treeDir({ "access.rights": "READS: {}\n", "plant/access.rights": "WRITE:\n" });
    const failed = await serve(dir, { ...quiet, workers: 2 }).then(() => undefined, (error: unknown) => error);
    expect(failed).toBeInstanceOf(LoadError);
    expect((failed as LoadError).problems.map((p) => p.file).sort()).toEqual(["access.rights", "plant/access.rights"]);
    expect(Object.keys(cluster.workers ?? {})).toEqual([]);
  });

  test("a taken port rejects with EADDRINUSE", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      await expect(serve(treeDir(TREE), { ...quiet, port, workers: 2 })).rejects.toMatchObject({ code: "EADDRINUSE" });
      expect(Object.keys(cluster.workers ?? {})).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test.each([0, 65, 1.5, Number.NaN])("workers: %s is an invalid option", async (workers) => {
    await expect(serve(treeDir(TREE), { ...quiet, workers })).rejects.toMatchObject({ code: "invalid_option", message: expect.stringContaining("`workers` must be an integer from 1 to 64") });
  });

  test("workers: 1 is the single-process server", async () => {
    const server = await serve(treeDir(TREE), { ...quiet, workers: 1 });
    try {
      expect("tree" in server && server.tree.index.fileCount).toBe(3);
      expect((await fresh(`${server.url}/v1/status`)).body.worker).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
