/**
 * Fault: the ways editors save a rights file, under concurrent checks. Each
 * save gives exactly its final content in one swap; the moments in between
 * (a file gone, a temp file beside it) are never served.
 */
import { rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { openTree } from "../../src/loader/index.js";
import { makeTree, pause, record, renameOver } from "../loader/open-tree-harness.js";
import { judge, telling } from "./judge.js";
import { askHandle, startLoad } from "./load-driver.js";
import { expectFaultless, namesOf, openedInEachTest, oracleOf, questionsAbout, smallTree, untilRevision } from "./live-tree.js";

/** After the swap, how long nothing more may happen. */
const QUIET_WINDOW_MS = 600;
const FILE = "plant/access.rights";

const opened = openedInEachTest();

/**
 * Opens the small tree `before` watched and under load, runs `save` (which
 * must leave `FILE` holding the `after` tree's content), and holds the handle
 * to exactly one swap, to `after`, with every answer judged.
 */
async function expectOneSwap(save: (file: string, content: string) => Promise<void>): Promise<void> {
  const before = smallTree("before");
  const after = { ...before, [FILE]: smallTree("after")[FILE]! };
  const [was, will] = [await oracleOf(before), await oracleOf(after)];
  const names = { [was.revision]: "before", [will.revision]: "after", [(await oracleOf({ ...before, [FILE]: "" })).revision]: "the file empty" };
  const root = opened.removes(await makeTree(before));
  const live = opened.closes(await openTree(root, { watch: true }));
  const events = record(live);
  const load = startLoad(askHandle(live), telling([was, will], questionsAbout(before, after), 4), { checkers: 3, maxMs: 30_000 });

  await save(path.join(root, FILE), after[FILE]);
  const ms = await untilRevision(live, will.revision, 10_000);
  await pause(QUIET_WINDOW_MS);
  const { answers } = await load.stop();

  expect.soft(ms, "the saved content live").not.toBeNull();
  expectFaultless(judge([was, will], answers), "answers", names);
  expect.soft(namesOf(events.reloads.map((e) => e.index.revision), names), "reloads").toEqual(["after"]);
  expect.soft(events.reloads.map((e) => e.changedFiles)).toEqual([[FILE]]);
  expect.soft(events.rejected).toEqual([]);
}

test("a change to any access.rights (editor rename-over) yields exactly one atomic swap to the new index once the tree is quiet: write access.rights.tmp, rename it over", async () => {
  await expectOneSwap(async (file, content) => {
    await renameOver(path.dirname(file), path.basename(file), content);
  });
});

test("a change to any access.rights yields exactly one atomic swap; no decision on a half-applied tree: vim's save (4913 probe, .swp, rename to access.rights~ backup, write anew, backup and swap removed)", async () => {
  await expectOneSwap(async (file, content) => {
    const dir = path.dirname(file);
    await writeFile(path.join(dir, ".access.rights.swp"), "swap");
    await writeFile(path.join(dir, "4913"), "");
    await unlink(path.join(dir, "4913"));
    await rename(file, `${file}~`);
    await writeFile(file, content);
    await unlink(`${file}~`);
    await unlink(path.join(dir, ".access.rights.swp"));
  });
});

test("a change to any access.rights yields exactly one atomic swap; no decision on a half-applied tree: delete-then-write", async () => {
  await expectOneSwap(async (file, content) => {
    await unlink(file);
    await writeFile(file, content);
  });
});

test("other files (editor swap and backup files included) never trigger a reload: swap, backup, probe, autosave and temp files alone", async () => {
  const tree = smallTree("before");
  const root = opened.removes(await makeTree(tree));
  const live = opened.closes(await openTree(root, { watch: true }));
  const events = record(live);
  const revision = live.index.revision;
  const dir = path.join(root, "plant");
  await writeFile(path.join(dir, ".access.rights.swp"), "swap");
  await writeFile(path.join(dir, "4913"), "");
  await unlink(path.join(dir, "4913"));
  await writeFile(path.join(dir, "access.rights~"), smallTree("backup")[FILE]!);
  await writeFile(path.join(dir, "#access.rights#"), "autosave");
  await writeFile(path.join(dir, "access.rights.tmp"), smallTree("tmp")[FILE]!);
  await unlink(path.join(dir, "access.rights.tmp"));
  await writeFile(path.join(dir, ".access.rights.swp"), "swap 2");
  await unlink(path.join(dir, ".access.rights.swp"));
  await pause(QUIET_WINDOW_MS);
  expect(events.reloads).toEqual([]);
  expect(events.rejected).toEqual([]);
  expect(live.index.revision).toBe(revision);
  expect(live.status.history).toHaveLength(1);
});
