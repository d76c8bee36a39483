/**
 * Effective group sets: bit sets over group ids, interned so that equal sets
 * share one object. A set is a handful of 32-bit words, so a tree with
 * thousands of distinct sets keeps little on the heap and a rebuild gives the
 * young-generation GC little to copy; the `Set` and the sorted list callers
 * read are made on first use.
 */
import type { LevelRule } from "./types.js";

/** An effective set of groups, immutable once built. */
export interface GroupSet {
  /** True iff `group` is a member: the hot test of every decision. */
  has(group: string): boolean;
  readonly members: ReadonlySet<string>;
  /** The members sorted by code unit, frozen: handed out as is. */
  readonly sorted: readonly string[];
}

/**
 * Group names and their ids. Append-only and shared by an index and every
 * index `update` makes from it, so that sets of both agree on ids; an id a
 * set never had is simply absent from it.
 */
export class GroupIds {
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];

  /** The id of `group`, if any set ever held it. */
  find(group: string): number | undefined {
    return this.#ids.get(group);
  }

  /** The id of `group`, made on first sight. */
  of(group: string): number {
    let id = this.#ids.get(group);
    if (id === undefined) {
      id = this.#names.length;
      this.#names.push(group);
      this.#ids.set(group, id);
    }
    return id;
  }

  name(id: number): string {
    return this.#names[id] as string;
  }
}

const NOBODY: readonly string[] = Object.freeze([]);

/** A `GroupSet` as 32-bit words over `GroupIds`: bit `id` is word `id >>> 5`, bit `id & 31`. */
export class BitGroupSet implements GroupSet {
  readonly #ids: GroupIds;
  readonly #words: readonly number[];
  #members: ReadonlySet<string> | null = null;
  #sorted: readonly string[] | null = null;

  constructor(ids: GroupIds, words: readonly number[]) {
    this.#ids = ids;
    this.#words = words;
  }

  get ids(): GroupIds {
    return this.#ids;
  }

  get words(): readonly number[] {
    return this.#words;
  }

  has(group: string): boolean {
    const id = this.#ids.find(group);
    return id !== undefined && this.hasId(id);
  }

  /** `has` for a group's id in this set's `GroupIds`. */
  hasId(id: number): boolean {
    const word = this.#words[id >>> 5];
    return word !== undefined && ((word >>> (id & 31)) & 1) === 1;
  }

  get members(): ReadonlySet<string> {
    this.#members ??= new Set(this.sorted);
    return this.#members;
  }

  get sorted(): readonly string[] {
    if (this.#sorted === null) {
      const names: string[] = [];
      this.#words.forEach((word, w) => {
        for (let bit = 0; bit < 32; bit++) if (((word >>> bit) & 1) === 1) names.push(this.#ids.name(w * 32 + bit));
      });
      this.#sorted = names.length === 0 ? NOBODY : Object.freeze(names.sort(compareCodeUnits));
    }
    return this.#sorted;
  }
}

/**
 * What the rules below the root make of the root's effective set at one
 * directory: `over` whatever the root holds (an override on the way), else
 * `(root ∪ plus) \ minus`. Kept per directory instead of the set itself, so
 * that a change to the root's own rules changes no directory below it.
 */
export interface Transfer {
  readonly over: BitGroupSet | null;
  readonly plus: BitGroupSet;
  readonly minus: BitGroupSet;
}

/** The set `transfer` makes of `root` holding `id` (ids of one `GroupIds`): the hot test of every decision. */
export function transferHasId(transfer: Transfer, root: BitGroupSet, id: number): boolean {
  const { over } = transfer;
  if (over !== null) return over.hasId(id);
  return (transfer.plus.hasId(id) || root.hasId(id)) && !transfer.minus.hasId(id);
}

/** Builds and interns group sets and transfers; one pool per compile or update. */
export class GroupSetPool {
  readonly ids: GroupIds;
  readonly #pool = new Map<string, BitGroupSet>();
  readonly #transfers = new Map<string, Transfer>();
  readonly #empty: BitGroupSet;
  /** The transfer of a directory with no rule between it and the root: the root's set itself. */
  readonly identity: Transfer;

  /** A pool over `ids` (those of the index an update starts from, so that sets of both agree), or over new ones. */
  constructor(ids: GroupIds = new GroupIds()) {
    this.ids = ids;
    this.#empty = this.of([]);
    this.identity = this.#transfer(null, this.#empty, this.#empty);
  }

  /** SPEC 1.2 `apply` of `rule` after `transfer`: the transfer of a directory whose own rule is `rule`. */
  compose(rule: LevelRule | undefined, transfer: Transfer): Transfer {
    if (rule === undefined) return transfer;
    if (rule.override !== undefined) return this.#transfer(this.of(rule.override), this.#empty, this.#empty);
    if (rule.include === undefined && rule.exclude === undefined) return transfer;
    if (transfer.over !== null) return this.#transfer(this.withRule(rule, transfer.over), this.#empty, this.#empty);
    // ((S ∪ plus) \ minus ∪ include) \ exclude = (S ∪ plus ∪ include) \ ((minus \ include) ∪ exclude)
    const plus = this.withRule(rule, transfer.plus);
    const minus = this.withRule({ include: rule.exclude ?? [] }, this.withRule({ exclude: rule.include ?? [] }, transfer.minus));
    return this.#transfer(null, plus, minus);
  }

