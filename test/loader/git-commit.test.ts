import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findGitDir, HeadCommit, headCommit } from "../../src/loader/git/git-commit.js";
import * as gitRun from "../../src/loader/git/git-run.js";
import { HISTORY_SIZE, REBUILDS_KEPT } from "../../src/loader/live/watch-history.js";
import { openTree } from "../../src/loader/live/open-tree.js";
import type { ReloadEvent, TreeHandle } from "../../src/loader/types.js";
import { makeTree, put, record, removeTree, rights, WAIT } from "./open-tree-harness.js";

const run = promisify(execFile);

async function git(root: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", ...args], { cwd: root });
  return stdout.trim();
}

/** A git repository holding a rights tree, with one commit. */
async function repo(files: Record<string, string>): Promise<string> {
  const root = await makeTree(files);
  roots.push(root);
  await git(root, "init", "-q", "-b", "main");
  await git(root, "add", "-A");
  await git(root, "commit", "-q", "-m", "first");
  return root;
}

let roots: string[] = [];
let handle: TreeHandle | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await handle?.close();
  handle = undefined;
  await Promise.all(roots.map(removeTree));
  roots = [];
});

describe("headCommit", () => {
  it("is the HEAD commit in a work tree (also from a subdirectory), null outside git or before the first commit", async () => {
    const root = await repo({ "rights/access.rights": rights(["ops"]) });
    const head = await git(root, "rev-parse", "HEAD");
    expect(await headCommit(root)).toBe(head);
    expect(await headCommit(path.join(root, "rights"))).toBe(head);
    expect(await findGitDir(path.join(root, "rights"))).toBe(path.join(root, ".git"));

    const plain = await makeTree({ "access.rights": rights(["ops"]) });
    roots.push(plain);
    expect(await headCommit(plain)).toBeNull();
    expect(await new HeadCommit(plain).read()).toBeNull();
    await git(plain, "init", "-q", "-b", "main");
    expect(await headCommit(plain)).toBeNull();
    expect(await new HeadCommit(plain).read()).toBeNull();
  });

  it("is null when git cannot run", async () => {
    vi.spyOn(gitRun, "git").mockRejectedValue(new gitRun.GitFailure(null, "spawn git ENOENT", "ENOENT"));
    const root = await makeTree({ "access.rights": rights(["ops"]) });
    roots.push(root);
    await mkdir(path.join(root, ".git"));
    await writeFile(path.join(root, ".git", "HEAD"), "ref: refs/heads/main\n");
    expect(await headCommit(root)).toBeNull();
    expect(await new HeadCommit(root).read()).toBeNull();
  });
});

describe("HeadCommit", () => {
  it("runs git only when HEAD may have moved", async () => {
    const root = await repo({ "access.rights": rights(["ops"]) });
    const spawned = vi.spyOn(gitRun, "git");
    const head = new HeadCommit(root);
    const first = await head.read();
    expect(first).toBe(await git(root, "rev-parse", "HEAD"));
    expect(await head.read()).toBe(first);
    expect(spawned).toHaveBeenCalledTimes(1);

    await put(root, "access.rights", rights(["qa"]));
    await git(root, "commit", "-q", "-am", "second");
    const second = await head.read();
    expect(second).toBe(await git(root, "rev-parse", "HEAD"));
    expect(second).not.toBe(first);
    await git(root, "checkout", "-q", "--detach", "HEAD~1");
    expect(await head.read()).toBe(first);
    expect(spawned).toHaveBeenCalledTimes(3);
  });
});

