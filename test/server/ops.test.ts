/** The operations endpoints: status, health, readiness and Prometheus metrics. */
import { describe, expect, test } from "vitest";
import type { Problem } from "../../src/engine/index.js";
import { buildServer } from "../../src/server/build-server.js";
import { VERSION } from "../../src/server/version.js";
import { FakeTree } from "./fake-tree.js";
import { get, makeServer, post } from "./helpers.js";

/** Parses Prometheus text into `series line → value`. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(app: Awaited<ReturnType<typeof makeServer>>["app"]): Promise<Map<string, number>> {
  const res = await get(app, "/metrics");
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return samples(res.text);
}

const decisions = (access: string, result: string): string => `treerights_decisions_total{access="${access}",result="${result}"}`;

describe("GET /v1/status", () => {
  test("reports the tree status, version and uptime", async () => {
    const { app, tree } = await makeServer();
    const res = await get(app, "/v1/status");
    expect(res.status).toBe(200);
    // A handle without git, reload history or a source still answers with all three (the work tree is the source).
    expect(res.body).toEqual({ ...tree.status, version: expect.stringMatching(/^\d+\.\d+\.\d+/), uptime: expect.any(Number), commit: null, history: [], source: { mode: "work-tree" }, realms: [], protected: [], groups: ["admin", "contractors", "ops", "supervisors"] });
    expect(res.body).toMatchObject({ revision: tree.index.revision, fileCount: 3, loadMs: 1, reloads: 0, rejected: null, watch: { state: "off" } });
  });

  test("shows a rejected load with its problems while the old revision answers", async () => {
    const { app, tree } = await makeServer();
    const problem: Problem = { code: "unknown_key", severity: "error", file: "plant/access.rights", line: 2, column: 1, message: "unknown key `Write` (did you mean `WRITE`?)" };
    tree.reject([problem]);
    const status = (await get(app, "/v1/status")).body;
    expect(status.rejected).toEqual({ revision: "rejected-rev", at: expect.any(String), problems: [problem] });
    expect(status.rejectedReloads).toBe(1);
    expect(status.revision).toBe(tree.index.revision);
    expect((await post(app, "/v1/check", { groups: ["ops"], access: "READ", path: "/" })).body.revision).toBe(tree.index.revision);
  });

  test("passes through fields the loader adds later", async () => {
    const tree = new FakeTree();
    const problem = { code: "x", severity: "error", file: "a", line: 1, column: 1, message: "m", hint: "write `y`" };
    Object.defineProperty(tree, "status", { value: { ...tree.status, gitHead: "abc", rejected: { revision: "r", at: "t", problems: [problem], trigger: "watch" } } });
    const { app } = await makeServer(tree);
    const status = (await get(app, "/v1/status")).body;
    expect(status.gitHead).toBe("abc");
    expect(status.rejected).toEqual({ revision: "r", at: "t", problems: [problem], trigger: "watch" });
  });

  test("shows a failed watcher", async () => {
    const tree = new FakeTree();
    Object.defineProperty(tree, "status", { value: { ...tree.status, watch: { state: "failed", error: "ENOSPC: inotify watch limit reached" } } });
    const { app } = await makeServer(tree);
    expect((await get(app, "/v1/status")).body.watch).toEqual({ state: "failed", error: "ENOSPC: inotify watch limit reached" });
  });
});

describe("health and readiness", () => {
  test("/healthz is 200 while the process lives", async () => {
    const { app } = await makeServer();
    expect(await get(app, "/healthz")).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  test("/readyz is 200 with the serving revision", async () => {
    const { app, tree } = await makeServer();
    expect(await get(app, "/readyz")).toMatchObject({ status: 200, body: { ready: true, revision: tree.index.revision } });
  });

  test("/readyz is 503 when the handle has no index", async () => {
    const tree = new FakeTree();
    Object.defineProperty(tree, "index", { get: () => { throw new Error("not loaded"); } });
    const { app } = await makeServer(tree);
    expect(await get(app, "/readyz")).toMatchObject({ status: 503, body: { ready: false } });
  });
});

describe("GET /metrics", () => {
  test("counts decisions by access and result, a batch per check", async () => {
    const { app } = await makeServer();
    const before = await scrape(app);
    for (const access of ["READ", "WRITE"]) {
      for (const result of ["allow", "deny"]) expect(before.get(decisions(access, result))).toBe(0);
    }
    await post(app, "/v1/check", { groups: ["ops"], access: "READ", path: "/a" });
    await post(app, "/v1/check", { groups: ["ops"], access: "WRITE", path: "/a" });
    await app.inject("/v1/check?group=admin&access=WRITE&path=/a");
    await post(app, "/v1/check/batch", { checks: [
      { groups: ["ops"], access: "READ", path: "/a" },
      { groups: ["ops"], access: "READ", path: "/b" },
      { groups: [], access: "READ", path: "/c" },
    ] });
    await post(app, "/v1/explain", { groups: ["ops"], access: "WRITE", path: "/a" });
    // Failed requests decide nothing, including a batch that fails halfway.
    await post(app, "/v1/check", { groups: ["ops"], access: "READ", path: "/.." });
    await post(app, "/v1/check/batch", { checks: [{ groups: ["ops"], access: "READ", path: "/a" }, { groups: [], access: "READ", path: ".." }] });
    const after = await scrape(app);
    expect(after.get(decisions("READ", "allow"))).toBe(3);
    expect(after.get(decisions("READ", "deny"))).toBe(1);
    expect(after.get(decisions("WRITE", "allow"))).toBe(1);
    expect(after.get(decisions("WRITE", "deny"))).toBe(2);
  });

  test("times decisions per endpoint", async () => {
    const { app } = await makeServer();
    await post(app, "/v1/check", { groups: ["ops"], access: "READ", path: "/a" });
    await app.inject("/v1/check?access=READ&path=/a");
    await post(app, "/v1/check/batch", { checks: [] });
    await app.inject("/v1/groups?access=READ&path=/a");
    const m = await scrape(app);
    expect(m.get('treerights_decision_duration_seconds_count{endpoint="check"}')).toBe(2);
    expect(m.get('treerights_decision_duration_seconds_count{endpoint="batch"}')).toBe(1);
    expect(m.get('treerights_decision_duration_seconds_count{endpoint="groups"}')).toBe(1);
    expect(m.get('treerights_decision_duration_seconds_bucket{le="+Inf",endpoint="check"}')).toBe(2);
    expect(m.get('treerights_decision_duration_seconds_sum{endpoint="check"}')).toBeGreaterThan(0);
  });

  test("counts reloads and rejections, and follows the serving revision", async () => {
    const { app, tree } = await makeServer();
    let m = await scrape(app);
    expect(m.get("treerights_reloads_total")).toBe(0);
    expect(m.get("treerights_rejected_reloads_total")).toBe(0);
    expect(m.get("treerights_index_files")).toBe(3);
    expect(m.get(`treerights_info{revision="${tree.index.revision}",version="${VERSION}"}`)).toBe(1);

    const next = tree.swap([{ dir: "/", READ: { include: ["ops"] } }]);
    tree.reject([]);
    tree.reject([]);
    m = await scrape(app);
    expect(m.get("treerights_reloads_total")).toBe(1);
    expect(m.get("treerights_rejected_reloads_total")).toBe(2);
    expect(m.get("treerights_index_files")).toBe(1);
    const info = [...m.keys()].filter((k) => k.startsWith("treerights_info"));
    expect(info).toEqual([`treerights_info{revision="${next.revision}",version="${VERSION}"}`]);
  });

  test("gauges a pending rejection and the watch state, so an alert clears itself when the tree recovers", async () => {
    const { app, tree } = await makeServer();
    let m = await scrape(app);
    expect(m.get("treerights_rejected_load_pending")).toBe(0);
    tree.reject([]);
    tree.setWatch({ state: "failed", error: "root directory `/t` was removed" });
    m = await scrape(app);
    expect(m.get("treerights_rejected_load_pending")).toBe(1);
    expect(m.get('treerights_watch_state{state="failed"}')).toBe(1);
    expect(m.get('treerights_watch_state{state="watching"}')).toBe(0);
    tree.swap([{ dir: "/", READ: { include: ["ops"] } }]);
    tree.setWatch({ state: "watching" });
    m = await scrape(app);
    expect(m.get("treerights_rejected_load_pending")).toBe(0);
    expect(m.get('treerights_watch_state{state="watching"}')).toBe(1);
    expect(m.get('treerights_watch_state{state="failed"}')).toBe(0);
  });

  test("each server has its own registry", async () => {
    const one = await makeServer();
    const two = await makeServer();
    await post(one.app, "/v1/check", { groups: ["ops"], access: "READ", path: "/a" });
    expect((await scrape(one.app)).get(decisions("READ", "allow"))).toBe(1);
    expect((await scrape(two.app)).get(decisions("READ", "allow"))).toBe(0);
  });

  test("process metrics are included unless turned off", async () => {
    const { app } = await makeServer(new FakeTree(), { processMetrics: true });
    const m = await scrape(app);
    expect([...m.keys()].some((k) => k.startsWith("process_cpu_user_seconds_total"))).toBe(true);
    const quiet = await makeServer();
    expect([...(await scrape(quiet.app)).keys()].some((k) => k.startsWith("process_"))).toBe(false);
  });
});

describe("lifecycle", () => {
  test("logs reloads (naming the changed files), rejections, the recovery from them, and watch failures", async () => {
    const lines: string[] = [];
    const { tree } = await makeServer(new FakeTree(), { logger: { level: "info", stream: { write: (l) => { lines.push(l); } } } });
    const changed = ["a/access.rights", "b/access.rights", "c/access.rights", "d/access.rights", "e/access.rights", "f/access.rights", "g/access.rights"];
    tree.swap([{ dir: "/", READ: { include: ["ops"] } }], null, changed);
    tree.reject([{ code: "unknown_key", severity: "error", file: "access.rights", line: 1, column: 1, message: "unknown key `Write`" }]);
    tree.emit("watch-error", new Error("ENOSPC"));
    tree.swap([{ dir: "/", READ: { include: ["eng"] } }], null, ["access.rights"]);
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; problems?: string[]; files?: string; rejectedRevision?: string });
    expect(logged.map((l) => [l.level, l.msg])).toEqual([
      [30, "rights tree reloaded"],
      [40, "rights tree reload rejected; the previous index keeps answering"],
      [50, "watching the rights tree failed"],
      [30, "rights tree loads again; the rejection is over"],
      [30, "rights tree reloaded"],
    ]);
    expect(logged[0]!.files).toBe("a/access.rights, b/access.rights, c/access.rights, d/access.rights, e/access.rights and 2 more");
    expect(logged[1]!.problems).toEqual(["access.rights:1:1: error: unknown key `Write` [unknown_key]"]);
    expect(logged[3]!.rejectedRevision).toBe("rejected-rev");
    expect(logged[4]!.files).toBe("access.rights");
  });

  test("closing the server unsubscribes from the tree and leaves it open", async () => {
    const tree = new FakeTree();
    const app = await buildServer(tree, { logger: false, processMetrics: false });
    await app.ready();
    expect(tree.listenerCount("reload")).toBe(1);
    expect(tree.listenerCount("rejected")).toBe(1);
    expect(tree.listenerCount("watch-error")).toBe(1);
    await app.close();
    expect(tree.listenerCount("reload")).toBe(0);
    expect(tree.listenerCount("rejected")).toBe(0);
    expect(tree.listenerCount("watch-error")).toBe(0);
    expect(tree.closed).toBe(false);
  });

  test("rejects invalid options", async () => {
    await expect(buildServer(new FakeTree(), { maxBatch: 0 })).rejects.toMatchObject({ code: "invalid_option", message: expect.stringContaining("maxBatch") });
    await expect(buildServer(new FakeTree(), { bodyLimit: 1.5 })).rejects.toMatchObject({ code: "invalid_option" });
  });
});
