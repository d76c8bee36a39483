/** Git awareness: the commit on every decision answer and in `/v1/status`, from a fake handle and from a real git work tree. */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, test, vi } from "vitest";
import { openTree } from "../../src/loader/index.js";
import type { TreeHandle } from "../../src/loader/index.js";
import { FakeTree, PLANT } from "./fake-tree.js";
import { get, makeServer, post, serverOver } from "./helpers.js";
import type { Reply } from "./helpers.js";
import { treeDir } from "./tree-dir.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const check = { groups: ["ops"], access: "READ", path: "/plant/a" };

/** Every answer that carries a decision, and the change feed. */
function decisionAnswers(app: FastifyInstance, since: string): (() => Promise<Reply>)[] {
  return [
    () => post(app, "/v1/check", check),
    () => get(app, "/v1/check?group=ops&access=READ&path=/plant/a"),
    () => post(app, "/v1/check/batch", { checks: [check, check] }),
    () => post(app, "/v1/explain", check),
    () => get(app, "/v1/groups?access=READ&path=/plant/a"),
    () => get(app, "/v1/where?group=ops&access=READ"),
    () => get(app, `/v1/changes?since=${since}`),
  ];
}

describe("the commit on decision answers", () => {
  test("every decision answer carries the commit its index was loaded at, and follows a swap", async () => {
    const tree = new FakeTree(PLANT, { commit: COMMIT });
    const { app } = await makeServer(tree);
    const since = tree.index.revision;
    for (const request of decisionAnswers(app, since)) {
      const res = await request();
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ revision: tree.index.revision, commit: COMMIT });
    }
    expect((await post(app, "/v1/check", check)).text).toBe(`{"allowed":true,"revision":"${tree.index.revision}","commit":"${COMMIT}"}`);

    const next = "fedcba9876543210fedcba9876543210fedcba98";
    tree.swap([{ dir: "/", READ: { include: ["ops"] } }], next);
    for (const request of decisionAnswers(app, since)) expect((await request()).body).toMatchObject({ revision: tree.index.revision, commit: next });

    // Outside git again: the field goes away.
    tree.swap(PLANT, null);
    for (const request of decisionAnswers(app, since)) expect((await request()).body).not.toHaveProperty("commit");
  });

  test("answers follow a commit that moved without a swap within a second", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const tree = new FakeTree(PLANT, { commit: COMMIT });
      const { app } = await makeServer(tree);
      expect((await post(app, "/v1/check", check)).body.commit).toBe(COMMIT);
      const moved = "fedcba9876543210fedcba9876543210fedcba98";
      tree.moveHead(moved);
      // Until the refresh, the answers made for this index still name its old commit.
      expect((await post(app, "/v1/check", check)).body.commit).toBe(COMMIT);
      vi.advanceTimersByTime(1000);
      for (const request of decisionAnswers(app, tree.index.revision)) expect((await request()).body).toMatchObject({ commit: moved });
      tree.moveHead(null);
      vi.advanceTimersByTime(1000);
      expect((await post(app, "/v1/check", check)).body).not.toHaveProperty("commit");
    } finally {
      vi.useRealTimers();
    }
  });

  test("outside git no answer has a commit field, and status says null", async () => {
    const { app } = await makeServer(new FakeTree(PLANT, { commit: null }));
    expect((await post(app, "/v1/check", check)).body).toEqual({ allowed: true, revision: expect.any(String) });
    expect((await get(app, "/v1/status")).body).toMatchObject({ commit: null, history: [{ commit: null }] });
  });

  test("status carries the commit and the history of swaps", async () => {
    const tree = new FakeTree(PLANT, { commit: COMMIT });
    const { app } = await makeServer(tree);
    const first = tree.index.revision;
    tree.swap([{ dir: "/", READ: { include: ["ops"] } }], "fedcba9876543210fedcba9876543210fedcba98");
    const status = (await get(app, "/v1/status")).body;
    expect(status.commit).toBe("fedcba9876543210fedcba9876543210fedcba98");
    expect(status.history).toEqual([
      { revision: first, commit: COMMIT, at: expect.any(String), filesChanged: 3, changes: { grants: 0, revocations: 0 } },
      { revision: tree.index.revision, commit: "fedcba9876543210fedcba9876543210fedcba98", at: expect.any(String), filesChanged: 1, changes: { grants: 0, revocations: 0 } },
    ]);
  });
});

describe("in a real git work tree", () => {
  const handles: TreeHandle[] = [];
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
  });

  function git(dir: string, ...args: string[]): string {
    return execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: dir } }).trim();
  }

  function repo(): string {
    const dir = treeDir({
      "access.rights": "READ:\n  include: [ops]\nWRITE:\n  include: [admin]\n",
      "plant/access.rights": "READ:\n  include: [contractors]\n",
    });
    git(dir, "init", "--quiet");
    git(dir, "config", "user.email", "test@example.com");
    git(dir, "config", "user.name", "test");
    git(dir, "add", "-A");
    git(dir, "commit", "--quiet", "-m", "first");
    return dir;
  }

  test("answers carry HEAD, status keeps the history, and changes follow a commit", async () => {
    const dir = repo();
    const first = git(dir, "rev-parse", "HEAD");
    const tree = await openTree(dir);
    handles.push(tree);
    const app = await serverOver(tree);
    const firstRevision = tree.index.revision;
    expect((await post(app, "/v1/check", check)).body).toEqual({ allowed: true, revision: firstRevision, commit: first });
    expect((await get(app, "/v1/where?group=contractors&access=READ")).body).toMatchObject({ regions: [{ path: "/plant", holes: [] }], commit: first });

    writeFileSync(path.join(dir, "plant", "access.rights"), "READ:\n  include: [contractors, eng]\n");
    git(dir, "commit", "--quiet", "-am", "second");
    const second = git(dir, "rev-parse", "HEAD");
    await tree.reload();

    expect((await post(app, "/v1/check/batch", { checks: [{ groups: ["eng"], access: "READ", path: "/plant/x" }] })).body)
      .toEqual({ results: [true], revision: tree.index.revision, commit: second });
    const status = (await get(app, "/v1/status")).body;
    expect(status.commit).toBe(second);
    expect((status.history as { commit: string }[]).map((r) => r.commit)).toEqual([first, second]);
    expect(status.history[1]).toMatchObject({ revision: tree.index.revision, filesChanged: 1 });
    // Grants are counted after the swap.
    await vi.waitFor(async () => {
      expect((await get(app, "/v1/status")).body.history[1].changes).toEqual({ grants: 1, revocations: 0 });
    }, { timeout: 10_000, interval: 20 });

    const changes = await get(app, `/v1/changes?since=${firstRevision}`);
    expect(changes.body).toEqual({
      from: firstRevision,
      to: tree.index.revision,
      changes: [{ path: "/plant", access: "READ", added: ["eng"], removed: [] }],
      revision: tree.index.revision,
      commit: second,
    });
  });

  test("outside git, no commit", async () => {
    const dir = treeDir({ "access.rights": "READ:\n  include: [ops]\n" });
    const tree = await openTree(dir);
    handles.push(tree);
    const app = await serverOver(tree);
    expect((await post(app, "/v1/check", { ...check, path: "/" })).body).toEqual({ allowed: true, revision: tree.index.revision });
    expect((await get(app, "/v1/status")).body.commit).toBeNull();
  });
});
