/** The decision endpoints on their happy paths: answers, revisions, one index per request. */
import { describe, expect, test } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { RightsIndex } from "../../src/engine/index.js";
import type { TreeHandle } from "../../src/loader/index.js";
import { FakeTree, PLANT } from "./fake-tree.js";
import { get, makeServer, post } from "./helpers.js";
import type { Reply } from "./helpers.js";

const index = compile(PLANT);
const REVISION = index.revision;

describe("POST /v1/check", () => {
  test.each([
    [["ops"], "READ", "/plant/a", true],
    [["ops"], "WRITE", "/plant/a", false],
    [["supervisors"], "WRITE", "/plant/a", true],
    [["supervisors"], "WRITE", "/plant/secret/x", false],
    [["contractors"], "READ", "/plant/secret/x", false],
    [["contractors", "ops"], "READ", "/plant/secret/x", true],
    [[], "READ", "/", false],
    [["nobody"], "READ", "plant//./a/", false],
  ] as const)("%j may %s %s: %s", async (groups, access, path, allowed) => {
    const { app } = await makeServer();
    const res = await post(app, "/v1/check", { groups, access, path });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ allowed, revision: REVISION });
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
  });

  test("a group named like an Object.prototype key is an ordinary group", async () => {
    const { app } = await makeServer(new FakeTree([{ dir: "/", READ: { include: ["__proto__", "constructor"] } }]));
    expect((await post(app, "/v1/check", { groups: ["__proto__"], access: "READ", path: "/" })).body.allowed).toBe(true);
    expect((await post(app, "/v1/check", { groups: ["toString"], access: "READ", path: "/" })).body.allowed).toBe(false);
  });
});

describe("GET /v1/check", () => {
  test("zero groups is a valid deny", async () => {
    const { app } = await makeServer();
    const res = await get(app, "/v1/check?access=READ&path=/plant/a");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ allowed: false, revision: REVISION });
  });

  test("one group", async () => {
    const { app } = await makeServer();
    expect((await get(app, "/v1/check?group=ops&access=READ&path=/plant/a")).body).toEqual({ allowed: true, revision: REVISION });
    expect((await get(app, "/v1/check?group=ops&access=WRITE&path=/plant/a")).body).toEqual({ allowed: false, revision: REVISION });
  });

  test("many groups, any of which may decide", async () => {
    const { app } = await makeServer();
    const res = await get(app, "/v1/check?group=eng&group=qa&group=supervisors&access=WRITE&path=%2Fplant%2Fline%201");
    expect(res.body).toEqual({ allowed: true, revision: REVISION });
    const none = await get(app, "/v1/check?group=eng&group=qa&group=x&access=WRITE&path=/plant/line");
    expect(none.body).toEqual({ allowed: false, revision: REVISION });
  });

  test("query values are decoded once, not twice", async () => {
    const tree = new FakeTree([{ dir: "/", READ: { include: ["a%20b"] } }]);
    const { app } = await makeServer(tree);
    expect((await get(app, "/v1/check?group=a%2520b&access=READ&path=/")).body.allowed).toBe(true);
    expect((await get(app, "/v1/check?group=a%20b&access=READ&path=/")).body.allowed).toBe(false);
  });
});

