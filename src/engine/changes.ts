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

/**
 * What a walk does with each directory whose nodes differ, and with each node
 * of a subtree both tries share. Visitors are class instances, not closures:
 * V8 specializes the walk's optimized code on the function a closure call
 * site saw, and a new closure per walk (per reload) deoptimized it again.
 */
interface PairVisitor {
  /** One directory's nodes on both sides (`undefined` where it is not indexed) and the pair, to spell its path from. */
  pair(a: TrieNode | undefined, b: TrieNode | undefined, pair: Pair): void;
  /** Whether shared subtrees are walked (through `shared`) rather than skipped, when the roots' sets differ. */
  readonly walksShared: boolean;
  shared(node: TrieNode): void;
}

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
function* walkPairs(from: Side, to: Side, visitor: PairVisitor): Steps<void> {
  const skipShared = sameSet(from.sets.read, to.sets.read) && sameSet(from.sets.write, to.sets.write);
  const stack: Pair[] = [{ a: from.root, b: to.root, up: null }];
  // Shared subtrees are walked node by node with no object per node; one count of visits (pairs and shared nodes) paces the steps.
  const shared: TrieNode[] = [];
  let visited = 0;
  for (let pair = stack.pop(); pair !== undefined; pair = stack.pop()) {
    const { a, b } = pair;
    if (a === b && skipShared) continue;
    if (a === b && a !== undefined && visitor.walksShared) {
      for (let node: TrieNode | undefined = a; node !== undefined; node = shared.pop()) {
        if (++visited % STEP_SIZE === 0) yield;
        visitor.shared(node);
        for (const child of node.slots ?? []) if (child !== undefined) shared.push(child);
      }
      continue;
    }
    if (++visited % STEP_SIZE === 0) yield;
    visitor.pair(a, b, pair);
    // Table order: the changes are sorted at the end, and counts need no order.
    for (const child of a?.slots ?? []) if (child !== undefined) stack.push({ a: child, b: b?.get(child.name), up: pair });
    for (const child of b?.slots ?? []) if (child !== undefined && a?.get(child.name) === undefined) stack.push({ a: undefined, b: child, up: pair });
  }
}

function spell(pair: Pair): string[] {
  const names: string[] = [];
  for (let at = pair; at.up !== null; at = at.up) names.push((at.a ?? at.b)?.name ?? "");
  return names.reverse();
}

/** Lists, per level, what each visited directory's sets gained and lost. */
class ChangeLister implements PairVisitor {
  readonly changes: EffectiveChange[] = [];
  readonly walksShared = false;

  constructor(private readonly from: Side, private readonly to: Side) {}

  pair(a: TrieNode | undefined, b: TrieNode | undefined, pair: Pair): void {
    let segments: readonly string[] | null = null;
    const path = (): readonly string[] => (segments ??= spell(pair));
    for (const access of ACCESS_LEVELS) {
      const before = a !== undefined ? this.from.at(a, access) : this.from.lookup(path(), access);
      const after = b !== undefined ? this.to.at(b, access) : this.to.lookup(path(), access);
      const change = difference(before, after);
      if (change !== null) this.changes.push(Object.freeze({ path: formatPath(path()), access, ...change }));
    }
  }

  shared(): void {
    // Never called: `walksShared` is false, and a shared subtree's sets change only where `effectiveChanges` lists them by pair.
  }
}

/** Every indexed directory (of either index) whose effective groups differ, per level, sorted by path. */
export function* effectiveChanges(from: Side, to: Side): Steps<EffectiveChange[]> {
  const lister = new ChangeLister(from, to);
  yield* walkPairs(from, to, lister);
  return lister.changes.sort((x, y) => compareCodeUnits(x.path, y.path) || compareCodeUnits(x.access, y.access));
}

/** Counts the grants added and removed, word by word from the transfers where both sides number groups alike. */
class GrantCounter implements PairVisitor {
  readonly counts = { added: 0, removed: 0 };
  /** Indexes compiled apart number their groups apart: then sets are compared, and shared subtrees cannot be. */
  readonly walksShared: boolean;

  constructor(private readonly from: Side, private readonly to: Side) {
    this.walksShared = from.sets.read.ids === to.sets.read.ids;
  }

  pair(a: TrieNode | undefined, b: TrieNode | undefined, pair: Pair): void {
    const { from, to, counts } = this;
    if (a !== undefined && b !== undefined && this.walksShared) {
      // Word by word from the transfers: no set is made.
      countTransferDifference(a.read, from.sets.read, b.read, to.sets.read, counts);
      countTransferDifference(a.write, from.sets.write, b.write, to.sets.write, counts);
      return;
    }
    const path = a !== undefined && b !== undefined ? [] : spell(pair);
    for (const access of ACCESS_LEVELS) {
      countDifference(a !== undefined ? from.at(a, access) : from.lookup(path, access), b !== undefined ? to.at(b, access) : to.lookup(path, access), counts);
    }
  }

  shared(node: TrieNode): void {
    // A shared node keeps its transfers: only the roots' sets differ.
    countTransferDifference(node.read, this.from.sets.read, node.read, this.to.sets.read, this.counts);
    countTransferDifference(node.write, this.from.sets.write, node.write, this.to.sets.write, this.counts);
  }
}

/** The grants `effectiveChanges` would list as added and removed, counted without listing them. */
export function* grantCounts(from: Side, to: Side): Steps<GrantCounts> {
  const counter = new GrantCounter(from, to);
  yield* walkPairs(from, to, counter);
  return Object.freeze({ ...counter.counts });
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
