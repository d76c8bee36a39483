/**
 * The rule `exclusive_write`: two groups that `treerights.yaml` declares
 * mutually exclusive must never both hold WRITE on one path. An error: it
 * rejects a load, and lint reports it.
 */
import type { ExplainStep, Keyword, LevelRule, Position, Problem, RightsFile, RightsIndex } from "../../engine/index.js";
import { formatPath, normalizePath } from "../../engine/index.js";
import type { TreeConfig } from "../parse/config.js";
import { CONFIG_FILE } from "../parse/config.js";
import { InheritedSets } from "./lint-inherited.js";
import { LevelUses, mayRemove } from "./lint-scope.js";
import { NOWHERE, problem, quote } from "../parse/problems.js";
import type { FilePlaces, LevelPlaces, TreePlaces } from "../parse/rights-places.js";
import { groupPlace } from "../parse/rights-places.js";

/**
 * Every place where two groups of one exclusive set come to both hold WRITE:
 * each indexed directory where they both do and its parent did not (so a
 * grant near the root is reported once, not in every directory below), and
 * each pattern rule that certainly gives both on every path it matches. The
 * finding stands on the group whose grant completed the pair.
 */
export function exclusiveWrites(index: RightsIndex, config: TreeConfig | undefined, places: TreePlaces | undefined, known?: InheritedSets): Problem[] {
  const sets = (config?.exclusive ?? []).filter((set) => set.length >= 2);
  if (sets.length === 0) return [];
  const inherited = known ?? new InheritedSets(index);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const report = (found: Problem, pair: string): void => {
    const key = `${found.file}\0${found.line}\0${found.column}\0${pair}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(found);
  };
  for (const dir of inherited.directories()) {
    const before = inherited.parentEffective(dir.path, "WRITE");
    const after = new Set(dir.write);
    for (const [a, b] of pairs(sets)) {
      if (!after.has(a) || !after.has(b) || (before.has(a) && before.has(b))) continue;
      const step = completingStep(index.explain([], "WRITE", dir.path).steps, a, b);
      const at = step === undefined ? NOWHERE : stepPlace(step, a, b, places?.get(step.file));
      report(problem("exclusive_write", step?.file ?? CONFIG_FILE, at, message(a, b, `WRITE on ${quote(dir.path)}`)), `${a}\0${b}`);
    }
  }
  if (inherited.hasPatterns) {
    const uses = new LevelUses(index.files, "WRITE");
    for (const file of index.files) patternConflicts(file, sets, inherited, uses, places?.get(file.file ?? ""), report);
  }
  return problems;
}

function message(a: string, b: string, what: string): string {
  return `groups ${quote(a)} and ${quote(b)} are mutually exclusive in \`${CONFIG_FILE}\` but both hold ${what}; remove one of them here`;
}

function* pairs(sets: readonly (readonly string[])[]): Generator<[string, string]> {
  for (const set of sets) {
    for (let i = 0; i < set.length; i++) {
      for (let j = i + 1; j < set.length; j++) yield [set[i] ?? "", set[j] ?? ""];
    }
  }
}

// The last step after which both groups are held and before which they were not.
function completingStep(steps: readonly ExplainStep[], a: string, b: string): ExplainStep | undefined {
  let found: ExplainStep | undefined;
  for (const step of steps) {
    const both = (list: readonly string[]) => list.includes(a) && list.includes(b);
    if (both(step.after) && !both(step.before)) found = step;
  }
  return found;
}

// The grant of `a` or `b` in the step's rule: in a pattern rule when the step has a `match`, else the file's own level.
function stepPlace(step: ExplainStep, a: string, b: string, places: FilePlaces | undefined): Position {
  const match = (step as { readonly match?: string }).match;
  const level = match === undefined
    ? places?.WRITE
    : places?.patterns.find((p) => sameAt(p.WRITE?.at, step.at))?.WRITE;
  const granted = [a, b].find((g) => step.after.includes(g) && !step.before.includes(g)) ?? a;
  return grantPlace(step, granted, level) ?? step.at ?? NOWHERE;
}

function grantPlace(rule: Pick<LevelRule, Keyword>, group: string, level: LevelPlaces | undefined): Position | undefined {
  for (const keyword of ["override", "include"] as const) {
    const i = rule[keyword]?.indexOf(group) ?? -1;
    if (i >= 0) return groupPlace(level, keyword, i);
  }
  return undefined;
}

function sameAt(x: Position | undefined, y: Position | undefined): boolean {
  return x !== undefined && y !== undefined && x.line === y.line && x.column === y.column;
}

/**
 * Pattern rules of `file` that give two exclusive groups WRITE at every path
 * they match: each group is granted by the rule or already held at the
 * file's directory and not removed by it, one at least by the rule, and no
 * other rule that could act below takes either away.
 */
function patternConflicts(
  file: RightsFile, sets: readonly (readonly string[])[], inherited: InheritedSets, uses: LevelUses,
  places: FilePlaces | undefined, report: (found: Problem, pair: string) => void,
): void {
  const dir = normalizePath(file.dir);
  const base = inherited.effective(formatPath(dir), "WRITE");
  file.patterns?.forEach((pattern, i) => {
    const rule = pattern.WRITE;
    if (rule === undefined) return;
    const grants = (g: string) => rule.override?.includes(g) === true || rule.include?.includes(g) === true;
    const holds = (g: string) => grants(g) || (base.has(g) && !mayRemove(rule, g));
    for (const [a, b] of pairs(sets)) {
      if (!holds(a) || !holds(b) || (!grants(a) && !grants(b))) continue;
      if (uses.anyBelow({ dir, pattern: i }, (other) => mayRemove(other, a) || mayRemove(other, b))) continue;
      const at = grantPlace(rule, grants(b) ? b : a, places?.patterns[i]?.WRITE) ?? rule.at ?? NOWHERE;
      report(problem("exclusive_write", file.file ?? "", at, message(a, b, `WRITE on every path matching ${quote(pattern.match)} below ${quote(formatPath(dir))}`)), `${a}\0${b}`);
    }
  });
}
