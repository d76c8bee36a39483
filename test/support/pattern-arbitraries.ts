/** fast-check arbitraries that add SPEC 1.3 pattern rules to generated trees. */
import fc from "fast-check";
import type { PatternRule, RightsFile } from "../../src/engine/index.js";
import type { GenOptions, GenTree } from "./arbitraries.js";
import { levelsArb, treeArb } from "./arbitraries.js";

/** Globs that hit the generated names in many ways: any depth, one level, leaves, hidden names, braces. */
export const GLOBS: readonly string[] = Object.freeze([
  "**", "*", "a/**", "**/pump.script", "**/*.script", "b", "*/value", "**/.hidden",
  "a", "{a,b}/*", "**/A/**", "x y/**", "?", "**/__proto__", "constructor/*",
]);

/** One pattern rule: a glob from the pool and random levels (at least one level set). */
export function patternRuleArb(options: GenOptions = {}): fc.Arbitrary<PatternRule> {
  return fc
    .record({ match: fc.constantFrom(...GLOBS), levels: levelsArb(options) })
    .filter(({ levels }) => levels.READ !== undefined || levels.WRITE !== undefined)
    .map(({ match, levels }) => ({
      match,
      ...(levels.READ !== undefined ? { READ: levels.READ } : {}),
      ...(levels.WRITE !== undefined ? { WRITE: levels.WRITE } : {}),
    }));
}

/** A generated tree where some files also carry pattern rules. */
export function treeWithPatternsArb(options: GenOptions = {}): fc.Arbitrary<GenTree> {
  return treeArb(options).chain((tree) =>
    fc
      .array(fc.option(fc.array(patternRuleArb(options), { minLength: 1, maxLength: 3 }), { nil: undefined }), {
        minLength: tree.files.length,
        maxLength: tree.files.length,
      })
      .map((lists) => ({
        dirs: tree.dirs,
        files: tree.files.map((file, i): RightsFile => {
          const patterns = lists[i];
          return patterns === undefined ? file : { ...file, patterns };
        }),
      })),
  );
}
