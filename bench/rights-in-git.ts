/**
 * Issue 4's figures on a 100,000-directory tree: `where` per call, `lintTree`,
 * and checks on paths no pattern rule touches, against the engine as it was
 * before pattern rules existed (commit 0fa3200, read from git objects into a
 * temp dir), all in one run on the same workload. `diff` has its own bench
 * (`npm run bench:diff`).
 *
 *   npm run bench:rights-in-git                 # 100,000 directories
 *   npm run bench:rights-in-git -- --dirs 20000 # smaller, for a smoke run
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Access, RightsFile } from "../src/engine/index.js";
import { compile } from "../src/engine/index.js";
import { lintTree, loadTree } from "../src/loader/index.js";
import { measureChecks } from "./engine-bench.js";
import type { Checker } from "./reference.js";
import { fmt, summarize } from "./stats.js";
import { generateQueries, generateTree, writeTree } from "./workload.js";

/** The last commit whose engine had no pattern rules. */
const BEFORE_PATTERNS = "0fa3200";

const { values } = parseArgs({ options: { dirs: { type: "string", default: "100000" }, rounds: { type: "string", default: "5" } } });
const dirs = Number(values.dirs);
const rounds = Number(values.rounds);
const work = mkdtempSync(join(tmpdir(), "treerights-git-bench-"));

try {
  const spec = generateTree({ dirs, seed: 7 });
  const tree = join(work, "tree");
  mkdirSync(tree);
  writeTree(tree, spec);
  console.log(`tree: ${fmt(dirs)} directories, ${fmt(spec.files.length)} rights files`);

  const lintMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const result = await lintTree(tree);
    lintMs.push(performance.now() - t0);
    if (i === 0) console.log(`lint: ${fmt(result.problems.length)} findings`);
  }
  const lint = summarize(lintMs);
  console.log(`lintTree: median ${fmt(lint.median)} ms (${fmt(lint.min)}–${fmt(lint.max)})  target ≤ 3000 ms: ${lint.median <= 3000 ? "PASS" : "FAIL"}`);

  const index = await loadTree(tree);
  const whereMs: number[] = [];
  let regions = 0;
  for (const group of spec.groups.slice(0, 20)) {
    for (const access of ["READ", "WRITE"] as Access[]) {
      const t0 = performance.now();
      regions += index.where(group, access).regions.length;
      whereMs.push(performance.now() - t0);
    }
  }
  const where = summarize(whereMs);
  console.log(`where: median ${fmt(where.median, 1)} ms, max ${fmt(where.max, 1)} ms over ${whereMs.length} calls (${fmt(regions)} regions)  target ≤ 50 ms: ${where.max <= 50 ? "PASS" : "FAIL"}`);

  const old = join(work, "engine-before-patterns");
  execFileSync("sh", ["-c", `mkdir -p "${old}" && git archive ${BEFORE_PATTERNS} src/engine | tar -x -C "${old}"`]);
  const before = (await import(join(old, "src/engine/index.ts"))) as { compile: (files: readonly RightsFile[]) => Checker };
  const queries = generateQueries(spec, { count: 200_000, seed: 3 });
  const [then, now] = measureChecks([before.compile(spec.files), compile(spec.files)], queries, { warmupMs: 500, roundMs: 1000, rounds });
  if (then === undefined || now === undefined) throw new Error("no measurement");
  const ratio = now.checksPerSec.median / then.checksPerSec.median;
  console.log(
    `checks on paths no pattern rule touches: before patterns ${fmt(then.checksPerSec.median)}/s, now ${fmt(now.checksPerSec.median)}/s, ratio ${ratio.toFixed(2)}  no slower: ${ratio >= 0.95 ? "PASS" : "FAIL"}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
