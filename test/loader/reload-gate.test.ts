/**
 * The reload gate, driven through a watcher the test controls: changes are
 * reported in any order, late, or not at all, so what the gate decides is
 * tested without timing luck.
 */
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openTreeWith } from "../../src/loader/live/open-tree.js";
import { ReloadGate, RETRY_MS } from "../../src/loader/live/reload-gate.js";
import type { TreeHandle } from "../../src/loader/types.js";
import type { TreeChange, TreeWatchListener } from "../../src/loader/watch/watch-tree.js";
import { applyEdit, editArb, expectSameAnswers, fullLoad, START } from "./incremental-edits.js";
import { makeTree, pause, put, record, removeTree, rights, WAIT } from "./open-tree-harness.js";

const run = promisify(execFile);

async function git(root: string, ...args: string[]): Promise<void> {
  await run("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", ...args], { cwd: root });
}

/** A watcher the test speaks for: `report` hands changes to the tree as a real watcher would. */
interface PuppetWatcher {
  report(...changes: TreeChange[]): void;
}

/**
 * Opens a watched tree whose watcher reports only what the test says, when it
 * says it; `onSync` runs each time the tree asks the watcher for its backlog.
 */
async function openWithPuppet(root: string, onSync: () => Promise<void> = () => Promise.resolve()): Promise<{ handle: TreeHandle; watcher: PuppetWatcher }> {
  let listener: TreeWatchListener | null = null;
  const handle = await openTreeWith(root, { watch: true }, {
    startWatcher: (_root, heard) => {
      listener = heard;
      return Promise.resolve({ close: () => Promise.resolve(), sync: onSync });
    },
  });
  return {
    handle,
    watcher: {
      report: (...changes) => {
        for (const change of changes) listener?.change(change);
      },
    },
  };
}

let root = "";
let handle: TreeHandle | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
  await removeTree(root);
});

/** Two branches: `other` rewrites every file of `main`, adds nested directories with overrides, removes one. */
async function twoBranches(): Promise<void> {
  const files: Record<string, string> = { "access.rights": rights(["ops"]), "gone/access.rights": rights(["gone"]) };
  for (let i = 0; i < 20; i++) files[`site${i}/access.rights`] = rights(["main"], [`site${i}-writer`]);
  root = await makeTree(files);
  await git(root, "init", "-q", "-b", "main");
  await git(root, "add", "-A");
  await git(root, "commit", "-q", "-m", "main");
  await git(root, "checkout", "-q", "-b", "other");
  await rm(path.join(root, "gone"), { recursive: true });
  for (let i = 0; i < 20; i++) {
    await put(root, `site${i}/access.rights`, rights(["other"], [`site${i}-writer`]));
    // New directories, two levels deep, whose files take back what the parent grants.
    await put(root, `site${i}/line${i}/access.rights`, rights(["other"], []));
    await put(root, `site${i}/line${i}/cell/access.rights`, rights(["cell"]));
  }
  await git(root, "add", "-A");
  await git(root, "commit", "-q", "-m", "other");
  await git(root, "checkout", "-q", "main");
}

