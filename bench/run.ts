/**
 * The benchmark suite of issue 2, in one process:
 *
 *   npm run bench                         # everything, ~4 minutes
 *   npm run bench -- --quick              # small trees, short rounds: a smoke run
 *   npm run bench -- --only engine,http   # some sections: engine, load, reload, http
 *   npm run bench -- --sizes 10000,100000 # tree sizes (directories)
 *   npm run bench -- --tmp /some/dir      # where trees are written (default /dev/shm, else the OS temp dir)
 *
 * Prints tables and target verdicts and writes bench/.out/results.json. A
 * missed target never fails the process; a wrong answer (an index that
 * disagrees with the plain reference) does.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compile } from "../src/engine/index.js";
import { measureChecks, compareCheckers } from "./engine-bench.js";
import type { Disagreement, RoundOptions, ThroughputResult } from "./engine-bench.js";
import type { HttpOptions, HttpResult } from "./http-bench.js";
import type { LoadResult } from "./load-bench.js";
import { buildReference } from "./reference.js";
import type { Checker } from "./reference.js";
import type { ReloadResult } from "./reload-bench.js";
import { machine, printTable, tableMarkdown, verdictRow } from "./report.js";
import type { Machine } from "./report.js";
import { canCollect, fmt, mib } from "./stats.js";
import type { Summary } from "./stats.js";
import { evaluateTargets } from "./targets.js";
import { generateQueries, generateTree, implicationsFor, writeTree } from "./workload.js";
import type { QuerySet, TreeSpec } from "./workload.js";

/** The sections `--only` selects from. */
export type Section = "engine" | "load" | "reload" | "http";
const SECTIONS: readonly Section[] = ["engine", "load", "reload", "http"];

/** Every knob of one run, recorded in results.json. */
export interface Config {
  readonly quick: boolean;
  readonly sections: readonly Section[];
  readonly sizes: readonly number[];
  readonly seed: number;
  /** Parent of the temporary trees. */
  readonly tmp: string;
  readonly queries: number;
  readonly rounds: RoundOptions;
  readonly loadRepeats: number;
  readonly reload: { readonly samples: number; readonly debounceMs: number; readonly openTimeoutMs: number; readonly sampleTimeoutMs: number };
  readonly httpDirs: number;
  readonly http: HttpOptions;
}

/** Everything measured, as written to bench/.out/results.json. */
export interface Results {
  readonly machine: Machine;
  readonly config: Config;
  readonly startedAt: string;
  /** Load average when the run ended: the machine is shared, so both ends are recorded. */
  loadAvgAtEnd?: readonly number[];
  readonly engine: {
    dirs: number; files: number; meanDepth: number; compileMs: number;
    treerights: ThroughputResult; reference: ThroughputResult; agreement: Disagreement;
    /** The same queries on the same tree with `IMPLICATIONS` groups the callers hold implying others (SPEC 1.5). */
    implied: ThroughputResult;
  }[];
  readonly load: ({ dirs: number; writeMs: number } & LoadResult)[];
  readonly reload: ({ dirs: number } & ReloadResult)[];
  http: ({ dirs: number } & HttpResult) | null;
  readonly skipped: { section: Section; dirs?: number; reason: string }[];
}

function configure(argv: readonly string[]): Config {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      sizes: { type: "string" },
      seed: { type: "string" },
      tmp: { type: "string" },
    },
  });
  const quick = values.quick;
  const only = (values.only ?? []).flatMap((o) => o.split(",")).map((o) => o.trim()).filter((o) => o !== "");
  for (const o of only) {
    if (!SECTIONS.includes(o as Section)) throw new Error(`unknown section \`${o}\` for --only (use ${SECTIONS.join(", ")})`);
  }
  const sizes = values.sizes === undefined ? (quick ? [1_000, 10_000] : [10_000, 100_000])
    : values.sizes.split(",").map((s) => Number(s.replace(/_/g, "")));
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error(`--sizes wants directory counts such as 10000,100000`);
  const seed = Number(values.seed ?? 1);
  return {
    quick,
    sections: only.length === 0 ? SECTIONS : SECTIONS.filter((s) => only.includes(s)),
    sizes,
    seed,
    // tmpfs: this disk is shared and slow (0.3-0.7 ms per mkdir under load); the loader reads page cache either way.
    tmp: values.tmp ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir()),
    queries: 65_536,
    rounds: quick ? { warmupMs: 200, rounds: 3, roundMs: 300 } : { warmupMs: 1_000, rounds: 7, roundMs: 1_500 },
    loadRepeats: quick ? 1 : 3,
    reload: { samples: quick ? 3 : 10, debounceMs: 50, openTimeoutMs: 90_000, sampleTimeoutMs: 30_000 },
    httpDirs: sizes.includes(10_000) ? 10_000 : Math.max(...sizes),
    http: quick
      ? { durationS: 2, warmupS: 1, connections: 64, batchConnections: 32, batchSize: 1_000, batchSamples: 30 }
      : { durationS: 5, warmupS: 1, connections: 64, batchConnections: 32, batchSize: 1_000, batchSamples: 200 },
  };
}

