/**
 * `treerights diff` between two git revisions of a large tree:
 *
 *   node --import tsx bench/diff.ts                      # 100,000 directories, 10,000 rights files, 200 changed
 *   node --import tsx bench/diff.ts --dirs 20000 --files 2000 --changed 50 --repeats 3
 *   node --import tsx bench/diff.ts --tmp /some/dir      # where the repository goes (default /dev/shm, else the OS temp dir)
 *   node --import tsx bench/diff.ts --keep --profile     # keep the repository; one library run only, for --cpu-prof
 *
 * Builds a bare-bones repository with `git fast-import` (no work tree files
 * are written), then times the library pipeline the CLI runs (read both
 * revisions from git objects, compile, diff) and the CLI itself in-process.
 * Checks the diff against `groupsFor` on both indexes; a wrong answer fails
 * the process, a missed target only says so. The repository is removed at exit.
 */
import { mulberry32 } from "./workload.js";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { RightsIndex } from "../src/engine/index.js";
import { ACCESS_LEVELS } from "../src/engine/index.js";
import { diffIndexes } from "../src/engine/diff.js";
import type { RightsDiff } from "../src/engine/diff-types.js";
import { run } from "../src/cli/run.js";
import { readGitTree, readGitTrees } from "../src/loader/git/git-tree.js";
import { compileSnapshot } from "../src/loader/read/compile-snapshot.js";
import { summarize } from "./stats.js";
import type { Summary } from "./stats.js";

/** The target for one diff of the full-size tree. */
const TARGET_MS = 3000;
/** Longest `git fast-import` may take before the run is abandoned. */
const BUILD_TIMEOUT_MS = 300_000;

const { values } = parseArgs({
  options: {
    dirs: { type: "string", default: "100000" },
    files: { type: "string", default: "10000" },
    changed: { type: "string", default: "200" },
    repeats: { type: "string", default: "5" },
    tmp: { type: "string" },
    keep: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
  },
});
const spec = {
  dirs: bounded(values.dirs, 10, 2_000_000),
  files: bounded(values.files, 1, 200_000),
  changed: bounded(values.changed, 1, 20_000),
  repeats: bounded(values.repeats, 1, 50),
};
if (spec.files > spec.dirs || spec.changed > spec.files) throw new Error("need files <= dirs and changed <= files");

function bounded(text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`\`${text}\` is not a whole number from ${min} to ${max}`);
  return n;
}

