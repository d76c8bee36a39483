/**
 * Memory (issue 3): the heap a loaded 1,000,000-directory tree retains
 * (target ≤ 400 MiB), and whether the heap grows over a bounded mixed run of
 * checks and reloads (`index.update` one-file edits, and now and then a full
 * `compile`, as a watcher would after a big checkout):
 *
 *   node --expose-gc --import tsx bench/memory.ts                                # 1M heap + 90 s mixed run at 100k, snapshots
 *   node --expose-gc --import tsx bench/memory.ts --duration-s 600               # the 10-minute run
 *   node --expose-gc --import tsx bench/memory.ts --dirs 100000 --mixed-dirs 10000 --duration-s 20
 *   node --expose-gc --import tsx bench/memory.ts --mixed-dirs 1000000 --no-snapshots
 *
 * The heap is read after full collections (`heapUsed`, `v8.getHeapStatistics`)
 * at the start, every tenth of the run and at the end; heap snapshots are
 * written at start, middle and end and the first and last compared by object
 * kind. Trees are reused from bench/.out/trees (see bench/peers/tree-cache.ts).
 * Writes bench/.out/memory.json.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import { compile } from "../src/engine/index.js";
import type { Access, RightsFile, RightsIndex } from "../src/engine/index.js";
import { loadTree } from "../src/loader/index.js";
import { HISTORY_SIZE } from "../src/loader/live/watch-history.js";
import { machine, printTable } from "./report.js";
import { canCollect, collect, fmt, mib, summarize } from "./stats.js";
import { freshChunk, generateQueries, generateTree, mulberry32 } from "./workload.js";
import type { QuerySet } from "./workload.js";
import { ensureTree } from "./peers/tree-cache.js";

const here = dirname(fileURLToPath(import.meta.url));
const HEAP_TARGET_MIB = 400;
/** How many rights files the mixed run edits (in turn). */
const EDITED = 64;

interface MemoryConfig {
  /** Size whose loaded heap is measured; 0 skips. */
  readonly dirs: number;
  /** Size of the mixed run; 0 skips. */
  readonly mixedDirs: number;
  readonly durationMs: number;
  /** A full `compile` instead of an `update` this often. */
  readonly fullEveryMs: number;
  /** Checking time between two reloads. */
  readonly checkMs: number;
  readonly snapshots: boolean;
  readonly keepSnapshots: boolean;
  readonly trees: string;
  readonly maxWriteMs: number;
  readonly seed: number;
}

function configure(argv: readonly string[]): MemoryConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      dirs: { type: "string" },
      "mixed-dirs": { type: "string" },
      "duration-s": { type: "string" },
      "full-every-s": { type: "string" },
      "no-snapshots": { type: "boolean", default: false },
      "keep-snapshots": { type: "boolean", default: false },
      trees: { type: "string" },
      "max-write-s": { type: "string" },
      seed: { type: "string" },
    },
  });
  const num = (text: string | undefined, fallback: number, what: string): number => {
    const n = text === undefined ? fallback : Number(text.replace(/_/g, ""));
    if (!Number.isFinite(n) || n < 0) throw new Error(`${what} wants a non-negative number`);
    return n;
  };
  const durationS = num(values["duration-s"], 90, "--duration-s");
  if (durationS > 600) throw new Error("--duration-s is bounded to 600 (10 minutes)");
  return {
    dirs: num(values.dirs, 1_000_000, "--dirs"),
    mixedDirs: num(values["mixed-dirs"], 100_000, "--mixed-dirs"),
    durationMs: durationS * 1000,
    fullEveryMs: num(values["full-every-s"], 15, "--full-every-s") * 1000,
    checkMs: 100,
    snapshots: !values["no-snapshots"],
    keepSnapshots: values["keep-snapshots"],
    trees: values.trees ?? join(here, ".out", "trees"),
    maxWriteMs: num(values["max-write-s"], 900, "--max-write-s") * 1000,
    seed: num(values.seed, 1, "--seed"),
  };
}

