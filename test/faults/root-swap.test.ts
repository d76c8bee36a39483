/**
 * Fault: the root directory itself replaced, moved or deleted while the tree
 * is watched and checked. The tree is whatever directory stands at the root's
 * path; a directory moved away from it is no longer the tree.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import type { RightsIndex } from "../../src/engine/index.js";
import { openTree } from "../../src/loader/index.js";
import type { TreeHandle } from "../../src/loader/index.js";
import { pause, put, record } from "../loader/open-tree-harness.js";
import type { Recorder } from "../loader/open-tree-harness.js";
import { judge, telling } from "./judge.js";
import { askHandle, startLoad } from "./load-driver.js";
import type { Load } from "./load-driver.js";
import { expectFaultless, historyOf, namesOf, openedInEachTest, oracleOf, questionsAbout, smallTree, untilRevision } from "./live-tree.js";

/** How long the root's new state may take to go live: recovery polls every 500 ms, the root check every second. */
const LIVE_WITHIN_MS = 10_000;

const opened = openedInEachTest();
let parent = "";

/** Writes `files` into `dir` (created), the root's own file last, so no partial state has a loadable root. */
async function writeTree(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const ordered = Object.entries(files).sort(([a], [b]) => (a === "access.rights" ? 1 : b === "access.rights" ? -1 : 0));
  for (const [rel, content] of ordered) await put(dir, rel, content);
}

/** Oracles of the named trees, and each revision's name for failure messages (`extra` are trees that must never be served). */
async function treesOf(served: Record<string, Record<string, string>>, extra: Record<string, Record<string, string>> = {}): Promise<{
  oracles: Record<string, RightsIndex>; names: Record<string, string>; questions: ReturnType<typeof questionsAbout>;
}> {
  const oracles: Record<string, RightsIndex> = {};
  const names: Record<string, string> = {};
  for (const [name, files] of Object.entries({ ...extra, ...served })) {
    const index = await oracleOf(files);
    if (name in served) oracles[name] = index;
    names[index.revision] = name in served ? name : `never at the root: ${name}`;
  }
  const all = [...Object.values(served), ...Object.values(extra)];
  return { oracles, names, questions: telling(Object.values(oracles), questionsAbout(...all), 4) };
}

/** Opens `root` watched, with a recorder and a gentle load of `questions`. */
async function watchedUnderLoad(root: string, questions: Parameters<typeof startLoad>[1]): Promise<{ live: TreeHandle; events: Recorder; load: Load }> {
  const live = opened.closes(await openTree(root, { watch: true }));
  return { live, events: record(live), load: startLoad(askHandle(live), questions, { checkers: 3, maxMs: 60_000 }) };
}

/** Waits for `revision` and says whether it came; when it does not, the handle must not claim to be watching. */
async function expectLive(live: TreeHandle, revision: string, what: string): Promise<boolean> {
  const ms = await untilRevision(live, revision, LIVE_WITHIN_MS);
  if (ms === null) {
    expect.soft(live.status.watch, `${what} not live within ${LIVE_WITHIN_MS} ms, and status.watch claims watching`).not.toEqual({ state: "watching" });
  }
  expect.soft(ms, `${what} live`).not.toBeNull();
  return ms !== null;
}

/** Stops the load and judges it; every swap in the history is one of the served trees. */
async function expectJudged(live: TreeHandle, load: Load, oracles: Record<string, RightsIndex>, names: Record<string, string>): Promise<void> {
  const { answers } = await load.stop();
  const verdict = judge(Object.values(oracles), answers);
  expectFaultless(verdict, "answers", names);
  const servedOnly = new Set(Object.keys(oracles));
  expect.soft(namesOf(historyOf(live), names).filter((n) => !servedOnly.has(n)), "swaps to trees that never stood at the root").toEqual([]);
  expect.soft(live.status.watch).toEqual({ state: "watching" });
}

/** How many times the root is swapped: whether the old watcher notices depends on timing, so one swap may pass by luck. */
const ROOT_SWAPS = 3;

