import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compile, PathError, TreeRightsError } from "../../src/engine/index.js";
import { caseArb, invalidPathArb, querySeedArb, resolveQuery } from "../support/arbitraries.js";
import { testMatcher } from "../support/matcher.js";
import { treeWithPatternsArb } from "../support/pattern-arbitraries.js";

describe("index.checker(groups, access)", () => {
  test("decides every path as check does, with and without pattern rules", () => {
    const withPatterns = treeWithPatternsArb().chain((tree) =>
      fc.array(querySeedArb(), { minLength: 1, maxLength: 8 }).map((seeds) => ({ tree, queries: seeds.map((s) => resolveQuery(tree, s)) })));
    fc.assert(fc.property(fc.oneof(caseArb(), withPatterns), ({ tree, queries }) => {
      const index = compile(tree.files, { matcher: testMatcher });
      for (const q of queries) {
        const allows = index.checker(q.groups, q.access);
        // The same caller asking about every query's path.
        for (const other of queries) expect(allows(other.path)).toBe(index.check(q.groups, q.access, other.path));
      }
    }), { numRuns: 400 });
  });

  test("refuses bad groups or access when made, and a bad path when asked", () => {
    const index = compile([{ dir: "", READ: { include: ["ops"] } }]);
    expect(() => index.checker(["ops", 1 as unknown as string], "READ")).toThrow(TreeRightsError);
    expect(() => index.checker("ops" as unknown as string[], "READ")).toThrow(TreeRightsError);
    expect(() => index.checker(["ops"], "read" as "READ")).toThrow(TreeRightsError);
    const allows = index.checker(["ops"], "READ");
    fc.assert(fc.property(invalidPathArb, (path) => {
      expect(() => allows(path)).toThrow(PathError);
    }), { numRuns: 100 });
    expect(allows("/any/where")).toBe(true);
    expect(index.checker([], "READ")("/")).toBe(false);
    expect(index.checker(["nobody"], "READ")("/")).toBe(false);
  });

  test("keeps the caller's list as it was when made", () => {
    const index = compile([{ dir: "", READ: { include: ["ops"] } }]);
    const groups = ["eng"];
    const allows = index.checker(groups, "READ");
    groups.push("ops");
    expect(allows("/a")).toBe(false);
  });
});
