/**
 * treerights side by side with the plain reference, Casbin and Cedar, in one
 * process, on the same seeded workloads (issue 3):
 *
 *   node --expose-gc --import tsx bench/peers/run.ts                  # 1,000 / 10,000 / 100,000 directories, ~6 minutes
 *   node --expose-gc --import tsx bench/peers/run.ts --quick          # 1,000 / 10,000, short rounds
 *   node --expose-gc --import tsx bench/peers/run.ts --sizes 100000 --engines treerights,reference --out /tmp/p.json
 *
 * Every engine's answers are compared with the reference's on a sample before
 * any figure of that size is printed; a disagreement exits 1. A missed target
 * does not (this is a benchmark). Writes bench/.out/peers.json.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { ThroughputResult } from "../engine-bench.js";
import { buildReference } from "../reference.js";
import type { Checker } from "../reference.js";
import { machine, printTable } from "../report.js";
import type { Machine } from "../report.js";
import { canCollect, fmt, mib } from "../stats.js";
import { allQueries, generateQueries, generateTree, writeTree } from "../workload.js";
import type { TreeSpec } from "../workload.js";
import { ENGINE_KINDS, stopReason } from "./engines.js";
import type { EngineKind, EngineName, PeerCost, WorkloadName } from "./engines.js";
import { agreement, measureBuild, measureInterleaved } from "./measure.js";
import type { Agreement, Build, RoundPlan } from "./measure.js";
import type { Engine } from "./peer.js";
import { hasNoReinclude, peerVariant } from "./variant.js";

/** Every knob of one run, recorded in peers.json. */
export interface PeersConfig {
  readonly sizes: readonly number[];
  readonly seed: number;
  readonly engines: readonly EngineName[];
  readonly queries: number;
  readonly plan: RoundPlan;
  /** Time bound of a peer's agreement sample (it compares at least 100 decisions). */
  readonly sampleMs: number;
  /** Fast engines compare this many decisions. */
  readonly sampleSize: number;
  /** Where trees are written for the `loadTree` figure, or null to skip it. */
  readonly loadTmp: string | null;
  /** The JSON results file. */
  readonly out: string;
}

/** One engine on one workload at one size. */
export interface EngineRow {
  readonly name: EngineName;
  readonly workload: WorkloadName;
  readonly units: number;
  readonly unitName: string;
  readonly buildMs: number;
  readonly heapBytes: number | null;
  readonly externalBytes: number | null;
  /** Null for the reference itself (it is the oracle). */
  readonly agreement: Agreement | null;
  readonly throughput: ThroughputResult;
}

/** Everything measured at one size. */
export interface SizeResult {
  readonly dirs: number;
  readonly files: number;
  readonly variantFiles: number;
  /** Share of sampled queries whose answer differs between the generated tree and the variant. */
  readonly variantChangedShare: number;
  readonly rows: EngineRow[];
  readonly skipped: { name: EngineName; workload: WorkloadName; reason: string }[];
  readonly loadTree: { ms: number; heapBytes: number | null; writeMs: number; agreement: Agreement } | null;
}

/** The whole run, as written to bench/.out/peers.json. */
export interface PeersResults {
  readonly machine: Machine;
  readonly config: PeersConfig;
  readonly startedAt: string;
  readonly sizes: SizeResult[];
  loadAvgAtEnd?: readonly number[];
}

const ALL_ENGINES: readonly EngineName[] = ["treerights", "reference", "casbin", "cedar"];

