/**
 * `GET /v1/tree` and `GET /v1/file`, the explorer's reads: every listed
 * directory carries the groups `groupsFor` gives it (a property over every
 * directory of examples/tree and over generated trees with pattern rules),
 * its file, lines and cuts; the file's text is the file's, read safely, with
 * `stale` when it is not what the index was compiled from; both are admin
 * routes, protected when `api.admin` is set.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, normalizePath } from "../../src/engine/index.js";
import type { Access, RightsIndex } from "../../src/engine/index.js";
import { openTree } from "../../src/index.js";
import type { TreeHandle } from "../../src/loader/index.js";
import { loadServerConfig } from "../../src/server/config/load-server-config.js";
import { listTree, MAX_TREE_DEPTH } from "../../src/server/tree-route.js";
import type { TreeEntry } from "../../src/server/tree-route.js";
import { testMatcher } from "../support/matcher.js";
import { treeWithPatternsArb } from "../support/pattern-arbitraries.js";
import { TestRepo } from "../diff/git-repo.js";
import { get, serverOver } from "./helpers.js";
import { treeDir } from "./tree-dir.js";

const EXAMPLES = new URL("../../examples/tree", import.meta.url).pathname;
const LEVELS: readonly Access[] = ["READ", "WRITE"];

/** What the laws say the listing of `at`, `depth` levels down, is: from `directories()` and `groupsFor` alone. */
function expectedListing(index: RightsIndex, at: string, depth: number): { indexed: boolean; entries: TreeEntry[] } {
  const dirs = [...index.directories()];
  const segments = (p: string): number => normalizePath(p).length;
  const below = (p: string): boolean => at === "/" ? p !== "/" : p.startsWith(`${at}/`);
  const entries = dirs
    .filter((d) => below(d.path) && segments(d.path) - segments(at) <= depth)
    .map((d): TreeEntry => {
      const file = d.file;
      const lines = file === null ? undefined : {
        ...(file.READ?.at === undefined ? {} : { READ: file.READ.at.line }),
        ...(file.WRITE?.at === undefined ? {} : { WRITE: file.WRITE.at.line }),
      };
      return {
        path: d.path,
        name: normalizePath(d.path).at(-1) ?? "",
        read: index.groupsFor("READ", d.path),
        write: index.groupsFor("WRITE", d.path),
        file: file === null ? null : [...normalizePath(file.dir), "access.rights"].join("/"),
        ...(lines === undefined ? {} : { line: lines }),
        cut: { READ: file?.READ?.override !== undefined, WRITE: file?.WRITE?.override !== undefined },
        patterns: (file?.patterns?.length ?? 0) > 0,
        hasChildren: dirs.some((c) => c.path.startsWith(d.path === "/" ? "/" : `${d.path}/`) && c.path !== d.path),
      };
    });
  return { indexed: dirs.some((d) => d.path === at), entries };
}