test("every revision served is a tree that actually stood on disk; the watcher recovers: a root swapped by rename (mv root root.old && mv new root), 3 times, goes live, edits in the new root go live, an edit inside root.old never does", async () => {
  const root = await freshRoot();
  const plantOf = (tag: string): string => smallTree(tag)["plant/access.rights"]!;
  const v1 = smallTree("v1");
  const swapped = Array.from({ length: ROOT_SWAPS }, (_, k) => smallTree(`new-${k}`));
  const edited = swapped.map((tree, k) => ({ ...tree, "plant/access.rights": plantOf(`edit-${k}`) }));
  const served = Object.fromEntries([["v1", v1], ...swapped.map((t, k) => [`new root ${k}`, t]), ...edited.map((t, k) => [`new root ${k} edited`, t])]);
  // What an incremental reload of the old tree that reads a changed file at the root's path would make.
  const mixed = { ...v1, "plant/access.rights": swapped[0]!["plant/access.rights"]! };
  const { oracles, names, questions } = await treesOf(served, {
    "root.old after its edit": { ...v1, "plant/access.rights": plantOf("old-0") },
    "v1 with the new root's plant file": mixed,
    "v1 with the edited new root's plant file": { ...mixed, "plant/access.rights": edited[0]!["plant/access.rights"] },
    "v1 with the edited new root's plant and lab files": { ...mixed, "plant/access.rights": edited[0]!["plant/access.rights"], "lab/access.rights": swapped[0]!["lab/access.rights"]! },
  });
  await writeTree(root, v1);
  const { live, load } = await watchedUnderLoad(root, questions);

  for (let k = 0; k < ROOT_SWAPS; k++) {
    const [fresh, old] = [path.join(parent, `new-${k}`), path.join(parent, `root.old-${k}`)];
    await writeTree(fresh, swapped[k]!);
    await rename(root, old);
    await rename(fresh, root);
    await writeFile(path.join(old, "plant", "access.rights"), plantOf(`old-${k}`));
    if (!(await expectLive(live, oracles[`new root ${k}`]!.revision, `swap ${k + 1}: the new root`))) break;
    await put(root, "plant/access.rights", edited[k]!["plant/access.rights"]);
    if (!(await expectLive(live, oracles[`new root ${k} edited`]!.revision, `swap ${k + 1}: an edit in the new root`))) break;
    // The old root edited again, long after the swap: still never the tree.
    await writeFile(path.join(old, "lab", "access.rights"), "READ:\n  include: [old-lab]\n");
    await pause(400);
    expect.soft(namesOf([live.index.revision], names), `swap ${k + 1}: serving after root.old was edited`).toEqual([`new root ${k} edited`]);
  }
  await expectJudged(live, load, oracles, names);
}, 60_000);

test("a watch failure (the root directory removed) is reported in status; the watcher recovers when the directory returns: the root renamed away and back, edited while away", async () => {
  const root = await freshRoot();
  const away = path.join(parent, "root.away");
  const v1 = smallTree("v1");
  const edited = { ...v1, "lab/access.rights": smallTree("away")["lab/access.rights"]! };
  const after = { ...edited, "plant/access.rights": smallTree("after")["plant/access.rights"]! };
  const { oracles, names, questions } = await treesOf({ v1, edited, after });
  await writeTree(root, v1);
  const { live, load } = await watchedUnderLoad(root, questions);

  await rename(root, away);
  await expectWatchFailed(live, "the root moved away", oracles.v1!.revision);
  await writeFile(path.join(away, "lab", "access.rights"), edited["lab/access.rights"]);
  await pause(300);
  expect.soft(live.index.revision, "nothing stands at the root: the last good index answers").toBe(oracles.v1!.revision);
  await rename(away, root);
  await expectLive(live, oracles.edited!.revision, "the root moved back");

  await put(root, "plant/access.rights", after["plant/access.rights"]);
  await expectLive(live, oracles.after!.revision, "an edit after the root came back");
  await expectJudged(live, load, oracles, names);
}, 40_000);

test("a watch failure (the root directory removed) is reported in status; the watcher recovers when the directory returns: the root deleted and recreated in place", async () => {
  const root = await freshRoot();
  const v1 = smallTree("v1");
  const v2 = smallTree("v2");
  const v3 = { ...v2, "lab/access.rights": smallTree("v3")["lab/access.rights"]! };
  const { oracles, names, questions } = await treesOf({ v1, v2, v3 });
  await writeTree(root, v1);
  const { live, load } = await watchedUnderLoad(root, questions);

  await rm(root, { recursive: true });
  await expectWatchFailed(live, "the root deleted", oracles.v1!.revision);
  await writeTree(root, v2);
  await expectLive(live, oracles.v2!.revision, "the recreated root");

  await put(root, "lab/access.rights", v3["lab/access.rights"]);
  await expectLive(live, oracles.v3!.revision, "an edit in the recreated root");
  await expectJudged(live, load, oracles, names);
}, 40_000);

/** Waits (bounded) until status reports the watch failed, and asserts it did while the last good index (`lastGood`) answers. */
async function expectWatchFailed(live: TreeHandle, what: string, lastGood: string): Promise<void> {
  const deadline = performance.now() + 5000;
  while (live.status.watch.state !== "failed" && performance.now() < deadline) await pause(20);
  expect.soft(live.status.watch.state, `${what}: status.watch`).toBe("failed");
  expect.soft(live.index.revision, `${what}: the last good index answers`).toBe(lastGood);
}

/** A fresh parent directory (removed after the test) and the path of the root inside it, not yet created. */
async function freshRoot(): Promise<string> {
  parent = opened.removes(await mkdtemp(path.join(os.tmpdir(), "treerights-faults-")));
  return path.join(parent, "root");
}
