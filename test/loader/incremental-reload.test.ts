import { rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IncrementalLoader } from "../../src/loader/live/incremental-reload.js";
import type { LoadOutcome } from "../../src/loader/live/incremental-reload.js";
import type { ChangeBatch } from "../../src/loader/live/incremental-scan.js";
import { readRights } from "../../src/loader/read/read-rights-file.js";
import type * as ReadRightsModule from "../../src/loader/read/read-rights-file.js";
import { walkTree } from "../../src/loader/read/walk.js";
import type * as WalkModule from "../../src/loader/read/walk.js";
import type { TreeChange } from "../../src/loader/live/watch-changes.js";
import { PendingChanges } from "../../src/loader/live/watch-changes.js";
import { applyEdit, editArb, expectSameAnswers, fullLoad, START } from "./incremental-edits.js";
import type { Edit } from "./incremental-edits.js";
import { makeTree, put, removeTree, rights } from "./open-tree-harness.js";

vi.mock("../../src/loader/read/read-rights-file.js", async (importOriginal) => {
  const actual = await importOriginal<typeof ReadRightsModule>();
  return { ...actual, readRights: vi.fn(actual.readRights) };
});
vi.mock("../../src/loader/read/walk.js", async (importOriginal) => {
  const actual = await importOriginal<typeof WalkModule>();
  return { ...actual, walkTree: vi.fn(actual.walkTree) };
});

const roots: string[] = [];

afterEach(async () => {
  await Promise.all(roots.splice(0).map(removeTree));
});

async function tree(files: Readonly<Record<string, string>>): Promise<string> {
  const root = await makeTree(files);
  roots.push(root);
  return root;
}

/** Loads what `changes` name, as a live tree does: a configuration change reads and compiles everything. */
function loadChanges(loader: IncrementalLoader, changes: readonly TreeChange[]): Promise<LoadOutcome> {
  const pending = new PendingChanges();
  for (const change of changes) pending.add(change);
  const work = pending.take();
  if (work.kind === "full") loader.invalidate(work.recompile);
  return loadAccepted(loader, work.kind === "changes" ? work.batch : null);
}

/** Loads and accepts a good load, as a live tree does once the reload gate lets the read through. */
async function loadAccepted(loader: IncrementalLoader, batch: ChangeBatch | null): Promise<LoadOutcome> {
  const outcome = await loader.load(batch);
  if (outcome.ok) outcome.accept();
  return outcome;
}

/** Expects the loader's outcome to be what a full load of the same tree gives. */
async function expectLikeFullLoad(root: string, outcome: LoadOutcome): Promise<void> {
  const full = await fullLoad(root);
  if (full.index === null) {
    expect(outcome.ok, "a full load rejects the tree").toBe(false);
    expect(outcome.revision).toBe(full.revision);
    if (!outcome.ok) expect(outcome.problems).toEqual(full.problems);
    return;
  }
  expect(outcome.ok, `a full load accepts the tree: ${JSON.stringify(outcome.ok ? [] : outcome.problems)}`).toBe(true);
  if (!outcome.ok) return;
  expect(outcome.revision).toBe(full.revision);
  expect(outcome.index.revision).toBe(full.revision);
  expect(outcome.index.fileCount).toBe(full.index.fileCount);
  expectSameAnswers(outcome.index, full.index);
}

