/**
 * Incremental hot reload at scale (issue 3): from writing one `access.rights`
 * of a 100,000-directory tree to checks on the live handle seeing it, the
 * longest the event loop is held meanwhile, what a root-file change costs,
 * and what keeping 50 reloads of history costs in memory.
 *
 *   node --expose-gc --import tsx bench/reload.ts [--dirs 100000] [--samples 20] [--root-samples 3] [--no-git] [--watch-inline]
 *
 * `--watch-inline` runs chokidar in the bench's own thread (`watchThread: false`)
 * instead of the default watch thread, to compare the two.
 *
 * Bounded (every wait has a timeout) and cleans up its temporary tree.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { RightsFile, RightsIndex } from "../src/engine/index.js";
import { runSteps } from "../src/engine/index.js";
import { scanTree } from "../src/loader/live/incremental-scan.js";
import { readRights } from "../src/loader/read/read-rights-file.js";
import { revisionOf } from "../src/loader/read/revision.js";
import { loadTree } from "../src/loader/read/load-tree.js";
import { openTree } from "../src/loader/live/open-tree.js";
import type { TreeHandle } from "../src/loader/types.js";
import { HISTORY_SIZE, REBUILDS_KEPT } from "../src/loader/live/watch-history.js";
import { waitForRevision } from "./reload-bench.js";
import { canCollect, collect, fmt, mib, summarize, within } from "./stats.js";
import type { Summary } from "./stats.js";
import { generateTree, mulberry32, rightsYaml, writeTree } from "./workload.js";

interface Options {
  readonly dirs: number;
  readonly samples: number;
  readonly rootSamples: number;
  readonly git: boolean;
  readonly watchThread: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const value = (name: string, fallback: number): number => {
    const at = argv.indexOf(name);
    const raw = at >= 0 ? Number(argv[at + 1]) : fallback;
    if (!Number.isInteger(raw) || raw < 0) throw new Error(`${name} must be a non-negative integer`);
    return raw;
  };
  return { dirs: value("--dirs", 100_000), samples: value("--samples", 20), rootSamples: value("--root-samples", 3), git: !argv.includes("--no-git"), watchThread: !argv.includes("--watch-inline") };
}

/**
 * How long this thread has waited, runnable, for a CPU since it started, in
 * ms: the second field of Linux's `/proc/thread-self/schedstat` (run-queue
 * delay, in ns, added each time the thread gets a CPU back, so it is exact
 * when read by the running thread). Null where there is no such file.
 */
function runQueueWaitMs(): number | null {
  try {
    const waited = Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[1]);
    return Number.isFinite(waited) ? waited / 1e6 : null;
  } catch {
    return null;
  }
}

/**
 * How long the event loop was held while a reload ran, three ways: how late
 * a 1 ms timer fired (wall clock, so it also counts the time the thread
 * waited for a CPU on a busy machine); that lateness less the thread's
 * run-queue delay over the same tick (`runQueueWaitMs`): what this thread
 * itself held the loop for, running or blocked in a call, which is what a
 * reload can be blamed for; and how much CPU time the process spent between
 * two ticks (over: GC helpers, compiler threads and the watch thread count
 * too). The thread's own CPU time is not used: the first field of
 * `schedstat` moves only at context switches and scheduler ticks (4 ms
 * here), and Node 20 has no `process.threadCpuUsage`.
 */
class LoopWatch {
  readonly #histogram = monitorEventLoopDelay({ resolution: 1 });
  #timer: NodeJS.Timeout | null = null;
  #lateMax = 0;
  #ownMax: number | null = 0;
  #cpuMax = 0;
  #gcMax = 0;
  readonly #gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.#gcMax = Math.max(this.#gcMax, entry.duration);
  });

  start(): void {
    this.#histogram.reset();
    this.#histogram.enable();
    this.#gc.observe({ entryTypes: ["gc"] });
    this.#lateMax = 0;
    this.#cpuMax = 0;
    this.#gcMax = 0;
    let waited = runQueueWaitMs();
    this.#ownMax = waited === null ? null : 0;
    let expected = performance.now() + 1;
    let cpu = process.cpuUsage();
    this.#timer = setInterval(() => {
      const now = performance.now();
      const spent = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      const late = now - expected;
      this.#lateMax = Math.max(this.#lateMax, late);
      const nowWaited = waited === null ? null : runQueueWaitMs();
      if (waited !== null && nowWaited !== null && this.#ownMax !== null) this.#ownMax = Math.max(this.#ownMax, late - (nowWaited - waited));
      waited = nowWaited;
      this.#cpuMax = Math.max(this.#cpuMax, (spent.user + spent.system) / 1000);
      expected = now + 1;
    }, 1);
  }

  /** Longest block seen, ms: timer lateness, the same less run-queue waits (null off Linux), CPU time between ticks, the loop-delay histogram's maximum, and the longest GC. */
  stop(): Blocks {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#histogram.disable();
    this.#gc.disconnect();
    return { lateMs: this.#lateMax, ownMs: this.#ownMax, cpuMs: this.#cpuMax, histogramMs: this.#histogram.max / 1e6, gcMs: this.#gcMax };
  }
}