/** The heap after full collections. */
interface HeapSample {
  readonly atMs: number;
  readonly heapUsed: number;
  /** `v8.getHeapStatistics().used_heap_size`. */
  readonly v8Used: number;
  readonly external: number;
  readonly rss: number;
}

async function sample(atMs: number): Promise<HeapSample> {
  await collect();
  const m = process.memoryUsage();
  return { atMs, heapUsed: m.heapUsed, v8Used: v8.getHeapStatistics().used_heap_size, external: m.external, rss: m.rss };
}

/** What the loaded big tree costs. */
interface LoadedHeap {
  readonly dirs: number;
  readonly files: number;
  readonly treeReused: boolean;
  readonly loadMs: number;
  /** heapUsed after loading minus before, after full collections: what the index retains. */
  readonly retainedBytes: number;
  /** The same after one check on every indexed directory (lookup tables are built on first use). */
  readonly servingBytes: number;
  /** The process heap with the index loaded and serving, and nothing else of the bench alive. */
  readonly processHeapBytes: number;
  /** Heap of a second index compiled from the first one's parsed files (the trie alone; the files are shared). */
  readonly trieBytes: number;
  /** Heap of the other indexes a live tree's history keeps after `HISTORY_SIZE` one-file reloads. */
  readonly historyBytes: number;
}

async function measureLoaded(config: MemoryConfig): Promise<LoadedHeap> {
  console.log(`\nheap of a loaded ${fmt(config.dirs)}-directory tree: preparing the tree...`);
  let spec: ReturnType<typeof generateTree> | null = generateTree({ dirs: config.dirs, seed: config.seed });
  const tree = ensureTree(spec, config.trees, config.maxWriteMs);
  const files = spec.files.length;
  const groups = spec.groups;
  console.log(`  tree ${tree.reused ? "reused" : `written in ${fmt(tree.writeMs / 1000, 1)} s`}: ${tree.dir}`);
  // Drop the generated spec (a million path strings) before measuring.
  spec = null;
  const before = await sample(0);
  const t0 = performance.now();
  const index = await loadTree(tree.dir);
  const loadMs = performance.now() - t0;
  const after = await sample(loadMs);
  // A served index has walked its trie: one check per indexed directory
  // (and one just below it) builds every child lookup table on the way.
  let allowed = 0;
  for (const d of index.directories()) {
    if (index.check(["administrator"], "READ", d.path)) allowed++;
    if (index.check(["administrator"], "READ", `${d.path}/x`)) allowed++;
  }
  const serving = await sample(loadMs);
  let second: RightsIndex | null = compile(index.files);
  const withTrie = await sample(loadMs);
  if (second.fileCount !== index.fileCount || index.fileCount !== files || allowed < 0) throw new Error("the loaded index lost files");
  second = null;
  // What a live tree holds after HISTORY_SIZE one-file reloads: every index since the last rebuild.
  const editor = new Editor(index.files, groups);
  const beforeHistory = await sample(loadMs);
  const history: RightsIndex[] = [index];
  for (let i = 1; i < HISTORY_SIZE; i++) history.push((history[i - 1] as RightsIndex).update(editor.next(), { revision: `history-${i}` }));
  const withHistory = await sample(loadMs);
  if (history.length !== HISTORY_SIZE) throw new Error("unreachable: keeps the history alive until sampled");
  return {
    dirs: config.dirs,
    files,
    treeReused: tree.reused,
    loadMs,
    retainedBytes: after.heapUsed - before.heapUsed,
    servingBytes: serving.heapUsed - before.heapUsed,
    processHeapBytes: serving.heapUsed,
    trieBytes: withTrie.heapUsed - serving.heapUsed,
    historyBytes: withHistory.heapUsed - beforeHistory.heapUsed,
  };
}

/**
 * Edits one rights file at a time: change a level, remove a file, put a
 * removed one back. Edits stay within a fixed set of `EDITED` files, taken
 * in turn, so the warm-up has touched every one of them: an edited file
 * lives twice (this editor's object and the index's frozen copy) where an
 * untouched one is shared, and editing ever new files would grow the heap
 * for a reason that is the bench's, not the engine's.
 */
