/**
 * The scaling curve (issue 3): decisions/s, `loadTree` time and retained
 * heap from 1,000 to 1,000,000 directories, with Casbin and Cedar up to the
 * size where one of their decisions takes over a second (or building them
 * over a minute), drawn into bench/scaling.svg:
 *
 *   node --expose-gc --import tsx bench/scaling.ts                       # 1k → 1M, ~10 minutes (+ writing the 1M tree once)
 *   node --expose-gc --import tsx bench/scaling.ts --sizes 1000,10000    # a smoke run
 *   node --expose-gc --import tsx bench/scaling.ts --trees /dev/shm/trees --max-write-s 600
 *   node --import tsx bench/scaling.ts --replot                          # redraw the SVG from bench/.out/scaling.json
 *
 * Trees are written once under `--trees` (default bench/.out/trees) and
 * reused while they match the seeded generator. Writes bench/scaling.svg and
 * bench/.out/scaling.json; exits 1 if an engine disagrees with the reference.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compile } from "../src/engine/index.js";
import type { RightsIndex } from "../src/engine/index.js";
import { loadTree } from "../src/loader/index.js";
import { buildReference } from "./reference.js";
import { machine, printTable } from "./report.js";
import type { Machine } from "./report.js";
import { canCollect, collect, fmt, mib, summarize } from "./stats.js";
import type { Summary } from "./stats.js";
import { svgChart } from "./svg-chart.js";
import type { Panel, Series } from "./svg-chart.js";
import { allQueries, generateQueries, generateTree } from "./workload.js";
import { ENGINE_KINDS, stopReason } from "./peers/engines.js";
import type { EngineName, PeerCost } from "./peers/engines.js";
import { agreement, measureBuild, measureInterleaved } from "./peers/measure.js";
import type { Contender, RoundPlan } from "./peers/measure.js";
import { ensureTree } from "./peers/tree-cache.js";
import { peerVariant } from "./peers/variant.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Every knob of one run. */
interface ScalingConfig {
  /** Only redraw the chart from the last run's JSON. */
  readonly replot: boolean;
  readonly sizes: readonly number[];
  readonly seed: number;
  readonly trees: string;
  readonly maxWriteMs: number;
  readonly peers: readonly EngineName[];
  readonly plan: RoundPlan;
  readonly peerPlan: RoundPlan;
  readonly sample: number;
  readonly peerSampleMs: number;
}

/** One engine's figures at one size. */
interface Point {
  readonly name: EngineName;
  readonly decisionsPerSec: Summary;
  readonly buildMs: number;
  /** Retained heap plus external memory after building, bytes; null without --expose-gc. */
  readonly memoryBytes: number | null;
  readonly sampled: number;
}

/** Everything at one size. */
interface SizeResult {
  readonly dirs: number;
  readonly files: number;
  readonly treeReused: boolean;
  readonly writeMs: number;
  readonly loadMs: Summary;
  /** `compile` of the same files in memory (what the peers' build times compare with). */
  readonly compileMs: number;
  /** Heap the loaded index retains, bytes. */
  readonly loadHeapBytes: number | null;
  /** `heapUsed` of the whole process after loading, with the generated spec and the reference alive too. */
  readonly processHeapBytes: number;
  readonly points: Point[];
  readonly skipped: { name: EngineName; reason: string }[];
}

function configure(argv: readonly string[]): ScalingConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sizes: { type: "string" },
      seed: { type: "string" },
      trees: { type: "string" },
      "max-write-s": { type: "string" },
      peers: { type: "string" },
      replot: { type: "boolean", default: false },
    },
  });
  const sizes = (values.sizes ?? "1000,10000,100000,1000000").split(",").map((s) => Number(s.trim().replace(/_/g, "")));
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error("--sizes wants directory counts such as 1000,10000");
  const peers = (values.peers ?? "casbin,cedar").split(",").map((p) => p.trim()).filter((p) => p !== "");
  for (const p of peers) if (p !== "casbin" && p !== "cedar") throw new Error(`unknown peer \`${p}\` (use casbin, cedar)`);
  return {
    replot: values.replot,
    sizes,
    seed: Number(values.seed ?? 1),
    trees: values.trees ?? join(here, ".out", "trees"),
    maxWriteMs: Number(values["max-write-s"] ?? 900) * 1000,
    peers: peers as EngineName[],
    plan: { warmupMs: 500, rounds: 5, roundMs: 1_000 },
    peerPlan: { warmupMs: 0, rounds: 3, roundMs: 1_000 },
    sample: 20_000,
    peerSampleMs: 5_000,
  };
}

