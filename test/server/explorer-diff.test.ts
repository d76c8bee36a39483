/**
 * `GET /v1/diff`: the effective diff between two commits of the repository
 * holding the served tree is exactly what `treerights diff --repo … --format
 * json` prints with the same checks, for a tree at the repository's top and
 * one below it, in the work tree and serving a ref; and the refusals: an
 * unknown revision, a tree outside git, a revision whose tree does not load.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTree } from "../../src/index.js";
import type { TreeHandle } from "../../src/loader/index.js";
import { runCli } from "../cli/helpers.js";
import { TestRepo } from "../diff/git-repo.js";
import { get, serverOver } from "./helpers.js";
import { treeDir } from "./tree-dir.js";

/** What the CLI prints as JSON for the same question. */
async function cliDiff(repo: string, from: string, to: string, ...extra: string[]): Promise<unknown> {
  const r = await runCli("diff", "--repo", repo, from, to, "--format", "json", ...extra);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("GET /v1/diff", () => {
  let repo: TestRepo;
  const commits: Record<string, string> = {};
  let tree: TreeHandle;
  let sub: TreeHandle;

  beforeAll(async () => {
    repo = await TestRepo.create();
    await repo.write({
      "access.rights": "READ:\n  override: [staff]\nWRITE:\n  override: [admins]\n",
      "plant/access.rights": "READ:\n  include: [operators]\n",
      "plant/gone/access.rights": "WRITE:\n  include: [operators]\n",
      "rights/access.rights": "READ:\n  override: [staff]\n",
    });
    await repo.dirs(["plant/north/a", "plant/north/b", "rights/x/y"]);
    commits["base"] = await repo.commit("base");
    await repo.git("checkout", "-q", "-b", "feature");
    await repo.write({
      "plant/north/access.rights": "WRITE:\n  include: [contractors]\n",
      "plant/gone/access.rights": null,
      "access.rights": "READ:\n  override: [staff, everyone]\nWRITE:\n  override: [admins]\n",
      "rights/x/access.rights": "WRITE:\n  include: [everyone]\n",
    });
    commits["feature"] = await repo.commit("feature");
    await repo.git("checkout", "-q", "-b", "broken", "main");
    await repo.write({ "plant/access.rights": "Write:\n  include: [x]\n" });
    commits["broken"] = await repo.commit("broken");
    await repo.git("checkout", "-q", "feature");
    tree = await openTree(repo.dir, { watch: false });
    sub = await openTree(path.join(repo.dir, "rights"), { watch: false });
  });
  afterAll(async () => {
    await (tree as TreeHandle | undefined)?.close();
    await (sub as TreeHandle | undefined)?.close();
    await (repo as TestRepo | undefined)?.remove();
  });

  it("is `treerights diff --repo --format json` with the default checks (write-grant, near-root)", async () => {
    const app = await serverOver(tree);
    const res = await get(app, "/v1/diff?from=main&to=feature");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(await cliDiff(repo.dir, "main", "feature", "--fail-on", "write-grant,near-root"));
    expect(res.body.changed).toBe(true);
    expect((res.body.risks as { rule: string }[]).map((r) => r.rule)).toContain("write-grant");
    expect(res.body.from).toEqual({ ref: "main", revision: expect.any(String), commit: commits["base"] });
  });

  it("takes the checks, depth and broad groups the CLI takes", async () => {
    const app = await serverOver(tree);
    const res = await get(app, "/v1/diff?from=main&to=feature&check=broad&broad=everyone&broad=contractors");
    expect(res.body).toEqual(await cliDiff(repo.dir, "main", "feature", "--fail-on", "broad", "--broad", "everyone,contractors"));
    expect(res.body.risks.length).toBeGreaterThan(0);
    const deep = await get(app, "/v1/diff?from=main&to=feature&depth=0&broad=everyone");
    expect(deep.body).toEqual(await cliDiff(repo.dir, "main", "feature", "--fail-on", "write-grant,near-root,broad", "--depth", "0", "--broad", "everyone"));
    expect((await get(app, "/v1/diff?from=main&to=feature&check=broad")).body.error.code).toBe("invalid_query");
    expect((await get(app, "/v1/diff?from=main&check=everything")).body.error.code).toBe("invalid_query");
  });

  it("diffs to the served commit when `to` is left out", async () => {
    const app = await serverOver(tree);
    const res = await get(app, "/v1/diff?from=main");
    expect(res.body.to).toEqual({ ref: commits["feature"], revision: tree.index.revision, commit: commits["feature"] });
    expect(res.body).toEqual(await cliDiff(repo.dir, "main", commits["feature"]!, "--fail-on", "write-grant,near-root"));
  });

  it("reads a tree below the repository's top as `--tree` does", async () => {
    const app = await serverOver(sub);
    const res = await get(app, "/v1/diff?from=main&to=feature");
    expect(res.body).toEqual(await cliDiff(repo.dir, "main", "feature", "--tree", "rights", "--fail-on", "write-grant,near-root"));
    expect((res.body.entries as { path: string }[]).map((e) => e.path)).toEqual(["/x"]);
  });

  it("serving a ref, diffs within the repository it reads", async () => {
    const live = await openTree(path.join(repo.dir, "rights"), { ref: "feature", watch: true });
    try {
      const app = await serverOver(live);
      const res = await get(app, "/v1/diff?from=main");
      expect(res.body).toEqual(await cliDiff(repo.dir, "main", commits["feature"]!, "--tree", "rights", "--fail-on", "write-grant,near-root"));
    } finally {
      await live.close();
    }
  });

  it("refuses an unknown revision (400), a revision whose tree does not load (422)", async () => {
    const app = await serverOver(tree);
    for (const url of ["/v1/diff?from=nope", "/v1/diff?from=main&to=nope", "/v1/diff?from=--output=x", "/v1/diff?from=main%0Aevil"]) {
      const res = await get(app, url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe("unknown_revision");
    }
    const broken = await get(app, "/v1/diff?from=main&to=broken");
    expect(broken.status).toBe(422);
    expect(broken.body.error.code).toBe("revision_invalid");
    expect(broken.body.error.message).toMatch(/`broken`/);
    expect((await get(app, "/v1/diff")).body.error.code).toBe("invalid_query");
  });
});

describe("GET /v1/diff outside git", () => {
  it("is a 409 `not_in_git`", async () => {
    const dir = treeDir({ "access.rights": "READ:\n  override: [staff]\n" });
    const tree = await openTree(dir, { watch: false });
    try {
      const app = await serverOver(tree);
      const res = await get(app, "/v1/diff?from=HEAD~1&to=HEAD");
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("not_in_git");
    } finally {
      await tree.close();
    }
  });
});
