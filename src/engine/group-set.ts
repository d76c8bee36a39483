/** Effective group sets: interned so that equal sets share one object. */
import type { LevelRule } from "./types.js";

/** An effective set of groups, immutable once built. */
export interface GroupSet {
  readonly members: ReadonlySet<string>;
  /** The members sorted by code unit, frozen: handed out as is. */
  readonly sorted: readonly string[];
}

/** Builds and interns group sets; one pool per compiled index. */
export class GroupSetPool {
  readonly #pool = new Map<string, GroupSet>();

  /** The interned set holding exactly `groups`. */
  of(groups: Iterable<string>): GroupSet {
    const sorted = [...new Set(groups)].sort(compareCodeUnits);
    const key = JSON.stringify(sorted);
    let set = this.#pool.get(key);
    if (set === undefined) {
      set = Object.freeze({ members: new Set(sorted), sorted: Object.freeze(sorted) });
      this.#pool.set(key, set);
    }
    return set;
  }

  /** SPEC 1.2 `apply`: override replaces, include adds then exclude removes, absent keeps. */
  apply(rule: LevelRule | undefined, inherited: GroupSet): GroupSet {
    const next = applyRule(rule, inherited.members);
    return next === inherited.members ? inherited : this.of(next);
  }

  /** Number of distinct sets interned. */
  get size(): number {
    return this.#pool.size;
  }
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
