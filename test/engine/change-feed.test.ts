/**
 * How a cache applies the change feed (`changesSince`, `GET /v1/changes`):
 * an entry for a directory and a level drops the cached answers for that
 * level on the directory and every path below it. Every answer the rule
 * keeps must equal a fresh check, whatever changed, pattern rules included.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, formatPath, normalizePath } from "../../src/engine/index.js";
import type { EffectiveChange, IndexChanges, RightsFile } from "../../src/engine/index.js";
import { keyOf, levelsArb, querySeedArb, resolveQuery, rightsFile } from "../support/arbitraries.js";
import { testMatcher } from "../support/matcher.js";
import { patternRuleArb, treeWithPatternsArb } from "../support/pattern-arbitraries.js";

/** True when the entry covers `segments` at `access`: the same level, at or below the entry's directory. */
function covers(entry: EffectiveChange, segments: readonly string[], access: string): boolean {
  if (entry.access !== access) return false;
  const dir = normalizePath(entry.path);
  return dir.length <= segments.length && dir.every((name, i) => segments[i] === name);
}

/** One edit: a new or replaced file at a directory of the tree, or the removal of a file below the root. */
const editArb = fc.record({
  pick: fc.nat(),
  remove: fc.boolean(),
  levels: levelsArb(),
  patterns: fc.option(fc.array(patternRuleArb(), { minLength: 1, maxLength: 2 }), { nil: undefined }),
});

describe("the change feed applied to a cache", () => {
  it("keeps only answers a fresh check gives: an entry drops its level's answers at and below its directory", () => {
    fc.assert(
      fc.property(treeWithPatternsArb(), fc.array(editArb, { minLength: 1, maxLength: 3 }), fc.array(querySeedArb(), { minLength: 1, maxLength: 12 }), (tree, edits, seeds) => {
        const before = compile(tree.files, { matcher: testMatcher });
        let after = before;
        for (const edit of edits) {
          const dir = tree.dirs[edit.pick % tree.dirs.length] ?? [];
          const changes: IndexChanges = edit.remove && dir.length > 0
            ? { remove: [keyOf(dir)] }
            : { upsert: [{ ...rightsFile(keyOf(dir), edit.levels), ...(edit.patterns === undefined ? {} : { patterns: edit.patterns }) } satisfies RightsFile] };
          after = after.update(changes);
        }
        const feed = after.changesSince(before);
        for (const query of seeds.map((seed) => resolveQuery(tree, seed))) {
          const cached = before.check(query.groups, query.access, query.path);
          const dropped = feed.some((entry) => covers(entry, query.segments, query.access));
          if (!dropped) expect(after.check(query.groups, query.access, query.path), `${query.access} ${formatPath(query.segments)} ${JSON.stringify(feed)}`).toBe(cached);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("flags a directory whose pattern rules changed even when its own groups did not", () => {
    const before = compile([{ dir: "", WRITE: { include: ["ops"] } }, { dir: "d" }], { matcher: testMatcher });
    const after = before.update({ upsert: [{ dir: "d", patterns: [{ match: "*.script", WRITE: { override: ["x"] } }] }] });
    expect(before.check(["ops"], "WRITE", "/d/a.script")).toBe(true);
    expect(after.check(["ops"], "WRITE", "/d/a.script")).toBe(false);
    expect(after.changesSince(before)).toEqual([
      { path: "/d", access: "READ", added: [], removed: [], patternRules: true },
      { path: "/d", access: "WRITE", added: [], removed: [], patternRules: true },
    ]);
  });
});
