/**
 * Fault: git checkouts between branches that add and remove whole directories,
 * under concurrent checks in process and over HTTP. Every answer is judged by
 * the revision it names against each branch compiled from git objects.
 */
import { expect, test } from "vitest";
import { compileSnapshot } from "../../src/loader/read/compile-snapshot.js";
import { readGitTrees } from "../../src/loader/index.js";
import type { RightsIndex } from "../../src/engine/index.js";
import { serve } from "../../src/server/index.js";
import { TestRepo } from "../diff/git-repo.js";
import { pause, record } from "../loader/open-tree-harness.js";
import { naiveCheck, naiveTree } from "../support/naive.js";
import type { Branch } from "./branch-trees.js";
import { branchFiles, halfApplied, questionPool } from "./branch-trees.js";
import { judge, telling } from "./judge.js";
import { askHandle, askHttp, startLoad } from "./load-driver.js";
import { expectFaultless, historyOf, openedInEachTest, namesOf, oracleOf, spread, untilRevision } from "./live-tree.js";

const CHECKOUTS_EACH_WAY = 20;
/** How long one checkout may take to go live before the scenario stops and judges what it has. */
const LIVE_WITHIN_MS = 15_000;
/** Answers given under each revision before the next checkout. */
const DWELL_MS = 60;

const opened = openedInEachTest();

/** A repository whose `main` and `b` hold the two branch trees; `main` checked out. */
async function twoBranches(): Promise<TestRepo> {
  const made = await TestRepo.create();
  await made.write(branchFiles("main"));
  await made.commit("main");
  await made.git("checkout", "-q", "-b", "b");
  await made.git("rm", "-rq", "--", ".");
  await made.write(branchFiles("b"));
  await made.commit("b");
  await made.git("checkout", "-q", "main");
  return made;
}

/** Each branch compiled from git objects, never from the work tree the handle watches. */
async function branchOracles(dir: string): Promise<Record<Branch, RightsIndex>> {
  const [main, b] = await readGitTrees(dir, ["main", "b"]);
  const compiled = [main!, b!].map((snapshot) => {
    const { index, problems } = compileSnapshot(snapshot);
    expect(problems).toEqual([]);
    return { index: index!, naive: naiveTree(snapshot.files) };
  });
  // The oracles are held to the naive resolver too, so an engine bug cannot hide behind them.
  for (const question of questionPool()) {
    for (const { index, naive } of compiled) {
      expect(index.check(question.groups, question.access, question.path), `${index.revision} ${JSON.stringify(question)}`)
        .toBe(naiveCheck(naive, question.groups, question.access, question.path));
    }
  }
  return { main: compiled[0]!.index, b: compiled[1]!.index };
}

test("after a git checkout, exactly the checked-out branch, never a mix; each checkout is exactly one atomic swap: 20 checkouts each way adding and removing nested directories, judged in process and over HTTP", async () => {
  const repo = await twoBranches();
  opened.removes(repo.dir);
  const oracles = await branchOracles(repo.dir);
  const fileCounts = { main: Object.keys(branchFiles("main")).length, b: Object.keys(branchFiles("b")).length };
  expect(fileCounts.main + fileCounts.b).toBeGreaterThan(350);
  // Questions that tell the branches apart, or tell either from a half-applied checkout.
  const half = await Promise.all(Object.entries(halfApplied()).map(async ([name, files]) => ({ name, index: await oracleOf(files) })));
  const questions = telling([oracles.main, oracles.b, ...half.map((h) => h.index)], questionPool(), 200);
  const leaks = questions.filter((q) => !oracles.main.check(q.groups, q.access, q.path) && !oracles.b.check(q.groups, q.access, q.path));
  expect(leaks.length).toBeGreaterThan(20);

  const server = opened.closes(await serve(repo.dir, { port: 0, host: "127.0.0.1", logger: false, processMetrics: false }));
  const handle = server.tree;
  expect(handle.index.revision).toBe(oracles.main.revision);
  const events = record(handle);
  // In-process checkers keep the serving thread busy, as a loaded server's is: the half-applied
  // checkout the operator saw shows there, and rarely on an idle machine.
  const inProcess = startLoad(askHandle(handle), questions, { checkers: 2, maxMs: 120_000, maxAnswers: 1_500_000, pace: "busy" });
  const overHttp = startLoad(askHttp(server.url), questions, { checkers: 3, maxMs: 120_000 });

  const liveAfter: number[] = [];
  let stuck: string | null = null;
  for (let c = 0; c < 2 * CHECKOUTS_EACH_WAY && stuck === null; c++) {
    const branch: Branch = c % 2 === 0 ? "b" : "main";
    await repo.git("checkout", "-q", branch);
    const ms = await untilRevision(handle, oracles[branch].revision, LIVE_WITHIN_MS);
    if (ms === null) stuck = `checkout ${c + 1} (to ${branch}) not live within ${LIVE_WITHIN_MS} ms; serving ${handle.index.revision}, watch ${JSON.stringify(handle.status.watch)}`;
    else liveAfter.push(ms);
    await pause(DWELL_MS);
  }
  // A window in which nothing more may happen: a late extra swap would show in the history.
  await pause(500);
  const [local, remote] = await Promise.all([inProcess.stop(), overHttp.stop()]);

  console.log(`checkout → new revision answering (${fileCounts.main} / ${fileCounts.b} rights files): ${spread(liveAfter)}; answers in process ${local.answers.length}, over HTTP ${remote.answers.length}`);
  // A half-applied tree that was served is named, so a failure says which half.
  const names = Object.fromEntries([...half.map((h) => [h.index.revision, `half-applied: ${h.name}`]), [oracles.main.revision, "main"], [oracles.b.revision, "b"]]);
  const localVerdict = judge([oracles.main, oracles.b], local.answers);
  const remoteVerdict = judge([oracles.main, oracles.b], remote.answers);
  expectFaultless(localVerdict, "in-process answers", names);
  expectFaultless(remoteVerdict, "HTTP answers", names);
  expect.soft(remote.errors).toEqual([]);
  expect.soft(stuck).toBeNull();
  const expectedSwaps = Array.from({ length: 2 * CHECKOUTS_EACH_WAY }, (_, c) => (c % 2 === 0 ? "b" : "main"));
  expect.soft(namesOf(historyOf(handle), names), "status.history, the initial load first").toEqual(["main", ...expectedSwaps]);
  expect.soft(namesOf(events.reloads.map((e) => e.index.revision), names), "reload events").toEqual(expectedSwaps);
  expect.soft(events.rejected).toEqual([]);
  // Both sides answered under both branches, or the judge judged little.
  for (const verdict of [localVerdict, remoteVerdict]) {
    for (const branch of ["main", "b"] as const) expect.soft(verdict.served.get(oracles[branch].revision)).toBeGreaterThan(100);
  }
}, 110_000);
