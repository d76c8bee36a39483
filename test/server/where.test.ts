/** `GET /v1/where`: every subtree where a group holds a level; it agrees with check on every path. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compile, normalizePath } from "../../src/engine/index.js";
import type { Access, RightsFile } from "../../src/engine/index.js";
import { GROUPS, STRANGER, accessArb, querySeedArb, resolveQuery, treeArb } from "../support/arbitraries.js";
import { FakeTree, PLANT } from "./fake-tree.js";
import { get, makeServer, post } from "./helpers.js";
import type { Reply } from "./helpers.js";

const REVISION = compile(PLANT).revision;

function expectError(res: Reply, status: number, code: string, message?: RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(res.body.error.code).toBe(code);
  if (message) expect(res.body.error.message).toMatch(message);
}

describe("GET /v1/where", () => {
  test("answers the engine's WhereResult with the revision", async () => {
    const { app } = await makeServer();
    const res = await get(app, "/v1/where?group=contractors&access=READ");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      group: "contractors",
      access: "READ",
      regions: [{ path: "/plant", holes: ["/plant/secret"] }],
      patterns: [],
      revision: REVISION,
    });
  });

  test("a region can start again below a hole, and every region is listed", async () => {
    const files: RightsFile[] = [
      { dir: "/", READ: { include: ["ops"] } },
      { dir: "/a", READ: { exclude: ["ops"] } },
      { dir: "/a/b", READ: { include: ["ops"] } },
      { dir: "/c", READ: { override: [] } },
    ];
    const { app } = await makeServer(new FakeTree(files));
    expect((await get(app, "/v1/where?group=ops&access=READ")).body.regions).toEqual([
      { path: "/", holes: ["/a", "/c"] },
      { path: "/a/b", holes: [] },
    ]);
    expect((await get(app, "/v1/where?group=ops&access=WRITE")).body.regions).toEqual([]);
  });

  test("lists the pattern rules that concern the group", async () => {
    const matcher = (glob: string) => (relative: string) => relative.endsWith(glob.replace("**/*", ""));
    const files: RightsFile[] = [
      { dir: "/", WRITE: { include: ["eng"] }, patterns: [{ match: "**/*.script", WRITE: { exclude: ["eng"] } }] },
    ];
    const tree = new FakeTree([{ dir: "/" }]);
    tree.index = compile(files, { matcher });
    const { app } = await makeServer(tree);
    const res = await get(app, "/v1/where?group=eng&access=WRITE");
    expect(res.body).toMatchObject({
      regions: [{ path: "/", holes: [] }],
      patterns: [{ file: "access.rights", dir: "/", match: "**/*.script", effect: "revoke" }],
    });
  });

  test("group names are taken as they are: decoded once, Object.prototype keys included", async () => {
    const { app } = await makeServer(new FakeTree([{ dir: "/", READ: { include: ["__proto__", "a%20b", "/ops/shift-a", "é"] } }]));
    for (const group of ["__proto__", "a%20b", "/ops/shift-a", "é"]) {
      const res = await get(app, `/v1/where?group=${encodeURIComponent(group)}&access=READ`);
      expect(res.body.group).toBe(group);
      expect(res.body.regions).toEqual([{ path: "/", holes: [] }]);
    }
    expect((await get(app, "/v1/where?group=toString&access=READ")).body.regions).toEqual([]);
  });

  test.each([
    ["no group", "/v1/where?access=READ", "invalid_query", /query is missing `group`/],
    ["no access", "/v1/where?group=ops", "invalid_query", /query is missing `access`/],
    ["an empty group", "/v1/where?group=&access=READ", "invalid_query", /query\.group must not be empty/],
    ["two groups", "/v1/where?group=a&group=b&access=READ", "invalid_query", /query\.group must be a string/],
    ["lowercase access", "/v1/where?group=ops&access=read", "invalid_access", /query\.access must be `READ` or `WRITE`/],
    ["an unknown field", "/v1/where?group=ops&access=READ&path=/a", "invalid_query", /unknown field `path`/],
  ])("%s is a 400", async (_name, url, code, message) => {
    const { app } = await makeServer();
    expectError(await get(app, url), 400, code, message);
  });

  test("POST is 405", async () => {
    const { app } = await makeServer();
    expectError(await post(app, "/v1/where", {}), 405, "method_not_allowed");
  });
});

/** True iff `prefix` is `path` or an ancestor of it, compared segment by segment. */
function within(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}

describe("where agrees with check", () => {
  // Law, for trees without pattern rules: a group holds a level on a path iff
  // the path is inside some region and inside none of that region's holes
  // (a deeper region that grants it again is a region of its own).
  test("on generated trees and paths, through the server", async () => {
    const tree = new FakeTree();
    const { app } = await makeServer(tree);
    const seeds = fc.array(querySeedArb(), { minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(treeArb(), seeds, accessArb, async (gen, querySeeds, access: Access) => {
        tree.swap(gen.files);
        const queries = querySeeds.map((seed) => resolveQuery(gen, seed));
        for (const group of [...GROUPS, STRANGER]) {
          const where = await get(app, `/v1/where?group=${encodeURIComponent(group)}&access=${access}`);
          expect(where.status).toBe(200);
          const regions = (where.body.regions as { path: string; holes: string[] }[]).map((r) => ({
            path: normalizePath(r.path),
            holes: r.holes.map((h) => normalizePath(h)),
          }));
          const checks = queries.map((q) => ({ groups: [group], access, path: q.path }));
          const batch = await post(app, "/v1/check/batch", { checks });
          expect(batch.status).toBe(200);
          queries.forEach((q, i) => {
            const segments = normalizePath(q.path);
            const held = regions.some((r) => within(segments, r.path) && !r.holes.some((h) => within(segments, h)));
            expect(held, `${group} ${access} ${q.path}`).toBe(batch.body.results[i]);
          });
        }
      }),
      { numRuns: 60 },
    );
  });
});