/** Resolves with ms from `start` to the first moment the handle answers with another revision (1 ms poll). */
async function visibleAfter(handle: TreeHandle, before: string, start: number, timeoutMs: number): Promise<number> {
  await waitForRevision(handle, before, timeoutMs, 1);
  return performance.now() - start;
}

/**
 * Resolves with ms from `start` to the moment the history holds the grant
 * counts of the swap to `revision` (counted in slices after the swap; 5 ms
 * poll, so the poll itself adds little to the loop).
 */
async function countedAfter(handle: TreeHandle, revision: string, start: number, timeoutMs: number): Promise<number> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const record = handle.status.history?.findLast((r) => r.revision === revision);
    if (record === undefined || record.changes !== null) return performance.now() - start;
    if (performance.now() > until) throw new Error(`grant counts of ${revision} not in the history after ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** One timed edit: write (in place or by renaming a temp file over it), wait until visible and counted. */
interface Sample {
  readonly visibleMs: number;
  /** Write to the swap's grant counts in the history: the watch window runs at least this long. */
  readonly countedMs: number;
  readonly reloadMs: number;
  readonly blockMs: number;
  /** `blockMs` less the time the thread waited for a CPU; null off Linux. */
  readonly ownBlockMs: number | null;
  readonly cpuBlockMs: number;
  readonly histogramMs: number;
  readonly gcMs: number;
  readonly confirmed: boolean;
}

async function timedEdit(handle: TreeHandle, target: string, text: string, renameOver: boolean, confirm: () => boolean): Promise<Sample> {
  let reloadMs = Number.NaN;
  const onReload = (event: { durationMs: number }): void => {
    reloadMs = event.durationMs;
  };
  handle.on("reload", onReload);
  const loop = new LoopWatch();
  const before = handle.index.revision;
  if (renameOver) writeFileSync(`${target}.tmp`, text);
  loop.start();
  const start = performance.now();
  if (renameOver) renameSync(`${target}.tmp`, target);
  else writeFileSync(target, text);
  try {
    const visibleMs = await visibleAfter(handle, before, start, 30_000);
    // The reload's work after the swap (grant counts for the history, events) runs inside the watch window too.
    const countedMs = await countedAfter(handle, handle.index.revision, start, 30_000);
    await sleep(50);
    const { lateMs, ownMs, cpuMs, histogramMs, gcMs } = loop.stop();
    return { visibleMs, countedMs, reloadMs, blockMs: lateMs, ownBlockMs: ownMs, cpuBlockMs: cpuMs, histogramMs, gcMs, confirmed: confirm() };
  } finally {
    loop.stop();
    handle.off("reload", onReload);
  }
}

function report(name: string, samples: readonly Sample[]): Record<string, Summary> {
  const visible = summarize(samples.map((s) => s.visibleMs));
  const counted = summarize(samples.map((s) => s.countedMs));
  const block = summarize(samples.map((s) => s.blockMs));
  const cpuBlock = summarize(samples.map((s) => s.cpuBlockMs));
  const own = samples.every((s) => s.ownBlockMs !== null) ? summarize(samples.map((s) => s.ownBlockMs as number)) : null;
  const histogram = summarize(samples.map((s) => s.histogramMs));
  const reload = summarize(samples.map((s) => s.reloadMs));
  const gc = summarize(samples.map((s) => s.gcMs));
  console.log(`${name}: ${samples.length} samples, ${samples.filter((s) => s.confirmed).length} confirmed by a check`);
  console.log(`  write → visible         median ${fmt(visible.median, 1)} ms, max ${fmt(visible.max, 1)} ms`);
  console.log(`  write → counted         median ${fmt(counted.median, 1)} ms, max ${fmt(counted.max, 1)} ms (the swap's grant counts in the history, counted after it)`);
  console.log(`  loader reload           median ${fmt(reload.median, 1)} ms, max ${fmt(reload.max, 1)} ms`);
  console.log(`  longest block, CPU      median ${fmt(cpuBlock.median, 1)} ms, max ${fmt(cpuBlock.max, 1)} ms (process CPU time between two 1 ms ticks)`);
  console.log(`  longest block, wall     median ${fmt(block.median, 1)} ms, max ${fmt(block.max, 1)} ms (1 ms timer lateness; loop-delay histogram max ${fmt(histogram.max, 1)} ms)`);
  if (own !== null) console.log(`  longest block, own      median ${fmt(own.median, 1)} ms, max ${fmt(own.max, 1)} ms (the wall block less the time this thread waited for a CPU: Linux run-queue delay)`);
  console.log(`  longest GC pause        median ${fmt(gc.median, 1)} ms, max ${fmt(gc.max, 1)} ms`);
  console.log(`  each sample, visible / longest wall block / own block / GC pause, ms: ${samples.map((x) => `${fmt(x.visibleMs, 0)}/${fmt(x.blockMs, 1)}/${x.ownBlockMs === null ? "-" : fmt(x.ownBlockMs, 1)}/${fmt(x.gcMs, 1)}`).join(", ")}`);
  return { visible, counted, reload, cpuBlock, block, ...(own === null ? {} : { own }), histogram, gc };
}

/**
 * The idle windows taken between samples, each as long as the sample's
 * window before it: what the machine alone does to the same timer in the
 * same time, to tell the reload's blocks from the machine's.
 */
function reportIdle(windows: readonly Blocks[]): Record<string, Summary> {
  const idleBlock = summarize(windows.map((w) => w.lateMs));
  const idleOwn = windows.every((w) => w.ownMs !== null) ? summarize(windows.map((w) => w.ownMs as number)) : null;
  console.log(`  idle windows between samples (as long as each sample's, nothing reloading): longest block, wall median ${fmt(idleBlock.median, 1)} ms, max ${fmt(idleBlock.max, 1)} ms` +
    (idleOwn === null ? "" : `; own median ${fmt(idleOwn.median, 1)} ms, max ${fmt(idleOwn.max, 1)} ms`));
  console.log(`    each, wall / own: ${windows.map((w) => `${fmt(w.lateMs, 1)}/${w.ownMs === null ? "-" : fmt(w.ownMs, 1)}`).join(", ")}`);
  return { idleBlock, ...(idleOwn === null ? {} : { idleOwn }) };
}

/** The longest blocks one `LoopWatch` saw, in ms. */
interface Blocks {
  readonly lateMs: number;
  /** `lateMs` less run-queue waits, tick by tick; null off Linux. */
  readonly ownMs: number | null;
  readonly cpuMs: number;
  readonly histogramMs: number;
  readonly gcMs: number;
}

/** The same watch with nothing reloading: what the machine alone does to a 1 ms timer. */
async function idleNoise(ms: number): Promise<Blocks> {
  const loop = new LoopWatch();
  loop.start();
  await sleep(ms);
  return loop.stop();
}

/** Times `run` `n` times. */
function timed(n: number, run: (i: number) => void): Summary {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    run(i);
    samples.push(performance.now() - t);
  }
  return summarize(samples);
}

