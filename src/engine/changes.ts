/** Effective changes between two indexes, in time proportional to what changed. */
import type { BitGroupSet, GroupSet } from "./group-set.js";
import { compareCodeUnits, countDifference, countTransferDifference } from "./group-set.js";
import { formatPath } from "./path.js";
import type { Steps } from "./steps.js";
import { STEP_SIZE } from "./steps.js";
import type { TrieNode } from "./trie.js";
import type { Access, EffectiveChange, GrantCounts } from "./types.js";
import { ACCESS_LEVELS } from "./types.js";

/** Looks up the sets a path has in one index (for directories indexed only on the other side). */
export type SetsAt = (segments: readonly string[], access: Access) => GroupSet;

/** One index as the walks see it: its trie, its root's sets, and its effective sets by node or by path. */
export interface Side {
  readonly root: TrieNode;
  readonly sets: { readonly read: BitGroupSet; readonly write: BitGroupSet };
  readonly at: (node: TrieNode, access: Access) => GroupSet;
  readonly lookup: SetsAt;
}

/** One directory's nodes on both sides (`undefined` where it is not indexed) and the pair, to spell its path from. */
type VisitPair = (a: TrieNode | undefined, b: TrieNode | undefined, pair: Pair) => void;

/** A pair of nodes met by `walkPairs`, with the way back up to spell its path. */
interface Pair {
  readonly a: TrieNode | undefined;
  readonly b: TrieNode | undefined;
  readonly up: Pair | null;
}

/**
 * Visits every indexed directory (of either trie) whose nodes differ, with
 * the sets each side gives it. Subtrees shared by both tries (an incremental
 * update shares every untouched node) are skipped without a look, unless the
 * root's sets differ: every set below depends on them.
 */
function* walkPairs(from: Side, to: Side, visit: VisitPair, visitShared?: (node: TrieNode) => void): Steps<void> {
  const skipShared = sameSet(from.sets.read, to.sets.read) && sameSet(from.sets.write, to.sets.write);
  const stack: Pair[] = [{ a: from.root, b: to.root, up: null }];
  let visited = 0;
  for (let pair = stack.pop(); pair !== undefined; pair = stack.pop()) {
    const { a, b } = pair;
    if (a === b && skipShared) continue;
    if (a === b && a !== undefined && visitShared !== undefined) {
      yield* walkShared(a, visitShared);
      continue;
    }
    if (++visited % STEP_SIZE === 0) yield;
    visit(a, b, pair);
    // Table order: the changes are sorted at the end, and counts need no order.
    for (const child of a?.slots ?? []) if (child !== undefined) stack.push({ a: child, b: b?.get(child.name), up: pair });
    for (const child of b?.slots ?? []) if (child !== undefined && a?.get(child.name) === undefined) stack.push({ a: undefined, b: child, up: pair });
  }
}

/** Visits a subtree both tries share, node by node, with no object per node. */
function* walkShared(top: TrieNode, visit: (node: TrieNode) => void): Steps<void> {
  const stack = [top];
  let visited = 0;
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (++visited % STEP_SIZE === 0) yield;
    visit(node);
    for (const child of node.slots ?? []) if (child !== undefined) stack.push(child);
  }
}

function spell(pair: Pair): string[] {
  const names: string[] = [];
  for (let at = pair; at.up !== null; at = at.up) names.push((at.a ?? at.b)?.name ?? "");
  return names.reverse();
}

/** Every indexed directory (of either index) whose effective groups differ, per level, sorted by path. */
export function* effectiveChanges(from: Side, to: Side): Steps<EffectiveChange[]> {
  const changes: EffectiveChange[] = [];
  yield* walkPairs(from, to, (a, b, pair) => {
    let segments: readonly string[] | null = null;
    const path = (): readonly string[] => (segments ??= spell(pair));
    for (const access of ACCESS_LEVELS) {
      const before = a !== undefined ? from.at(a, access) : from.lookup(path(), access);
      const after = b !== undefined ? to.at(b, access) : to.lookup(path(), access);
      const change = difference(before, after);
      if (change !== null) changes.push(Object.freeze({ path: formatPath(path()), access, ...change }));
    }
  });
  return changes.sort((x, y) => compareCodeUnits(x.path, y.path) || compareCodeUnits(x.access, y.access));
}

/** The grants `effectiveChanges` would list as added and removed, counted without listing them. */
export function* grantCounts(from: Side, to: Side): Steps<GrantCounts> {
  const counts = { added: 0, removed: 0 };
  // Indexes compiled apart number their groups apart: then compare sets.
  const sameIds = from.sets.read.ids === to.sets.read.ids;
  yield* walkPairs(from, to, (a, b, pair) => {
    for (const access of ACCESS_LEVELS) {
      if (a !== undefined && b !== undefined && sameIds) {
        // Word by word from the transfers: no set is made.
        const level = access === "READ" ? "read" : "write";
        countTransferDifference(a[level], from.sets[level], b[level], to.sets[level], counts);
      } else {
        const path = a !== undefined && b !== undefined ? [] : spell(pair);
        countDifference(a !== undefined ? from.at(a, access) : from.lookup(path, access), b !== undefined ? to.at(b, access) : to.lookup(path, access), counts);
      }
    }
  }, sameIds ? (node) => {
    // A shared node keeps its transfers: only the roots' sets differ.
    countTransferDifference(node.read, from.sets.read, node.read, to.sets.read, counts);
    countTransferDifference(node.write, from.sets.write, node.write, to.sets.write, counts);
  } : undefined);
  return Object.freeze(counts);
}

function sameSet(a: GroupSet, b: GroupSet): boolean {
  const counts = { added: 0, removed: 0 };
  countDifference(a, b, counts);
  return counts.added === 0 && counts.removed === 0;
}

function difference(before: GroupSet, after: GroupSet): { added: readonly string[]; removed: readonly string[] } | null {
  if (before === after) return null;
  const added = after.sorted.filter((g) => !before.has(g));
  const removed = before.sorted.filter((g) => !after.has(g));
  if (added.length === 0 && removed.length === 0) return null;
  return { added: Object.freeze(added), removed: Object.freeze(removed) };
}
