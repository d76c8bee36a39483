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

/**
 * Runs checks chunk by chunk from `cursor` until `ms` of checking time has
 * passed. Each chunk is parsed fresh just before its timed loop, so the loop
 * pays for hashing new strings exactly as a request handler does.
 */
export function timedRound(checker: Checker, set: QuerySet, ms: number, cursor = { chunk: 0 }): Round {
  let checks = 0;
  let allowed = 0;
  let elapsed = 0;
  let cpu = 0;
  const { access, chunkSize } = set;
  while (elapsed < ms) {
    const chunk = cursor.chunk;
    const { paths, groups } = freshChunk(set, chunk);
    const base = chunk * chunkSize;
    const n = paths.length;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      if (checker.check(groups[i] as string[], access[base + i] as Access, paths[i] as string)) allowed++;
    }
    elapsed += performance.now() - t0;
    const used = process.cpuUsage(cpu0);
    cpu += (used.user + used.system) / 1000;
    checks += n;
    cursor.chunk = (chunk + 1) % set.chunks.length;
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
  const cursors = checkers.map(() => ({ chunk: 0 }));
  checkers.forEach((checker, c) => timedRound(checker, set, options.warmupMs, cursors[c]));
  const rates = checkers.map((): number[] => []);
  const cpuRates = checkers.map((): number[] => []);
  const checks = checkers.map(() => 0);
  const allowed = checkers.map(() => 0);
  for (let r = 0; r < options.rounds; r++) {
    checkers.forEach((checker, c) => {
      const round = timedRound(checker, set, options.roundMs, cursors[c]);
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