describe("the reload gate (SPEC 2: what becomes the next index is what a read of the disk finds; watch events only say where to look)", () => {
  it("after a git checkout, exactly the checked-out branch, even when the watcher reports one file of it and no new directory", async () => {
    await twoBranches();
    const opened = await openWithPuppet(root);
    handle = opened.handle;
    const events = record(handle);
    const main = handle.index.revision;

    await git(root, "checkout", "-q", "other");
    const other = await fullLoad(root);
    // The watcher has seen one rewritten file: nothing of the new directories, nothing of the removed one.
    opened.watcher.report({ kind: "file", path: "site3/access.rights", removed: false });
    await vi.waitFor(() => {
      expect(handle?.index.revision).toBe(other.revision);
    }, WAIT);
    expect(events.reloads).toHaveLength(1);
    expectSameAnswersOn(handle.index, other.index);
    expect(handle.index.check(["site7-writer"], "WRITE", "/site7/line7")).toBe(false);
    expect(handle.index.check(["cell"], "READ", "/site7/line7/cell/x")).toBe(true);

    await git(root, "checkout", "-q", "main");
    // Reported backwards this time: the removed directories first, then a file that did not change.
    opened.watcher.report({ kind: "dir", path: "site19/line19", removed: true }, { kind: "file", path: "access.rights", removed: false });
    await vi.waitFor(() => {
      expect(handle?.index.revision).toBe(main);
    }, WAIT);
    expect(events.reloads).toHaveLength(2);
    expect(handle.status.history?.map((h) => h.revision)).toEqual([main, other.revision, main]);
  });

  it("reads nothing while git holds its index lock, then the whole of what git wrote", async () => {
    await twoBranches();
    const opened = await openWithPuppet(root);
    handle = opened.handle;
    const events = record(handle);
    const lock = path.join(root, ".git", "index.lock");
    // Git at work: the lock is taken, and the first files are written.
    await writeFile(lock, "");
    await put(root, "site0/access.rights", rights(["half"]));
    opened.watcher.report({ kind: "file", path: "site0/access.rights", removed: false });
    await pause(300);
    expect(events.reloads).toHaveLength(0);
    await put(root, "site1/access.rights", rights(["half"]));
    await rm(lock);
    opened.watcher.report({ kind: "file", path: "site1/access.rights", removed: false });
    const after = await fullLoad(root);
    await vi.waitFor(() => {
      expect(handle?.index.revision).toBe(after.revision);
    }, WAIT);
    expect(events.reloads).toHaveLength(1);
  });

  it("a new directory is read by listing it: files reported before their directory, or never, count", async () => {
    root = await makeTree(START);
    const opened = await openWithPuppet(root);
    handle = opened.handle;
    const events = record(handle);
    await put(root, "n/m/access.rights", rights(["deep"]));
    await put(root, "n/access.rights", rights(["shallow"]));
    await put(root, "n/m/k/access.rights", rights(["deeper"]));
    // Only the directory is reported; its files never are.
    opened.watcher.report({ kind: "dir", path: "n", removed: false });
    const after = await fullLoad(root);
    await vi.waitFor(() => {
      expect(handle?.index.revision).toBe(after.revision);
    }, WAIT);
    expect(events.reloads).toHaveLength(1);
    expectSameAnswersOn(handle.index, after.index);
  });

  it("a directory removed before anyone reported it appeared is noticed when the gate looks at it again", async () => {
    root = await makeTree(START);
    const opened = await openWithPuppet(root);
    handle = opened.handle;
    await put(root, "c/d/e/access.rights", "");
    opened.watcher.report({ kind: "dir", path: "c", removed: false });
    const withIt = await fullLoad(root);
    await vi.waitFor(() => {
      expect(handle?.index.revision).toBe(withIt.revision);
    }, WAIT);
    // Removed, and the watcher never says so (it had not started watching `c/d/e` yet).
    await rm(path.join(root, "c", "d", "e"), { recursive: true });
    const without = await fullLoad(root);
    await vi.waitFor(() => {
      expect(handle?.index.revision).toBe(without.revision);
    }, WAIT);
  });

  it("after any edits, with the watcher's reports shuffled and delivered after the last edit, serves what a full load gives", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(editArb, { minLength: 1, maxLength: 6 }), fc.integer(), async (edits, seed) => {
        const tree = await makeTree(START);
        const opened = await openWithPuppet(tree);
        try {
          const changes: TreeChange[] = [];
          for (const edit of edits) changes.push(...(await applyEdit(tree, edit)));
          opened.watcher.report(...shuffled(changes, seed));
          const full = await fullLoad(tree);
          await vi.waitFor(() => {
            if (full.index === null) expect(opened.handle.status.rejected?.revision).toBe(full.revision);
            else expect(opened.handle.index.revision).toBe(full.revision);
          }, WAIT);
          if (full.index !== null) expectSameAnswers(opened.handle.index, full.index);
        } finally {
          await opened.handle.close();
          await removeTree(tree);
        }
      }),
      { numRuns: 15 },
    );
  }, 60_000);

  it("a change the watcher reports late, during a read, keeps that read from being served: the middle of a burst is never taken for quiet", async () => {
    root = await makeTree(START);
    const file = path.join(root, "a", "access.rights");
    // Run at the second backlog request after being armed: the first comes before the read, the second after it.
    let during: (() => Promise<void>) | null = null;
    let skip = 0;
    const opened = await openWithPuppet(root, async () => {
      if (during === null) return;
      if (skip-- > 0) return;
      const late = during;
      during = null;
      await late();
    });
    handle = opened.handle;
    const events = record(handle);
    await writeFile(file, rights(["v1"]));
    const v1 = await fullLoad(root);
    // The next time the tree asks for the backlog (around the read of v1), v2 has been written and is reported.
    let asked = 0;
    skip = 1;
    during = async () => {
      asked++;
      await writeFile(file, rights(["v2"]));
      opened.watcher.report({ kind: "file", path: "a/access.rights", removed: false });
    };
    opened.watcher.report({ kind: "file", path: "a/access.rights", removed: false });
    await vi.waitFor(async () => {
      expect(handle?.index.revision).toBe((await fullLoad(root)).revision);
    }, WAIT);
    expect(asked).toBe(1);
    expect(handle.index.check(["v2"], "READ", "/a")).toBe(true);
    expect(handle.status.history?.map((h) => h.revision)).not.toContain(v1.revision);
    expect(events.reloads).toHaveLength(1);
  });

  it("a removed rights file holds the read a moment: an editor's delete-then-write is one swap to the new content", async () => {
    root = await makeTree(START);
    const opened = await openWithPuppet(root);
    handle = opened.handle;
    const events = record(handle);
    await rm(path.join(root, "a", "access.rights"));
    opened.watcher.report({ kind: "file", path: "a/access.rights", removed: true });
    await pause(40);
    await writeFile(path.join(root, "a", "access.rights"), rights(["rewritten"]));
    opened.watcher.report({ kind: "file", path: "a/access.rights", removed: false });
    const after = await fullLoad(root);
    await vi.waitFor(() => {
      expect(handle?.index.revision).toBe(after.revision);
    }, WAIT);
    await pause(200);
    expect(events.reloads).toHaveLength(1);
  });

  it("git's own files never make a reload, and a `git status` that rewrites the index changes nothing", async () => {
    await twoBranches();
    const opened = await openWithPuppet(root);
    handle = opened.handle;
    const events = record(handle);
    await git(root, "status", "--porcelain");
    await mkdir(path.join(root, "notes"));
    opened.watcher.report({ kind: "dir", path: "notes", removed: false });
    await pause(400);
    expect(events.reloads).toHaveLength(0);
    expect(events.rejected).toHaveLength(0);
  });
});

