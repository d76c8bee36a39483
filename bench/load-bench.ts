/** `loadTree` from disk: wall time over a few loads, and the heap the index retains. */
import type { RightsIndex } from "../src/engine/index.js";
import type { LoadOptions } from "../src/loader/index.js";
import { compareCheckers } from "./engine-bench.js";
import type { Disagreement } from "./engine-bench.js";
import type { Checker } from "./reference.js";
import { canCollect, collect, summarize } from "./stats.js";
import type { Summary } from "./stats.js";
import type { QuerySet } from "./workload.js";

/** The loader entry point being measured. */
export type LoadTree = (dir: string, options?: LoadOptions) => Promise<RightsIndex>;

/** What loading one tree cost. */
export interface LoadResult {
  readonly fileCount: number;
  /** Wall time of each load, ms. */
  readonly loadMs: Summary;
  /** Process CPU time of each load (all threads, the libuv pool's file reads included), ms. */
  readonly cpuMs: Summary;
  /** `heapUsed` after a load minus before it, both after full collections, with the index alive; null without `--expose-gc`. */
  readonly retainedHeapBytes: number | null;
  /** Same for `external` (buffers held outside the JS heap). */
  readonly retainedExternalBytes: number | null;
  /** The loaded index compared with the reference built from the generated files. */
  readonly agreement: Disagreement;
}

/**
 * Loads `root` `repeats` times for timing (each index dropped before the
 * next), then once more between full collections to see what the index
 * retains; that index stays referenced until its answers were compared.
 */
export async function benchLoad(loadTree: LoadTree, root: string, reference: Checker, set: QuerySet, repeats: number): Promise<LoadResult> {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    await collect();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const index = await loadTree(root);
    times.push(performance.now() - t0);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
    if (index.fileCount === 0) throw new Error("loaded an empty index");
  }

  await collect();
  const before = process.memoryUsage();
  const index = await loadTree(root);
  await collect();
  const after = process.memoryUsage();
  const agreement = compareCheckers(index, reference, set, 20_000);
  const measured = canCollect();
  return {
    fileCount: index.fileCount,
    loadMs: summarize(times),
    cpuMs: summarize(cpu),
    retainedHeapBytes: measured ? after.heapUsed - before.heapUsed : null,
    retainedExternalBytes: measured ? after.external - before.external : null,
    agreement,
  };
}