const random = mulberry32(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const GROUPS = Array.from({ length: 50 }, (_, i) => `g${i}`);

/** Directories breadth-first with ten children each: a balanced tree of `count` directories, root included. */
function directories(count: number): { all: string[]; leaves: string[] } {
  const all = [""];
  const children = new Map<string, number>();
  for (let i = 0; all.length < count; i++) {
    const parent = all[i] ?? "";
    for (let c = 0; c < 10 && all.length < count; c++) {
      all.push(parent === "" ? `d${c}` : `${parent}/d${c}`);
      children.set(parent, (children.get(parent) ?? 0) + 1);
    }
  }
  return { all, leaves: all.filter((d) => !children.has(d)) };
}

function rule(): string {
  const kind = random();
  const list = (): string => `[${[pick(GROUPS), pick(GROUPS)].filter((g, i, a) => a.indexOf(g) === i).join(", ")}]`;
  if (kind < 0.2) return `  override: ${list()}\n`;
  if (kind < 0.6) return `  include: ${list()}\n`;
  return `  exclude: ${list()}\n`;
}

function rightsText(): string {
  let text = "";
  if (random() < 0.7) text += `READ:\n${rule()}`;
  if (random() < 0.5 || text === "") text += `WRITE:\n${rule()}`;
  return text;
}

interface Workload {
  readonly base: Map<string, string>;
  readonly changes: Map<string, string | null>;
  readonly leaves: readonly string[];
}

/** 10,000 rights files on 100,000 directories; 200 changed: most edited, some deleted, some added, two near the root. */
function workload(): Workload {
  const { all, leaves } = directories(spec.dirs);
  const base = new Map<string, string>([["", "READ:\n  override: [staff, g0, g1]\nWRITE:\n  override: [admins]\n"]]);
  const below = all.slice(1);
  while (base.size < spec.files) base.set(pick(below), rightsText());
  const holders = [...base.keys()].filter((d) => d !== "");
  const changes = new Map<string, string | null>();
  // Two changes near the root, so that cascades reach tens of thousands of directories.
  changes.set("d1", "READ:\n  include: [contractors]\nWRITE:\n  include: [contractors]\n");
  changes.set("d2/d3", "WRITE:\n  override: [night-shift]\n");
  const deletions = Math.floor(spec.changed / 8);
  while (changes.size < spec.changed) {
    const roll = changes.size < 2 + deletions ? "delete" : random() < 0.85 ? "edit" : "add";
    if (roll === "add") {
      const dir = pick(all);
      if (!base.has(dir) && !changes.has(dir)) changes.set(dir, `READ:\n  include: [added-${changes.size}]\n`);
    } else {
      const dir = pick(holders);
      if (!changes.has(dir)) changes.set(dir, roll === "delete" ? null : `READ:\n  include: [edited-${changes.size}]\nWRITE:\n  exclude: [${pick(GROUPS)}]\n`);
    }
  }
  return { base, changes, leaves };
}

const rightsPath = (dir: string): string => (dir === "" ? "access.rights" : `${dir}/access.rights`);

/** Writes both revisions as `main` and `change` with one `git fast-import`: no work tree, no index. */
async function buildRepository(dir: string, w: Workload): Promise<void> {
  await git(dir, ["init", "-q", "--bare"]);
  const parts: string[] = ["blob\nmark :1\ndata 0\n\n", "commit refs/heads/main\nmark :2\ncommitter bench <bench@example.com> 0 +0000\ndata 4\nbase\n"];
  const inline = (path: string, text: string): string => `M 100644 inline ${path}\ndata ${Buffer.byteLength(text)}\n${text}\n`;
  for (const leaf of w.leaves) if (leaf !== "") parts.push(`M 100644 :1 ${leaf}/.keep\n`);
  for (const [d, text] of w.base) parts.push(inline(rightsPath(d), text));
  parts.push("\ncommit refs/heads/change\nmark :3\ncommitter bench <bench@example.com> 1 +0000\ndata 6\nchange\nfrom :2\n");
  for (const [d, text] of w.changes) parts.push(text === null ? `D ${rightsPath(d)}\n` : inline(rightsPath(d), text));
  parts.push("\ndone\n");
  await git(dir, ["fast-import", "--quiet", "--done"], parts.join(""));
}

function git(dir: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["--git-dir", dir, ...args], { stdio: ["pipe", "ignore", "pipe"], timeout: BUILD_TIMEOUT_MS });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`git ${args[0] ?? ""} failed (${String(code)}): ${stderr.trim()}`));
    });
    // A git that exits early closes its stdin; the exit code reports why.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? "");
  });
}

/** What the CLI does for `treerights diff --repo <dir> <from> <to>`, stage by stage. */
async function diffRevisions(repo: string, from: string, to: string): Promise<{ diff: RightsDiff; a: RightsIndex; b: RightsIndex; ms: Record<string, number> }> {
  const t0 = performance.now();
  const cpu0 = cpuMs();
  const [sa, sb] = await readGitTrees(repo, [from, to]);
  if (sa === undefined || sb === undefined) throw new Error("a revision was not read");
  const t1 = performance.now();
  const a = compileSnapshot(sa).index;
  const b = compileSnapshot(sb).index;
  if (a === null || b === null) throw new Error("a generated revision did not load");
  const t2 = performance.now();
  const diff = diffIndexes(a, b, { dirs: [...sa.directories, ...sb.directories] });
  const t3 = performance.now();
  return { diff, a, b, ms: { read: t1 - t0, compile: t2 - t1, diff: t3 - t2, total: t3 - t0, cpu: cpuMs() - cpu0 } };
}

/**
 * CPU time of this process and of its finished children (the git processes), in ms:
 * on a busy machine it says more than wall time. Children are counted from
 * `/proc/self/stat` (Linux, 10 ms ticks); elsewhere this process only.
 */
