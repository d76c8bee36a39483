/** Git's index as the reload gate reads it: the lock, its age, the stamp and the entries. */
import { execFile } from "node:child_process";
import { rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { blobId, changedEntries, GIT_LOCK_MAX_HOLD_MS, WorkTreeIndex } from "../../src/loader/git/work-tree-index.js";
import { makeTree, removeTree, rights } from "./open-tree-harness.js";

const run = promisify(execFile);
let root = "";

afterEach(async () => {
  await removeTree(root);
});

async function repo(): Promise<WorkTreeIndex> {
  root = await makeTree({ "access.rights": rights(["ops"]), "a/access.rights": rights(["eng"]), "notes.txt": "not rights" });
  await run("git", ["init", "-q"], { cwd: root });
  await run("git", ["add", "-A"], { cwd: root });
  const index = await WorkTreeIndex.locate(root);
  if (index === null) throw new Error("no git index found");
  return index;
}

describe("WorkTreeIndex", () => {
  it("is busy while a lock younger than the bound exists, by the lock's own age, whatever was seen before", async () => {
    const index = await repo();
    const lock = path.join(root, ".git", "index.lock");
    const now = Date.now();
    await writeFile(lock, "");
    expect((await index.state(now)).busy).toBe(true);
    // A lock left by a crashed git: older than the bound.
    const old = (now - GIT_LOCK_MAX_HOLD_MS - 5_000) / 1000;
    await utimes(lock, old, old);
    expect((await index.state(now)).busy).toBe(false);
    await rm(lock);
    expect((await index.state(now)).busy).toBe(false);
    // Long after the first sighting, a new lock is git at work again (was taken as stale when judged by when a lock was first seen).
    await writeFile(lock, "");
    expect((await index.state(Date.now() + GIT_LOCK_MAX_HOLD_MS / 2)).busy).toBe(true);
  });

  it("stamps the index anew whenever git writes it, and lists the blob of every rights file it tracks", async () => {
    const index = await repo();
    const before = await index.state();
    const entries = await index.entries();
    expect([...(entries?.keys() ?? [])].sort()).toEqual(["a/access.rights", "access.rights"]);
    await writeFile(path.join(root, "a", "access.rights"), rights(["qa"]));
    await run("git", ["add", "-A"], { cwd: root });
    const after = await index.state();
    expect(after).not.toEqual(before);
    const next = await index.entries();
    expect(changedEntries(entries ?? new Map(), next ?? new Map())).toEqual(["a/access.rights"]);
    expect(next?.get("a/access.rights")).toBe(blobId(Buffer.from(rights(["qa"])), next?.get("a/access.rights") ?? ""));
  });
});
