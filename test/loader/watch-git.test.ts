import { mkdir, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openTree } from "../../src/loader/live/open-tree.js";
import { findGitIndexLock, GIT_LOCK_MAX_HOLD_MS, GIT_SETTLE_MS, GitLockGate } from "../../src/loader/git/watch-git.js";
import { makeTree, pause, put, record, removeTree, rights, WAIT } from "./open-tree-harness.js";

let root = "";

afterEach(async () => {
  vi.useRealTimers();
  await removeTree(root);
});

describe("findGitIndexLock", () => {
  it("finds the lock of the repository at the root or above it", async () => {
    root = await makeTree({ "rights/access.rights": "" });
    await mkdir(path.join(root, ".git"));
    expect(await findGitIndexLock(root)).toBe(path.join(root, ".git", "index.lock"));
    expect(await findGitIndexLock(path.join(root, "rights"))).toBe(path.join(root, ".git", "index.lock"));
  });

  it("follows a `.git` file to a linked work tree's git directory", async () => {
    root = await makeTree({ "wt/access.rights": "" });
    await writeFile(path.join(root, "wt", ".git"), "gitdir: ../main/.git/worktrees/wt\n");
    expect(await findGitIndexLock(path.join(root, "wt"))).toBe(path.join(root, "main", ".git", "worktrees", "wt", "index.lock"));
  });
});

describe("GitLockGate", () => {
  it("is busy while the lock exists, and gives up on a lock older than the cap", async () => {
    root = await makeTree({ ".git/HEAD": "ref: refs/heads/main\n" });
    const gate = new GitLockGate();
    await gate.locate(root);
    expect(await gate.busy()).toBe(false);
    await writeFile(path.join(root, ".git", "index.lock"), "");
    vi.useFakeTimers({ toFake: ["Date"] });
    expect(await gate.busy()).toBe(true);
    vi.setSystemTime(Date.now() + GIT_LOCK_MAX_HOLD_MS + 1);
    expect(await gate.busy()).toBe(false);
    await rm(path.join(root, ".git", "index.lock"));
    expect(await gate.busy()).toBe(false);
    await writeFile(path.join(root, ".git", "index.lock"), "");
    expect(await gate.busy()).toBe(true);
  });
});

describe("GitLockGate after git finished", () => {
  it("is busy for a moment after git wrote its index, not for an index written earlier or dated ahead of the clock", async () => {
    root = await makeTree({ ".git/HEAD": "ref: refs/heads/main\n" });
    const gate = new GitLockGate();
    await gate.locate(root);
    const index = path.join(root, ".git", "index");
    await writeFile(index, "");
    expect(await gate.busy()).toBe(true);
    const seconds = (ms: number): number => ms / 1000;
    await utimes(index, seconds(Date.now() - GIT_SETTLE_MS - 1000), seconds(Date.now() - GIT_SETTLE_MS - 1000));
    expect(await gate.busy()).toBe(false);
    await utimes(index, seconds(Date.now() + 60_000), seconds(Date.now() + 60_000));
    expect(await gate.busy()).toBe(false);
  });
});

describe("a watched tree in git", () => {
  it("holds the reload while git holds its index lock, then swaps once", async () => {
    root = await makeTree({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"]), ".git/HEAD": "ref: refs/heads/main\n" });
    const handle = await openTree(root, { watch: true });
    try {
      const events = record(handle);
      await writeFile(path.join(root, ".git", "index.lock"), "");
      await put(root, "plant/access.rights", rights(["half"]));
      await put(root, "access.rights", rights(["done"]));
      await pause(500);
      expect(events.reloads).toHaveLength(0);
      await rm(path.join(root, ".git", "index.lock"));
      await vi.waitFor(() => {
        expect(events.reloads).toHaveLength(1);
      }, WAIT);
      expect(events.reloads[0]?.changedFiles).toEqual(["access.rights", "plant/access.rights"]);
      // A forced reload does not wait for git.
      await writeFile(path.join(root, ".git", "index.lock"), "");
      await put(root, "plant/access.rights", rights(["forced"]));
      await handle.reload();
      expect(handle.index.check(["forced"], "READ", "/plant")).toBe(true);
    } finally {
      await handle.close();
    }
  });
});
