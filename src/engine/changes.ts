/** Effective changes between two indexes, in time proportional to what changed. */
import type { BitGroupSet, GroupSet, Transfer } from "./group-set.js";
import { compareCodeUnits, countDifference, countTransferDifference, lowestId, wordAt } from "./group-set.js";
import { formatPath } from "./path.js";
import type { Steps } from "./steps.js";
import { STEP_SIZE } from "./steps.js";
import type { Census, LevelCensus, TrieNode } from "./trie.js";
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
  /** Whether subtrees both tries share are visited (through `shared`) rather than skipped, when the roots' sets differ. */
  readonly walksShared: boolean;
  /** A subtree both tries share, whole: in steps, paced by `pace`. */
  shared(node: TrieNode, pace: Pace): Steps<void>;
}

/** Work done so far in one walk, and when the next yield is due: one count paces pairs, shared nodes and merged censuses. */
interface Pace {
  work: number;
  next: number;
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
  const pace: Pace = { work: 0, next: STEP_SIZE };
  for (let pair = stack.pop(); pair !== undefined; pair = stack.pop()) {
    const { a, b } = pair;
    if (a === b && skipShared) continue;
    if (a === b && a !== undefined && visitor.walksShared) {
      yield* visitor.shared(a, pace);
      continue;
    }
    if (due(pace, 1)) yield;
    visitor.pair(a, b, pair);
    // Table order: the changes are sorted at the end, and counts need no order.
    for (const child of a?.slots ?? []) if (child !== undefined) stack.push({ a: child, b: b?.get(child.name), up: pair });
    for (const child of b?.slots ?? []) if (child !== undefined && a?.get(child.name) === undefined) stack.push({ a: undefined, b: child, up: pair });
  }
}

/** Adds `work` to `pace`; true when a step's worth has been done since the last yield. */
function due(pace: Pace, work: number): boolean {
  pace.work += work;
  if (pace.work < pace.next) return false;
  pace.next = pace.work + STEP_SIZE;
  return true;
}

/** Subtrees at least this big keep their census on their top node, when it has no more entries than the subtree has directories. */
export const CENSUS_MIN = 64;

/** Entries of a census merged per unit of work: a `Map` update costs about a node's visit. */
const ENTRIES_PER_WORK = 1;

/** One level of a census being counted. */
interface LevelTally {
  free: number;
  readonly touched: Map<number, number>;
}

/** A node whose census is being counted: its tallies so far, and the next slot of its child table to look at. */
interface CensusFrame {
  readonly node: TrieNode;
  readonly read: LevelTally;
  readonly write: LevelTally;
  size: number;
  slot: number;
}

/**
 * The census of `top`'s subtree: kept on the node when it has one, else
 * counted, post-order with a stack of its own (a tree may be 2,000 levels
 * deep), merging the censuses kept below and visiting the rest. A count
 * keeps the census of every subtree of at least `CENSUS_MIN` directories
 * whose census has no more entries (both levels) than the subtree has
 * directories. A census lists groups, not directories, so it stays about as
 * long as the groups the subtree's rules name. The first count of a tree
 * visits every node; later ones only the nodes made since (an update's new
 * paths), so an edit of the root's levels counts its grants in time
 * proportional to those and to the groups, not the directories.
 */
function* censusOf(top: TrieNode, pace: Pace): Steps<Census> {
  if (top.census !== undefined) return top.census;
  const stack: CensusFrame[] = [frameOf(top)];
  for (;;) {
    const frame = stack[stack.length - 1] as CensusFrame;
    const slots = frame.node.slots;
    if (slots !== null && frame.slot < slots.length) {
      const child = slots[frame.slot++];
      if (child === undefined) continue;
      if (due(pace, 1)) yield;
      if (child.census !== undefined) yield* merge(frame, child.census, pace);
      else if (child.slots === null) addNode(frame, child);
      else stack.push(frameOf(child));
      continue;
    }
    stack.pop();
    const census: Census = { read: frame.read, write: frame.write, size: frame.size };
    if (census.size >= CENSUS_MIN && census.read.touched.size + census.write.touched.size <= census.size) frame.node.census = census;
    const parent = stack[stack.length - 1];
    if (parent === undefined) return census;
    yield* merge(parent, census, pace);
  }
}

function frameOf(node: TrieNode): CensusFrame {
  const frame: CensusFrame = { node, read: { free: 0, touched: new Map() }, write: { free: 0, touched: new Map() }, size: 0, slot: 0 };
  addNode(frame, node);
  return frame;
}

function addNode(frame: CensusFrame, node: TrieNode): void {
  addTransfer(frame.read, node.read);
  addTransfer(frame.write, node.write);
  frame.size++;
}

/** A directory's transfer into a level's tally: free unless overridden, and each group its rules add or remove. */
function addTransfer(level: LevelTally, transfer: Transfer): void {
  if (transfer.over !== null) return;
  level.free++;
  const plus = transfer.plus.words;
  const minus = transfer.minus.words;
  for (let w = 0; w < Math.max(plus.length, minus.length); w++) {
    for (let bits = wordAt(plus, w) | wordAt(minus, w); bits !== 0; bits &= bits - 1) tally(level.touched, lowestId(w, bits), 1);
  }
}

/** Adds a census to a frame's tallies, pacing by entries merged. */
function* merge(into: CensusFrame, census: Census, pace: Pace): Steps<void> {
  for (const [level, from] of [[into.read, census.read], [into.write, census.write]] as const) {
    level.free += from.free;
    for (const [id, n] of from.touched) {
      tally(level.touched, id, n);
      if (due(pace, ENTRIES_PER_WORK)) yield;
    }
  }
  into.size += census.size;
}

function tally(counts: Map<number, number>, key: number, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
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

  *shared(): Steps<void> {
    // Never called: `walksShared` is false, so shared subtrees are listed pair by pair (each directory needs its path).
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

  *shared(node: TrieNode, pace: Pace): Steps<void> {
    const from = this.from.sets;
    const to = this.to.sets;
    if (due(pace, 1)) yield;
    if (node.slots === null) {
      // A shared leaf: counted as it is, no census.
      countTransferDifference(node.read, from.read, node.read, to.read, this.counts);
      countTransferDifference(node.write, from.write, node.write, to.write, this.counts);
      return;
    }
    // A shared subtree keeps its transfers, only the roots' sets differ: count from its census, by the groups the roots differ in.
    const census = yield* censusOf(node, pace);
    this.#addLevel(census.read, from.read, to.read);
    this.#addLevel(census.write, from.write, to.write);
  }

  /** A group root `b` has and root `a` lacks is added at every free directory that does not touch it; the reverse, removed. */
  #addLevel(level: LevelCensus, a: BitGroupSet, b: BitGroupSet): void {
    const x = a.words;
    const y = b.words;
    for (let w = 0; w < Math.max(x.length, y.length); w++) {
      const before = wordAt(x, w);
      const after = wordAt(y, w);
      this.counts.added += changedAt(level, w, after & ~before);
      this.counts.removed += changedAt(level, w, before & ~after);
    }
  }
}

/** The directories of `level` whose set changes with the groups `bits` of word `w`: every free one that does not touch the group. */
function changedAt(level: LevelCensus, w: number, bits: number): number {
  let n = 0;
  for (; bits !== 0; bits &= bits - 1) n += level.free - (level.touched.get(lowestId(w, bits)) ?? 0);
  return n;
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
