/**
 * Serving a git ref (`openTree(dir, { ref })`, `serve --ref`) at scale: from
 * `git commit` returning, and from `git update-ref` returning, to checks on
 * the live handle answering at the new commit, on a repository of 100,000
 * directories (every directory holds a file, so git has them all); and the
 * heap and RSS of a process serving the ref beside one serving the work tree
 * (watched), each measured in a child process of its own in the same run.
 *
 *   npm run bench:ref                      # 100,000 directories, 15 moves of each kind
 *   npm run bench:ref -- --dirs 20000 --samples 5
 *
 * Bounded (every wait has a timeout) and removes its repository. Writes bench/.out/ref.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import type { RightsFile } from "../src/engine/index.js";
import { openTree } from "../src/loader/index.js";
import type { TreeHandle } from "../src/loader/types.js";
import { canCollect, collect, fmt, mib, summarize, within } from "./stats.js";
import type { Summary } from "./stats.js";
import { generateTree, mulberry32, rightsYaml, writeTree } from "./workload.js";

const { values } = parseArgs({
  options: {
    dirs: { type: "string", default: "100000" },
    samples: { type: "string", default: "15" },
    child: { type: "string" },
    root: { type: "string" },
  },
});

const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };

function git(root: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false", ...args], {
    cwd: root, env: GIT_ENV, encoding: "utf8", maxBuffer: 256 * 1024 * 1024,
  }).trim();
}

/** Waits until the handle answers at `commit` and `confirm` holds; ms from `start`. */
async function answersAt(handle: TreeHandle, commit: string, confirm: () => boolean, start: number): Promise<number> {
  const deadline = start + 30_000;
  while (handle.status.commit !== commit || !confirm()) {
    if (performance.now() > deadline) throw new Error(`commit ${commit} not served within 30 s`);
    await sleep(1);
  }
  return performance.now() - start;
}

/** In a child: open the tree in one mode, settle, and print the heap and RSS it holds. */
async function child(mode: string, root: string): Promise<void> {
  await collect();
  const before = process.memoryUsage();
  const handle = await openTree(root, mode === "ref" ? { ref: "main" } : { watch: true });
  await sleep(1500);
  await collect();
  const after = process.memoryUsage();
  console.log(JSON.stringify({ heapUsed: after.heapUsed - before.heapUsed, rss: after.rss, rssGrowth: after.rss - before.rss, fileCount: handle.index.fileCount }));
  await handle.close();
}

