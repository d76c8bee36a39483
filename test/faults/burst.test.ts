/**
 * Fault: bursts of edits under concurrent checks. Only the trees that stood
 * on disk at quiet moments may be served, one swap per quiet period.
 */
import { writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import type { RightsIndex } from "../../src/engine/index.js";
import { loadTree } from "../../src/loader/index.js";
import { DEFAULT_DEBOUNCE_MS, openTree } from "../../src/loader/live/open-tree.js";
import { makeTree, pause, record, rights } from "../loader/open-tree-harness.js";
import { judge, telling } from "./judge.js";
import { askHandle, startLoad } from "./load-driver.js";
import { expectFaultless, namesOf, openedInEachTest, oracleOf, questionsAbout, smallTree, untilRevision } from "./live-tree.js";

const FILES = 100;
const QUICK_EDITS = 15;
/** After the last swap, how long nothing more may happen. */
const QUIET_WINDOW_MS = 800;

const opened = openedInEachTest();

/** The burst tree: ten areas taking `ops` away, and `FILES` rights files below them, each naming `tag`. */
function burstTree(tag: string): Record<string, string> {
  const files: Record<string, string> = { "access.rights": rights(["ops"]) };
  for (let i = 0; i < FILES; i++) files[`area-${i % 10}/cell-${i}/access.rights`] = rights([`${tag}-${i}`, "cells"]);
  for (let i = 0; i < 10; i++) files[`area-${i}/access.rights`] = "READ:\n  exclude: [ops]\nWRITE:\n  override: [area-writers]\n";
  return files;
}

/** Opens `files` watched, under a load of questions telling `trees` apart. */
async function watchedUnderLoad(files: Record<string, string>, trees: readonly RightsIndex[], about: readonly Record<string, string>[]) {
  const root = opened.removes(await makeTree(files));
  const live = opened.closes(await openTree(root, { watch: true }));
  const events = record(live);
  const load = startLoad(askHandle(live), telling(trees, questionsAbout(...about), 10), { checkers: 3, maxMs: 40_000 });
  return { root, live, events, load };
}

test("a change to any access.rights (… a git checkout that touches hundreds of files) yields exactly one atomic swap to the new index once the tree is quiet; no decision is ever made on a half-applied tree: 100 rights files rewritten at once", async () => {
  const [beforeFiles, afterFiles] = [burstTree("a"), burstTree("b")];
  const before = await oracleOf(beforeFiles);
  const after = await oracleOf(afterFiles);
  const names = { [before.revision]: "before", [after.revision]: "after" };
  const { root, live, events, load } = await watchedUnderLoad(beforeFiles, [before, after], [beforeFiles, afterFiles]);

  const started = performance.now();
  await Promise.all(Object.entries(afterFiles).filter(([rel]) => beforeFiles[rel] !== afterFiles[rel]).map(([rel, content]) => writeFile(path.join(root, rel), content)));
  const writing = performance.now() - started;
  const ms = await untilRevision(live, after.revision, 15_000);
  await pause(QUIET_WINDOW_MS);
  const { answers } = await load.stop();

  console.log(`${FILES} files rewritten in ${writing.toFixed(1)} ms; the new revision answered ${ms?.toFixed(0) ?? "never"} ms later`);
  // The disk itself holds the rewritten tree: what is served must follow it.
  expect((await loadTree(root)).revision).toBe(after.revision);
  expect.soft(ms, "the rewritten tree live").not.toBeNull();
  expectFaultless(judge([before, after], answers), "answers", names);
  expect.soft(namesOf(events.reloads.map((e) => e.index.revision), names), "reloads").toEqual(["after"]);
  expect.soft(events.reloads[0]?.changedFiles).toHaveLength(FILES);
  expect.soft(events.rejected).toEqual([]);
});

test("a change to any access.rights (edit) yields exactly one atomic swap to the new index once the tree is quiet: 15 quick edits to one file, each written in place", async () => {
  const FILE = "plant/access.rights";
  const versions = Array.from({ length: QUICK_EDITS + 1 }, (_, k) => ({ ...smallTree("v0"), [FILE]: smallTree(`v${k}`)[FILE]! }));
  const oracles = await Promise.all(versions.map(oracleOf));
  const empty = await oracleOf({ ...versions[0]!, [FILE]: "" });
  const names = Object.fromEntries([[empty.revision, "the file empty"], ...oracles.map((o, k) => [o.revision, `version ${k}`])]);
  const { root, live, events, load } = await watchedUnderLoad(versions[0]!, oracles, versions);

  const wroteAt: number[] = [];
  for (let k = 1; k <= QUICK_EDITS; k++) {
    // Synchronous, so a reload (on this thread) cannot read between the truncation and the write; the gaps are measured.
    writeFileSync(path.join(root, FILE), versions[k]![FILE]);
    wroteAt.push(performance.now());
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ms = await untilRevision(live, oracles[QUICK_EDITS]!.revision, 10_000);
  await pause(QUIET_WINDOW_MS);
  const { answers } = await load.stop();

  // A version followed by a gap near the debounce may have stood on disk at a quiet moment (the watcher's
  // reports jitter by a few ms); one followed by a much shorter gap never did.
  const quiet = [0, ...wroteAt.flatMap((at, i) => (i + 1 === wroteAt.length || wroteAt[i + 1]! - at >= DEFAULT_DEBOUNCE_MS / 2 ? [i + 1] : []))];
  const gaps = wroteAt.slice(1).map((at, i) => at - wroteAt[i]!);
  console.log(`${QUICK_EDITS} edits, gaps after each version (ms): ${gaps.map((g) => g.toFixed(1)).join(" ")}; quiet versions ${quiet.join(", ")}`);
  expect.soft(ms, "the last edit live").not.toBeNull();
  expectFaultless(judge(quiet.map((k) => oracles[k]!), answers), "answers", names);
  const swaps = namesOf(events.reloads.map((e) => e.index.revision), names);
  expect.soft(swaps, "every swap is to a quiet version").toEqual(swaps.filter((n) => quiet.some((k) => n === `version ${k}`)));
  expect.soft(swaps.length, "at most one swap per quiet period").toBeLessThanOrEqual(quiet.length - 1);
  expect.soft(swaps.at(-1)).toBe(`version ${QUICK_EDITS}`);
  if (quiet.length === 2) expect.soft(swaps, "no gap near the debounce: exactly one swap").toEqual([`version ${QUICK_EDITS}`]);
  expect.soft(events.rejected).toEqual([]);
});
