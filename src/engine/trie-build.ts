/** Building the trie and its effective sets, for `compile` and `update`. */
import { TreeRightsError } from "./errors.js";
import { GroupSetPool } from "./group-set.js";
import type { BitGroupSet, GroupIds } from "./group-set.js";
import type { CheckedFile } from "./rights-file-check.js";
import { sortedFilesSteps } from "./rights-file-check.js";
import type { Steps } from "./steps.js";
import { STEP_SIZE } from "./steps.js";
import type { ScopedRule, Trie } from "./trie.js";
import { TrieNode, relativeTo } from "./trie.js";
import type { RightsFile } from "./types.js";

/** Builds a test for a glob of a pattern rule; the loader passes micromatch with `dot: true`. */
export type GlobMatcher = (glob: string) => (relative: string) => boolean;

/**
 * The whole trie of checked files keyed by directory, in steps; throws when
 * the root has no file. Its sets use `ids` when given.
 */
export function* buildTrie(byDir: ReadonlyMap<string, CheckedFile>, matcher: GlobMatcher | undefined, ids?: GroupIds): Steps<Trie> {
  const rootFile = byDir.get("");
  if (rootFile === undefined) {
    throw new TreeRightsError("invalid_rights", "the tree root has no rights file; the root `access.rights` is mandatory");
  }
  const pool = new GroupSetPool(ids);
  const root = new TrieNode("", 0, pool.identity);
  yield* placeFiles(root, byDir.values());
  yield* computeSets(root, [], pool, matcher);
  return { root, ...rootSets(rootFile.file, pool), ids: pool.ids };
}

/** The root's own effective sets: its file's rules applied to nobody. */
export function rootSets(file: RightsFile, pool: GroupSetPool): { read: BitGroupSet; write: BitGroupSet } {
  const nobody = pool.of([]);
  return { read: pool.withRule(file.READ, nobody), write: pool.withRule(file.WRITE, nobody) };
}

/** Creates the nodes of `files` below `start` (each file's dir must be at or below it) and sets their files. */
export function* placeFiles(start: TrieNode, files: Iterable<CheckedFile>): Steps<void> {
  const depth = start.depth;
  let placed = 0;
  for (const { file, segments } of yield* sortedFilesSteps(files)) {
    let node = start;
    for (let i = depth; i < segments.length; i++) node = node.child(segments[i] as string);
    node.file = file;
    if (++placed % STEP_SIZE === 0) yield;
  }
}

/** A node met by `computeSets` with the way back up, from which its path is spelled only when a pattern rule needs it. */
interface Visit {
  readonly node: TrieNode;
  readonly up: Visit | null;
}

/**
 * Transfers of `start` (at `segments`) and every indexed directory below it,
 * parents before children (SPEC 1.2 and 1.3). `start` must already hold what
 * it inherits (see `inherit`); its own file is applied here, except the
 * root's levels, which make the root's sets (`rootSets`), not a transfer.
 */
export function* computeSets(start: TrieNode, segments: readonly string[], pool: GroupSetPool, matcher: GlobMatcher | undefined): Steps<void> {
  const pathOf = (visit: Visit): string[] => {
    const names: string[] = [];
    for (let at: Visit | null = visit; at !== null && at.node !== start; at = at.up) names.push(at.node.name);
    return [...segments, ...names.reverse()];
  };
  const stack: Visit[] = [{ node: start, up: null }];
  let visited = 0;
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    if (++visited % STEP_SIZE === 0) yield;
    const node = visit.node;
    const file = node.file;
    if (file !== null) {
      if (node.depth > 0) {
        node.read = pool.compose(file.READ, node.read);
        node.write = pool.compose(file.WRITE, node.write);
      }
      if (file.patterns !== undefined && file.patterns.length > 0) {
        node.scope = [...node.scope, ...scopedRules(file, node.depth, matcher)];
      }
    }
    for (const child of node.slots ?? []) {
      if (child === undefined) continue;
      const childVisit = { node: child, up: visit };
      inherit(child, node, pool, () => pathOf(childVisit));
      stack.push(childVisit);
    }
  }
}

/**
 * What `child` holds before its own file: its parent's sets, then strict
 * ancestors' matching pattern rules, root down. `pathOf` spells the child's
 * path, asked for only when a pattern rule is in scope.
 */
export function inherit(child: TrieNode, parent: TrieNode, pool: GroupSetPool, pathOf: () => readonly string[]): void {
  child.read = parent.read;
  child.write = parent.write;
  child.scope = parent.scope;
  if (parent.scope.length === 0) return;
  const segments = pathOf();
  for (const scoped of parent.scope) {
    if (!scoped.test(relativeTo(scoped.depth, segments))) continue;
    child.read = pool.compose(scoped.rule.READ, child.read);
    child.write = pool.compose(scoped.rule.WRITE, child.write);
  }
}

function scopedRules(file: RightsFile, depth: number, matcher: GlobMatcher | undefined): ScopedRule[] {
  if (matcher === undefined) {
    throw new TreeRightsError("invalid_option", `\`${file.file ?? file.dir}\` has pattern rules; pass a \`matcher\` to compile`);
  }
  return (file.patterns ?? []).map((rule, index) => ({ depth, dir: file.dir, index, rule, test: matcher(rule.match) }));
}
