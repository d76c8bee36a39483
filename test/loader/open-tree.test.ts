import { rm } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LoadError, TreeRightsError } from "../../src/engine/index.js";
import { openTree } from "../../src/loader/live/open-tree.js";
import type { TreeHandle } from "../../src/loader/types.js";
import { makeTree, put, record, removeTree, rights } from "./open-tree-harness.js";

const roots: string[] = [];
const handles: TreeHandle[] = [];

async function tree(files: Record<string, string>): Promise<string> {
  const root = await makeTree(files);
  roots.push(root);
  return root;
}

async function open(root: string): Promise<TreeHandle> {
  const handle = await openTree(root);
  handles.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
  await Promise.all(roots.splice(0).map(removeTree));
});

describe("openTree without watching", () => {
  it("loads the tree and reports its status", async () => {
    const root = await tree({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"], ["eng"]) });
    const before = Date.now();
    const handle = await open(root);
    expect(handle.index.check(["eng"], "WRITE", "/plant/a")).toBe(true);
    expect(handle.index.check(["ops"], "WRITE", "/plant/a")).toBe(false);
    const status = handle.status;
    expect(status).toMatchObject({ root: path.resolve(root), revision: handle.index.revision, fileCount: 2, reloads: 0, rejectedReloads: 0, rejected: null, watch: { state: "off" } });
    expect(Date.parse(status.loadedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(status.loadMs).toBeGreaterThanOrEqual(0);
  });

  it("rejects a tree that is invalid at startup with every problem", async () => {
    const root = await tree({ "access.rights": rights(["ops"]), "plant/access.rights": "Write:\n  include: [eng]\n" });
    const error: unknown = await openTree(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadError);
    const problems = (error as LoadError).problems.filter((p) => p.severity === "error");
    expect(problems).toEqual([expect.objectContaining({ file: "plant/access.rights", line: 1, column: 1 })]);
    expect(problems[0]?.message).toContain("`Write`");
  });

  it("rejects a tree without a root rights file, and a root that does not exist", async () => {
    const root = await tree({ "plant/access.rights": rights(["eng"]) });
    await expect(openTree(root)).rejects.toBeInstanceOf(LoadError);
    await expect(openTree(path.join(root, "missing"), { watch: true })).rejects.toBeInstanceOf(LoadError);
  });

  it("rejects a bad debounce as an invalid option", async () => {
    const root = await tree({ "access.rights": rights(["ops"]) });
    await expect(openTree(root, { debounceMs: -1 })).rejects.toThrow(TreeRightsError);
    await expect(openTree(root, { debounceMs: Number.NaN })).rejects.toMatchObject({ code: "invalid_option" });
  });

  it("reload() swaps to the new tree and reports the changed files", async () => {
    const root = await tree({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"]), "site/access.rights": rights(["x"]) });
    const handle = await open(root);
    const events = record(handle);
    const old = handle.index;
    await put(root, "plant/access.rights", rights(["qa"]));
    await rm(path.join(root, "site/access.rights"));
    await put(root, "new/deep/access.rights", rights(["new"]));
    await handle.reload();
    expect(events.reloads).toHaveLength(1);
    const [event] = events.reloads;
    expect(event?.previous).toBe(old);
    expect(event?.index).toBe(handle.index);
    expect(event?.changedFiles).toEqual(["new/deep/access.rights", "plant/access.rights", "site/access.rights"]);
    expect(handle.index.revision).not.toBe(old.revision);
    expect(handle.index.check(["qa"], "READ", "/plant/x")).toBe(true);
    expect(old.check(["eng"], "READ", "/plant/x")).toBe(true);
    expect(handle.status.reloads).toBe(1);
  });

  it("does not swap nor emit when the revision is unchanged", async () => {
    const root = await tree({ "access.rights": rights(["ops"]) });
    const handle = await open(root);
    const events = record(handle);
    const index = handle.index;
    const loadedAt = handle.status.loadedAt;
    await put(root, "access.rights", rights(["ops"]));
    await handle.reload();
    expect(handle.index).toBe(index);
    expect(events.reloads).toHaveLength(0);
    expect(handle.status).toMatchObject({ reloads: 0, loadedAt });
  });

  it("keeps the last good index on a rejected reload, and clears the rejection on the next good one", async () => {
    const root = await tree({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"]) });
    const handle = await open(root);
    const events = record(handle);
    const good = handle.index;
    await put(root, "plant/access.rights", "READ:\n  include: [eng]\nREADS: {}\n");
    await handle.reload();
    expect(handle.index).toBe(good);
    expect(handle.index.check(["eng"], "READ", "/plant")).toBe(true);
    expect(events.rejected).toHaveLength(1);
    const rejected = handle.status.rejected;
    expect(rejected).toBe(events.rejected[0]);
    expect(rejected?.revision).not.toBe(good.revision);
    expect(rejected?.problems).toContainEqual(expect.objectContaining({ severity: "error", file: "plant/access.rights", line: 3 }));
    expect(handle.status.rejectedReloads).toBe(1);

    // Reading the same broken content again is not a second rejection.
    await handle.reload();
    expect(events.rejected).toHaveLength(1);

    // Reverting to the good content clears the rejection without a swap.
    await put(root, "plant/access.rights", rights(["eng"]));
    await handle.reload();
    expect(handle.status.rejected).toBeNull();
    expect(handle.index).toBe(good);
    expect(events.reloads).toHaveLength(0);
  });

  it("close() is idempotent and makes reload() a no-op", async () => {
    const root = await tree({ "access.rights": rights(["ops"]) });
    const handle = await open(root);
    const events = record(handle);
    await Promise.all([handle.close(), handle.close()]);
    await handle.close();
    await put(root, "access.rights", rights(["qa"]));
    await handle.reload();
    expect(events.reloads).toHaveLength(0);
    expect(handle.index.check(["ops"], "READ", "/")).toBe(true);
  });
});
