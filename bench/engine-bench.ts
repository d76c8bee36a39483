/**
 * In-process decisions per second: any `Checker` (the compiled index, the
 * plain reference, later the peers) over a seeded query set, path
 * normalization and validation included, every path freshly parsed.
 */
import type { Access } from "../src/engine/index.js";
import type { Checker } from "./reference.js";
import { summarize } from "./stats.js";
import type { Summary } from "./stats.js";
import { allQueries, freshChunk } from "./workload.js";
import type { QuerySet } from "./workload.js";

/** How long to measure. */
export interface RoundOptions {
  /** Untimed-result warm-up so the checker is optimized before measuring. */
  readonly warmupMs: number;
  readonly rounds: number;
  /** Timed checking per round (parsing the fresh strings is not counted). */
  readonly roundMs: number;
}

/** One timed round. */
export interface Round {
  readonly checks: number;
  readonly allowed: number;
  /** Time spent inside the check loop only, in ms. */
  readonly ms: number;
  /** CPU time of the process over the same loops, in ms: close to `ms` on an idle machine, less when other processes take the CPU. */
  readonly cpuMs: number;
}

/** The inner loop: checks the chunk's queries, returns how many were allowed. */
export type CheckLoop = (checker: Checker, paths: readonly string[], groups: readonly string[][], access: readonly Access[], base: number) => number;

const LOOP_SOURCE = `
  let allowed = 0;
  const n = paths.length;
  for (let i = 0; i < n; i++) if (checker.check(groups[i], access[base + i], paths[i])) allowed++;
  return allowed;`;

/**
 * A private copy of the inner loop. V8 keeps type feedback per function, so
 * one loop shared by several checkers would make its `check` call
 * polymorphic and slow every checker down; a copy per checker stays
 * monomorphic, so checkers can be measured side by side in one process.
 */
export function checkLoop(): CheckLoop {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a distinct function (own feedback) per checker is the point
  return new Function("checker", "paths", "groups", "access", "base", LOOP_SOURCE) as CheckLoop;
}

/** A checker with its own loop and its place in the query set. */
export interface Runner {
  readonly checker: Checker;
  readonly loop: CheckLoop;
  chunk: number;
}

/** Wraps a checker for `timedRound`. */
export function runner(checker: Checker): Runner {
  return { checker, loop: checkLoop(), chunk: 0 };
}

/**
 * Runs checks chunk by chunk from where `run` stopped until `ms` of checking
 * time has passed. Each chunk is parsed fresh just before its timed loop, so
 * the loop pays for hashing new strings exactly as a request handler does.
 */
export function timedRound(run: Runner, set: QuerySet, ms: number): Round {
  let checks = 0;
  let allowed = 0;
  let elapsed = 0;
  let cpu = 0;
  while (elapsed < ms) {
    const chunk = run.chunk;
    const { paths, groups } = freshChunk(set, chunk);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    allowed += run.loop(run.checker, paths, groups, set.access, chunk * set.chunkSize);
    elapsed += performance.now() - t0;
    const used = process.cpuUsage(cpu0);
    cpu += (used.user + used.system) / 1000;
    checks += paths.length;
    run.chunk = (chunk + 1) % set.chunks.length;
  }
  return { checks, allowed, ms: elapsed, cpuMs: cpu };
}

/** Checks per second over several rounds after a warm-up: median and range, and the share of allows. */
export interface ThroughputResult {
  readonly checksPerSec: Summary;
  /** Checks per second of process CPU time: what the machine would give without other load. */
  readonly checksPerCpuSec: Summary;
  readonly allowedShare: number;
  readonly totalChecks: number;
}

/**
 * Warm-up, then `rounds` timed rounds per checker, interleaved (round r of
 * every checker before round r + 1 of any) so drift in machine load hits all
 * of them alike. A round's rate is checks / time inside the loop.
 */
export function measureChecks(checkers: readonly Checker[], set: QuerySet, options: RoundOptions): ThroughputResult[] {
  const runs = checkers.map(runner);
  for (const run of runs) timedRound(run, set, options.warmupMs);
  const rates = checkers.map((): number[] => []);
  const cpuRates = checkers.map((): number[] => []);
  const checks = checkers.map(() => 0);
  const allowed = checkers.map(() => 0);
  for (let r = 0; r < options.rounds; r++) {
    runs.forEach((run, c) => {
      const round = timedRound(run, set, options.roundMs);
      rates[c]?.push((round.checks * 1000) / round.ms);
      cpuRates[c]?.push((round.checks * 1000) / round.cpuMs);
      checks[c] = (checks[c] ?? 0) + round.checks;
      allowed[c] = (allowed[c] ?? 0) + round.allowed;
    });
  }
  return checkers.map((_, c) => {
    const n = checks[c] ?? 0;
    return { checksPerSec: summarize(rates[c] ?? []), checksPerCpuSec: summarize(cpuRates[c] ?? []), allowedShare: n === 0 ? 0 : (allowed[c] ?? 0) / n, totalChecks: n };
  });
}

/** Where a checker disagreed with the expected answers. */
export interface Disagreement {
  readonly compared: number;
  readonly mismatches: number;
  readonly first?: { readonly groups: readonly string[]; readonly access: string; readonly path: string; readonly got: string; readonly expected: string };
}

/** Compares `checker` with `expected` on the first `limit` queries of the set (errors compare as answers too). */
export function compareCheckers(checker: Checker, expected: Checker, set: QuerySet, limit: number): Disagreement {
  let mismatches = 0;
  let first: Disagreement["first"];
  const queries = allQueries(set).slice(0, limit);
  for (const q of queries) {
    const got = answer(checker, q.groups, q.access, q.path);
    const want = answer(expected, q.groups, q.access, q.path);
    if (got !== want) {
      mismatches++;
      first ??= { groups: q.groups, access: q.access, path: q.path, got, expected: want };
    }
  }
  return { compared: queries.length, mismatches, ...(first === undefined ? {} : { first }) };
}

function answer(checker: Checker, groups: readonly string[], access: "READ" | "WRITE", path: string): string {
  try {
    return String(checker.check(groups, access, path));
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
}
