/** `openTree(dir, { ref })`: serving the commits a git ref names, following its moves, never reading the work tree. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { LoadError, TreeRightsError } from "../../src/engine/index.js";
import { openTree } from "../../src/loader/index.js";
import { openRefTree } from "../../src/loader/live/ref-tree.js";
import type { TreeHandle } from "../../src/loader/types.js";
import { TestRepo } from "../diff/git-repo.js";
import { pause, record, rights, WAIT } from "./open-tree-harness.js";

const ROOT = rights(["staff"], ["admins"]);

const repos: TestRepo[] = [];
const handles: TreeHandle[] = [];

afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
  await Promise.all(repos.splice(0).map((r) => r.remove()));
});

async function repoWith(files: Readonly<Record<string, string | null>>): Promise<{ repo: TestRepo; commit: string }> {
  const repo = await TestRepo.create();
  repos.push(repo);
  await repo.write(files);
  return { repo, commit: await repo.commit("first") };
}

async function open(dir: string, ref = "main", pollMs?: number): Promise<TreeHandle> {
  const handle = pollMs === undefined ? await openTree(dir, { ref }) : await openRefTree(dir, { ref }, { pollMs });
  handles.push(handle);
  return handle;
}

/** Waits until the handle answers at `commit`. */
async function servesCommit(handle: TreeHandle, commit: string): Promise<void> {
  await vi.waitFor(() => { expect(handle.status.commit).toBe(commit); }, WAIT);
}

