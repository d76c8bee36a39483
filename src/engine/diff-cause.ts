/**
 * Attributing an effective change to the rule that made it: for each group
 * whose holding differs on a path, the last rule on each tree's walk that
 * decides the group, and of those two the deeper one.
 */
import { compareCodeUnits } from "./group-set.js";
import { formatPath, normalizePath } from "./path.js";
import type { DiffCause } from "./diff-types.js";
import type { Access, ExplainStep, Keyword, LevelRule, RightsFile, RightsIndex } from "./types.js";

/** One tree's files, looked up the ways attribution needs. */
export interface DiffSide {
  readonly index: RightsIndex;
  /** Files by directory key (`segments.join("/")`, `""` for the root). */
  readonly byDir: ReadonlyMap<string, RightsFile>;
  /** Files by their path relative to the root. */
  readonly byFile: ReadonlyMap<string, RightsFile>;
  /** Directory keys whose file has pattern rules. */
  readonly patterned: ReadonlySet<string>;
}

/** The lookups of one index, built once per diff. */
export function diffSide(index: RightsIndex): DiffSide {
  const byDir = new Map<string, RightsFile>();
  const byFile = new Map<string, RightsFile>();
  const patterned = new Set<string>();
  for (const file of index.files) {
    const key = normalizePath(file.dir).join("/");
    byDir.set(key, file);
    byFile.set(fileName(file, key), file);
    if ((file.patterns?.length ?? 0) > 0) patterned.add(key);
  }
  return { index, byDir, byFile, patterned };
}

/** The groups one cause added and removed on one path and level. */
export interface AttributedChange {
  readonly cause: DiffCause;
  readonly added: string[];
  readonly removed: string[];
}

/**
 * Splits the change of `access` on the path `segments` (from `before` to
 * `after`, both sorted) by cause. Every group of the change lands in exactly
 * one part. Throws a plain `Error` only if the index contradicts its own
 * rules, which would be a bug.
 */
export function attribute(
  from: DiffSide, to: DiffSide, segments: readonly string[], access: Access,
  before: readonly string[], after: readonly string[],
): AttributedChange[] {
  const patterns = underPatterns(from, segments) || underPatterns(to, segments);
  const fromWalk = patterns ? explainedWalk(from, segments, access) : fileWalk(from, segments, access);
  const toWalk = patterns ? explainedWalk(to, segments, access) : fileWalk(to, segments, access);
  const parts = new Map<string, AttributedChange>();
  const held = new Set(before);
  const holds = new Set(after);
  const note = (group: string, added: boolean): void => {
    const t = lastDeciding(toWalk, group);
    const f = lastDeciding(fromWalk, group);
    // The deeper of the two decided the difference; the other side's rule there is absent or different.
    const useTo = t !== null && (f === null || compareOrder(t.step.order, f.step.order) >= 0);
    const chosen = useTo ? t : f;
    if (chosen === null || chosen.held !== (useTo ? holds.has(group) : held.has(group))) {
      throw new Error(`diff: no rule explains the change of \`${group}\` on \`${formatPath(segments)}\``);
    }
    const cause = causeOf(chosen.step, chosen.keyword, useTo ? "to" : "from", useTo ? from : to);
    const key = JSON.stringify([cause.file, cause.match ?? null, cause.keyword, cause.side]);
    let part = parts.get(key);
    if (part === undefined) {
      part = { cause, added: [], removed: [] };
      parts.set(key, part);
    }
    (added ? part.added : part.removed).push(group);
  };
  for (const group of after) if (!held.has(group)) note(group, true);
  for (const group of before) if (!holds.has(group)) note(group, false);
  return [...parts.values()];
}

/** A rule met on the walk to a path, placed so that walks of two trees can be compared. */
interface WalkStep {
  /** (depth of the visited directory, depth of the file's directory, pattern index): later is deeper. */
  readonly order: readonly [number, number, number];
  readonly file: string;
  readonly dirKey: string;
  readonly rule: LevelRule | undefined;
  readonly match?: string;
}