describe("listTree: the laws", () => {
  it("lists exactly the indexed directories below a path up to the depth, in tree order, with groupsFor's groups (generated trees with pattern rules)", () => {
    fc.assert(
      fc.property(treeWithPatternsArb(), fc.nat(), fc.integer({ min: 1, max: MAX_TREE_DEPTH }), (tree, pick, depth) => {
        const index = compile(tree.files, { matcher: testMatcher });
        const dirs = [...index.directories()].map((d) => d.path);
        // Indexed directories, and paths that are not: a leaf below one, a directory of the tree without a file below.
        const candidates = [...dirs, ...tree.dirs.map((d) => `/${d.join("/")}`), `${dirs[pick % dirs.length]!}/nowhere/x`];
        const at = candidates[pick % candidates.length]!;
        const listing = listTree(index, at, depth);
        const expected = expectedListing(index, at, depth);
        expect(listing.indexed).toBe(expected.indexed);
        // Without a file name (`file.file` is absent in compiled test files, the route then names `<dir>/access.rights`).
        expect(listing.entries).toEqual(expected.entries);
        for (const level of LEVELS) expect(level === "READ" ? listing.self.read : listing.self.write).toEqual(index.groupsFor(level, at));
        if (!expected.indexed) expect(listing.entries).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("GET /v1/tree on examples/tree", () => {
  let tree: TreeHandle;
  beforeAll(async () => {
    tree = await openTree(EXAMPLES, { watch: false });
  });
  afterAll(async () => {
    await tree.close();
  });

  it("answers, for every indexed directory and depth, what the laws say, with the revision", async () => {
    const app = await serverOver(tree);
    const { index } = tree;
    for (const dir of index.directories()) {
      for (let depth = 1; depth <= MAX_TREE_DEPTH; depth++) {
        const res = await get(app, `/v1/tree?path=${encodeURIComponent(dir.path)}&depth=${String(depth)}`);
        expect(res.status).toBe(200);
        const expected = expectedListing(index, dir.path, depth);
        expect(res.body.entries).toEqual(expected.entries);
        expect(res.body).toMatchObject({ path: dir.path, indexed: true, revision: index.revision });
        expect(res.body.self.read).toEqual(index.groupsFor("READ", dir.path));
      }
    }
  });

  it("defaults to the root, one level down", async () => {
    const app = await serverOver(tree);
    const res = await get(app, "/v1/tree");
    expect(res.body.path).toBe("/");
    expect(res.body.self).toMatchObject({ path: "/", name: "", file: "access.rights", hasChildren: true });
    expect((res.body.entries as TreeEntry[]).map((e) => e.name)).toEqual(["reports", "shared", "sites", "system"]);
  });

  it("marks files, lines, overrides and pattern rules", async () => {
    const app = await serverOver(tree);
    const { body } = await get(app, "/v1/tree?path=/sites");
    const lyon = (body.entries as TreeEntry[]).find((e) => e.path === "/sites/lyon");
    expect(lyon).toMatchObject({ name: "lyon", file: "sites/lyon/access.rights", line: { READ: 3, WRITE: 5 }, hasChildren: true });
    const reports = ((await get(app, "/v1/tree")).body.entries as TreeEntry[]).find((e) => e.path === "/reports");
    expect(reports?.patterns).toBe(true);
    const shared = ((await get(app, "/v1/tree")).body.entries as TreeEntry[]).find((e) => e.path === "/shared");
    expect(shared).toMatchObject({ file: null, cut: { READ: false, WRITE: false }, patterns: false, hasChildren: true });
    expect(shared?.line).toBeUndefined();
  });

  it("gives a path that is not indexed no entries, and its own groups in `self`", async () => {
    const app = await serverOver(tree);
    const at = "/sites/lyon/lines/line-1/values/temperature";
    const { body } = await get(app, `/v1/tree?path=${at}&depth=3`);
    expect(body).toMatchObject({ path: at, indexed: false, entries: [] });
    expect(body.self).toEqual({
      path: at, name: "temperature", read: tree.index.groupsFor("READ", at), write: tree.index.groupsFor("WRITE", at),
      file: null, cut: { READ: false, WRITE: false }, patterns: false, hasChildren: false,
    });
  });

  it("refuses a bad path or depth", async () => {
    const app = await serverOver(tree);
    expect((await get(app, "/v1/tree?path=/a/../b")).body.error.code).toBe("invalid_path");
    for (const depth of ["0", "4", "x", "1.5"]) {
      const res = await get(app, `/v1/tree?depth=${depth}`);
      expect(res.status, depth).toBe(400);
      expect(res.body.error.code).toBe("invalid_query");
    }
    expect((await get(app, "/v1/tree?path=/&path=/sites")).body.error.code).toBe("invalid_query");
    expect((await get(app, "/v1/tree?pth=/")).body.error.code).toBe("invalid_query");
  });
});

describe("GET /v1/file", () => {
  let tree: TreeHandle;
  beforeAll(async () => {
    tree = await openTree(EXAMPLES, { watch: false });
  });
  afterAll(async () => {
    await tree.close();
  });

  it("gives the text of every rights file of examples/tree, not stale", async () => {
    const app = await serverOver(tree);
    for (const dir of tree.index.directories()) {
      const res = await get(app, `/v1/file?path=${encodeURIComponent(dir.path)}`);
      if (dir.file === null) {
        expect(res.status, dir.path).toBe(404);
        expect(res.body.error.code).toBe("no_rights_file");
        continue;
      }
      const file = [...normalizePath(dir.path), "access.rights"].join("/");
      const commit = tree.status.commit;
      expect(res.body).toEqual({
        path: dir.path, file, text: readFileSync(path.join(EXAMPLES, file), "utf8"), stale: false, revision: tree.index.revision,
        ...(typeof commit === "string" ? { commit } : {}),
      });
    }
  });

  it("is a 404 `no_rights_file` where there is none, a 400 for a bad path", async () => {
    const app = await serverOver(tree);
    for (const at of ["/shared", "/sites/lyon/lines", "/nowhere/at/all"]) {
      const res = await get(app, `/v1/file?path=${at}`);
      expect(res.status, at).toBe(404);
      expect(res.body.error.code).toBe("no_rights_file");
    }
    expect((await get(app, "/v1/file?path=/a/../../etc")).body.error.code).toBe("invalid_path");
    expect((await get(app, "/v1/file")).body.error.code).toBe("invalid_query");
  });

  it("says `stale` when the text on disk is not what the index holds, and never reads through a link", async () => {
    const dir = treeDir({
      "access.rights": "READ:\n  override: [staff]\n",
      "plant/access.rights": "WRITE:\n  include: [operators]\n",
    });
    const live = await openTree(dir, { watch: false });
    try {
      const app = await serverOver(live);
      expect((await get(app, "/v1/file?path=/plant")).body.stale).toBe(false);
      // A comment changes no rule and no line: the text still says what the index holds.
      writeFileSync(path.join(dir, "plant/access.rights"), "WRITE:\n  include: [operators]\n# reviewed\n");
      expect((await get(app, "/v1/file?path=/plant")).body).toMatchObject({ stale: false, text: "WRITE:\n  include: [operators]\n# reviewed\n" });
      // A moved line, a new group, a broken file, a new file: stale until reloaded.
      for (const text of ["\nWRITE:\n  include: [operators]\n", "WRITE:\n  include: [operators, x]\n", "Write:\n  include: [x]\n"]) {
        writeFileSync(path.join(dir, "plant/access.rights"), text);
        expect((await get(app, "/v1/file?path=/plant")).body, text).toMatchObject({ stale: true, text });
      }
      unlinkSync(path.join(dir, "plant/access.rights"));
      symlinkSync(path.join(dir, "access.rights"), path.join(dir, "plant/access.rights"));
      const linked = await get(app, "/v1/file?path=/plant");
      expect(linked.status).toBe(409);
      expect(linked.body.error.code).toBe("rights_file_unreadable");
      expect(linked.text).not.toContain("staff");
      unlinkSync(path.join(dir, "plant/access.rights"));
      // A symbolic link to a directory outside the tree: the walk never enters it, and neither does /v1/file.
      const outside = mkdtempSync(path.join(tmpdir(), "treerights-outside-"));
      writeFileSync(path.join(outside, "access.rights"), "READ:\n  include: [outsider]\n");
      symlinkSync(outside, path.join(dir, "plant/link"));
      const escaped = await get(app, "/v1/file?path=/plant/link");
      expect(escaped.status).toBe(404);
      expect(escaped.text).not.toContain("outsider");
      unlinkSync(path.join(dir, "plant/link"));
      rmSync(outside, { recursive: true, force: true });
      const gone = await get(app, "/v1/file?path=/plant");
      expect(gone.status).toBe(404);
      expect(gone.body.error.message).toMatch(/not loaded yet/);
    } finally {
      await live.close();
    }
  });

  it("serving a git ref, reads the served commit, never the work tree", async () => {
    const repo = await TestRepo.create();
    try {
      await repo.write({ "rights/access.rights": "READ:\n  override: [staff]\n", "rights/plant/access.rights": "WRITE:\n  include: [operators]\n" });
      const commit = await repo.commit("first");
      await repo.write({ "rights/plant/access.rights": "WRITE:\n  include: [edited]\n" });
      const live = await openTree(path.join(repo.dir, "rights"), { ref: "main", watch: true });
      try {
        const app = await serverOver(live);
        const res = await get(app, "/v1/file?path=/plant");
        expect(res.body).toEqual({
          path: "/plant", file: "plant/access.rights", text: "WRITE:\n  include: [operators]\n", stale: false, revision: live.index.revision, commit,
        });
        expect((await get(app, "/v1/file?path=/")).body.text).toBe("READ:\n  override: [staff]\n");
        expect((await get(app, "/v1/file?path=/nowhere")).body.error.code).toBe("no_rights_file");
      } finally {
        await live.close();
      }
    } finally {
      await repo.remove();
    }
  });
});

describe("the explorer's reads are admin routes", () => {
  let tree: TreeHandle;
  let configFile: string;
  beforeAll(async () => {
    tree = await openTree(EXAMPLES, { watch: false });
    const dir = treeDir({
      "treerights.server.yaml": "realms:\n  - name: proxy\n    headers: { user: X-User, groups: X-Groups, trustedProxies: [127.0.0.1/32] }\napi: { admin: { groups: [rights-admins] } }\n",
    });
    configFile = path.join(dir, "treerights.server.yaml");
  });
  afterAll(async () => {
    await tree.close();
  });

  it("need a credential holding the admin family's groups when `api.admin` is set", async () => {
    const app = await serverOver(tree, { serverConfig: await loadServerConfig(configFile) });
    for (const url of ["/v1/tree?path=/sites", "/v1/file?path=/sites/lyon", "/v1/diff?from=HEAD"]) {
      const anonymous = await app.inject({ method: "GET", url, remoteAddress: "127.0.0.1" });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json().error.code).toBe("credential_required");
      const other = await app.inject({ method: "GET", url, remoteAddress: "127.0.0.1", headers: { "x-user": "bob", "x-groups": "operators" } });
      expect(other.statusCode, url).toBe(403);
    }
    const admin = { "x-user": "alice", "x-groups": "rights-admins" };
    const file = await app.inject({ method: "GET", url: "/v1/file?path=/sites/lyon", remoteAddress: "127.0.0.1", headers: admin });
    expect(file.statusCode).toBe(200);
    expect(file.json().text).toBe(readFileSync(path.join(EXAMPLES, "sites/lyon/access.rights"), "utf8"));
    expect((await app.inject({ method: "GET", url: "/v1/tree", remoteAddress: "127.0.0.1", headers: admin })).statusCode).toBe(200);
  });
});