describe("openTree with a ref", () => {
  it("serves the ref's commit, and a commit moves the index and its commit together", async () => {
    const { repo, commit: first } = await repoWith({ "access.rights": ROOT, "plant/access.rights": rights(["operators"]) });
    const handle = await open(repo.dir);
    const events = record(handle);
    expect(handle.status.commit).toBe(first);
    expect(handle.status.source).toEqual({ mode: "ref", ref: "main", path: "" });
    expect(handle.index.check(["operators"], "READ", "/plant/a")).toBe(true);

    await repo.write({ "plant/access.rights": rights(["operators", "contractors"]) });
    const second = await repo.commit("second");
    await servesCommit(handle, second);
    expect(handle.index.check(["contractors"], "READ", "/plant/a")).toBe(true);
    expect(events.reloads).toHaveLength(1);
    expect(events.reloads[0]).toMatchObject({ commit: second, changedFiles: ["plant/access.rights"] });
    expect(handle.status.history?.map((h) => h.commit)).toEqual([first, second]);
    expect(handle.changesSince?.(events.reloads[0]!.previous.revision)?.changes.length).toBeGreaterThan(0);
  });

  it("follows git update-ref, a reset to an older commit, and a merge", async () => {
    const { repo, commit: first } = await repoWith({ "access.rights": ROOT });
    await repo.write({ "a/access.rights": rights(["x"]) });
    const second = await repo.commit("second");
    const handle = await open(repo.dir);
    expect(handle.status.commit).toBe(second);

    await repo.git("update-ref", "refs/heads/main", first);
    await servesCommit(handle, first);
    expect(handle.index.check(["x"], "READ", "/a")).toBe(false);

    await repo.git("reset", "-q", "--hard", second);
    await servesCommit(handle, second);
    expect(handle.index.check(["x"], "READ", "/a")).toBe(true);

    await repo.git("checkout", "-q", "-b", "side");
    await repo.write({ "b/access.rights": rights(["y"]) });
    await repo.commit("side");
    await repo.git("checkout", "-q", "main");
    await repo.write({ "c/access.rights": rights(["z"]) });
    await repo.commit("main moves on");
    await repo.git("-c", "user.name=t", "-c", "user.email=t@t", "merge", "-q", "--no-edit", "side");
    const merged = (await repo.git("rev-parse", "main")).trim();
    await servesCommit(handle, merged);
    expect(handle.index.check(["y"], "READ", "/b")).toBe(true);
    expect(handle.index.check(["z"], "READ", "/c")).toBe(true);
  });

  it("follows a fetch and reset from another repository", async () => {
    const { repo: upstream } = await repoWith({ "access.rights": ROOT });
    const { repo: replica } = await repoWith({ "access.rights": rights(["nobody"]) });
    await replica.git("fetch", "-q", upstream.dir, "main");
    await replica.git("reset", "-q", "--hard", "FETCH_HEAD");
    const handle = await open(replica.dir);
    await upstream.write({ "plant/access.rights": rights(["operators"]) });
    const pushed = await upstream.commit("upstream change");
    await replica.git("fetch", "-q", upstream.dir, "main");
    await replica.git("reset", "-q", "--hard", "FETCH_HEAD");
    await servesCommit(handle, pushed);
    expect(handle.index.check(["operators"], "READ", "/plant")).toBe(true);
  });

  it("ignores uncommitted and staged edits of the work tree", async () => {
    const { repo, commit } = await repoWith({ "access.rights": ROOT, "plant/access.rights": rights(["operators"]) });
    const handle = await open(repo.dir);
    const revision = handle.index.revision;
    await repo.write({ "plant/access.rights": "READ: [broken\n", "new/access.rights": rights(["intruders"]) });
    await repo.git("add", "new/access.rights");
    await repo.write({ "access.rights": null });
    await handle.reload();
    await pause(100);
    expect(handle.index.revision).toBe(revision);
    expect(handle.status).toMatchObject({ commit, rejected: null, reloads: 0 });
    expect(handle.index.check(["intruders"], "READ", "/new")).toBe(false);
  });

  it("rejects a commit with a broken rights file, keeps answering, and recovers with the fix", async () => {
    const { repo, commit: good } = await repoWith({ "access.rights": ROOT, "plant/access.rights": rights(["operators"]) });
    const handle = await open(repo.dir);
    const events = record(handle);
    await repo.write({ "plant/access.rights": "READ:\n  Include: [x]\n" });
    const broken = await repo.commit("broken");
    await vi.waitFor(() => { expect(events.rejected).toHaveLength(1); }, WAIT);
    expect(events.rejected[0]).toMatchObject({ commit: broken });
    expect(events.rejected[0]!.problems[0]).toMatchObject({ file: "plant/access.rights", severity: "error" });
    expect(handle.status).toMatchObject({ commit: good, rejectedReloads: 1 });
    expect(handle.status.rejected?.commit).toBe(broken);
    expect(handle.index.check(["operators"], "READ", "/plant")).toBe(true);

    await repo.write({ "plant/access.rights": rights(["fixed"]) });
    const fixed = await repo.commit("fix");
    await servesCommit(handle, fixed);
    expect(handle.status.rejected).toBeNull();
    expect(handle.index.check(["fixed"], "READ", "/plant")).toBe(true);
    expect(events.reloads.map((r) => r.commit)).toEqual([fixed]);
  });

  it("follows directories added and removed, and a treerights.yaml that changes what is read", async () => {
    const { repo } = await repoWith({ "access.rights": ROOT, "a/b/access.rights": rights(["ab"]), "a/access.rights": rights(["a"]) });
    const handle = await open(repo.dir);
    await repo.write({ a: null, "x/y/z/access.rights": rights(["xyz"]) });
    let commit = await repo.commit("move");
    await servesCommit(handle, commit);
    expect(handle.index.check(["ab"], "READ", "/a/b")).toBe(false);
    expect(handle.index.check(["xyz"], "READ", "/x/y/z/q")).toBe(true);
    expect(handle.index.fileCount).toBe(2);

    await repo.write({ "treerights.yaml": "ignore: [\"x/**\"]\n" });
    commit = await repo.commit("ignore x");
    await servesCommit(handle, commit);
    expect(handle.index.check(["xyz"], "READ", "/x/y/z/q")).toBe(false);
    expect(handle.index.fileCount).toBe(1);

    // A file inside an ignored directory changes nothing, not even the revision.
    const revision = handle.index.revision;
    await repo.write({ "x/y/z/access.rights": rights(["other"]) });
    commit = await repo.commit("ignored edit");
    await servesCommit(handle, commit);
    expect(handle.index.revision).toBe(revision);

    await repo.write({ "treerights.yaml": null });
    commit = await repo.commit("no config");
    await servesCommit(handle, commit);
    expect(handle.index.check(["other"], "READ", "/x/y/z/q")).toBe(true);
  });

  it("serves the tree at the directory's path inside the repository", async () => {
    const { repo } = await repoWith({ "access.rights": rights(["top"]), "config/rights/access.rights": ROOT, "config/rights/plant/access.rights": rights(["operators"]) });
    const handle = await open(`${repo.dir}/config/rights`);
    expect(handle.status.source?.path).toBe("config/rights");
    expect(handle.index.check(["operators"], "READ", "/plant")).toBe(true);
    expect(handle.index.check(["top"], "READ", "/")).toBe(false);
    await repo.write({ "access.rights": rights(["elsewhere"]) });
    const outside = await repo.commit("outside the tree");
    await servesCommit(handle, outside);
    await repo.write({ "config/rights/plant/access.rights": rights(["night"]) });
    const inside = await repo.commit("inside");
    await servesCommit(handle, inside);
    expect(handle.index.check(["night"], "READ", "/plant")).toBe(true);

    // The tree's directory gone from the commit: rejected, the last index answering.
    const events = record(handle);
    await repo.write({ config: null });
    await repo.commit("gone");
    await vi.waitFor(() => { expect(events.rejected).toHaveLength(1); }, WAIT);
    expect(events.rejected[0]!.problems[0]?.code).toBe("root_not_found");
    expect(handle.status.commit).toBe(inside);
  });

  it("refuses an unknown ref, a directory outside git and a broken tree at startup", async () => {
    const { repo } = await repoWith({ "access.rights": ROOT });
    await expect(openTree(repo.dir, { ref: "nope" })).rejects.toMatchObject({ code: "git_failed", message: expect.stringContaining("`nope`") });
    await expect(openTree(repo.dir, { ref: "--all" })).rejects.toMatchObject({ code: "invalid_option" });
    await expect(openTree(repo.dir, { ref: "main", watch: false })).rejects.toMatchObject({ code: "invalid_option" });
    const outside = await TestRepo.create();
    repos.push(outside);
    await outside.git("init", "-q"); // a repository without commits: HEAD names nothing
    await expect(openTree(outside.dir, { ref: "HEAD" })).rejects.toBeInstanceOf(TreeRightsError);
    await expect(openTree("/nonexistent/treerights", { ref: "main" })).rejects.toMatchObject({ code: "git_failed" });

    await repo.write({ "access.rights": "READ: {nope: [x]}\n" });
    await repo.commit("broken");
    await expect(openTree(repo.dir, { ref: "main" })).rejects.toBeInstanceOf(LoadError);
  });

  it("reports a deleted ref, keeps answering, and follows it again once it is back", async () => {
    const { repo, commit } = await repoWith({ "access.rights": ROOT });
    await repo.git("branch", "live");
    const handle = await open(repo.dir, "live", 200);
    const events = record(handle);
    await repo.git("branch", "-D", "live");
    await vi.waitFor(() => { expect(handle.status.source?.error).toMatch(/`live` names no commit/); }, WAIT);
    expect(events.watchErrors).toHaveLength(1);
    expect(handle.status.commit).toBe(commit);
    await repo.write({ "a/access.rights": rights(["a"]) });
    const next = await repo.commit("next");
    await repo.git("branch", "live", next);
    await servesCommit(handle, next);
    expect(handle.status.source?.error).toBeUndefined();
  });

  it("notices a move by polling alone, and a commit that changes no rights file moves the commit without a swap", async () => {
    const { repo } = await repoWith({ "access.rights": ROOT });
    const handle = await openRefTree(repo.dir, { ref: "main" }, { pollMs: 50, noWatch: true });
    handles.push(handle);
    const events = record(handle);
    const moved: (string | null)[] = [];
    handle.on("commit", (commit) => moved.push(commit));
    const index = handle.index;
    await repo.write({ "README.md": "docs\n" });
    const docs = await repo.commit("docs only");
    await servesCommit(handle, docs);
    expect(handle.index).toBe(index);
    expect(moved).toEqual([docs]);
    expect(events.reloads).toHaveLength(0);
  });
});