// SPEC 1.2 without pattern rules: each prefix's own file, root down.
function fileWalk(side: DiffSide, segments: readonly string[], access: Access): WalkStep[] {
  const steps: WalkStep[] = [];
  let key = "";
  for (let depth = 0; depth <= segments.length; depth++) {
    if (depth > 0) key = depth === 1 ? (segments[0] ?? "") : `${key}/${segments[depth - 1] ?? ""}`;
    const file = side.byDir.get(key);
    if (file !== undefined) steps.push({ order: [depth, depth, 0], file: fileName(file, key), dirKey: key, rule: file[access] });
  }
  return steps;
}

// SPEC 1.3: the engine's own walk, pattern rules included, read from `explain`.
function explainedWalk(side: DiffSide, segments: readonly string[], access: Access): WalkStep[] {
  const seen = new Map<string, number>();
  return side.index.explain([], access, formatPath(segments)).steps.map((step) => {
    const depth = normalizePath(step.dir).length;
    const owner = side.byFile.get(step.file);
    const dirKey = owner === undefined ? normalizePath(step.dir).join("/") : normalizePath(owner.dir).join("/");
    const rule = ruleOf(step);
    const { match } = step;
    if (match === undefined) return { order: [depth, depth, 0], file: step.file, dirKey, rule };
    // The k-th rule with this glob met at this depth is the k-th one with it in the file.
    const id = `${step.file}\u0000${match}\u0000${depth}`;
    const k = seen.get(id) ?? 0;
    seen.set(id, k + 1);
    const ownerDepth = dirKey === "" ? 0 : dirKey.split("/").length;
    return { order: [depth, ownerDepth, patternIndex(owner, match, k)], file: step.file, dirKey, rule, match };
  });
}

function patternIndex(owner: RightsFile | undefined, match: string, k: number): number {
  let seen = 0;
  const patterns = owner?.patterns ?? [];
  for (let i = 0; i < patterns.length; i++) {
    if (patterns[i]?.match !== match) continue;
    if (seen === k) return i;
    seen++;
  }
  return patterns.length;
}

function underPatterns(side: DiffSide, segments: readonly string[]): boolean {
  if (side.patterned.size === 0) return false;
  let key = "";
  // Strict ancestors only: a file's rules act below its directory.
  for (let depth = 0; depth < segments.length; depth++) {
    if (depth > 0) key = depth === 1 ? (segments[0] ?? "") : `${key}/${segments[depth - 1] ?? ""}`;
    if (side.patterned.has(key)) return true;
  }
  return false;
}

interface Deciding {
  readonly step: WalkStep;
  readonly held: boolean;
  readonly keyword: Keyword;
}

/** The last step whose rule decides `group`: its holding after the walk is that step's verdict. */
function lastDeciding(walk: readonly WalkStep[], group: string): Deciding | null {
  for (let i = walk.length - 1; i >= 0; i--) {
    const step = walk[i];
    const rule = step?.rule;
    if (step === undefined || rule === undefined) continue;
    // SPEC 1.2: (X ∪ I) \ E, so an exclude wins over an include.
    if (rule.override !== undefined) return { step, held: rule.override.includes(group), keyword: "override" };
    if (rule.exclude?.includes(group) === true) return { step, held: false, keyword: "exclude" };
    if (rule.include?.includes(group) === true) return { step, held: true, keyword: "include" };
  }
  return null;
}

function causeOf(step: WalkStep, keyword: Keyword, side: "from" | "to", other: DiffSide): DiffCause {
  const inOther = other.byFile.has(step.file);
  return Object.freeze({
    file: step.file,
    dir: formatPath(step.dirKey === "" ? [] : step.dirKey.split("/")),
    keyword,
    side,
    change: inOther ? "changed" : side === "to" ? "added" : "removed",
    ...(step.match !== undefined ? { match: step.match } : {}),
  });
}

function compareOrder(a: readonly [number, number, number], b: readonly [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function ruleOf(step: ExplainStep): LevelRule | undefined {
  if (step.keywords.length === 0) return undefined;
  return {
    ...(step.override !== undefined ? { override: step.override } : {}),
    ...(step.include !== undefined ? { include: step.include } : {}),
    ...(step.exclude !== undefined ? { exclude: step.exclude } : {}),
  };
}

function fileName(file: RightsFile, key: string): string {
  return file.file ?? (key === "" ? "access.rights" : `${key}/access.rights`);
}

/** Tree order of two paths' segments: parents before children, siblings by code unit. */
export function compareSegments(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareCodeUnits(a[i] ?? "", b[i] ?? "");
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