/**
 * The synchronous steps of a reload, each timed alone: re-reading and parsing
 * one file, the longest hashing slice's whole pass (sliced in a reload), the
 * engine's `update` and `changesSince` for a one-file and a root-file change.
 */
async function syncSteps(
  root: string, index: RightsIndex, files: readonly RightsFile[], dirs: readonly string[], fileDirs: Int32Array,
): Promise<Record<string, Summary>> {
  const cache = await scanTree(root, {});
  const paths = cache.paths();
  // The revision after one file changed (what a reload pays), and from scratch over every file (what a full load pays).
  const oneFileRevision = timed(20, (i) => {
    const entry = cache.get(paths[(i * 7919) % paths.length] as string);
    if (entry !== undefined) cache.set(entry);
    return runSteps(cache.revisionSteps());
  });
  const wholeRevision = timed(5, () => revisionOf(paths.map((p) => [p, (cache.get(p) as { digest: Buffer }).digest] as const)));
  const pick = (i: number): { file: RightsFile; rel: string } => {
    const f = 1 + ((i * 7919) % (files.length - 1));
    const dir = dirs[fileDirs[f] as number] as string;
    return { file: { ...(files[f] as RightsFile), file: `${dir}/access.rights`, WRITE: { override: [`bench-step-${i}`] } }, rel: `${dir}/access.rights` };
  };
  const updated: RightsIndex[] = [];
  const rootChanged: RightsIndex[] = [];
  const rootFile = files[0] as RightsFile;
  return {
    "read and parse one file": timed(20, (i) => readRights(root, pick(i).rel)),
    "revision after a one-file change": oneFileRevision,
    "revision from scratch (full loads, sliced)": wholeRevision,
    "update, one file": timed(20, (i) => updated.push(index.update({ upsert: [pick(i).file] }, { revision: `step-${i}` }))),
    "changesSince, one file": timed(20, (i) => (updated[i] as RightsIndex).changesSince(index)),
    "update, root file": timed(3, (i) => rootChanged.push(index.update({ upsert: [{ ...rootFile, READ: { override: [`bench-root-step-${i}`] } }] }, { revision: `root-${i}` }))),
    "changesSince, root file": timed(3, (i) => (rootChanged[i] as RightsIndex).changesSince(index)),
  };
}

