/** Shared pieces of the diff tests: pairs of related trees, and the laws every diff obeys. */
import fc from "fast-check";
import { expect } from "vitest";
import type { Access, LevelRule, RightsFile, RightsIndex } from "../../src/engine/index.js";
import { ACCESS_LEVELS, canonicalPath } from "../../src/engine/index.js";
import type { RightsDiff } from "../../src/engine/diff-types.js";
import type { GenOptions, GenTree } from "../support/arbitraries.js";
import { LEAVES, keyOf, levelsArb, rightsFile, treeArb } from "../support/arbitraries.js";
import { naiveSegments } from "../support/naive.js";
import { patternRuleArb, treeWithPatternsArb } from "../support/pattern-arbitraries.js";

/** Two trees to diff. */
export interface TreePair {
  readonly a: GenTree;
  readonly b: GenTree;
}

type Edit = "keep" | "drop" | "replace" | "add" | "repattern";

/**
 * `a` and a copy of it with some files dropped, replaced, added or given new
 * pattern rules: close trees, as two revisions of one repository are.
 */
export function editedPairArb(options: { patterns?: boolean } & GenOptions = {}): fc.Arbitrary<TreePair> {
  const base = options.patterns === true ? treeWithPatternsArb(options) : treeArb(options);
  const kinds: fc.WeightedArbitrary<Edit>[] = [
    { arbitrary: fc.constant("keep"), weight: 6 },
    { arbitrary: fc.constant("drop"), weight: 1 },
    { arbitrary: fc.constant("replace"), weight: 2 },
    { arbitrary: fc.constant("add"), weight: 2 },
  ];
  if (options.patterns === true) kinds.push({ arbitrary: fc.constant("repattern"), weight: 1 });
  const edit = fc.record({
    kind: fc.oneof(...kinds),
    levels: levelsArb(options),
    patterns: fc.array(patternRuleArb(options), { maxLength: 2 }),
  });
  return base.chain((a) =>
    fc.array(edit, { minLength: a.dirs.length, maxLength: a.dirs.length }).map((edits) => {
      const byKey = new Map(a.files.map((f) => [keyOf(naiveSegments(f.dir)), f]));
      const files: RightsFile[] = [];
      a.dirs.forEach((dir, i) => {
        const e = edits[i];
        const old = byKey.get(keyOf(dir));
        const root = dir.length === 0;
        if (e === undefined || e.kind === "keep" || (root && e.kind === "drop")) {
          if (old !== undefined) files.push(old);
        } else if (e.kind === "replace" || e.kind === "add") {
          if (old !== undefined || e.kind === "add") files.push({ ...rightsFile(dir.join("/"), e.levels), ...(old?.patterns ? { patterns: old.patterns } : {}) });
        } else if (e.kind === "repattern") {
          const patterns = e.patterns.length > 0 ? { patterns: e.patterns } : {};
          files.push({ ...rightsFile(dir.join("/"), e.levels), ...patterns });
        }
        // "drop": the file is gone in b.
      });
      return { a, b: { dirs: a.dirs, files } };
    }),
  );
}

/** Two unrelated trees, each directory of both examined. */
export function independentPairArb(options: { patterns?: boolean } & GenOptions = {}): fc.Arbitrary<TreePair> {
  const tree = options.patterns === true ? treeWithPatternsArb(options) : treeArb(options);
  return fc.record({ a: tree, b: tree });
}

/** Every directory of both trees, and a leaf below each (pattern rules reach files too). */
export function examinedPaths(pair: TreePair): string[] {
  const keys = new Set<string>();
  for (const dir of [...pair.a.dirs, ...pair.b.dirs]) {
    keys.add(`/${keyOf(dir)}`);
    for (const leaf of LEAVES) keys.add(`/${keyOf([...dir, leaf])}`);
  }
  return [...keys];
}

/** Whether a group is held after `rule` given whether it was held before (SPEC 1.2). */
function heldAfter(rule: LevelRule | undefined, group: string, before: boolean): boolean {
  if (rule === undefined) return before;
  if (rule.override !== undefined) return rule.override.includes(group);
  if (rule.exclude?.includes(group) === true) return false;
  return before || rule.include?.includes(group) === true;
}

