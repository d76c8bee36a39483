import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Access, LevelRule, PatternRule, RightsFile } from "../../src/engine/index.js";
import { compile } from "../../src/engine/index.js";
import { globMatcher } from "../../src/loader/parse/glob.js";
import { DEFAULT_CONFIG } from "../../src/loader/parse/config.js";
import { exclusiveWrites } from "../../src/loader/lint/lint-exclusive.js";
import { InheritedSets } from "../../src/loader/lint/lint-inherited.js";
import type { RedundantKeyword } from "../../src/loader/lint/lint-redundant.js";
import { redundantKeywords } from "../../src/loader/lint/lint-redundant.js";
import type { GenTree } from "../support/arbitraries.js";
import { LEAVES, treeArb } from "../support/arbitraries.js";
import { treeWithPatternsArb } from "../support/pattern-arbitraries.js";

/** Every directory of the tree, a leaf in each, and a path below each that no directory has. */
function queryPaths(tree: GenTree): string[] {
  return tree.dirs.flatMap((dir) => [dir, ...LEAVES.map((leaf) => [...dir, leaf]), [...dir, "a", "pump.script"]].map((p) => `/${p.join("/")}`));
}

/** The files with the finding's group (or whole `override`) taken out. */
function without(files: readonly RightsFile[], found: RedundantKeyword): RightsFile[] {
  const strip = (rule: LevelRule): LevelRule | undefined => {
    const { [found.keyword]: list, ...rest } = rule;
    if (found.index < 0 || list === undefined) return Object.keys(rest).some((k) => k !== "at") ? rest : undefined;
    return { ...rest, [found.keyword]: list.filter((_, i) => i !== found.index) };
  };
  const withLevel = <T extends { readonly READ?: LevelRule; readonly WRITE?: LevelRule }>(holder: T, access: Access): T => {
    const { [access]: level, ...rest } = holder;
    const stripped = level === undefined ? undefined : strip(level);
    return (stripped === undefined ? rest : { ...rest, [access]: stripped }) as T;
  };
  return files.map((file) => {
    if (file !== found.file) return file;
    if (found.pattern < 0) return withLevel(file, found.access);
    const patterns = (file.patterns ?? []).map((p, i): PatternRule => (i === found.pattern ? withLevel(p, found.access) : p));
    return { ...file, patterns };
  });
}

function findingsHoldLaw(tree: GenTree): void {
  const index = compile(tree.files, { matcher: globMatcher });
  const found = redundantKeywords(index.files, new InheritedSets(index));
  if (found.length === 0) return;
  const paths = queryPaths(tree);
  // The engine is held to the naive resolver elsewhere; here the faster index compares the trees.
  for (const finding of found) {
    const after = compile(without(index.files, finding), { matcher: globMatcher });
    for (const access of ["READ", "WRITE"] as const) {
      for (const path of paths) {
        expect(after.groupsFor(access, path), `${finding.code} in ${finding.file.file ?? ""} (${JSON.stringify(finding)}) at ${access} ${path}`)
          .toEqual(index.groupsFor(access, path));
      }
    }
  }
}

describe("redundant keywords", () => {
  it("law: taking out a flagged keyword changes no decision (files)", () => {
    fc.assert(fc.property(treeArb({ looseLists: false }), findingsHoldLaw), { numRuns: 200 });
  });

  it("law: taking out a flagged keyword changes no decision (with pattern rules)", () => {
    fc.assert(fc.property(treeWithPatternsArb({ looseLists: false }), findingsHoldLaw), { numRuns: 150 });
  });

  it("finds redundancy in generated trees, so the laws are not vacuous", () => {
    let files = 0;
    let patterns = 0;
    fc.assert(fc.property(treeWithPatternsArb({ looseLists: false }), (tree) => {
      const index = compile(tree.files, { matcher: globMatcher });
      for (const found of redundantKeywords(index.files, new InheritedSets(index))) {
        if (found.pattern < 0) files++;
        else patterns++;
      }
    }), { numRuns: 300 });
    expect(files).toBeGreaterThan(20);
    expect(patterns).toBeGreaterThan(0);
  });
});

describe("exclusive groups", () => {
  const config = { ...DEFAULT_CONFIG, exclusive: [["ops", "eng"]] };

  it("law: without pattern rules, a conflict is reported iff some path has both groups holding WRITE", () => {
    fc.assert(fc.property(treeArb({ looseLists: false }), (tree) => {
      const index = compile(tree.files, { matcher: globMatcher });
      const found = exclusiveWrites(index, config, undefined);
      const clash = queryPaths(tree).some((path) => {
        const writers = index.groupsFor("WRITE", path);
        return writers.includes("ops") && writers.includes("eng");
      });
      expect(found.length > 0).toBe(clash);
      for (const problem of found) expect(problem).toMatchObject({ code: "exclusive_write", severity: "error" });
    }), { numRuns: 300 });
  });
});
