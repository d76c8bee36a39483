/** One-shot loading (`loadTree`) and linting (`lintTree`) of a rights tree on disk. */
import type { Problem, RightsIndex } from "../engine/index.js";
import { LoadError, TreeRightsError, compile } from "../engine/index.js";
import { NOWHERE, hasErrors, problem, sortProblems } from "./problems.js";
import type { TreeSnapshot } from "./read-tree.js";
import { readTree } from "./read-tree.js";
import type { LintResult, LoadOptions } from "./types.js";
import { writeWithoutRead } from "./write-without-read.js";

/**
 * Reads, checks and compiles the tree at `dir`. Throws `LoadError` listing
 * every problem when any is an error; warnings do not stop a load. Throws
 * `TreeRightsError` (`invalid_option`) for bad options.
 */
export async function loadTree(dir: string, options: LoadOptions = {}): Promise<RightsIndex> {
  const { index, problems } = compileSnapshot(await readTree(dir, options));
  if (index === null) throw new LoadError(problems);
  return index;
}

/**
 * Every error and warning of the tree at `dir`, including warnings found on
 * the compiled index (`write_without_read`), and the index when there were
 * no errors. Throws only for misuse (`invalid_option`), never for a bad tree.
 */
export async function lintTree(dir: string, options: LoadOptions = {}): Promise<LintResult> {
  const { index, problems } = compileSnapshot(await readTree(dir, options));
  if (index === null) return { problems, index };
  return { problems: sortProblems([...problems, ...writeWithoutRead(index)]), index };
}

/**
 * Compiles a snapshot that has no errors, with the snapshot's revision; a
 * compile failure becomes a problem. The index is `null` on any error.
 */
export function compileSnapshot(snapshot: TreeSnapshot): { index: RightsIndex | null; problems: readonly Problem[] } {
  if (hasErrors(snapshot.problems)) return { index: null, problems: snapshot.problems };
  try {
    return { index: compile(snapshot.files, { revision: snapshot.revision }), problems: snapshot.problems };
  } catch (err) {
    if (!(err instanceof TreeRightsError)) throw err;
    const failed = problem("invalid_rights", "", NOWHERE, err.message);
    return { index: null, problems: sortProblems([...snapshot.problems, failed]) };
  }
}