function cpuMs(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
    // After the command name, field n of proc(5) is at n - 3: cutime (16) and cstime (17).
    children = (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    children = 0;
  }
  return (own.user + own.system) / 1000 + (Number.isFinite(children) ? children : 0);
}

/** Every reported change is real, and applying the entries to `a` gives `b` on every changed path and a sample of others. */
function verify(diff: RightsDiff, a: RightsIndex, b: RightsIndex, paths: readonly string[]): number {
  const applied = new Map<string, Set<string>>();
  for (const e of diff.entries) {
    for (const p of e.paths) {
      const key = `${e.access} ${p}`;
      const set = applied.get(key) ?? new Set(a.groupsFor(e.access, p));
      for (const g of e.added) set.add(g);
      for (const g of e.removed) set.delete(g);
      applied.set(key, set);
    }
  }
  const sample = paths.filter((_, i) => i % 7 === 0);
  let checked = 0;
  for (const p of sample) {
    for (const access of ACCESS_LEVELS) {
      const canonical = p === "" ? "/" : `/${p}`;
      const expected = [...b.groupsFor(access, canonical)].join();
      const got = [...(applied.get(`${access} ${canonical}`) ?? a.groupsFor(access, canonical))].sort().join();
      if (expected !== got) throw new Error(`diff is wrong on ${access} ${canonical}: ${got} instead of ${expected}`);
      checked++;
    }
  }
  return checked;
}

const ms = (s: Summary): string => `median ${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`;

async function main(): Promise<void> {
  const base = values.tmp ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
  const repo = mkdtempSync(join(base, "treerights-diff-bench-"));
  const cleanup = (): void => {
    if (values.keep) console.log(`kept ${repo}`);
    else rmSync(repo, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    const w = workload();
    const t0 = performance.now();
    await buildRepository(repo, w);
    console.log(`tree: ${spec.dirs.toLocaleString("en")} directories, ${w.base.size.toLocaleString("en")} rights files, ${w.changes.size} changed; repository built in ${(performance.now() - t0).toFixed(0)} ms (${repo})`);

    if (values.profile) {
      const once = await diffRevisions(repo, "main", "change");
      console.log(once.ms);
      return;
    }
    const stages: Record<string, number[]> = { read: [], compile: [], diff: [], total: [], cpu: [] };
    let last: Awaited<ReturnType<typeof diffRevisions>> | null = null;
    for (let i = 0; i < spec.repeats; i++) {
      last = await diffRevisions(repo, "main", "change");
      for (const [k, v] of Object.entries(last.ms)) stages[k]?.push(v);
    }
    if (last === null) return;
    const snapshot = await readGitTree(repo, "change");
    const checked = verify(last.diff, last.a, last.b, snapshot.directories);
    const s = last.diff.summary;
    console.log(`diff: ${s.entries} entries on ${s.paths.toLocaleString("en")} paths (${s.grants.toLocaleString("en")} grants, ${s.revocations.toLocaleString("en")} revocations), ${last.diff.files.length} files changed, ${s.examined.toLocaleString("en")} paths examined; ${checked.toLocaleString("en")} (path, level) answers verified`);
    for (const [k, v] of Object.entries(stages)) console.log(`  ${k.padEnd(8)} ${ms(summarize(v))}`);

    const cli: number[] = [];
    const sink = { write: (): boolean => true };
    for (let i = 0; i < spec.repeats; i++) {
      const c0 = performance.now();
      const code = await run(["diff", "--repo", repo, "main", "change", "--format", "json"], { stdout: sink, stderr: sink });
      cli.push(performance.now() - c0);
      if (code !== 1) throw new Error(`treerights diff exited ${code}, expected 1 (changed)`);
    }
    console.log(`  cli json ${ms(summarize(cli))}`);
    const total = summarize(stages.total ?? []).median;
    const full = spec.dirs >= 100_000 && spec.files >= 10_000;
    console.log(`machine: ${cpus().length} cpus, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} (wall times grow with load; cpu is this process plus its git children)`);
    console.log(`target: diff of two revisions ≤ ${TARGET_MS} ms: ${total <= TARGET_MS ? "met" : "MISSED"} (${total.toFixed(0)} ms)${full ? "" : " [smaller tree than the target's]"}`);
  } finally {
    cleanup();
  }
}

await main();
