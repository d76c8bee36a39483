/** SPEC 1.3 pattern rules: the compiled index against the naive walk, and the laws files obey. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RightsFile } from "../../src/engine/index.js";
import { compile } from "../../src/engine/index.js";
import { keyOf, querySeedArb, resolveQuery, rightsFile, levelsArb, treeArb } from "../support/arbitraries.js";
import { testMatcher } from "../support/matcher.js";
import { naiveGroupsFor, naiveTree } from "../support/naive.js";
import { treeWithPatternsArb } from "../support/pattern-arbitraries.js";

const cases = fc.tuple(treeWithPatternsArb(), fc.array(querySeedArb(), { minLength: 1, maxLength: 8 }));

describe("pattern rules (SPEC 1.3)", () => {
  it("agree with the naive walk on every generated query", () => {
    fc.assert(
      fc.property(cases, ([tree, seeds]) => {
        const index = compile(tree.files, { matcher: testMatcher });
        const naive = naiveTree(tree.files);
        for (const seed of seeds) {
          const q = resolveQuery(tree, seed);
          const expected = naiveGroupsFor(naive, q.access, q.path);
          expect(index.groupsFor(q.access, q.path)).toEqual(expected);
          expect(index.check(q.groups, q.access, q.path)).toBe(q.groups.some((g) => expected.includes(g)));
          const explained = index.explain(q.groups, q.access, q.path);
          expect(explained.effective).toEqual(expected);
          // The steps chain: each starts where the previous ended.
          explained.steps.forEach((step, i) => {
            expect(step.before).toEqual(i === 0 ? [] : explained.steps[i - 1]!.after);
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it("act like a rights file standing at the one path their glob names", () => {
    const lawCase = fc.tuple(treeArb(), fc.nat(), levelsArb(), fc.array(querySeedArb(), { minLength: 1, maxLength: 8 }));
    fc.assert(
      fc.property(lawCase, ([tree, pick, levels, seeds]) => {
        const dirs = tree.dirs.filter((d) => d.length > 0);
        const target = dirs[pick % Math.max(1, dirs.length)];
        fc.pre(target !== undefined && levels.READ !== undefined && levels.WRITE !== undefined);
        const withoutTarget = tree.files.filter((f) => keyOf(f.dir.split("/").filter((s) => s !== "" && s !== ".")) !== keyOf(target));
        const root = withoutTarget.find((f) => f.dir.split("/").every((s) => s === "" || s === "."));
        fc.pre(root !== undefined);
        const asFile: RightsFile[] = [...withoutTarget, rightsFile(target.join("/"), levels)];
        const asPattern: RightsFile[] = withoutTarget.map((f) =>
          f === root ? { ...f, patterns: [{ match: target.join("/"), ...levels } as never] } : f,
        );
        const a = compile(asFile, { matcher: testMatcher });
        const b = compile(asPattern, { matcher: testMatcher });
        for (const seed of seeds) {
          const q = resolveQuery(tree, seed);
          expect(b.groupsFor(q.access, q.path)).toEqual(a.groupsFor(q.access, q.path));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("leave paths no glob touches exactly as without patterns", () => {
    fc.assert(
      fc.property(cases, ([tree, seeds]) => {
        const withPatterns = compile(tree.files, { matcher: testMatcher });
        const without = compile(tree.files.map(({ patterns: _, ...rest }) => rest));
        for (const seed of seeds) {
          const q = resolveQuery(tree, seed);
          const touched = withPatterns.explain([], q.access, q.path).steps.some((s) => s.match !== undefined);
          if (!touched) expect(withPatterns.groupsFor(q.access, q.path)).toEqual(without.groupsFor(q.access, q.path));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("apply ancestors' rules shallow-first, in file order, then the path's own file", () => {
    const index = compile(
      [
        { dir: "", READ: { include: ["ops"] }, patterns: [{ match: "**/*.script", WRITE: { override: ["script-admins"] } }, { match: "reports/**", READ: { include: ["auditors"] } }] },
        { dir: "plant", patterns: [{ match: "**/*.script", WRITE: { include: ["plant-eng"] } }] },
        { dir: "plant/x.script", WRITE: { exclude: ["script-admins"] } },
      ],
      { matcher: testMatcher },
    );
    expect(index.groupsFor("WRITE", "/plant/a/pump.script")).toEqual(["plant-eng", "script-admins"]);
    expect(index.groupsFor("WRITE", "/plant/x.script")).toEqual(["plant-eng"]);
    expect(index.groupsFor("WRITE", "/other/pump.script")).toEqual(["script-admins"]);
    expect(index.groupsFor("READ", "/reports")).toEqual(["auditors", "ops"]);
    expect(index.groupsFor("READ", "/reports/2026/jan.pdf")).toEqual(["auditors", "ops"]);
    expect(index.groupsFor("READ", "/plant/reports")).toEqual(["ops"]);
    const steps = index.explain(["plant-eng"], "WRITE", "/plant/x.script").steps;
    expect(steps.map((s) => [s.file, s.match ?? null, s.dir])).toEqual([
      ["access.rights", null, "/"],
      ["plant/access.rights", null, "/plant"],
      ["access.rights", "**/*.script", "/plant/x.script"],
      ["plant/access.rights", "**/*.script", "/plant/x.script"],
      ["plant/x.script/access.rights", null, "/plant/x.script"],
    ]);
  });

  it("need a matcher to compile", () => {
    expect(() => compile([{ dir: "", patterns: [{ match: "**", READ: { include: ["a"] } }] }])).toThrow(
      expect.objectContaining({ code: "invalid_option" }),
    );
  });
});
