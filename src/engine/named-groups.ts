/**
 * The groups an index's rights files name. A group named nowhere holds
 * nothing anywhere, so a caller who gives one has most likely made a typo:
 * surfaces warn about it instead of denying in silence.
 */
import type { Steps } from "./steps.js";
import { runSteps } from "./steps.js";
import type { LevelRule, RightsFile, RightsIndex } from "./types.js";

// Kept per index while the index lives: an index is immutable, so its groups never change.
const named = new WeakMap<RightsIndex, ReadonlySet<string>>();

/**
 * Every group named in `index`'s rights files (any level, keyword or
 * pattern rule). Computed on the first call for an index, in one pass over
 * its files, and remembered for that index.
 */
export function namedGroups(index: RightsIndex): ReadonlySet<string> {
  return runSteps(namedGroupsSteps(index));
}

/**
 * `namedGroups` in steps: the files of a large index are visited in bounded
 * steps, and no list of them is made or kept, so a live tree can gather
 * the groups after every swap without holding its thread or its memory,
 * and the first request that needs them finds them ready.
 */
export function* namedGroupsSteps(index: RightsIndex): Steps<ReadonlySet<string>> {
  let groups = named.get(index);
  if (groups === undefined) {
    const gathered = new Set<string>();
    yield* index.visitFilesSteps((file) => addGroupsNamedIn([file], gathered));
    groups = gathered;
    named.set(index, groups);
  }
  return groups;
}

/** The groups of `groups` that no rights file of `index` names and no implication of it (SPEC 1.5) either, once each, in the order given. */
export function unnamedGroups(index: RightsIndex, groups: readonly string[]): readonly string[] {
  const known = namedGroups(index);
  const { declared } = index.implications;
  const implied = (group: string): boolean => declared.has(group) || index.implications.reaching([group]).length > 0;
  return [...new Set(groups.filter((group) => !known.has(group) && !implied(group)))];
}

/** Every group named in `files`. */
export function groupsNamedIn(files: readonly RightsFile[]): ReadonlySet<string> {
  return addGroupsNamedIn(files, new Set<string>());
}

/** Adds every group named in `files` to `groups`, and returns it. */
function addGroupsNamedIn(files: readonly RightsFile[], groups: Set<string>): Set<string> {
  const add = (rule: LevelRule | undefined): void => {
    if (rule === undefined) return;
    for (const list of [rule.override, rule.include, rule.exclude]) for (const group of list ?? []) groups.add(group);
  };
  for (const file of files) {
    add(file.READ);
    add(file.WRITE);
    for (const pattern of file.patterns ?? []) {
      add(pattern.READ);
      add(pattern.WRITE);
    }
  }
  return groups;
}
