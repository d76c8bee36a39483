/** `compile`: parsed rights files in, an immutable `RightsIndex` out. */
import { TreeRightsError } from "./errors.js";
import { implications } from "./implies.js";
import { isGroupName } from "./rights-file-check.js";
import { formatPath } from "./path.js";
import { CompiledIndex } from "./rights-index.js";
import type { CheckedFile } from "./rights-file-check.js";
import { checkedFile, revisionOf, sortedFiles } from "./rights-file-check.js";
import type { GlobMatcher } from "./trie-build.js";
import { buildTrie } from "./trie-build.js";
import type { Steps } from "./steps.js";
import { STEP_SIZE, runSteps } from "./steps.js";
import type { RightsFile, RightsIndex } from "./types.js";

export type { GlobMatcher } from "./trie-build.js";
export type { Steps } from "./steps.js";
export { isGroupName } from "./rights-file-check.js";

/** Options of `compile`. */
export interface CompileOptions {
  /** The revision to report; by default a content hash of the files. */
  readonly revision?: string;
  /** Needed when a file has pattern rules: the engine itself does no glob matching. */
  readonly matcher?: GlobMatcher;
  /**
   * SPEC 1.5: each group and the groups it implies (a `Map`, so that any
   * name works as a key). A holder of a group holds what it implies,
   * transitively; a cycle is allowed here (its groups imply each other) and
   * is the loader's to reject.
   */
  readonly implies?: ReadonlyMap<string, readonly string[]>;
  /**
   * Sets of groups no one identity may hold together (`exclusive` of
   * `treerights.yaml`), kept on the index for servers that know who is
   * asking (see `exclusiveHeld`); compiling does not check them.
   */
  readonly exclusive?: readonly (readonly string[])[];
}

/**
 * Compiles parsed rights files into an index whose checks cost O(path depth).
 * Throws `TreeRightsError` (`invalid_rights`) when the files break SPEC 1.1
 * rules or the root has no rights file, `invalid_option` when `implies` is
 * not a `Map` of group names to lists of them.
 */
export function compile(files: Iterable<RightsFile>, options: CompileOptions = {}): RightsIndex {
  return runSteps(compileSteps(files, options));
}

/**
 * `compile` in steps, each a bounded amount of work (see `Steps`): for a
 * caller that keeps serving while a large tree compiles. The files must not
 * change until the last step.
 */
export function* compileSteps(files: Iterable<RightsFile>, options: CompileOptions = {}): Steps<RightsIndex> {
  const implied = implications(options.implies);
  const byDir = new Map<string, CheckedFile>();
  let seen = 0;
  for (const given of files) {
    if (++seen % STEP_SIZE === 0) yield;
    const checked = checkedFile(given);
    if (byDir.has(checked.file.dir)) {
      throw new TreeRightsError("invalid_rights", `two rights files for directory \`${formatPath(checked.segments)}\``);
    }
    byDir.set(checked.file.dir, checked);
  }
  const trie = yield* buildTrie(byDir, options.matcher);
  const revision = options.revision ?? revisionOf(sortedFiles(byDir.values()).map((e) => e.file));
  return new CompiledIndex(trie, revision, byDir.size, options.matcher, implied, frozenSets(options.exclusive ?? []));
}

function frozenSets(sets: readonly (readonly string[])[]): readonly (readonly string[])[] {
  if (!Array.isArray(sets) || !sets.every((set) => Array.isArray(set) && set.every(isGroupName))) {
    throw new TreeRightsError("invalid_option", "`exclusive` must be a list of lists of group names");
  }
  return Object.freeze(sets.map((set) => Object.freeze([...set])));
}