async function main(): Promise<void> {
  const dirs = Number(values.dirs);
  const samples = Number(values.samples);
  if (!canCollect()) console.log("(run with --expose-gc for memory figures)");
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const root = mkdtempSync(join(base, "treerights-ref-"));
  let handle: TreeHandle | null = null;
  try {
    const spec = generateTree({ dirs, seed: 7 });
    let t = performance.now();
    writeTree(root, spec);
    const withFile = new Set(Array.from(spec.fileDirs, (d) => spec.dirs[d] as string));
    // Git keeps no empty directory: every other directory gets a small file, as a real configuration would have.
    for (const dir of spec.dirs) if (!withFile.has(dir)) writeFileSync(join(root, dir, "README"), "");
    git(root, "init", "-q", "-b", "main");
    git(root, "add", "-A");
    git(root, "commit", "-q", "-m", "bench tree");
    console.log(`repository: ${fmt(dirs)} directories, ${fmt(spec.files.length)} rights files, written and committed in ${fmt(performance.now() - t)} ms (${root})`);

    t = performance.now();
    handle = await within(openTree(root, { ref: "main" }), 300_000, "openTree with ref");
    const opened = handle;
    console.log(`openTree(dir, { ref: "main" }): ${fmt(performance.now() - t)} ms, ${fmt(opened.index.fileCount)} files, commit ${opened.status.commit ?? "none"}`);
    await sleep(500);

    const rng = mulberry32(11);
    const edit = (s: number): { rel: string; text: string; group: string; dir: string } => {
      const f = 1 + Math.floor(rng() * (spec.files.length - 1));
      const dir = spec.dirs[spec.fileDirs[f] as number] as string;
      const group = `bench-move-${s}`;
      return { rel: join(dir, "access.rights"), text: rightsYaml({ ...(spec.files[f] as RightsFile), WRITE: { override: [group] } }), group, dir };
    };

    // `git commit` on the served branch: timed from the commit command returning.
    const commitMs: number[] = [];
    for (let s = 0; s < samples; s++) {
      const e = edit(s);
      writeFileSync(join(root, e.rel), e.text);
      git(root, "add", "--", e.rel);
      git(root, "commit", "-q", "-m", `move ${s}`);
      const start = performance.now();
      const commit = git(root, "rev-parse", "HEAD");
      commitMs.push(await answersAt(opened, commit, () => opened.index.check([e.group], "WRITE", `/${e.dir}`), start));
      await sleep(100);
    }

    // `git update-ref` to commits made beforehand on a side branch (as a fetch then a reset or a CI deploy would).
    git(root, "checkout", "-q", "-b", "side");
    const prepared: { commit: string; group: string; dir: string }[] = [];
    for (let s = 0; s < samples; s++) {
      const e = edit(1000 + s);
      writeFileSync(join(root, e.rel), e.text);
      git(root, "add", "--", e.rel);
      git(root, "commit", "-q", "-m", `side ${s}`);
      prepared.push({ commit: git(root, "rev-parse", "HEAD"), group: e.group, dir: e.dir });
    }
    const updateRefMs: number[] = [];
    for (const p of prepared) {
      git(root, "update-ref", "refs/heads/main", p.commit);
      const start = performance.now();
      updateRefMs.push(await answersAt(opened, p.commit, () => opened.index.check([p.group], "WRITE", `/${p.dir}`), start));
      await sleep(100);
    }
    const report = (name: string, ms: readonly number[]): Summary => {
      const s = summarize(ms);
      console.log(`${name.padEnd(44)} median ${fmt(s.median, 1)} ms, max ${fmt(s.max, 1)} ms over ${ms.length} moves`);
      return s;
    };
    console.log("");
    const commitSummary = report("git commit returned → new commit answering", commitMs);
    const updateRefSummary = report("git update-ref returned → new commit answering", updateRefMs);
    await handle.close();
    handle = null;

    // Each mode alone in a fresh process, so neither's heap or RSS colours the other's.
    console.log("");
    const memory: Record<string, unknown> = {};
    for (const mode of ["ref", "work-tree"]) {
      const out = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--child", mode, "--root", root], { encoding: "utf8", timeout: 300_000 });
      const line = out.stdout.trim().split("\n").pop() ?? "";
      if (out.status !== 0 || !line.startsWith("{")) throw new Error(`memory child (${mode}) failed: ${out.stderr}`);
      const m = JSON.parse(line) as { heapUsed: number; rss: number; rssGrowth: number };
      memory[mode] = m;
      console.log(`memory, ${mode.padEnd(9)} heap held ${fmt(mib(m.heapUsed), 1)} MiB, RSS ${fmt(mib(m.rss), 1)} MiB (+${fmt(mib(m.rssGrowth), 1)} MiB for the tree)`);
    }
    console.log(`load average ${loadavg().map((l) => fmt(l, 1)).join(" ")}`);
    const out = join(import.meta.dirname, ".out");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "ref.json"), `${JSON.stringify({ dirs, samples, commit: commitSummary, updateRef: updateRefSummary, commitMs, updateRefMs, memory, loadAverage: loadavg() }, null, 1)}\n`);
  } finally {
    await handle?.close();
    rmSync(root, { recursive: true, force: true });
  }
}

if (values.child !== undefined) await child(values.child, values.root ?? ".");
else await main();