describe("POST /v1/check/batch", () => {
  test("answers every check in order from one revision", async () => {
    const { app } = await makeServer();
    const checks = [
      { groups: ["ops"], access: "READ", path: "/plant/a" },
      { groups: ["ops"], access: "WRITE", path: "/plant/a" },
      { groups: [], access: "READ", path: "/" },
      { groups: ["admin"], access: "WRITE", path: "/plant/secret/deep/er" },
    ];
    const res = await post(app, "/v1/check/batch", { checks });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ results: [true, false, false, true], revision: REVISION });
  });

  test("an empty batch answers an empty list", async () => {
    const { app } = await makeServer();
    expect((await post(app, "/v1/check/batch", { checks: [] })).body).toEqual({ results: [], revision: REVISION });
  });

  test("accepts exactly 10,000 checks", async () => {
    const { app } = await makeServer();
    const checks = Array.from({ length: 10_000 }, (_, i) => ({ groups: ["ops"], access: i % 2 ? "READ" : "WRITE", path: `/plant/dir-${i}/leaf` }));
    const res = await post(app, "/v1/check/batch", { checks });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(10_000);
    expect((res.body.results as boolean[]).slice(0, 4)).toEqual([false, true, false, true]);
  });

  test("one groups and access for many paths answers like the same checks spelled out", async () => {
    const { app } = await makeServer();
    const paths = ["/plant/a", "/", "/plant/secret/deep/er", "plant//a/./b", "/nowhere"];
    for (const groups of [["ops"], ["admin"], [], ["ops", "admin"]]) {
      for (const access of ["READ", "WRITE"]) {
        const shared = await post(app, "/v1/check/batch", { groups, access, paths });
        const spelled = await post(app, "/v1/check/batch", { checks: paths.map((path) => ({ groups, access, path })) });
        expect(shared.status).toBe(200);
        expect(shared.body).toEqual(spelled.body);
      }
    }
    const res = await post(app, "/v1/check/batch", { groups: ["supervisors"], access: "WRITE", paths: ["/plant/a", "/plant/secret/x"] });
    expect(res.body).toEqual({ results: [true, false], revision: REVISION });
  });

  test("maxBatch is configurable", async () => {
    const { app } = await makeServer(new FakeTree(), { maxBatch: 2 });
    const check = { groups: [], access: "READ", path: "/" };
    expect((await post(app, "/v1/check/batch", { checks: [check, check] })).status).toBe(200);
    expect((await post(app, "/v1/check/batch", { checks: [check, check, check] })).body.error.code).toBe("batch_too_large");
    expect((await post(app, "/v1/check/batch", { groups: [], access: "READ", paths: ["/", "/"] })).status).toBe(200);
    expect((await post(app, "/v1/check/batch", { groups: [], access: "READ", paths: ["/", "/", "/"] })).body.error.code).toBe("batch_too_large");
  });
});

