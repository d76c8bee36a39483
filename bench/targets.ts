/** The performance targets of issue 2 (and issue 3's ratios to the plain reference), judged against a run's results. */
import type { TargetResult } from "./report.js";
import type { Results } from "./run.js";
import { fmt, mib } from "./stats.js";

/** One verdict per target; `n/a` where this run did not measure it (a section or size left out, or skipped). */
export function evaluateTargets(r: Results): TargetResult[] {
  const engine = (dirs: number) => r.engine.find((e) => e.dirs === dirs);
  const load = r.load.find((l) => l.dirs === 100_000);
  const targets: TargetResult[] = [];
  const notRun = (what: string): string => (r.skipped.some((s) => s.section === what) ? "skipped" : "not run");

  for (const [dirs, wanted] of [[10_000, 1_500_000], [100_000, 500_000]] as const) {
    const e = engine(dirs);
    targets.push({
      name: `checks/s at ${fmt(dirs)} dirs (median)`,
      target: `>= ${fmt(wanted)}`,
      measured: e === undefined ? "-" : `${fmt(e.treerights.checksPerSec.median)} (per CPU-s ${fmt(e.treerights.checksPerCpuSec.median)})`,
      pass: e === undefined ? null : e.treerights.checksPerSec.median >= wanted,
      ...(e === undefined ? { note: notRun("engine") } : {}),
    });
  }

  // Issue 3: the engine against the plain reference, measured side by side in the same rounds.
  for (const [dirs, wanted] of [[10_000, 1.5], [100_000, 2]] as const) {
    const e = engine(dirs);
    const ratio = e === undefined ? null : e.treerights.checksPerSec.median / e.reference.checksPerSec.median;
    targets.push({
      name: `checks/s over the plain reference at ${fmt(dirs)} dirs`,
      target: `>= ${fmt(wanted, 1)}x`,
      measured: e === undefined || ratio === null ? "-"
        : `${fmt(ratio, 2)}x (per CPU-s ${fmt(e.treerights.checksPerCpuSec.median / e.reference.checksPerCpuSec.median, 2)}x)`,
      pass: ratio === null ? null : ratio >= wanted,
      ...(e === undefined ? { note: notRun("engine") } : {}),
    });
  }

  targets.push({
    name: "loadTree 100,000 dirs, time (median)",
    target: "<= 2,000 ms",
    measured: load === undefined ? "-" : `${fmt(load.loadMs.median)} ms`,
    pass: load === undefined ? null : load.loadMs.median <= 2_000,
    ...(load === undefined ? { note: notRun("load") } : {}),
  });
  const heap = load?.retainedHeapBytes ?? null;
  targets.push({
    name: "loadTree 100,000 dirs, retained heap",
    target: "<= 100 MiB",
    measured: heap === null ? "-" : `${fmt(mib(heap), 1)} MiB`,
    pass: heap === null ? null : mib(heap) <= 100,
    ...(heap === null ? { note: load === undefined ? notRun("load") : "needs --expose-gc" } : {}),
  });

  for (const dirs of [10_000, 100_000]) {
    const reload = r.reload.find((l) => l.dirs === dirs);
    targets.push({
      name: `one-file change visible, ${fmt(dirs)} dirs (worst sample)`,
      target: "<= 250 ms",
      measured: reload === undefined ? "-" : `${fmt(reload.visibleMs.max, 1)} ms (median ${fmt(reload.visibleMs.median, 1)})`,
      pass: reload === undefined ? null : reload.visibleMs.max <= 250 && reload.confirmed === reload.visibleMs.samples.length,
      ...(reload === undefined ? { note: notRun("reload") } : {}),
    });
  }

  const http = r.http;
  targets.push({
    name: "1,000-check batch, server time (median)",
    target: "<= 2 ms",
    measured: http === null ? "-" : `${fmt(http.batchServerMs.median, 3)} ms (whole inject ${fmt(http.batchInjectMs.median, 3)} ms; checks alone ${fmt(http.batchEngineMs.median, 3)} ms)`,
    pass: http === null ? null : http.batchServerMs.median <= 2,
    ...(http === null ? { note: notRun("http") } : {}),
  });
  return targets;
}