class Editor {
  readonly #rng = mulberry32(0x5eed);
  readonly #live: Map<string, RightsFile>;
  readonly #edited: string[];
  readonly #removed: RightsFile[] = [];
  readonly #groups: readonly string[];
  #turn = 0;

  constructor(files: readonly RightsFile[], groups: readonly string[]) {
    this.#live = new Map(files.filter((f) => f.dir !== "").map((f) => [f.dir, f]));
    const dirs = [...this.#live.keys()];
    this.#edited = Array.from({ length: Math.min(EDITED, dirs.length) }, (_, i) => dirs[Math.floor((i * dirs.length) / Math.min(EDITED, dirs.length))] as string);
    this.#groups = groups;
  }

  /** The next change; at most a few files are missing at any time. */
  next(): Parameters<RightsIndex["update"]>[0] {
    const r = this.#rng();
    const dir = this.#edited[this.#turn++ % this.#edited.length] as string;
    const old = this.#live.get(dir);
    if (old === undefined) {
      const back = this.#removed.find((f) => f.dir === dir) as RightsFile;
      this.#removed.splice(this.#removed.indexOf(back), 1);
      this.#live.set(dir, back);
      return { upsert: [back] };
    }
    if (r < 0.15 && this.#removed.length < 5) {
      this.#live.delete(dir);
      this.#removed.push(old);
      return { remove: [dir] };
    }
    const access: Access = this.#rng() < 0.5 ? "READ" : "WRITE";
    const group = this.#groups[Math.floor(this.#rng() * this.#groups.length)] as string;
    const file: RightsFile = { ...old, [access]: this.#rng() < 0.5 ? { include: [group] } : { exclude: [group] } };
    this.#live.set(dir, file);
    return { upsert: [file] };
  }

  /** Every file now in force, the root's first (for a full compile). */
  files(root: RightsFile): RightsFile[] {
    return [root, ...this.#live.values()];
  }
}

/** Heap snapshot figures: size on disk, node count, self size per object kind. */
interface SnapshotSummary {
  readonly file: string;
  readonly fileBytes: number;
  readonly nodes: number | null;
  readonly selfBytes: number | null;
  readonly byKind: Map<string, { count: number; bytes: number }> | null;
}

/** Snapshots above this are only measured on disk: the JSON text would not fit in one string. */
const MAX_PARSED_SNAPSHOT = 400 * 1024 * 1024;

function snapshot(dir: string, label: string): SnapshotSummary {
  const file = v8.writeHeapSnapshot(join(dir, `${label}.heapsnapshot`));
  const fileBytes = statSync(file).size;
  if (fileBytes > MAX_PARSED_SNAPSHOT) return { file, fileBytes, nodes: null, selfBytes: null, byKind: null };
  const parsed = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = parsed.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const types = parsed.snapshot.meta.node_types[0];
  const byKind = new Map<string, { count: number; bytes: number }>();
  let selfBytes = 0;
  for (let i = 0; i < parsed.nodes.length; i += width) {
    const type = types[parsed.nodes[i + typeAt] as number] ?? "?";
    const size = parsed.nodes[i + sizeAt] as number;
    // Objects and closures by constructor or function name; strings, arrays and code by type only.
    const key = type === "object" || type === "closure" ? `${type} ${parsed.strings[parsed.nodes[i + nameAt] as number] ?? "?"}` : `(${type})`;
    const entry = byKind.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += size;
    byKind.set(key, entry);
    selfBytes += size;
  }
  return { file, fileBytes, nodes: parsed.nodes.length / width, selfBytes, byKind };
}

/** What the mixed run saw. */
interface MixedResult {
  readonly dirs: number;
  readonly durationMs: number;
  readonly checks: number;
  readonly updates: number;
  readonly fullCompiles: number;
  readonly updateMs: ReturnType<typeof summarize>;
  readonly samples: HeapSample[];
  readonly snapshots: { label: string; fileBytes: number; nodes: number | null; selfBytes: number | null }[];
  /** Largest per-kind changes from the start snapshot to the end one... */
  readonly growth: KindChange[];
  /** ...and from the middle one to the end one (both in steady state). */
  readonly lateGrowth: KindChange[];
}

/** How the objects of one kind changed between two snapshots. */
interface KindChange {
  readonly kind: string;
  readonly countDelta: number;
  readonly bytesDelta: number;
}

/** Per-kind changes from `from` to `to`, largest in bytes first; empty without both. */
function compareKinds(from: SnapshotSummary["byKind"], to: SnapshotSummary["byKind"]): KindChange[] {
  if (from === null || to === null) return [];
  const changes: KindChange[] = [];
  for (const kind of new Set([...from.keys(), ...to.keys()])) {
    const a = from.get(kind) ?? { count: 0, bytes: 0 };
    const b = to.get(kind) ?? { count: 0, bytes: 0 };
    if (a.count !== b.count || a.bytes !== b.bytes) changes.push({ kind, countDelta: b.count - a.count, bytesDelta: b.bytes - a.bytes });
  }
  return changes.sort((x, y) => Math.abs(y.bytesDelta) - Math.abs(x.bytesDelta));
}

async function mixedRun(config: MemoryConfig): Promise<MixedResult> {
  console.log(`\nmixed run at ${fmt(config.mixedDirs)} directories for ${fmt(config.durationMs / 1000)} s: preparing...`);
  let spec: ReturnType<typeof generateTree> | null = generateTree({ dirs: config.mixedDirs, seed: config.seed });
  const tree = ensureTree(spec, config.trees, config.maxWriteMs);
  const set: QuerySet = generateQueries(spec, { count: 65_536, seed: config.seed + 1 });
  const groups = spec.groups;
  spec = null;
  let index: RightsIndex = await loadTree(tree.dir);
  const root = index.files.find((f) => f.dir === "") as RightsFile;
  const editor = new Editor(index.files, groups);
  const snapDir = join(here, ".out", "memory");
  mkdirSync(snapDir, { recursive: true });

  let checks = 0;
  let updates = 0;
  let grants = 0;
  let fullCompiles = 0;
  let chunk = 0;
  const updateTimes: number[] = [];
  // One step: checks on fresh strings for `checkMs`, then one reload.
  const step = (fullDue: boolean): void => {
    const t0 = performance.now();
    while (performance.now() - t0 < config.checkMs) {
      const { paths, groups: held } = freshChunk(set, chunk);
      const base = chunk * set.chunkSize;
      for (let i = 0; i < paths.length; i++) index.check(held[i] as string[], set.access[base + i] as Access, paths[i] as string);
      checks += paths.length;
      chunk = (chunk + 1) % set.chunks.length;
    }
    const u0 = performance.now();
    if (fullDue) {
      index = compile(editor.files(root));
      fullCompiles++;
    } else {
      const previous = index;
      // Every tenth reload edits the root's READ level (every set below may change), the others one file.
      const rootEdit = updates % 10 === 9;
      index = index.update(rootEdit ? { upsert: [{ ...root, READ: { override: [groups[updates % groups.length] as string] } }] } : editor.next());
      updateTimes.push(performance.now() - u0);
      // As a live tree does for its history, after each swap: the heap must stay flat with it.
      grants += index.grantCountsSince(previous).added;
      updates++;
    }
  };

  // Run time (sampling and snapshots excluded); a full compile is due every `fullEveryMs` of it.
  let clock = 0;
  let lastFull = 0;
  const runFor = (ms: number): void => {
    const t0 = performance.now();
    const from = clock;
    for (;;) {
      clock = from + (performance.now() - t0);
      if (clock - from >= ms) return;
      const fullDue = config.fullEveryMs > 0 && clock - lastFull >= config.fullEveryMs;
      if (fullDue) lastFull = clock;
      step(fullDue);
    }
  };
  // Warm-up in the same regime, through at least one full compile, so the
  // start already holds what steady state holds (JIT code, caches, pools).
  const warmupMs = Math.min(30_000, Math.max(config.fullEveryMs * 1.5, config.durationMs / 6));
  runFor(warmupMs);

  const samples: HeapSample[] = [];
  const snapshots: MixedResult["snapshots"] = [];
  // Per-kind counts go to disk, not into the heap being measured (kept in
  // memory, thousands of kind names would themselves look like growth).
  const takeSnapshot = async (label: string): Promise<void> => {
    if (!config.snapshots) return;
    // Collected first, as every sample is, so snapshots and samples count the same objects.
    await collect();
    const s = snapshot(snapDir, label);
    snapshots.push({ label, fileBytes: s.fileBytes, nodes: s.nodes, selfBytes: s.selfBytes });
    console.log(`  ${label}: heap snapshot ${fmt(mib(s.fileBytes), 1)} MiB on disk${s.nodes === null ? "" : `, ${fmt(s.nodes)} objects, ${fmt(mib(s.selfBytes ?? 0), 1)} MiB`}`);
    if (!config.keepSnapshots) rmSync(s.file, { force: true });
    if (s.byKind !== null) writeFileSync(kindsFile(label), JSON.stringify([...s.byKind]));
  };
  const kindsFile = (label: string): string => join(snapDir, `${label}.kinds.json`);
  const readKinds = (label: string): SnapshotSummary["byKind"] => {
    try {
      const kinds = new Map(JSON.parse(readFileSync(kindsFile(label), "utf8")) as [string, { count: number; bytes: number }][]);
      rmSync(kindsFile(label), { force: true });
      return kinds;
    } catch {
      return null;
    }
  };
  await takeSnapshot("start");
  const runStart = clock;
  samples.push(await sample(0));
  console.log(`  start (after ${fmt(warmupMs / 1000)} s of warm-up): heapUsed ${fmt(mib(samples[0]!.heapUsed), 1)} MiB`);
  const tenth = config.durationMs / 10;
  for (let k = 1; k <= 10; k++) {
    runFor(tenth);
    const s = await sample(clock - runStart);
    samples.push(s);
    console.log(`  ${fmt((clock - runStart) / 1000)} s: heapUsed ${fmt(mib(s.heapUsed), 1)} MiB after GC (${fmt(checks)} checks, ${fmt(updates)} updates (every tenth a root edit; grants counted after each: ${fmt(grants)} added), ${fmt(fullCompiles)} full compiles)`);
    if (k === 5) await takeSnapshot("middle");
  }
  await takeSnapshot("end");
  const runMs = clock - runStart;
  const [startKinds, middleKinds, endKinds] = [readKinds("start"), readKinds("middle"), readKinds("end")];
  const growth = compareKinds(startKinds, endKinds);
  const lateGrowth = compareKinds(middleKinds, endKinds);
  return {
    dirs: config.mixedDirs,
    durationMs: runMs,
    checks,
    updates,
    fullCompiles,
    updateMs: summarize(updateTimes),
    samples,
    snapshots,
    growth: growth.slice(0, 15),
    lateGrowth: lateGrowth.slice(0, 15),
  };
}

/** Least-squares slope of heapUsed over run time, MiB per minute. */
function slopeMiBPerMin(samples: readonly HeapSample[]): number {
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const xs = samples.map((s) => s.atMs / 60_000);
  const ys = samples.map((s) => mib(s.heapUsed));
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] as number) - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? Number.NaN : num / den;
}

async function main(): Promise<void> {
  const config = configure(process.argv.slice(2));
  const m = machine();
  if (!canCollect()) throw new Error("run with --expose-gc: every heap figure here is taken after full collections");
  console.log(`treerights memory bench: heap at ${fmt(config.dirs)} directories, mixed run at ${fmt(config.mixedDirs)} for ${fmt(config.durationMs / 1000)} s`);
  console.log(`machine: ${m.cpus} CPUs, ${m.cpuModel}, node ${m.node}, heap limit ${fmt(mib(v8.getHeapStatistics().heap_size_limit))} MiB, load average ${m.loadAvg.join(" ")}`);
  mkdirSync(config.trees, { recursive: true });

  const loaded = config.dirs > 0 ? await measureLoaded(config) : null;
  if (loaded !== null) {
    const retained = mib(loaded.retainedBytes);
    const serving = mib(loaded.servingBytes);
    printTable(`Heap of the loaded ${fmt(loaded.dirs)}-directory tree (${fmt(loaded.files)} rights files)`, ["figure", "MiB"], [
      ["retained by the loaded index (files + trie)", fmt(retained, 1)],
      ["retained once it served a check on every indexed directory", fmt(serving, 1)],
      ["a second compile of the same files (the trie alone, unserved)", fmt(mib(loaded.trieBytes), 1)],
      ["process heapUsed with the index loaded and serving", fmt(mib(loaded.processHeapBytes), 1)],
      [`the ${HISTORY_SIZE - 1} other indexes a live tree keeps after as many one-file reloads`, fmt(mib(loaded.historyBytes), 1)],
    ]);
    console.log(`loadTree took ${fmt(loaded.loadMs / 1000, 1)} s; target ≤ ${HEAP_TARGET_MIB} MiB retained (serving): ${serving <= HEAP_TARGET_MIB ? "PASS" : "FAIL"}`);
  }
  await collect();

  const mixed = config.mixedDirs > 0 && config.durationMs > 0 ? await mixedRun(config) : null;
  if (mixed !== null) {
    const start = mixed.samples[0] as HeapSample;
    const middle = mixed.samples[Math.floor(mixed.samples.length / 2)] as HeapSample;
    const end = mixed.samples[mixed.samples.length - 1] as HeapSample;
    printTable(`Mixed run at ${fmt(mixed.dirs)} directories: ${fmt(mixed.durationMs / 1000)} s, ${fmt(mixed.checks)} checks, ${fmt(mixed.updates)} updates (median ${fmt(mixed.updateMs.median, 1)} ms), ${fmt(mixed.fullCompiles)} full compiles`,
      ["when", "heapUsed MiB", "v8 used MiB", "external MiB", "rss MiB"],
      [["start", start], ["middle", middle], ["end", end]].map(([label, s]) => {
        const x = s as HeapSample;
        return [label as string, fmt(mib(x.heapUsed), 2), fmt(mib(x.v8Used), 2), fmt(mib(x.external), 2), fmt(mib(x.rss), 1)];
      }));
    const heaps = mixed.samples.map((s) => mib(s.heapUsed));
    const delta = mib(end.heapUsed - start.heapUsed);
    const late = mib(end.heapUsed - middle.heapUsed);
    const signed = (x: number): string => `${x >= 0 ? "+" : ""}${fmt(x, 2)}`;
    console.log(`heap after GC over ${mixed.samples.length} samples: ${fmt(Math.min(...heaps), 2)}–${fmt(Math.max(...heaps), 2)} MiB; end − start ${signed(delta)} MiB, end − middle ${signed(late)} MiB; trend ${fmt(slopeMiBPerMin(mixed.samples), 3)} MiB/min (second half ${fmt(slopeMiBPerMin(mixed.samples.slice(Math.floor(mixed.samples.length / 2))), 3)})`);
    if (mixed.snapshots.length > 0) {
      printTable("Heap snapshots", ["when", "file MiB", "objects", "self size MiB"], mixed.snapshots.map((s) => [s.label, fmt(mib(s.fileBytes), 1), s.nodes === null ? "n/a" : fmt(s.nodes), s.selfBytes === null ? "n/a" : fmt(mib(s.selfBytes), 2)]));
      const changes = (title: string, list: readonly KindChange[]): void => {
        if (list.length === 0) return;
        printTable(title, ["kind", "objects", "bytes"],
          list.slice(0, 10).map((g) => [g.kind, `${g.countDelta >= 0 ? "+" : ""}${fmt(g.countDelta)}`, `${g.bytesDelta >= 0 ? "+" : ""}${fmt(g.bytesDelta)}`]));
      };
      changes("Largest changes from the start snapshot to the end one, by object kind", mixed.growth);
      changes("Largest changes from the middle snapshot to the end one, by object kind", mixed.lateGrowth);
    }
  }
  const out = join(here, ".out");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "memory.json"), `${JSON.stringify({ machine: m, loadAvgAtEnd: loadavg(), config, loaded, mixed }, null, 2)}\n`);
  console.log("wrote bench/.out/memory.json");
}

await main();
process.exit();
