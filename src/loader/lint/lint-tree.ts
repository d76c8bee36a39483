/**
 * `lintTree`: every problem of a tree on disk, the load errors and the deep
 * lint findings on the compiled index (`write_without_read`, redundant
 * keywords, unknown groups, exclusive groups both holding WRITE).
 */
import type { Problem } from "../../engine/index.js";
import { compileTree } from "../read/compile-snapshot.js";
import { unknownGroups } from "./lint-groups.js";
import { InheritedSets } from "./lint-inherited.js";
import { redundantRules } from "./lint-redundant.js";
import { hasErrors, sortProblems } from "../parse/problems.js";
import { readTree } from "../read/read-tree.js";
import type { LintResult, LoadOptions } from "../types.js";
import { writeWithoutRead } from "./write-without-read.js";

/** Options of `lintTree`. */
export interface LintOptions extends LoadOptions {
  /** Report every warning as an error (`treerights lint --strict`). */
  readonly strict?: boolean;
}

/**
 * Every error and warning of the tree at `dir`, and the index when the tree
 * loads (no load errors; `strict` does not change that). Throws only for
 * misuse (`invalid_option`), never for a bad tree.
 */
export async function lintTree(dir: string, options: LintOptions = {}): Promise<LintResult> {
  const snapshot = await readTree(dir, options);
  const { compiled, problems: loadProblems } = compileTree(snapshot);
  const found: Problem[] = [...loadProblems, ...unknownGroups(snapshot.files, snapshot.config, snapshot.places)];
  if (compiled !== null) {
    const sets = new InheritedSets(compiled);
    found.push(...writeWithoutRead(compiled.files, sets), ...redundantRules(compiled.files, sets, snapshot.places));
  }
  const problems = options.strict === true ? found.map(asError) : found;
  const index = hasErrors(loadProblems) ? null : compiled;
  return { problems: sortProblems(problems), index, fileCount: snapshot.rightsPaths.length };
}

function asError(problem: Problem): Problem {
  return problem.severity === "error" ? problem : { ...problem, severity: "error" };
}
