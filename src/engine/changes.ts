/** Effective changes between two indexes, in time proportional to what changed. */
import type { BitGroupSet, GroupSet } from "./group-set.js";
import { compareCodeUnits, countDifference, countTransferDifference } from "./group-set.js";
import { formatPath } from "./path.js";
import type { Steps } from "./steps.js";
import { STEP_SIZE } from "./steps.js";
import type { TrieNode } from "./trie.js";
import type { Access, EffectiveChange, GrantCounts } from "./types.js";
import { ACCESS_LEVELS } from "./types.js";
import { samePatterns } from "./update.js";

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
 * What a walk does with each directory it visits. Visitors are class
 * instances, not closures: V8 specializes the walk's optimized code on the
 * function a closure call site saw, and a new closure per walk (per reload)
 * deoptimized it again.
 */
interface PairVisitor {
  /** One directory's nodes on both sides (`undefined` where it is not indexed, the same node where both tries share it) and the pair, to spell its path from. */
  pair(a: TrieNode | undefined, b: TrieNode | undefined, pair: Pair): void;
}

/** A pair of nodes met by `walkPairs`, with the way back up to spell its path. */
interface Pair {
  readonly a: TrieNode | undefined;
  readonly b: TrieNode | undefined;
  readonly up: Pair | null;
}

/**
 * Visits every indexed directory (of either trie) whose nodes differ, with
 * the sets each side gives it, yielding every `STEP_SIZE` directories.
 * Subtrees shared by both tries (an incremental update shares every
 * untouched node) are skipped without a look, unless the roots' sets
 * differ: every set below depends on them, so then each shared node is
 * visited too, as a pair of itself.
 */
function* walkPairs(from: Side, to: Side, visitor: PairVisitor): Steps<void> {
  const skipShared = sameSet(from.sets.read, to.sets.read) && sameSet(from.sets.write, to.sets.write);
  const stack: Pair[] = [{ a: from.root, b: to.root, up: null }];
  let visited = 0;
  for (let pair = stack.pop(); pair !== undefined; pair = stack.pop()) {
    const { a, b } = pair;
    if (a === b && skipShared) continue;
    if (++visited % STEP_SIZE === 0) yield;
    visitor.pair(a, b, pair);
    // Table order: the changes are sorted at the end, and counts need no order.
    if (a === b) {
      for (const child of a?.slots ?? []) if (child !== undefined) stack.push({ a: child, b: child, up: pair });
      continue;
    }
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

  constructor(private readonly from: Side, private readonly to: Side) {}

  pair(a: TrieNode | undefined, b: TrieNode | undefined, pair: Pair): void {
    let segments: readonly string[] | null = null;
    const path = (): readonly string[] => (segments ??= spell(pair));
    // The paths a pattern rule matches are not directories of either index: their changes cannot be listed, only flagged.
    const patternRules = a !== b && !samePatterns(a?.file, b?.file);
    for (const access of ACCESS_LEVELS) {
      const before = a !== undefined ? this.from.at(a, access) : this.from.lookup(path(), access);
      const after = b !== undefined ? this.to.at(b, access) : this.to.lookup(path(), access);
      const change = difference(before, after) ?? (patternRules ? { added: [], removed: [] } : null);
      if (change !== null) this.changes.push(Object.freeze({ path: formatPath(path()), access, ...change, ...(patternRules ? { patternRules: true as const } : {}) }));
    }
  }
}

/**
 * Every indexed directory (of either index) whose effective groups differ,
 * per level, sorted by path; and every directory whose file's pattern rules
 * changed, flagged `patternRules`, whether or not its own groups did.
 */
export function* effectiveChanges(from: Side, to: Side): Steps<EffectiveChange[]> {
  const lister = new ChangeLister(from, to);
  yield* walkPairs(from, to, lister);
  return lister.changes.sort((x, y) => compareCodeUnits(x.path, y.path) || compareCodeUnits(x.access, y.access));
}

/** Counts the grants added and removed, word by word from the transfers where both sides number groups alike. */
class GrantCounter implements PairVisitor {
  readonly counts = { added: 0, removed: 0 };
  /** Indexes compiled apart number their groups apart (and share no node): then sets are compared. */
  readonly #sameIds: boolean;

  constructor(private readonly from: Side, private readonly to: Side) {
    this.#sameIds = from.sets.read.ids === to.sets.read.ids;
  }

  pair(a: TrieNode | undefined, b: TrieNode | undefined, pair: Pair): void {
    const { from, to, counts } = this;
    if (a !== undefined && b !== undefined && this.#sameIds) {
      // Word by word from the transfers (a shared node's are its own on both sides; only the roots' sets differ): no set is made.
      countTransferDifference(a.read, from.sets.read, b.read, to.sets.read, counts);
      countTransferDifference(a.write, from.sets.write, b.write, to.sets.write, counts);
      return;
    }
    const path = a !== undefined && b !== undefined ? [] : spell(pair);
    for (const access of ACCESS_LEVELS) {
      countDifference(a !== undefined ? from.at(a, access) : from.lookup(path, access), b !== undefined ? to.at(b, access) : to.lookup(path, access), counts);
    }
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