describe("a live tree in git", () => {
  it("carries the commit in status, reload events and history, and answers changesSince", async () => {
    const root = await repo({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"]) });
    const first = await git(root, "rev-parse", "HEAD");
    handle = await openTree(root, { watch: true });
    const events = record(handle);
    const initial = handle.index.revision;
    expect(handle.status.commit).toBe(first);
    expect(handle.status.history).toEqual([
      { revision: initial, commit: first, at: handle.status.loadedAt, filesChanged: 2, changes: { grants: 0, revocations: 0 } },
    ]);

    await put(root, "plant/access.rights", rights(["eng", "qa"], ["qa"]));
    await git(root, "commit", "-q", "-am", "qa may read and write the plant");
    const second = await git(root, "rev-parse", "HEAD");
    await vi.waitFor(() => {
      expect(events.reloads).toHaveLength(1);
    }, WAIT);
    const event = events.reloads[0] as ReloadEvent;
    expect(event.commit).toBe(second);
    expect(handle.status.commit).toBe(second);
    const history = handle.status.history ?? [];
    expect(history).toHaveLength(2);
    // Two grants gained: qa reads /plant, and qa writes it (nobody did before).
    expect(history[1]).toMatchObject({ revision: handle.index.revision, commit: second, filesChanged: 1 });
    // Counted after the swap.
    await vi.waitFor(() => {
      expect(handle?.status.history?.[1]?.changes).toEqual({ grants: 2, revocations: 0 });
    }, WAIT);

    expect(handle.changesSince?.(initial)).toEqual({
      from: initial,
      to: handle.index.revision,
      changes: [
        { path: "/plant", access: "READ", added: ["qa"], removed: [] },
        { path: "/plant", access: "WRITE", added: ["qa"], removed: [] },
      ],
    });
    expect(handle.changesSince?.(handle.index.revision)).toEqual({ from: handle.index.revision, to: handle.index.revision, changes: [] });
    expect(handle.changesSince?.("0123456789abcdef")).toBeNull();
  });

  it("has a null commit outside git", async () => {
    const root = await makeTree({ "access.rights": rights(["ops"]) });
    roots.push(root);
    handle = await openTree(root);
    expect(handle.status.commit).toBeNull();
    expect(handle.status.history?.[0]?.commit).toBeNull();
  });

  it(`keeps the last ${HISTORY_SIZE} reloads, and forgets changes since older ones`, async () => {
    const root = await repo({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"]) });
    handle = await openTree(root);
    const revisions = [handle.index.revision];
    for (let i = 1; i <= HISTORY_SIZE + 5; i++) {
      await put(root, "plant/access.rights", rights(["eng", `g${i}`]));
      await handle.reload();
      revisions.push(handle.index.revision);
    }
    const history = handle.status.history ?? [];
    expect(history).toHaveLength(HISTORY_SIZE);
    expect(history.map((h) => h.revision)).toEqual(revisions.slice(-HISTORY_SIZE));
    expect(history.every((h) => h.filesChanged === 1)).toBe(true);
    // Grant counts are counted after each swap.
    await vi.waitFor(() => {
      expect((handle?.status.history ?? []).every((h) => h.changes?.grants === 1 && h.changes.revocations === 1)).toBe(true);
    }, WAIT);
    const oldest = revisions[revisions.length - HISTORY_SIZE] as string;
    expect(handle.changesSince?.(oldest)?.changes).toEqual([
      { path: "/plant", access: "READ", added: [`g${HISTORY_SIZE + 5}`], removed: ["g6"] },
    ]);
    expect(handle.changesSince?.(revisions[0] as string)).toBeNull();
    expect(handle.changesSince?.(revisions[revisions.length - HISTORY_SIZE - 1] as string)).toBeNull();
  });

  it(`keeps changes across edits of the root's levels, and only since the last ${REBUILDS_KEPT} changes of its pattern rules, which rebuild the whole index`, async () => {
    const root = await repo({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"]) });
    handle = await openTree(root);
    const levels = [handle.index.revision];
    for (let i = 1; i <= REBUILDS_KEPT + 1; i++) {
      await put(root, "access.rights", rights(["ops", `g${i}`]));
      await handle.reload();
      levels.push(handle.index.revision);
    }
    // The trie is shared across those edits: every revision still answers.
    for (const revision of levels) expect(handle.changesSince?.(revision)).not.toBeNull();
    const revisions = [handle.index.revision];
    for (let i = 1; i <= REBUILDS_KEPT + 1; i++) {
      await put(root, "access.rights", `READ:\n  include: [ops]\npatterns:\n  - match: "x${i}/**"\n    READ:\n      include: [p${i}]\n`);
      await handle.reload();
      revisions.push(handle.index.revision);
    }
    expect(handle.status.history).toHaveLength(2 * (REBUILDS_KEPT + 1) + 1);
    const kept = revisions.slice(-REBUILDS_KEPT);
    for (const revision of kept) expect(handle.changesSince?.(revision)).not.toBeNull();
    for (const revision of [...levels, ...revisions.slice(0, -REBUILDS_KEPT)]) expect(handle.changesSince?.(revision)).toBeNull();
  });
});