async function main(): Promise<void> {
  const config = configure(process.argv.slice(2));
  if (config.replot) {
    const last = JSON.parse(readFileSync(join(here, ".out", "scaling.json"), "utf8")) as { machine: Machine; sizes: SizeResult[] };
    writeFileSync(join(here, "scaling.svg"), chart(last.sizes, last.machine));
    console.log("redrew bench/scaling.svg from bench/.out/scaling.json");
    return;
  }
  const m = machine();
  if (!canCollect()) console.warn("warning: run with --expose-gc to measure retained heap");
  console.log(`treerights scaling: ${config.sizes.map((n) => fmt(n)).join(" → ")} directories, peers ${config.peers.join(", ") || "none"}, trees in ${config.trees}`);
  console.log(`machine: ${m.cpus} CPUs, ${m.cpuModel}, node ${m.node}, load average ${m.loadAvg.join(" ")}`);
  mkdirSync(config.trees, { recursive: true });
  const results: SizeResult[] = [];
  const history = new Map<EngineName, PeerCost[]>();
  let failed = false;
  for (const dirs of config.sizes) {
    try {
      const size = await measureSize(dirs, config, history);
      if (size === null) {
        failed = true;
        break;
      }
      results.push(size);
      printSize(size);
    } catch (err) {
      console.log(`  ${fmt(dirs)} directories: not measured: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (results.length === 0) {
    process.exitCode = 1;
    return;
  }
  const loadAvgAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  const svg = chart(results, m);
  writeFileSync(join(here, "scaling.svg"), svg);
  mkdirSync(join(here, ".out"), { recursive: true });
  writeFileSync(join(here, ".out", "scaling.json"), `${JSON.stringify({ machine: m, loadAvgAtEnd, config, sizes: results }, null, 2)}\n`);
  printSummary(results);
  console.log(`load average at start ${m.loadAvg.join(" ")}, at end ${loadAvgAtEnd.join(" ")}`);
  console.log("wrote bench/scaling.svg and bench/.out/scaling.json");
  if (failed) process.exitCode = 1;
}

/** One size: the tree on disk, `loadTree`, then treerights, the reference and the peers side by side; null on a disagreement. */
async function measureSize(dirs: number, config: ScalingConfig, history: Map<EngineName, PeerCost[]>): Promise<SizeResult | null> {
  console.log(`\n${fmt(dirs)} directories: generating...`);
  const spec = generateTree({ dirs, seed: config.seed });
  const tree = ensureTree(spec, config.trees, config.maxWriteMs);
  console.log(`  tree ${tree.reused ? "reused" : `written in ${fmt(tree.writeMs / 1000, 1)} s`}: ${tree.dir}`);
  const reference = buildReference(spec.files);
  const set = generateQueries(spec, { count: 65_536, seed: config.seed + 1 });
  const queries = allQueries(set);

  // Small trees load in milliseconds and vary more: more repeats there.
  const repeats = dirs <= 10_000 ? 5 : dirs <= 100_000 ? 3 : 1;
  const loadTimes: number[] = [];
  for (let i = 1; i < repeats; i++) {
    await collect();
    const t0 = performance.now();
    await loadTree(tree.dir);
    loadTimes.push(performance.now() - t0);
  }
  const loaded = await measureBuild(() => loadTree(tree.dir));
  loadTimes.push(loaded.ms);
  const index: RightsIndex = loaded.value;
  const processHeapBytes = process.memoryUsage().heapUsed;
  console.log(`  loadTree ${fmt(loaded.ms)} ms, retained heap ${loaded.heapBytes === null ? "n/a" : fmt(mib(loaded.heapBytes), 1)} MiB`);

  const own = agreement(index, reference, queries, { limit: config.sample, maxMs: Number.POSITIVE_INFINITY, min: 0 });
  if (own.mismatches > 0) {
    console.error(`ERROR: the loaded index disagrees with the reference on ${own.mismatches} of ${own.compared}; first: ${JSON.stringify(own.first)}`);
    return null;
  }

  // Only the time is kept: the second index is garbage at once.
  const compileMs = (await measureBuild(() => compile(spec.files).fileCount)).ms;

  // Casbin on the generated tree, Cedar on the peer variant (bench/peers/engines.ts).
  const variant = peerVariant(spec);
  const variantReference = buildReference(variant.files);
  const skipped: SizeResult["skipped"] = [];
  const peers: { name: EngineName; contender: Contender; buildMs: number; memoryBytes: number | null; sampled: number }[] = [];
  for (const kind of ENGINE_KINDS) {
    if (!kind.slow || !config.peers.includes(kind.name)) continue;
    const reason = stopReason(history.get(kind.name) ?? [], dirs);
    if (reason !== null) {
      skipped.push({ name: kind.name, reason });
      console.log(`  ${kind.name}: stopped: ${reason}`);
      continue;
    }
    console.log(`  ${kind.name}: building...`);
    const files = kind.workload === "variant" ? variant.files : spec.files;
    const built = await measureBuild(() => kind.build(files));
    const a = agreement(built.value.checker, kind.workload === "variant" ? variantReference : reference, queries, { limit: config.sample, maxMs: config.peerSampleMs, min: 20 });
    if (a.mismatches > 0) {
      console.error(`ERROR: ${kind.name} disagrees with the reference on ${a.mismatches} of ${a.compared}; first: ${JSON.stringify(a.first)}`);
      return null;
    }
    const memoryBytes = built.heapBytes === null || built.externalBytes === null ? null : built.heapBytes + built.externalBytes;
    peers.push({ name: kind.name, contender: { checker: built.value.checker, slow: true }, buildMs: built.ms, memoryBytes, sampled: a.compared });
  }

  console.log("  timing...");
  const rates = measureInterleaved([{ checker: index, slow: false }, { checker: reference, slow: false }], set, config.plan);
  const peerRates = peers.length === 0 ? [] : measureInterleaved(peers.map((p) => p.contender), set, config.peerPlan);
  const points: Point[] = [
    { name: "treerights", decisionsPerSec: rates[0]!.checksPerSec, buildMs: loaded.ms, memoryBytes: loaded.heapBytes, sampled: own.compared },
    { name: "reference", decisionsPerSec: rates[1]!.checksPerSec, buildMs: Number.NaN, memoryBytes: null, sampled: 0 },
    ...peers.map((p, i) => ({ name: p.name, decisionsPerSec: peerRates[i]!.checksPerSec, buildMs: p.buildMs, memoryBytes: p.memoryBytes, sampled: p.sampled })),
  ];
  for (const p of points) {
    if (p.name === "casbin" || p.name === "cedar") {
      history.set(p.name, [...(history.get(p.name) ?? []), { dirs, buildMs: p.buildMs, msPerDecision: 1000 / p.decisionsPerSec.median }]);
    }
  }
  return {
    dirs,
    files: spec.files.length,
    treeReused: tree.reused,
    writeMs: tree.writeMs,
    loadMs: summarize(loadTimes),
    compileMs,
    loadHeapBytes: loaded.heapBytes,
    processHeapBytes,
    points,
    skipped,
  };
}

const MiB = (bytes: number | null): string => (bytes === null ? "n/a" : fmt(mib(bytes), 1));
/** A rate with decimals where it is small (a peer at under one decision per second). */
const rateText = (x: number): string => fmt(x, x < 10 ? 2 : 0);

function printSize(size: SizeResult): void {
  printTable(
    `${fmt(size.dirs)} directories, ${fmt(size.files)} rights files: loadTree median ${fmt(size.loadMs.median)} ms (${fmt(size.loadMs.min)}–${fmt(size.loadMs.max)}), compile ${fmt(size.compileMs)} ms, index heap ${MiB(size.loadHeapBytes)} MiB`,
    ["engine", "decisions/s", "range", "build ms", "memory MiB", "answers checked"],
    [
      ...size.points.map((p) => [
        p.name, rateText(p.decisionsPerSec.median), `${rateText(p.decisionsPerSec.min)}–${rateText(p.decisionsPerSec.max)}`,
        Number.isNaN(p.buildMs) ? "—" : fmt(p.buildMs), MiB(p.memoryBytes), p.name === "reference" ? "(oracle)" : fmt(p.sampled),
      ]),
      ...size.skipped.map((s) => [s.name, "stopped", s.reason, "", "", ""]),
    ],
  );
}

function printSummary(results: readonly SizeResult[]): void {
  const rate = (s: SizeResult, name: EngineName): string => {
    const p = s.points.find((x) => x.name === name);
    return p === undefined ? "—" : rateText(p.decisionsPerSec.median);
  };
  printTable("Scaling (median decisions/s; loadTree from disk, compile in memory)", ["dirs", "treerights", "reference", "casbin", "cedar (variant)", "loadTree ms", "compile ms", "index heap MiB"],
    results.map((s) => [fmt(s.dirs), rate(s, "treerights"), rate(s, "reference"), rate(s, "casbin"), rate(s, "cedar"), fmt(s.loadMs.median), fmt(s.compileMs), MiB(s.loadHeapBytes)]));
}

const LABELS: Record<EngineName, string> = { treerights: "treerights", reference: "plain reference", casbin: "Casbin", cedar: "Cedar (variant)" };
// One colour per engine in every panel (Okabe-Ito).
const COLORS: Record<EngineName, string> = { treerights: "#0072B2", reference: "#009E73", casbin: "#D55E00", cedar: "#CC79A7" };

function chart(results: readonly SizeResult[], m: Machine): string {
  const names: EngineName[] = ["treerights", "reference", "casbin", "cedar"];
  const series = (value: (p: Point) => number | null, only?: readonly EngineName[]): Series[] =>
    names.filter((n) => only === undefined || only.includes(n)).map((name) => ({
      name: LABELS[name],
      color: COLORS[name],
      points: results.flatMap((s) => {
        const p = s.points.find((x) => x.name === name);
        const y = p === undefined ? null : value(p);
        return y === null || Number.isNaN(y) ? [] : [{ x: s.dirs, y }];
      }),
    })).filter((s) => s.points.length > 0);
  const panels: Panel[] = [
    {
      title: "Decisions per second",
      xLabel: "directories",
      yLabel: "decisions/s (median)",
      series: series((p) => p.decisionsPerSec.median),
      guides: [{ y: 1, label: "1 s per decision: peers stop" }],
    },
    {
      title: "Build time",
      xLabel: "directories",
      yLabel: "ms",
      guides: [{ y: 60_000, label: "60 s: peers stop" }],
      series: [
        { name: "treerights loadTree (disk)", color: COLORS.treerights, points: results.map((s) => ({ x: s.dirs, y: s.loadMs.median })) },
        // Older results files have no compile time: the series is then left out.
        { name: "treerights compile (memory)", color: "#56B4E9", points: results.map((s) => ({ x: s.dirs, y: s.compileMs })) },
        ...series((p) => p.buildMs, ["casbin", "cedar"]).map((s) => ({ ...s, name: `${s.name} build`, dashed: true })),
      ],
    },
    {
      title: "Retained memory",
      xLabel: "directories",
      yLabel: "MiB (heap + external)",
      series: series((p) => (p.memoryBytes === null ? null : mib(p.memoryBytes)), ["treerights", "casbin", "cedar"]),
    },
  ];
  return svgChart(panels, {
    title: "treerights scaling: 50 groups, 10% of directories with rights files, fresh query strings",
    note: `${m.cpus} CPUs (${m.cpuModel}), node ${m.node}, shared machine (load average ${m.loadAvg.join(" ")}). Peers stop past 1 s per decision or 60 s to build. Generated by bench/scaling.ts.`,
    panelWidth: 420,
  });
}

await main();
process.exit();