/** Both indexes answer alike (the expected one exists: the tree is valid). */
function expectSameAnswersOn(actual: TreeHandle["index"], expected: TreeHandle["index"] | null): void {
  expect(expected).not.toBeNull();
  if (expected === null) return;
  for (const access of ["READ", "WRITE"] as const) {
    for (let i = 0; i < 20; i++) {
      for (const p of [`/site${i}`, `/site${i}/line${i}`, `/site${i}/line${i}/cell/x`, "/gone/x"]) {
        expect(actual.groupsFor(access, p), `${access} ${p}`).toEqual(expected.groupsFor(access, p));
      }
    }
  }
}

/** `items` in an order drawn from `seed` (Fisher–Yates with a small LCG). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("ReloadGate on its own", () => {
  function gate(rootState: () => Promise<"same" | "missing" | "replaced" | "unwatched">): { gate: ReloadGate; wakes: (number | undefined)[] } {
    const wakes: (number | undefined)[] = [];
    return {
      gate: new ReloadGate({ root: "/nowhere", git: null, rootState, wake: (ms) => wakes.push(ms), warn: () => undefined }),
      wakes,
    };
  }

  it("lets only forced reads through while nothing watches the tree (a failed watcher not yet recovered)", async () => {
    const { gate: g } = gate(() => Promise.resolve("unwatched"));
    g.look({ kind: "file", path: "a/access.rights", removed: false });
    expect(await g.open(false)).toEqual({ kind: "root", state: "unwatched" });
    const forced = await g.open(true);
    expect(forced.kind).toBe("read");
    g.dispose();
  });

  it("puts back the work of a read that failed and asks for another pass later", async () => {
    const { gate: g, wakes } = gate(() => Promise.resolve("same"));
    g.look({ kind: "dir", path: "n", removed: false });
    const first = await g.open(false);
    if (first.kind !== "read") throw new Error(`expected a read, got ${first.kind}`);
    g.abandon(first.pass);
    expect(wakes).toEqual([RETRY_MS]);
    const again = await g.open(false);
    expect(again.kind === "read" ? again.pass.work : null).toEqual(first.pass.work);
    g.dispose();
  });
});