async function heapUsed(): Promise<number> {
  await collect();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (!canCollect()) console.log("(run with --expose-gc for memory figures)");
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const root = mkdtempSync(join(base, "treerights-reload-"));
  let handle: TreeHandle | null = null;
  try {
    const spec = generateTree({ dirs: options.dirs, seed: 7 });
    let t = performance.now();
    writeTree(root, spec);
    console.log(`tree: ${fmt(options.dirs)} directories, ${fmt(spec.files.length)} rights files written in ${fmt(performance.now() - t)} ms (${root})`);
    if (options.git) {
      t = performance.now();
      const git = (...args: string[]): void => {
        execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false", ...args], { cwd: root, stdio: "ignore" });
      };
      git("init", "-q", "-b", "main");
      git("add", "-A");
      git("commit", "-q", "-m", "bench tree");
      console.log(`git: committed in ${fmt(performance.now() - t)} ms`);
    }

    const heapBefore = await heapUsed();
    t = performance.now();
    const single = await loadTree(root);
    console.log(`loadTree (one full index, no watch): ${fmt(performance.now() - t)} ms, ${fmt(single.fileCount)} files`);
    const heapOneIndex = (await heapUsed()) - heapBefore;

    t = performance.now();
    const opened = await within(openTree(root, { watch: true, watchThread: options.watchThread }), 300_000, "openTree with watch");
    handle = opened;
    console.log(`openTree with watch (${options.watchThread ? "watch thread" : "chokidar in this thread"}): ${fmt(performance.now() - t)} ms (chokidar's scan and the initial load), commit ${opened.status.commit ?? "none"}`);
    const heapServing = await heapUsed();
    console.log(`heap of this thread, serving: ${fmt(mib(heapServing), 1)} MiB`);
    await sleep(500);

    // One-file edits, alternating in-place writes and rename-overs, on files other than the root's.
    const rng = mulberry32(11);
    const edit = (s: number): { target: string; text: string; group: string; dir: string } => {
      const f = 1 + Math.floor(rng() * (spec.files.length - 1));
      const file = spec.files[f] as RightsFile;
      const dir = spec.dirs[spec.fileDirs[f] as number] as string;
      const group = `bench-edit-${s}`;
      return { target: join(root, dir, "access.rights"), text: rightsYaml({ ...file, WRITE: { override: [group] } }), group, dir };
    };
    const idle = await idleNoise(2000);
    console.log(`idle (nothing reloading, 2 s): timer late up to ${fmt(idle.lateMs, 1)} ms (own ${idle.ownMs === null ? "-" : fmt(idle.ownMs, 1)} ms), CPU between ticks up to ${fmt(idle.cpuMs, 1)} ms; load average ${loadavg().map((l) => fmt(l, 1)).join(" ")}`);
    const samples: Sample[] = [];
    const oneFileIdle: Blocks[] = [];
    for (let s = 0; s < options.samples; s++) {
      const e = edit(s);
      const sample = await timedEdit(opened, e.target, e.text, s % 2 === 1, () => opened.index.check([e.group], "WRITE", `/${e.dir}`));
      samples.push(sample);
      await sleep(50);
      oneFileIdle.push(await idleNoise(sample.visibleMs + 50));
    }
    console.log("");
    const oneFile = { ...report("one-file edit", samples), ...reportIdle(oneFileIdle) };

    // History memory: fill it with one-file edits (each index an `update` of the one before).
    const heapHistoryStart = await heapUsed();
    const fill = Math.max(0, HISTORY_SIZE - (opened.status.history?.length ?? 0));
    for (let s = 0; s < fill; s++) {
      const e = edit(1000 + s);
      const before = opened.index.revision;
      writeFileSync(e.target, e.text);
      await visibleAfter(opened, before, performance.now(), 30_000);
    }
    const heapHistoryFull = await heapUsed();
    console.log("");
    console.log(`memory: one full index (loadTree) ${fmt(mib(heapOneIndex), 1)} MiB; ` +
      `history of ${opened.status.history?.length ?? 0} reloads after ${fill} more one-file edits: +${fmt(mib(heapHistoryFull - heapHistoryStart), 2)} MiB`);

    // Root-file edits of the READ level: every directory's sets may change, though the trie is shared (transfers).
    const rootSamples: Sample[] = [];
    const rootIdle: Blocks[] = [];
    const rootFile = spec.files[0] as RightsFile;
    const heapRootStart = await heapUsed();
    for (let s = 0; s < options.rootSamples; s++) {
      const group = `bench-root-${s}`;
      const text = rightsYaml({ ...rootFile, READ: { override: [...(rootFile.READ?.override ?? []), group] } });
      const sample = await timedEdit(opened, join(root, "access.rights"), text, true, () => opened.index.check([group], "READ", "/"));
      rootSamples.push(sample);
      await sleep(150);
      rootIdle.push(await idleNoise(sample.visibleMs + 50));
    }
    const heapRootEnd = await heapUsed();
    console.log("");
    const rootEdit = { ...report("root-file edit (READ override; every set below may change)", rootSamples), ...reportIdle(rootIdle) };
    if (options.rootSamples > 0) {
      console.log(`  memory: +${fmt(mib((heapRootEnd - heapRootStart) / options.rootSamples), 2)} MiB of history per root edit (the history keeps the tries of the last ${REBUILDS_KEPT} rebuilds)`);
    }

    // changesSince from the oldest revision that still answers, as `GET /v1/changes` would ask.
    const history = opened.status.history ?? [];
    t = performance.now();
    let feed = null;
    let answered = 0;
    for (const [i, record] of history.entries()) {
      feed = opened.changesSince?.(record.revision) ?? null;
      if (feed !== null) {
        answered = history.length - i;
        break;
      }
    }
    console.log(`changesSince(oldest that answers, ${answered} of ${history.length} back): ${fmt(feed?.changes.length ?? 0)} changes in ${fmt(performance.now() - t, 1)} ms`);

    // The steps a reload cannot slice, timed alone: the minimum of several runs is the work itself, whatever the machine's load.
    const steps = await syncSteps(root, opened.index, spec.files, spec.dirs, spec.fileDirs);
    console.log("");
    console.log("synchronous steps (min / median of repeated runs, ms):");
    for (const [name, summary] of Object.entries(steps)) console.log(`  ${name.padEnd(42)} ${fmt(summary.min, 2)} / ${fmt(summary.median, 2)}`);

    const out = join(import.meta.dirname, ".out");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "reload.json"), `${JSON.stringify({ options, heapServing, loadAverage: loadavg(), idle, oneFile, rootEdit, steps, heapOneIndex, heapHistory: heapHistoryFull - heapHistoryStart, heapPerRootEdit: options.rootSamples > 0 ? (heapRootEnd - heapRootStart) / options.rootSamples : null }, null, 1)}\n`);
  } finally {
    await handle?.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
