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
class BitGroupSet implements GroupSet {
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
    if (id === undefined) return false;
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

/** Builds and interns group sets; one pool per compile or update. */
export class GroupSetPool {
  readonly #ids: GroupIds;
  readonly #pool = new Map<string, BitGroupSet>();

  /** A pool over `from`'s group ids (for an update that keeps sets of the index it starts from), or over new ones. */
  constructor(from?: GroupSet) {
    this.#ids = from instanceof BitGroupSet ? from.ids : new GroupIds();
  }

  /** The interned set holding exactly `groups`. */
  of(groups: Iterable<string>): GroupSet {
    const words: number[] = [];
    for (const group of groups) this.#set(words, group);
    return this.#intern(words);
  }

  /** SPEC 1.2 `apply`: override replaces, include adds then exclude removes, absent keeps. */
  withRule(rule: LevelRule | undefined, inherited: GroupSet): GroupSet {
    if (rule === undefined) return inherited;
    if (rule.override !== undefined) return this.of(rule.override);
    if (rule.include === undefined && rule.exclude === undefined) return inherited;
    const words = this.#wordsOf(inherited);
    for (const group of rule.include ?? []) this.#set(words, group);
    for (const group of rule.exclude ?? []) {
      const id = this.#ids.find(group);
      if (id !== undefined && id >>> 5 < words.length) words[id >>> 5] = (words[id >>> 5] as number) & ~(1 << (id & 31));
    }
    return this.#intern(words);
  }

  /** Number of distinct sets made or reused by this pool. */
  get size(): number {
    return this.#pool.size;
  }

  #set(words: number[], group: string): void {
    const id = this.#ids.of(group);
    while (words.length <= id >>> 5) words.push(0);
    words[id >>> 5] = (words[id >>> 5] as number) | (1 << (id & 31));
  }

  #wordsOf(set: GroupSet): number[] {
    if (set instanceof BitGroupSet && set.ids === this.#ids) return [...set.words];
    const words: number[] = [];
    for (const group of set.sorted) this.#set(words, group);
    return words;
  }

  #intern(words: number[]): GroupSet {
    // Trailing empty words are dropped, so equal sets have equal words.
    while (words.length > 0 && words[words.length - 1] === 0) words.pop();
    const key = words.join(",");
    let set = this.#pool.get(key);
    if (set === undefined) {
      set = new BitGroupSet(this.#ids, words);
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
      const x = a[w] ?? 0;
      const y = b[w] ?? 0;
      counts.added += bitCount(y & ~x);
      counts.removed += bitCount(x & ~y);
    }
    return;
  }
  for (const group of after.sorted) if (!before.has(group)) counts.added++;
  for (const group of before.sorted) if (!after.has(group)) counts.removed++;
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