/** A generated tree with its queries and reference, written to disk on first need. */
interface Workload {
  readonly spec: TreeSpec;
  readonly set: QuerySet;
  readonly reference: Checker;
  dir: string | null;
  writeMs: number;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = configure(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${messageOf(err)}`);
    process.exitCode = 2;
    return;
  }
  const results: Results = { machine: machine(), config, startedAt: new Date().toISOString(), engine: [], load: [], reload: [], http: null, skipped: [] };
  const temp = mkdtempSync(join(config.tmp, "treerights-bench-"));
  const cleanup = (): void => { rmSync(temp, { recursive: true, force: true }); };
  process.once("SIGINT", () => { cleanup(); process.exit(130); });
  if (!canCollect()) console.warn("warning: run with --expose-gc (npm run bench does) to measure retained heap");
  console.log(`treerights bench: ${config.quick ? "quick" : "full"} run, sections ${config.sections.join(", ")}, sizes ${config.sizes.map((n) => fmt(n)).join(", ")}`);
  console.log(`machine: ${results.machine.cpus} CPUs, ${results.machine.cpuModel}, node ${results.machine.node}, load average ${results.machine.loadAvg.join(" ")}`);

  const workloads = new Map<number, Workload>();
  const workload = (dirs: number): Workload => {
    let w = workloads.get(dirs);
    if (w === undefined) {
      const spec = generateTree({ dirs, seed: config.seed });
      w = { spec, set: generateQueries(spec, { count: config.queries, seed: config.seed + 1 }), reference: buildReference(spec.files), dir: null, writeMs: 0 };
      workloads.set(dirs, w);
    }
    return w;
  };
  const onDisk = (dirs: number): string => {
    const w = workload(dirs);
    if (w.dir === null) {
      const dir = join(temp, `dirs-${dirs}`);
      mkdirSync(dir);
      const t0 = performance.now();
      writeTree(dir, w.spec);
      w.writeMs = performance.now() - t0;
      w.dir = dir;
    }
    return w.dir;
  };
  const skip = (section: Section, reason: string, dirs?: number): void => {
    results.skipped.push({ section, reason, ...(dirs === undefined ? {} : { dirs }) });
    console.log(`  ${section}${dirs === undefined ? "" : ` ${fmt(dirs)}`}: skipped: ${reason}`);
  };

  try {
    if (config.sections.includes("engine")) {
      for (const dirs of config.sizes) {
        console.log(`engine: ${fmt(dirs)} directories...`);
        const { spec, set, reference } = workload(dirs);
        const t0 = performance.now();
        const index = compile(spec.files);
        const compileMs = performance.now() - t0;
        const agreement = compareCheckers(index, reference, set, 20_000);
        if (agreement.mismatches > 0) reportDisagreement(`compiled index at ${fmt(dirs)} directories`, agreement);
        const impliedIndex = compile(spec.files, { implies: implicationsFor(spec.groups, IMPLICATIONS) });
        const [treerights, plain, implied] = measureChecks([index, reference, impliedIndex], set, config.rounds) as [ThroughputResult, ThroughputResult, ThroughputResult];
        const meanDepth = spec.depth.reduce((a, d) => a + d, 0) / spec.depth.length;
        results.engine.push({ dirs, files: spec.files.length, meanDepth, compileMs, treerights, reference: plain, agreement, implied });
      }
    }

    if (config.sections.includes("load")) {
      const { benchLoad } = await import("./load-bench.js");
      const { loadTree } = await import("../src/loader/index.js");
      for (const dirs of config.sizes) {
        console.log(`load: ${fmt(dirs)} directories...`);
        try {
          const w = workload(dirs);
          const dir = onDisk(dirs);
          const result = await benchLoad(loadTree, dir, w.reference, w.set, config.loadRepeats);
          if (result.agreement.mismatches > 0) reportDisagreement(`loaded index at ${fmt(dirs)} directories`, result.agreement);
          results.load.push({ dirs, writeMs: w.writeMs, ...result });
        } catch (err) {
          skip("load", messageOf(err), dirs);
        }
      }
    }

    if (config.sections.includes("http")) {
      console.log(`http: ${fmt(config.httpDirs)} directories...`);
      try {
        const { benchHttp } = await import("./http-bench.js");
        const { serve } = await import("../src/server/index.js");
        const server = await serve(onDisk(config.httpDirs), { host: "127.0.0.1", port: 0, logger: false });
        try {
          results.http = { dirs: config.httpDirs, ...(await benchHttp(server, workload(config.httpDirs).set, config.http)) };
        } finally {
          await server.close();
        }
      } catch (err) {
        skip("http", messageOf(err));
      }
    }

    // Last: it rewrites rights files on disk.
    if (config.sections.includes("reload")) {
      const { benchReload } = await import("./reload-bench.js");
      const { openTree } = await import("../src/loader/index.js");
      for (const dirs of config.sizes) {
        console.log(`reload: ${fmt(dirs)} directories...`);
        try {
          const dir = onDisk(dirs);
          const samples = dirs > 10_000 ? Math.min(5, config.reload.samples) : config.reload.samples;
          const result = await benchReload(openTree, dir, workload(dirs).spec, { ...config.reload, samples, seed: config.seed });
          results.reload.push({ dirs, ...result });
        } catch (err) {
          skip("reload", messageOf(err), dirs);
        }
      }
    }
  } finally {
    cleanup();
  }

  results.loadAvgAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  printResults(results);
  console.log(`load average at start ${results.machine.loadAvg.join(" ")}, at end ${results.loadAvgAtEnd.join(" ")} (${results.machine.cpus} CPUs)`);
  const targets = evaluateTargets(results);
  table("Targets (issues 2 and 3)", ["target", "wanted", "measured", "verdict"], targets.map(verdictRow));
  const out = join(dirname(fileURLToPath(import.meta.url)), ".out");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "results.json"), `${JSON.stringify({ ...results, targets }, null, 2)}\n`);
  const m = results.machine;
  const header = `${m.cpus} CPUs (${m.cpuModel}), ${fmt(m.totalMemMiB)} MiB, node ${m.node} (V8 ${m.v8}), ${m.platform}; ` +
    `${config.quick ? "quick" : "full"} run of ${results.startedAt}, load average ${m.loadAvg.join(" ")} at start and ${(results.loadAvgAtEnd ?? []).join(" ")} at end`;
  writeFileSync(join(out, "results.md"), `${header}\n\n${markdown.join("\n\n")}\n`);
  console.log(`\nwrote ${join("bench", ".out", "results.json")} and results.md`);
}

function reportDisagreement(what: string, d: Disagreement): void {
  console.error(`ERROR: the ${what} disagrees with the plain reference on ${d.mismatches} of ${d.compared} queries; first: ${JSON.stringify(d.first)}`);
  process.exitCode = 1;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const range = (s: Summary, digits = 0, scale = 1): string => `${fmt(s.min * scale, digits)}–${fmt(s.max * scale, digits)}`;

/** Every table printed, in Markdown, written to bench/.out/results.md for the README. */
const markdown: string[] = [];

/** How many groups imply others in the side-by-side measurement of SPEC 1.5. */
const IMPLICATIONS = 20;

function table(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  printTable(title, header, rows);
  markdown.push(tableMarkdown(title, header, rows));
}

function printResults(r: Results): void {
  if (r.engine.length > 0) {
    table("In-process checks (path validation included, fresh strings)", ["dirs", "files", "compile ms", "checks/s median", "range", "per CPU-s", "plain ref median", "vs plain", "allowed"],
      r.engine.map((e) => [
        fmt(e.dirs), fmt(e.files), fmt(e.compileMs), fmt(e.treerights.checksPerSec.median), range(e.treerights.checksPerSec),
        fmt(e.treerights.checksPerCpuSec.median), fmt(e.reference.checksPerSec.median), `${fmt(e.treerights.checksPerSec.median / e.reference.checksPerSec.median, 2)}x`,
        `${fmt(e.treerights.allowedShare * 100)}%`,
      ]));
    table(`Checks with ${IMPLICATIONS} groups implying others (SPEC 1.5), same queries, rounds interleaved`, ["dirs", "no implies median", `${IMPLICATIONS} implies median`, "range", "ratio", "ratio per CPU-s", "allowed"],
      r.engine.map((e) => [
        fmt(e.dirs), fmt(e.treerights.checksPerSec.median), fmt(e.implied.checksPerSec.median), range(e.implied.checksPerSec),
        `${fmt(e.implied.checksPerSec.median / e.treerights.checksPerSec.median, 3)}x`,
        `${fmt(e.implied.checksPerCpuSec.median / e.treerights.checksPerCpuSec.median, 3)}x`,
        `${fmt(e.treerights.allowedShare * 100)}% → ${fmt(e.implied.allowedShare * 100)}%`,
      ]));
  }
  if (r.load.length > 0) {
    table("loadTree from disk", ["dirs", "files", "write ms", "load ms median", "range", "CPU ms", "retained heap MiB", "external MiB"],
      r.load.map((l) => [
        fmt(l.dirs), fmt(l.fileCount), fmt(l.writeMs), fmt(l.loadMs.median), range(l.loadMs), fmt(l.cpuMs.median),
        l.retainedHeapBytes === null ? "n/a" : fmt(mib(l.retainedHeapBytes), 1),
        l.retainedExternalBytes === null ? "n/a" : fmt(mib(l.retainedExternalBytes), 1),
      ]));
  }
  if (r.reload.length > 0) {
    table("Hot reload: rename-over to visible", ["dirs", "open ms", "samples", "visible median ms", "max ms", "loader reload ms", "max loop stall ms", "confirmed"],
      r.reload.map((l) => [
        fmt(l.dirs), fmt(l.openMs), fmt(l.visibleMs.samples.length), fmt(l.visibleMs.median, 1), fmt(l.visibleMs.max, 1),
        fmt(l.reloadMs.median, 1), fmt(l.maxStallMs, 1), `${l.confirmed}/${l.visibleMs.samples.length}`,
      ]));
  }
  if (r.http !== null) {
    const h = r.http;
    table(`HTTP on loopback (${fmt(h.dirs)} dirs, autocannon in a worker thread)`, ["endpoint", "conns", "req/s", "decisions/s", "p50 ms", "p99 ms", "non-2xx", "errors"],
      [["POST /v1/check", h.single], [`POST /v1/check/batch (${fmt(r.config.http.batchSize)})`, h.batch]].map(([name, run]) => {
        const x = run as HttpResult["single"];
        return [name as string, fmt(x.connections), fmt(x.requestsPerSec), fmt(x.decisionsPerSec), fmt(x.latencyP50Ms, 1), fmt(x.latencyP99Ms, 1), fmt(x.non2xx), fmt(x.errors)];
      }));
    table(`One ${fmt(r.config.http.batchSize)}-check batch, in process (median of ${fmt(h.batchServerMs.samples.length)})`, ["what", "wall ms", "range", "CPU ms"], [
      ["server time (fastify's reply.elapsedTime)", fmt(h.batchServerMs.median, 3), range(h.batchServerMs, 3), "-"],
      ["whole app.inject call (adds the simulated client)", fmt(h.batchInjectMs.median, 3), range(h.batchInjectMs, 3), fmt(h.batchServerCpuMs.median, 3)],
      ["index.check x 1,000 alone", fmt(h.batchEngineMs.median, 3), range(h.batchEngineMs, 3), fmt(h.batchEngineCpuMs.median, 3)],
    ]);
  }
  for (const s of r.skipped) console.log(`skipped ${s.section}${s.dirs === undefined ? "" : ` at ${fmt(s.dirs)} dirs`}: ${s.reason}`);
}

await main();
// Watchers or sockets a failed section left behind must not keep the bench alive.
process.exit();
