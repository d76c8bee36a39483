/**
 * Compiling a snapshot read from disk or git: the loader's glob matcher for
 * pattern rules, the snapshot's revision, and the tree-wide checks that need
 * the compiled index (`exclusive_write`).
 */
import type { Problem, RightsIndex } from "../engine/index.js";
import { TreeRightsError, compile } from "../engine/index.js";
import { globMatcher } from "./glob.js";
import { exclusiveWrites } from "./lint-exclusive.js";
import { NOWHERE, hasErrors, problem, sortProblems } from "./problems.js";
import type { TreeSnapshot } from "./read-tree.js";

/**
 * Compiles a snapshot that has no errors, with the snapshot's revision and
 * the loader's glob matcher for pattern rules; a compile failure and
 * exclusive groups that both hold WRITE somewhere become problems. The index
 * is `null` on any error.
 */
export function compileSnapshot(snapshot: TreeSnapshot): { index: RightsIndex | null; problems: readonly Problem[] } {
  const { compiled, problems } = compileTree(snapshot);
  return { index: hasErrors(problems) ? null : compiled, problems };
}

/**
 * Like `compileSnapshot`, but the compiled index is returned even when the
 * tree-wide checks (`exclusive_write`) found errors, so lint can go on.
 */
export function compileTree(snapshot: TreeSnapshot): { compiled: RightsIndex | null; problems: readonly Problem[] } {
  if (hasErrors(snapshot.problems)) return { compiled: null, problems: snapshot.problems };
  let compiled: RightsIndex;
  try {
    compiled = compile(snapshot.files, { revision: snapshot.revision, matcher: globMatcher });
  } catch (err) {
    if (!(err instanceof TreeRightsError)) throw err;
    const failed = problem("invalid_rights", "", NOWHERE, err.message);
    return { compiled: null, problems: sortProblems([...snapshot.problems, failed]) };
  }
  const conflicts = exclusiveWrites(compiled, snapshot.config, snapshot.places);
  return { compiled, problems: conflicts.length === 0 ? snapshot.problems : sortProblems([...snapshot.problems, ...conflicts]) };
}