function configure(argv: readonly string[]): PeersConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      sizes: { type: "string" },
      seed: { type: "string" },
      engines: { type: "string" },
      rounds: { type: "string" },
      "round-ms": { type: "string" },
      "sample-ms": { type: "string" },
      "skip-load": { type: "boolean", default: false },
      tmp: { type: "string" },
      out: { type: "string" },
    },
  });
  const quick = values.quick;
  const numbers = (text: string, what: string): number[] => {
    const list = text.split(",").map((s) => Number(s.trim().replace(/_/g, "")));
    if (list.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error(`${what} wants positive integers such as 10000,100000`);
    return list;
  };
  const engines = values.engines === undefined ? ALL_ENGINES : values.engines.split(",").map((e) => e.trim());
  for (const e of engines) if (!ALL_ENGINES.includes(e as EngineName)) throw new Error(`unknown engine \`${e}\` (use ${ALL_ENGINES.join(", ")})`);
  const rounds = values.rounds === undefined ? (quick ? 3 : 7) : (numbers(values.rounds, "--rounds")[0] as number);
  const roundMs = values["round-ms"] === undefined ? (quick ? 300 : 1_500) : (numbers(values["round-ms"], "--round-ms")[0] as number);
  return {
    sizes: values.sizes === undefined ? (quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]) : numbers(values.sizes, "--sizes"),
    seed: values.seed === undefined ? 1 : (numbers(values.seed, "--seed")[0] as number),
    engines: engines as EngineName[],
    queries: 65_536,
    plan: { warmupMs: quick ? 200 : 1_000, rounds, roundMs },
    sampleMs: values["sample-ms"] === undefined ? (quick ? 2_000 : 10_000) : (numbers(values["sample-ms"], "--sample-ms")[0] as number),
    sampleSize: 20_000,
    // tmpfs: mkdir on the shared disk is slow; the loader reads the page cache either way.
    loadTmp: values["skip-load"] ? null : values.tmp ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir()),
    out: values.out ?? join(dirname(fileURLToPath(import.meta.url)), "..", ".out", "peers.json"),
  };
}

/** A row's label: `casbin` or `treerights (variant)`. */
function label(row: { name: EngineName; workload: WorkloadName }): string {
  return row.workload === "generated" ? row.name : `${row.name} (variant)`;
}

