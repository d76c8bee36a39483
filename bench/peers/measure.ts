/**
 * Measuring engines side by side: build time and retained memory, agreement
 * with the reference on a time-bounded sample, and decisions per second over
 * interleaved rounds, for engines that take 1 µs or 1 s per decision alike.
 */
import type { Access } from "../../src/engine/index.js";
import { runner, timedRound } from "../engine-bench.js";
import type { Disagreement, Round, ThroughputResult } from "../engine-bench.js";
import type { Checker } from "../reference.js";
import { canCollect, collect, summarize } from "../stats.js";
import { freshChunk } from "../workload.js";
import type { Query, QuerySet } from "../workload.js";

/** What building an engine cost. */
export interface Build<T> {
  readonly value: T;
  readonly ms: number;
  /** `heapUsed` after minus before, both after full collections, with the engine alive; null without `--expose-gc`. */
  readonly heapBytes: number | null;
  /** Same for `external` (WebAssembly memory and buffers live there). */
  readonly externalBytes: number | null;
}

/** Builds once between full collections and reports time and retained memory. */
export async function measureBuild<T>(build: () => T | Promise<T>): Promise<Build<T>> {
  await collect();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const value = await build();
  const ms = performance.now() - t0;
  await collect();
  const after = process.memoryUsage();
  const measured = canCollect();
  return {
    value,
    ms,
    heapBytes: measured ? after.heapUsed - before.heapUsed : null,
    externalBytes: measured ? after.external - before.external : null,
  };
}

/** Agreement on a sample, with the share of allows (a sample of denies only would prove little) and the time per decision. */
export interface Agreement extends Disagreement {
  readonly allowedShare: number;
  /** Mean wall time of one decision of the checked engine over the sample, ms. */
  readonly msPerDecision: number;
}

/** How large a sample to compare. */
export interface SampleOptions {
  /** At most this many queries. */
  readonly limit: number;
  /** Stop after this much time spent in the checked engine... */
  readonly maxMs: number;
  /** ...once at least this many were compared. */
  readonly min: number;
}

/** Compares `checker` with `expected` on the first queries of `queries`, bounded by count and time; errors compare as answers. */
export function agreement(checker: Checker, expected: Checker, queries: readonly Query[], options: SampleOptions): Agreement {
  let mismatches = 0;
  let allowed = 0;
  let compared = 0;
  let spent = 0;
  let first: Disagreement["first"];
  for (const q of queries) {
    if (compared >= options.limit || (compared >= options.min && spent >= options.maxMs)) break;
    const t0 = performance.now();
    const got = answer(checker, q.groups, q.access, q.path);
    spent += performance.now() - t0;
    const want = answer(expected, q.groups, q.access, q.path);
    compared++;
    if (want === "true") allowed++;
    if (got !== want) {
      mismatches++;
      first ??= { groups: q.groups, access: q.access, path: q.path, got, expected: want };
    }
  }
  return {
    compared,
    mismatches,
    allowedShare: compared === 0 ? 0 : allowed / compared,
    msPerDecision: compared === 0 ? Number.NaN : spent / compared,
    ...(first === undefined ? {} : { first }),
  };
}

function answer(checker: Checker, groups: readonly string[], access: Access, path: string): string {
  try {
    return String(checker.check(groups, access, path));
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** An engine to time: fast ones run whole chunks per timed loop, slow ones one timed decision at a time. */
export interface Contender {
  readonly checker: Checker;
  /** True for engines slower than about 10 µs per decision: the round clock is read after every decision. */
  readonly slow: boolean;
}

/** Round plan of `measureInterleaved`. */
export interface RoundPlan {
  readonly warmupMs: number;
  readonly rounds: number;
  readonly roundMs: number;
}

/** Where a slow engine is in the query set; every parsed query is checked once. */
interface Cursor {
  readonly checker: Checker;
  chunk: number;
  at: number;
  paths: readonly string[];
  groups: readonly string[][];
}

/**
 * One timed round of a slow engine: decisions one by one, each on freshly
 * parsed strings, until `ms` were spent deciding (and at least one decision).
 */
function slowRound(cursor: Cursor, set: QuerySet, ms: number): Round {
  let checks = 0;
  let allowed = 0;
  let elapsed = 0;
  let cpu = 0;
  while (elapsed < ms || checks === 0) {
    if (cursor.at >= cursor.paths.length) {
      cursor.chunk = (cursor.chunk + 1) % set.chunks.length;
      ({ paths: cursor.paths, groups: cursor.groups } = freshChunk(set, cursor.chunk));
      cursor.at = 0;
    }
    const i = cursor.at++;
    const access = set.access[cursor.chunk * set.chunkSize + i] as Access;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    if (cursor.checker.check(cursor.groups[i] as string[], access, cursor.paths[i] as string)) allowed++;
    elapsed += performance.now() - t0;
    const used = process.cpuUsage(cpu0);
    cpu += (used.user + used.system) / 1000;
    checks++;
  }
  return { checks, allowed, ms: elapsed, cpuMs: cpu };
}

/**
 * A warm-up round each, then `rounds` rounds in which every engine runs once
 * in turn (round r of all before round r + 1 of any), so a change in machine
 * load hits every engine alike. Each engine walks the query set from its own
 * place; the rate of a round is decisions / time spent deciding.
 */
export function measureInterleaved(contenders: readonly Contender[], set: QuerySet, plan: RoundPlan): ThroughputResult[] {
  const rounds = contenders.map((c) => {
    if (!c.slow) {
      const run = runner(c.checker);
      return (ms: number): Round => timedRound(run, set, ms);
    }
    const first = freshChunk(set, 0);
    const cursor: Cursor = { checker: c.checker, chunk: 0, at: 0, paths: first.paths, groups: first.groups };
    return (ms: number): Round => slowRound(cursor, set, ms);
  });
  for (let c = 0; c < rounds.length; c++) (rounds[c] as (ms: number) => Round)(plan.warmupMs);
  const rates = contenders.map((): number[] => []);
  const cpuRates = contenders.map((): number[] => []);
  const checks = contenders.map(() => 0);
  const allowed = contenders.map(() => 0);
  // Plain loops: V8 11.3 (Node 20) once aborted with "unreachable code" while
  // deoptimizing inside an Array.prototype.forEach continuation here.
  for (let r = 0; r < plan.rounds; r++) {
    for (let c = 0; c < rounds.length; c++) {
      const result = (rounds[c] as (ms: number) => Round)(plan.roundMs);
      rates[c]?.push((result.checks * 1000) / result.ms);
      cpuRates[c]?.push((result.checks * 1000) / Math.max(result.cpuMs, 1e-3));
      checks[c] = (checks[c] ?? 0) + result.checks;
      allowed[c] = (allowed[c] ?? 0) + result.allowed;
    }
  }
  return contenders.map((_, c) => {
    const n = checks[c] ?? 0;
    return {
      checksPerSec: summarize(rates[c] ?? []),
      checksPerCpuSec: summarize(cpuRates[c] ?? []),
      allowedShare: n === 0 ? 0 : (allowed[c] ?? 0) / n,
      totalChecks: n,
    };
  });
}