/** The rules a cause may name (a file may hold several pattern rules with one glob), read from one side. */
function causeRules(index: RightsIndex, file: string, access: Access, match: string | undefined): (LevelRule | undefined)[] | null {
  const found = index.files.find((f) => f.file === file);
  if (found === undefined) return null;
  if (match === undefined) return [found[access]];
  return (found.patterns ?? []).filter((p) => p.match === match).map((p) => p[access]);
}

/** Whether one of `rules` decides `group` to be `held`, whatever was inherited. */
function decides(rules: readonly (LevelRule | undefined)[], group: string, held: boolean): boolean {
  return rules.some((rule) => rule !== undefined && heldAfter(rule, group, !held) === held);
}

/**
 * The laws of a diff from `a` to `b` over `paths`: every change is real,
 * each (path, level, group) is reported once, applying the entries to `a`
 * gives `b` on every path, each cause's rule decides the group the way the
 * change says, and the grouping and order hold.
 */
export function expectDiffLaws(diff: RightsDiff, a: RightsIndex, b: RightsIndex, paths: readonly string[]): void {
  const applied = new Map<string, Set<string>>();
  const at = (path: string, access: Access): Set<string> => {
    const key = `${access} ${path}`;
    let set = applied.get(key);
    if (set === undefined) {
      set = new Set(a.groupsFor(access, path));
      applied.set(key, set);
    }
    return set;
  };
  const reported = new Set<string>();
  const keys = new Set<string>();
  for (const entry of diff.entries) {
    const { cause } = entry;
    expect(entry.count).toBe(entry.paths.length);
    expect(entry.paths).toContain(entry.path);
    expect(entry.added.length + entry.removed.length).toBeGreaterThan(0);
    const depth = (p: string): number => naiveSegments(p).length;
    expect(Math.min(...entry.paths.map(depth))).toBe(depth(entry.path));
    const key = JSON.stringify([entry.access, cause, entry.added, entry.removed]);
    expect(keys.has(key)).toBe(false);
    keys.add(key);
    const rules = causeRules(cause.side === "to" ? b : a, cause.file, entry.access, cause.match) ?? [];
    expect(rules.length).toBeGreaterThan(0);
    expect(cause.change === "changed").toBe(b.files.some((f) => f.file === cause.file) && a.files.some((f) => f.file === cause.file));
    for (const path of entry.paths) {
      const before = new Set(a.groupsFor(entry.access, path));
      const after = new Set(b.groupsFor(entry.access, path));
      // The cause's directory is on the path (a pattern rule's strictly above it).
      const dir = naiveSegments(cause.dir);
      const segments = naiveSegments(path);
      expect(dir.every((s, i) => segments[i] === s)).toBe(true);
      if (cause.match !== undefined) expect(segments.length).toBeGreaterThan(dir.length);
      const set = at(path, entry.access);
      for (const g of entry.added) {
        expect(after.has(g) && !before.has(g)).toBe(true);
        expect(reported.has(`${entry.access} ${path} ${g}`)).toBe(false);
        reported.add(`${entry.access} ${path} ${g}`);
        set.add(g);
        // Now held: the new rule grants it, or the old rule that took it is gone.
        expect(decides(rules, g, cause.side === "to")).toBe(true);
      }
      for (const g of entry.removed) {
        expect(before.has(g) && !after.has(g)).toBe(true);
        expect(reported.has(`${entry.access} ${path} ${g}`)).toBe(false);
        reported.add(`${entry.access} ${path} ${g}`);
        set.delete(g);
        // No longer held: the new rule takes it, or the old rule that granted it is gone.
        expect(decides(rules, g, cause.side === "from")).toBe(true);
      }
    }
  }
  for (const path of paths) {
    for (const access of ACCESS_LEVELS) {
      expect([...at(canonicalPath(path), access)].sort(), `${access} ${path}`).toEqual([...b.groupsFor(access, path)]);
    }
  }
  const order = diff.entries.map((e) => [naiveSegments(e.path), e.access] as const);
  for (let i = 1; i < order.length; i++) {
    const [p, accessP] = order[i - 1]!;
    const [q, accessQ] = order[i]!;
    expect(compareTreeOrder(p, q) < 0 || (compareTreeOrder(p, q) === 0 && accessP <= accessQ)).toBe(true);
  }
}

function compareTreeOrder(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] ?? "") < (b[i] ?? "") ? -1 : 1;
  }
  return a.length - b.length;
}