async function main(): Promise<void> {
  const config = configure(process.argv.slice(2));
  const results: PeersResults = { machine: machine(), config, startedAt: new Date().toISOString(), sizes: [] };
  if (!canCollect()) console.warn("warning: run with --expose-gc to measure retained heap");
  console.log(`treerights peers bench: sizes ${config.sizes.map((n) => fmt(n)).join(", ")}, engines ${config.engines.join(", ")}, ${config.plan.rounds} interleaved rounds of ${fmt(config.plan.roundMs)} ms`);
  console.log(`machine: ${results.machine.cpus} CPUs, ${results.machine.cpuModel}, node ${results.machine.node}, load average ${results.machine.loadAvg.join(" ")}`);
  const costs = new Map<string, PeerCost[]>();
  const kinds = ENGINE_KINDS.filter((k) => config.engines.includes(k.name));

  for (const dirs of config.sizes) {
    console.log(`\n${fmt(dirs)} directories: generating, building, checking answers...`);
    const size = await measureSize(dirs, config, kinds, costs);
    if (size === null) {
      process.exitCode = 1;
      break;
    }
    results.sizes.push(size);
    printSize(size, config);
  }

  results.loadAvgAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  if (results.sizes.length > 0) printSummary(results);
  console.log(`load average at start ${results.machine.loadAvg.join(" ")}, at end ${results.loadAvgAtEnd.join(" ")} (${results.machine.cpus} CPUs)`);
  mkdirSync(dirname(config.out), { recursive: true });
  writeFileSync(config.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${config.out}`);
}

/** Builds, checks and times every engine at one size; null when an engine disagreed with the reference. */
async function measureSize(dirs: number, config: PeersConfig, kinds: readonly EngineKind[], costs: Map<string, PeerCost[]>): Promise<SizeResult | null> {
  const spec = generateTree({ dirs, seed: config.seed });
  const variant = peerVariant(spec);
  if (!hasNoReinclude(variant.files, variant.groups)) throw new Error("the peer variant has a re-include");
  const workloads: Record<WorkloadName, TreeSpec> = { generated: spec, variant };
  // The variant keeps every directory, so one query set serves both workloads.
  const set = generateQueries(spec, { count: config.queries, seed: config.seed + 1 });
  const queries = allQueries(set);
  const references: Record<WorkloadName, Checker> = { generated: buildReference(spec.files), variant: buildReference(variant.files) };

  const built: { kind: EngineKind; build: Build<Engine> }[] = [];
  const skipped: SizeResult["skipped"] = [];
  for (const kind of kinds) {
    const reason = kind.slow ? stopReason(costs.get(kind.name) ?? [], dirs) : null;
    if (reason !== null) {
      skipped.push({ name: kind.name, workload: kind.workload, reason });
      continue;
    }
    const files = workloads[kind.workload].files;
    built.push({ kind, build: await measureBuild(() => kind.build(files)) });
  }
  const loaded = config.loadTmp === null ? null : await measureLoad(spec, config.loadTmp, references.generated, queries, config);

  // Answers first: no figure of this size is printed unless every engine agrees.
  const agreements = built.map(({ kind, build }) => {
    if (kind.name === "reference") return null;
    const sample = kind.slow ? { limit: config.sampleSize, maxMs: config.sampleMs, min: 100 } : { limit: config.sampleSize, maxMs: Number.POSITIVE_INFINITY, min: 0 };
    return agreement(build.value.checker, references[kind.workload], queries, sample);
  });
  let agreed = true;
  built.forEach(({ kind }, i) => {
    const a = agreements[i];
    if (a !== undefined && a !== null && a.mismatches > 0) {
      agreed = false;
      console.error(`ERROR: ${label(kind)} disagrees with the reference at ${fmt(dirs)} directories on ${a.mismatches} of ${a.compared} queries; first: ${JSON.stringify(a.first)}`);
    }
  });
  if (loaded !== null && loaded.agreement.mismatches > 0) {
    agreed = false;
    console.error(`ERROR: the loadTree index disagrees with the reference at ${fmt(dirs)} directories; first: ${JSON.stringify(loaded.agreement.first)}`);
  }
  if (!agreed) return null;

  const changed = queries.slice(0, config.sampleSize).filter((q) => references.generated.check(q.groups, q.access, q.path) !== references.variant.check(q.groups, q.access, q.path)).length;
  console.log(`  all ${built.length - built.filter((b) => b.kind.name === "reference").length} engines agree with the reference; timing ${built.length} engines...`);
  // Two blocks, each interleaved within itself: treerights with the
  // reference, then the peers. The ratios that need precision are the first
  // block's; a peer round leaves megabytes of garbage (Casbin's per-policy
  // objects, Cedar's entity JSON) that the next fast round would pay for.
  const throughput = new Array<ThroughputResult>(built.length);
  for (const slow of [false, true]) {
    const block = built.flatMap((b, i) => (b.kind.slow === slow ? [{ i, checker: b.build.value.checker }] : []));
    if (block.length === 0) continue;
    const rates = measureInterleaved(block.map((b) => ({ checker: b.checker, slow })), set, config.plan);
    block.forEach((b, k) => { throughput[b.i] = rates[k] as ThroughputResult; });
  }

  const rows = built.map(({ kind, build }, i): EngineRow => ({
    name: kind.name,
    workload: kind.workload,
    units: build.value.units,
    unitName: build.value.unitName,
    buildMs: build.ms,
    heapBytes: build.heapBytes,
    externalBytes: build.externalBytes,
    agreement: agreements[i] ?? null,
    throughput: throughput[i] as ThroughputResult,
  }));
  for (const row of rows) {
    if (row.agreement !== null && (row.name === "casbin" || row.name === "cedar")) {
      costs.set(row.name, [...(costs.get(row.name) ?? []), { dirs, buildMs: row.buildMs, msPerDecision: 1000 / row.throughput.checksPerSec.median }]);
    }
  }
  return {
    dirs,
    files: spec.files.length,
    variantFiles: variant.files.length,
    variantChangedShare: changed / Math.min(config.sampleSize, queries.length),
    rows,
    skipped,
    loadTree: loaded,
  };
}

/** Writes the tree to a temporary directory, loads it once with `loadTree`, and removes it. */
async function measureLoad(spec: TreeSpec, tmp: string, reference: Checker, queries: ReturnType<typeof allQueries>, config: PeersConfig): Promise<SizeResult["loadTree"]> {
  const { loadTree } = await import("../../src/loader/index.js");
  const dir = mkdtempSync(join(tmp, "treerights-peers-"));
  try {
    const t0 = performance.now();
    writeTree(dir, spec);
    const writeMs = performance.now() - t0;
    const build = await measureBuild(() => loadTree(dir));
    const a = agreement(build.value, reference, queries, { limit: config.sampleSize, maxMs: Number.POSITIVE_INFINITY, min: 0 });
    return { ms: build.ms, heapBytes: build.heapBytes, writeMs, agreement: a };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MiB = (bytes: number | null): string => (bytes === null ? "n/a" : fmt(mib(bytes), 1));
/** A rate with decimals where it is small (a peer at under 10 decisions per second). */
const rateText = (x: number): string => fmt(x, x < 10 ? 2 : 0);

function printSize(size: SizeResult, config: PeersConfig): void {
  const rows = size.rows.map((r) => {
    const t = r.throughput.checksPerSec;
    const a = r.agreement;
    return [
      label(r), `${fmt(r.units)} ${r.unitName}`, fmt(r.buildMs), MiB(r.heapBytes), MiB(r.externalBytes),
      rateText(t.median), `${rateText(t.min)}–${rateText(t.max)}`, rateText(r.throughput.checksPerCpuSec.median), fmt(1e6 / t.median, t.median > 1e5 ? 2 : 0),
      a === null ? "(oracle)" : `${fmt(a.compared)} ok, ${fmt(a.allowedShare * 100)}% allow`,
    ];
  });
  for (const s of size.skipped) rows.push([label(s), "—", "—", "—", "—", "stopped", s.reason, "—", "—", "—"]);
  printTable(
    `${fmt(size.dirs)} directories: ${fmt(size.files)} rights files (variant ${fmt(size.variantFiles)}; it changes ${fmt(size.variantChangedShare * 100, 1)}% of answers), ${config.plan.rounds} interleaved rounds`,
    ["engine", "built from", "build ms", "heap MiB", "ext MiB", "decisions/s", "range", "per CPU-s", "µs/decision", "agreement sample"],
    rows,
  );
  const l = size.loadTree;
  if (l !== null) console.log(`loadTree from tmpfs: ${fmt(l.ms)} ms (writing the tree took ${fmt(l.writeMs)} ms), retained heap ${MiB(l.heapBytes)} MiB, ${fmt(l.agreement.compared)} answers agree`);
}

/** Median decisions per wall second (or per CPU second) of an engine on a workload at a size, or NaN. */
function rate(size: SizeResult, name: EngineName, workload: WorkloadName, cpu = false): number {
  const t = size.rows.find((r) => r.name === name && r.workload === workload)?.throughput;
  return (cpu ? t?.checksPerCpuSec.median : t?.checksPerSec.median) ?? Number.NaN;
}

/** Ratios treerights / X at each size, each against treerights on the same workload. */
export function ratios(size: SizeResult): { reference: number; referenceCpu: number; referenceVariant: number; casbin: number; cedar: number } {
  const tr = rate(size, "treerights", "generated");
  const trVariant = rate(size, "treerights", "variant");
  return {
    reference: tr / rate(size, "reference", "generated"),
    referenceCpu: rate(size, "treerights", "generated", true) / rate(size, "reference", "generated", true),
    referenceVariant: trVariant / rate(size, "reference", "variant"),
    casbin: tr / rate(size, "casbin", "generated"),
    cedar: trVariant / rate(size, "cedar", "variant"),
  };
}

const times = (x: number): string => (Number.isFinite(x) ? `${fmt(x, x < 100 ? 2 : 0)}x` : "n/a");

function printSummary(results: PeersResults): void {
  printTable(
    "treerights / peer, median decisions/s of the same run (Casbin on the generated tree, Cedar on the variant)",
    ["dirs", "/ reference", "/ reference, per CPU-s", "/ reference (variant)", "/ Casbin", "/ Cedar"],
    results.sizes.map((s) => {
      const r = ratios(s);
      return [fmt(s.dirs), times(r.reference), times(r.referenceCpu), times(r.referenceVariant), times(r.casbin), times(r.cedar)];
    }),
  );
  const at = (dirs: number): SizeResult | undefined => results.sizes.find((s) => s.dirs === dirs);
  const targets: [string, number, keyof ReturnType<typeof ratios>, number][] = [
    ["treerights / reference at 100,000", 100_000, "reference", 2],
    ["treerights / reference at 10,000", 10_000, "reference", 1.5],
    ["treerights / Casbin at 10,000", 10_000, "casbin", 1_000],
    ["treerights / Cedar at 10,000", 10_000, "cedar", 1_000],
  ];
  printTable("Targets (issue 3)", ["target", "wanted", "measured", "verdict"], targets.map(([name, dirs, key, wanted]) => {
    const size = at(dirs);
    const measured = size === undefined ? Number.NaN : ratios(size)[key];
    return [name, `>= ${fmt(wanted, wanted < 10 ? 1 : 0)}x`, times(measured), Number.isNaN(measured) ? "n/a (not run)" : measured >= wanted ? "PASS" : "FAIL"];
  }));
}

await main();
// Nothing should be left running, but a stray handle must not keep the bench alive.
process.exit();
