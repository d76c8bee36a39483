/**
 * Compiling a snapshot read from disk or git: the loader's glob matcher for
 * pattern rules, the snapshot's revision, its configuration's `implies`
 * (SPEC 1.5), and the tree-wide checks that need
 * the compiled index (`exclusive_write`).
 */
import type { Problem, RightsIndex, Steps } from "../../engine/index.js";
import { TreeRightsError, compileSteps, runSteps } from "../../engine/index.js";
import { globMatcher } from "../parse/glob.js";
import { exclusiveWrites } from "../lint/lint-exclusive.js";
import { NOWHERE, hasErrors, problem, sortProblems } from "../parse/problems.js";
import type { TreeSnapshot } from "./read-tree.js";
import type { TimeSlicer } from "./tree-fs.js";

/**
 * Compiles a snapshot that has no errors, with the snapshot's revision and
 * the loader's glob matcher for pattern rules; a compile failure and
 * exclusive groups that both hold WRITE somewhere become problems. The index
 * is `null` on any error.
 */
export function compileSnapshot(snapshot: TreeSnapshot): CompiledSnapshot {
  return usable(runSteps(compileTreeSteps(snapshot)));
}

/** `compileSnapshot` in slices of `slicer`'s budget, yielding to the event loop between them. */
export async function compileSnapshotInSlices(snapshot: TreeSnapshot, slicer: TimeSlicer): Promise<CompiledSnapshot> {
  return usable(await slicer.run(compileTreeSteps(snapshot)));
}

/** What `compileSnapshot` gives: the index, or `null` on any error. */
export interface CompiledSnapshot {
  readonly index: RightsIndex | null;
  readonly problems: readonly Problem[];
}

function usable({ compiled, problems }: CompiledTree): CompiledSnapshot {
  return { index: hasErrors(problems) ? null : compiled, problems };
}

/** What `compileTree` gives: the index even when tree-wide checks failed. */
export interface CompiledTree {
  readonly compiled: RightsIndex | null;
  readonly problems: readonly Problem[];
}

/**
 * Like `compileSnapshot`, but the compiled index is returned even when the
 * tree-wide checks (`exclusive_write`) found errors, so lint can go on.
 */
export function compileTree(snapshot: TreeSnapshot): CompiledTree {
  return runSteps(compileTreeSteps(snapshot));
}

function* compileTreeSteps(snapshot: TreeSnapshot): Steps<CompiledTree> {
  if (hasErrors(snapshot.problems)) return { compiled: null, problems: snapshot.problems };
  let compiled: RightsIndex;
  try {
    const implies = snapshot.config?.implies;
    const exclusive = snapshot.config?.exclusive;
    compiled = yield* compileSteps(snapshot.files, {
      revision: snapshot.revision, matcher: globMatcher,
      ...(implies === undefined ? {} : { implies }), ...(exclusive === undefined ? {} : { exclusive }),
    });
  } catch (err) {
    if (!(err instanceof TreeRightsError)) throw err;
    const failed = problem("invalid_rights", "", NOWHERE, err.message);
    return { compiled: null, problems: sortProblems([...snapshot.problems, failed]) };
  }
  const conflicts = exclusiveWrites(compiled, snapshot.config, snapshot.places);
  return { compiled, problems: conflicts.length === 0 ? snapshot.problems : sortProblems([...snapshot.problems, ...conflicts]) };
}