describe("incremental reload", () => {
  it("equals a full reload after any sequence of edits", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(editArb, fc.boolean()), { minLength: 1, maxLength: 10 }), async (steps) => {
        const root = await tree(START);
        try {
          const loader = new IncrementalLoader(root);
          const first = await loadAccepted(loader, null);
          await expectLikeFullLoad(root, first);
          let changes: TreeChange[] = [];
          // Each edit is loaded on its own or gathered with the next ones into one batch, as a debounce would.
          for (const [i, [edit, loadNow]] of steps.entries()) {
            changes.push(...(await applyEdit(root, edit)));
            if (!loadNow && i < steps.length - 1) continue;
            await expectLikeFullLoad(root, await loadChanges(loader, changes));
            changes = [];
          }
        } finally {
          await removeTree(root);
        }
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it.each<[string, Edit[]]>([
    ["a new nested directory found by walking it", [{ kind: "write", dir: "c/d/e", content: { kind: "rules", read: { keyword: "include", groups: ["qa"] } }, renameOver: false }]],
    ["a removed directory holding files", [{ kind: "rmdir", dir: "a" }]],
    ["the root file removed, then written again", [{ kind: "delete", dir: "" }, { kind: "write", dir: "", content: { kind: "empty" }, renameOver: true }]],
    ["a configuration that ignores a subtree", [{ kind: "config", text: "ignore: [\"a/**\"]\n" }]],
  ])("equals a full reload: %s", async (_name, edits) => {
    const root = await tree(START);
    const loader = new IncrementalLoader(root);
    await loadAccepted(loader, null);
    for (const edit of edits) await expectLikeFullLoad(root, await loadChanges(loader, await applyEdit(root, edit)));
  });

  it("re-reads only the changed file, and only the changed directory's subtree", async () => {
    const root = await tree({ ...START, "b/x/access.rights": rights(["x"]) });
    const loader = new IncrementalLoader(root);
    await loadAccepted(loader, null);
    const read = vi.mocked(readRights);
    read.mockClear();
    await put(root, "a/access.rights", rights(["qa"]));
    await loadChanges(loader, [{ kind: "file", path: "a/access.rights", removed: false }]);
    expect(read.mock.calls.map((c) => c[1])).toEqual(["a/access.rights"]);

    read.mockClear();
    await put(root, "b/x/new/access.rights", rights(["new"]));
    const outcome = await loadChanges(loader, [{ kind: "dir", path: "b/x/new", removed: false }]);
    expect(read.mock.calls.map((c) => c[1])).toEqual(["b/x/new/access.rights"]);
    expect(outcome.ok && outcome.changedFiles).toEqual(["b/x/new/access.rights"]);

    read.mockClear();
    await rm(path.join(root, "b"), { recursive: true });
    const removed = await loadChanges(loader, [{ kind: "dir", path: "b", removed: true }]);
    // The walk finds nothing there: the cached files are forgotten without a read.
    expect(read.mock.calls).toEqual([]);
    expect(removed.ok && removed.changedFiles).toEqual(["b/access.rights", "b/x/access.rights", "b/x/new/access.rights"]);
  });

  it("walks once for many changed directories, and not below a changed one again", async () => {
    const root = await tree(START);
    const loader = new IncrementalLoader(root);
    await loadAccepted(loader, null);
    vi.mocked(walkTree).mockClear();
    await put(root, "n1/access.rights", rights(["n1"]));
    await put(root, "n2/deep/access.rights", rights(["n2"]));
    await put(root, "a/new/access.rights", rights(["a-new"]));
    const outcome = await loadChanges(loader, [
      { kind: "dir", path: "n1", removed: false },
      { kind: "dir", path: "n2", removed: false },
      { kind: "dir", path: "n2/deep", removed: false },
      { kind: "dir", path: "a/new", removed: false },
      { kind: "file", path: "n2/deep/access.rights", removed: false },
    ]);
    expect(walkTree).toHaveBeenCalledTimes(1);
    expect(outcome.ok && outcome.changedFiles).toEqual(["a/new/access.rights", "n1/access.rights", "n2/deep/access.rights"]);
    await expectLikeFullLoad(root, outcome);
  });

  it("shares every untouched subtree with the previous index", async () => {
    const root = await tree(START);
    const loader = new IncrementalLoader(root);
    const first = await loadAccepted(loader, null);
    await put(root, "b/access.rights", rights(["qa"]));
    const next = await loadChanges(loader, [{ kind: "file", path: "b/access.rights", removed: false }]);
    expect(first.ok && next.ok).toBe(true);
    if (!first.ok || !next.ok) return;
    expect(await next.changes()).toEqual([{ path: "/b", access: "READ", added: ["guest", "qa"], removed: [] }]);
    expect(await next.changes()).toEqual(next.index.changesSince(first.index));
    expect(next.rebuilt).toBe(false);
  });

  it("a change to the root's levels keeps the whole trie; a change to its pattern rules rebuilds it", async () => {
    const root = await tree(START);
    const loader = new IncrementalLoader(root);
    const first = await loadAccepted(loader, null);
    await put(root, "access.rights", "READ:\n  override: [root-only]\n");
    const levels = await loadChanges(loader, [{ kind: "file", path: "access.rights", removed: false }]);
    expect(levels.ok && levels.rebuilt).toBe(false);
    await expectLikeFullLoad(root, levels);
    if (first.ok && levels.ok) expect(levels.index.grantCountsSince(first.index)).toEqual(levels.index.changesSince(first.index).reduce(
      (n, c) => ({ added: n.added + c.added.length, removed: n.removed + c.removed.length }), { added: 0, removed: 0 }));
    await put(root, "access.rights", "READ:\n  override: [root-only]\npatterns:\n  - match: \"**/x\"\n    READ:\n      include: [px]\n");
    const patterns = await loadChanges(loader, [{ kind: "file", path: "access.rights", removed: false }]);
    expect(patterns.ok && patterns.rebuilt).toBe(true);
    await expectLikeFullLoad(root, patterns);
  });

  it("rejects while any file has an error, changed or not: fixing one of two broken files still rejects", async () => {
    const root = await tree(START);
    const loader = new IncrementalLoader(root);
    const good = await loadAccepted(loader, null);
    await put(root, "a/access.rights", "Write: {}\n");
    await put(root, "b/access.rights", "READS: {}\n");
    const broken = await loadChanges(loader, [
      { kind: "file", path: "a/access.rights", removed: false },
      { kind: "file", path: "b/access.rights", removed: false },
    ]);
    expect(broken.ok).toBe(false);
    if (broken.ok) return;
    expect(new Set(broken.problems.filter((p) => p.severity === "error").map((p) => p.file))).toEqual(new Set(["a/access.rights", "b/access.rights"]));

    await put(root, "a/access.rights", rights(["fixed"]));
    const half = await loadChanges(loader, [{ kind: "file", path: "a/access.rights", removed: false }]);
    expect(half.ok).toBe(false);
    if (half.ok) return;
    expect(half.problems.filter((p) => p.severity === "error").map((p) => p.file)).toEqual(["b/access.rights"]);
    expect(loader.index).toBe(good.ok ? good.index : null);

    await put(root, "b/access.rights", rights(["fixed-too"]));
    const fixed = await loadChanges(loader, [{ kind: "file", path: "b/access.rights", removed: false }]);
    expect(fixed.ok).toBe(true);
    // Both files changed since the last good index, though only one was read this time.
    expect(fixed.ok && fixed.changedFiles).toEqual(["a/access.rights", "b/access.rights"]);
    await expectLikeFullLoad(root, fixed);
  });

  it("lists as changed only files whose bytes changed, and keeps the index when nothing did", async () => {
    const root = await tree(START);
    const loader = new IncrementalLoader(root);
    const first = await loadAccepted(loader, null);
    await writeFile(path.join(root, "a/access.rights"), START["a/access.rights"] ?? "");
    const same = await loadChanges(loader, [{ kind: "file", path: "a/access.rights", removed: false }, { kind: "dir", path: "b", removed: false }]);
    expect(same.ok && first.ok && same.index === first.index).toBe(true);
    expect(same.ok && same.changedFiles).toEqual([]);
  });

  it("a full reload after an incremental one shares structure too (only the changed files are applied)", async () => {
    const root = await tree(START);
    const loader = new IncrementalLoader(root);
    await loadAccepted(loader, null);
    await put(root, "a/x/access.rights", rights(["deep"]));
    const outcome = await loadAccepted(loader, null);
    expect(outcome.ok && outcome.changedFiles).toEqual(["a/x/access.rights"]);
    expect(outcome.ok && (await outcome.changes()).map((c) => `${c.access} ${c.path}`)).toEqual(["READ /a/x", "WRITE /a/x"]);
    expect(outcome.ok && outcome.rebuilt).toBe(false);
  });
});

describe("what a walk would not reach", () => {
  it("a rights file named by an event but behind a symbolic link or a file is not read", async () => {
    const root = await tree(START);
    const loader = new IncrementalLoader(root);
    await loadAccepted(loader, null);
    // `a` becomes a link to a directory holding rules, `b` a plain file.
    await rm(path.join(root, "a"), { recursive: true });
    await put(root, "elsewhere/x/access.rights", rights(["linked"]));
    await symlink(path.join(root, "elsewhere"), path.join(root, "a"));
    await rm(path.join(root, "b"), { recursive: true });
    await writeFile(path.join(root, "b"), "not a directory");
    const outcome = await loadChanges(loader, [
      { kind: "file", path: "a/x/access.rights", removed: false },
      { kind: "file", path: "a/access.rights", removed: true },
      { kind: "file", path: "b/access.rights", removed: true },
      { kind: "dir", path: "elsewhere", removed: false },
    ]);
    await expectLikeFullLoad(root, outcome);
    expect(outcome.ok && outcome.index.check(["linked"], "READ", "/a/x")).toBe(false);
  });
});

describe("tree-wide checks after an incremental update", () => {
  it("rejects exclusive groups that come to both hold WRITE, as a full load does", async () => {
    const root = await tree({ ...START, "treerights.yaml": "exclusive: [[ops, qa]]\n" });
    const loader = new IncrementalLoader(root);
    const good = await loadAccepted(loader, null);
    expect(good.ok).toBe(true);
    // ops holds WRITE from the root; an include of qa below completes the pair.
    await put(root, "b/access.rights", "WRITE:\n  include: [qa]\n");
    const outcome = await loadChanges(loader, [{ kind: "file", path: "b/access.rights", removed: false }]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems).toContainEqual(expect.objectContaining({ code: "exclusive_write", severity: "error", file: "b/access.rights" }));
    await expectLikeFullLoad(root, outcome);
  });
});