  /** The set `transfer` makes of `root`. */
  evaluate(transfer: Transfer, root: BitGroupSet): BitGroupSet {
    if (transfer.over !== null) return transfer.over;
    if (transfer.plus === this.#empty && transfer.minus === this.#empty) return root;
    const words = this.#wordsOf(root);
    const plus = this.#wordsOf(transfer.plus);
    const minus = this.#wordsOf(transfer.minus);
    for (let w = 0; w < Math.max(words.length, plus.length); w++) words[w] = (wordAt(words, w) | wordAt(plus, w)) & ~wordAt(minus, w);
    return this.#intern(words);
  }

  #transfer(over: BitGroupSet | null, plus: BitGroupSet, minus: BitGroupSet): Transfer {
    const key = over === null ? `${this.#keyOf(plus)}/${this.#keyOf(minus)}` : `=${this.#keyOf(over)}`;
    let transfer = this.#transfers.get(key);
    if (transfer === undefined) {
      transfer = Object.freeze({ over, plus, minus });
      this.#transfers.set(key, transfer);
    }
    return transfer;
  }

  #keyOf(set: GroupSet): string {
    return this.#wordsOf(set).join(",");
  }

  /** The interned set holding exactly `groups`. */
  of(groups: Iterable<string>): BitGroupSet {
    const words: number[] = [];
    for (const group of groups) this.#set(words, group);
    return this.#intern(words);
  }

  /** SPEC 1.2 `apply`: override replaces, include adds then exclude removes, absent keeps. */
  withRule<S extends GroupSet>(rule: LevelRule | undefined, inherited: S): S | BitGroupSet {
    if (rule === undefined) return inherited;
    if (rule.override !== undefined) return this.of(rule.override);
    if (rule.include === undefined && rule.exclude === undefined) return inherited;
    const words = this.#wordsOf(inherited);
    for (const group of rule.include ?? []) this.#set(words, group);
    for (const group of rule.exclude ?? []) {
      const id = this.ids.find(group);
      if (id !== undefined && id >>> 5 < words.length) words[id >>> 5] = (words[id >>> 5] as number) & ~(1 << (id & 31));
    }
    return this.#intern(words);
  }

  #set(words: number[], group: string): void {
    const id = this.ids.of(group);
    while (words.length <= id >>> 5) words.push(0);
    words[id >>> 5] = (words[id >>> 5] as number) | (1 << (id & 31));
  }

  #wordsOf(set: GroupSet): number[] {
    if (set instanceof BitGroupSet && set.ids === this.ids) return [...set.words];
    const words: number[] = [];
    for (const group of set.sorted) this.#set(words, group);
    return words;
  }

  #intern(words: number[]): BitGroupSet {
    // Trailing empty words are dropped, so equal sets have equal words.
    while (words.length > 0 && words[words.length - 1] === 0) words.pop();
    const key = words.join(",");
    let set = this.#pool.get(key);
    if (set === undefined) {
      set = new BitGroupSet(this.ids, words);
      this.#pool.set(key, set);
    }
    return set;
  }
}

/**
 * Adds to `counts` the groups `after` has and `before` lacks (`added`) and
 * the reverse (`removed`): word by word when both are over the same ids.
 */
export function countDifference(before: GroupSet, after: GroupSet, counts: { added: number; removed: number }): void {
  if (before === after) return;
  if (before instanceof BitGroupSet && after instanceof BitGroupSet && before.ids === after.ids) {
    const a = before.words;
    const b = after.words;
    for (let w = 0; w < Math.max(a.length, b.length); w++) {
      const x = wordAt(a, w);
      const y = wordAt(b, w);
      counts.added += bitCount(y & ~x);
      counts.removed += bitCount(x & ~y);
    }
    return;
  }
  for (const group of after.sorted) if (!before.has(group)) counts.added++;
  for (const group of before.sorted) if (!after.has(group)) counts.removed++;
}

/**
 * `countDifference` of what transfer `a` makes of `rootA` and `b` of `rootB`,
 * word by word without making either set. All four sets share one `GroupIds`.
 */
export function countTransferDifference(a: Transfer, rootA: BitGroupSet, b: Transfer, rootB: BitGroupSet, counts: { added: number; removed: number }): void {
  if (a === b && (a.over !== null || rootA === rootB)) return;
  const words = Math.max(wordCount(a, rootA), wordCount(b, rootB));
  for (let w = 0; w < words; w++) {
    const x = transferWord(a, rootA, w);
    const y = transferWord(b, rootB, w);
    counts.added += bitCount(y & ~x);
    counts.removed += bitCount(x & ~y);
  }
}

function wordCount(t: Transfer, root: BitGroupSet): number {
  return t.over !== null ? t.over.words.length : Math.max(root.words.length, t.plus.words.length);
}

function transferWord(t: Transfer, root: BitGroupSet, w: number): number {
  if (t.over !== null) return wordAt(t.over.words, w);
  return (wordAt(root.words, w) | wordAt(t.plus.words, w)) & ~wordAt(t.minus.words, w);
}

/**
 * Word `w` of a set, 0 past its end (trailing empty words are dropped). Read
 * with a bounds check, not `?? 0`: V8 optimizes an array read for the bounds
 * it has seen, and a read past the end deoptimizes it.
 */
export function wordAt(words: readonly number[], w: number): number {
  return w < words.length ? (words[w] as number) : 0;
}

function bitCount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** SPEC 1.2 `apply` on plain sets: a new set, or `inherited` itself when the rule leaves it alone. */
export function applyRule(rule: LevelRule | undefined, inherited: ReadonlySet<string>): ReadonlySet<string> {
  if (rule === undefined) return inherited;
  if (rule.override !== undefined) return new Set(rule.override);
  if (rule.include === undefined && rule.exclude === undefined) return inherited;
  const next = new Set(inherited);
  for (const g of rule.include ?? []) next.add(g);
  for (const g of rule.exclude ?? []) next.delete(g);
  return next;
}

/** Sorts strings by UTF-16 code unit, the same on every machine and locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