describe("POST /v1/explain", () => {
  test("returns the engine's explanation with its revision", async () => {
    const { app } = await makeServer();
    const res = await post(app, "/v1/explain", { groups: ["contractors", "ops"], access: "READ", path: "plant/secret/x" });
    expect(res.status).toBe(200);
    const expected = JSON.parse(JSON.stringify(index.explain(["contractors", "ops"], "READ", "plant/secret/x")));
    expect(res.body).toEqual({ ...expected, unknownGroups: [] });
    expect(res.body).toMatchObject({ allowed: true, path: "/plant/secret/x", deciding: ["ops"], revision: REVISION });
    expect((res.body.steps as { dir: string }[]).map((s) => s.dir)).toEqual(["/", "/plant", "/plant/secret"]);
    expect(res.body.steps[2]).toMatchObject({ keywords: ["exclude"], exclude: ["contractors"], before: ["admin", "contractors", "ops"], after: ["admin", "ops"] });
  });

  test("explains a deny", async () => {
    const { app } = await makeServer();
    const res = await post(app, "/v1/explain", { groups: ["ops"], access: "WRITE", path: "/plant" });
    expect(res.body).toMatchObject({ allowed: false, effective: ["admin", "supervisors"], deciding: [], revision: REVISION });
  });

  test("names the groups no rights file names, so a typo is not a silent deny", async () => {
    const { app } = await makeServer();
    const res = await post(app, "/v1/explain", { groups: ["supervisr", "ops", "supervisr", "contractor"], access: "WRITE", path: "/plant" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ allowed: false, unknownGroups: ["supervisr", "contractor"], revision: REVISION });
  });

  test("answers unknownGroups from the index that explained, across a swap", async () => {
    const { app, tree } = await makeServer();
    const body = { groups: ["auditors"], access: "READ", path: "/plant" };
    expect((await post(app, "/v1/explain", body)).body.unknownGroups).toEqual(["auditors"]);
    tree.swap([...PLANT, { dir: "/audit", READ: { include: ["auditors"] } }]);
    expect((await post(app, "/v1/explain", body)).body.unknownGroups).toEqual([]);
  });

  test("refuses an empty group name as invalid_body", async () => {
    const { app } = await makeServer();
    const res = await post(app, "/v1/explain", { groups: [""], access: "READ", path: "/plant" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_body");
  });
});

describe("GET /v1/groups", () => {
  test("lists who holds a level on a path", async () => {
    const { app } = await makeServer();
    expect((await get(app, "/v1/groups?access=WRITE&path=/plant/x")).body).toEqual({ groups: ["admin", "supervisors"], revision: REVISION });
    expect((await get(app, "/v1/groups?access=READ&path=/plant/secret")).body).toEqual({ groups: ["admin", "ops"], revision: REVISION });
    expect((await get(app, "/v1/groups?access=WRITE&path=/plant/secret/x")).body).toEqual({ groups: ["admin"], revision: REVISION });
  });
});

describe("revisions", () => {
  test("every decision response names the revision that answered, before and after a swap", async () => {
    const { app, tree } = await makeServer();
    const requests = [
      () => post(app, "/v1/check", { groups: ["ops"], access: "READ", path: "/a" }),
      () => get(app, "/v1/check?group=ops&access=READ&path=/a"),
      () => post(app, "/v1/check/batch", { checks: [{ groups: ["ops"], access: "READ", path: "/a" }] }),
      () => post(app, "/v1/explain", { groups: ["ops"], access: "READ", path: "/a" }),
      () => get(app, "/v1/groups?access=READ&path=/a"),
      () => get(app, "/v1/where?group=ops&access=READ"),
    ];
    for (const request of requests) expect((await request()).body.revision).toBe(REVISION);
    const next = tree.swap([{ dir: "/", READ: { override: ["eng"] } }]);
    expect(next.revision).not.toBe(REVISION);
    for (const request of requests) expect((await request()).body.revision).toBe(next.revision);
    expect((await post(app, "/v1/check", { groups: ["ops"], access: "READ", path: "/a" })).body.allowed).toBe(false);
  });

  test("each request reads the tree's index exactly once", async () => {
    const a = compile([{ dir: "/", READ: { include: ["ops"] } }]);
    const b = compile([{ dir: "/", READ: { override: [] } }]);
    // An adversarial handle: every read of `index` returns the other index.
    let reads = 0;
    const flipping = new FakeTree();
    Object.defineProperty(flipping, "index", { get: (): RightsIndex => (reads++ % 2 === 0 ? a : b) });
    const { app } = await makeServer(flipping);
    const expectOneRead = async (run: () => Promise<Reply>): Promise<Reply["body"]> => {
      const before = reads;
      const res = await run();
      expect(reads - before).toBe(1);
      return res.body;
    };
    const check = { groups: ["ops"], access: "READ", path: "/x" };
    for (let i = 0; i < 4; i++) {
      const single = await expectOneRead(() => post(app, "/v1/check", check));
      expect(single.allowed).toBe(single.revision === a.revision);
      const batch = await expectOneRead(() => post(app, "/v1/check/batch", { checks: [check, check, check] }));
      expect(batch.results).toEqual(Array(3).fill(batch.revision === a.revision));
      const explained = await expectOneRead(() => post(app, "/v1/explain", check));
      expect(explained.allowed).toBe(explained.revision === a.revision);
      const holders = await expectOneRead(() => get(app, "/v1/groups?access=READ&path=/x"));
      expect(holders.groups).toEqual(holders.revision === a.revision ? ["ops"] : []);
      const where = await expectOneRead(() => get(app, "/v1/where?group=ops&access=READ"));
      expect(where.regions).toEqual(where.revision === a.revision ? [{ path: "/", holes: [] }] : []);
    }
  });

  test("a handle is all buildServer needs", () => {
    // Type-level: FakeTree satisfies the loader's contract.
    const handle: TreeHandle = new FakeTree();
    expect(handle.index.revision).toBe(REVISION);
  });
});
