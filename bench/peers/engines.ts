/**
 * The engines the peers bench and the scaling curve compare, each built from
 * the parsed rights files of its workload, and the rule that stops a peer
 * once it gets too slow to measure.
 */
import { compile } from "../../src/engine/index.js";
import type { RightsFile } from "../../src/engine/index.js";
import { buildReference } from "../reference.js";
import { fmt } from "../stats.js";
import { buildCasbin } from "./casbin-peer.js";
import { buildCedar } from "./cedar-peer.js";
import type { Engine } from "./peer.js";

/** The engines. */
export type EngineName = "treerights" | "reference" | "casbin" | "cedar";

/** The generated tree (full SPEC 1.2 semantics) or the peer variant (bench/peers/variant.ts). */
export type WorkloadName = "generated" | "variant";

/** An engine on a workload, as one row of the tables. */
export interface EngineKind {
  readonly name: EngineName;
  readonly workload: WorkloadName;
  /** A peer: timed decision by decision, stopped when too slow. */
  readonly slow: boolean;
  build(files: readonly RightsFile[]): Engine | Promise<Engine>;
}

const treerights = (files: readonly RightsFile[]): Engine => {
  const index = compile(files);
  return { checker: index, units: index.fileCount, unitName: "rights files" };
};
const reference = (files: readonly RightsFile[]): Engine => ({ checker: buildReference(files), units: files.length, unitName: "rights files" });

/**
 * Every row, in the order rounds interleave them: Casbin expresses SPEC 1.2
 * fully (priority by depth), so it runs on the generated tree; Cedar cannot
 * (a forbid always wins), so it runs on the variant, and treerights and the
 * reference run on both.
 */
export const ENGINE_KINDS: readonly EngineKind[] = [
  { name: "treerights", workload: "generated", slow: false, build: treerights },
  { name: "reference", workload: "generated", slow: false, build: reference },
  { name: "casbin", workload: "generated", slow: true, build: buildCasbin },
  { name: "treerights", workload: "variant", slow: false, build: treerights },
  { name: "reference", workload: "variant", slow: false, build: reference },
  { name: "cedar", workload: "variant", slow: true, build: buildCedar },
];

/** A peer stops at the size where one decision takes over this long... */
export const MAX_DECISION_MS = 1_000;
/** ...or building it takes over this long. */
export const MAX_BUILD_MS = 60_000;

/** What a peer cost at the last size it ran. */
export interface PeerCost {
  readonly dirs: number;
  readonly buildMs: number;
  readonly msPerDecision: number;
}

/**
 * Why a peer does not run at `dirs` given what it cost at smaller sizes
 * (oldest first), or null when it runs. It stops after the first size past a
 * limit; and a build predicted to take longer than the limit is not started:
 * the prediction grows the last build time with the exponent seen between
 * the last two sizes (at least linear growth).
 */
export function stopReason(history: readonly PeerCost[], dirs: number): string | null {
  const last = history[history.length - 1];
  if (last === undefined) return null;
  if (last.msPerDecision > MAX_DECISION_MS) return `one decision took ${fmt(last.msPerDecision)} ms at ${fmt(last.dirs)} directories`;
  if (last.buildMs > MAX_BUILD_MS) return `building took ${fmt(last.buildMs / 1000, 1)} s at ${fmt(last.dirs)} directories`;
  const before = history[history.length - 2];
  const seen = before === undefined || before.dirs === last.dirs ? 1 : Math.log(last.buildMs / before.buildMs) / Math.log(last.dirs / before.dirs);
  const exponent = Number.isFinite(seen) ? Math.min(Math.max(seen, 1), 3) : 1;
  const predicted = last.buildMs * (dirs / last.dirs) ** exponent;
  if (predicted > MAX_BUILD_MS) {
    return `building would take about ${fmt(predicted / 1000)} s (${fmt(last.buildMs / 1000, 1)} s at ${fmt(last.dirs)} directories, growing as n^${fmt(exponent, 2)})`;
  }
  return null;
}
