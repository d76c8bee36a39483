/**
 * Groups that imply groups (SPEC 1.5): a holder of a group also holds every
 * group it implies, transitively. The closure is computed once, when an
 * index is compiled, and shared by every index `update` makes from it.
 */
import { TreeRightsError } from "./errors.js";
import { compareCodeUnits } from "./group-set.js";
import type { Implications } from "./implications.js";
import { isGroupName } from "./rights-file-check.js";

export type { Implications } from "./implications.js";

/** Where implications are declared, as a diff's cause names it. */
export const IMPLIES_FILE = "treerights.yaml";

const NONE_LIST: readonly string[] = Object.freeze([]);

/** The closure of `declared` (a `Map`: group names may be `__proto__`). Throws `invalid_option` on a name that is not a group name. */
export function implications(declared: ReadonlyMap<string, readonly string[]> | undefined): Implications {
  if (declared === undefined) return NO_IMPLICATIONS;
  if (!(declared instanceof Map)) throw badImplies("`implies` must be a `Map` from a group to the groups it implies");
  const direct = new Map<string, readonly string[]>();
  for (const [group, implied] of declared as ReadonlyMap<unknown, unknown>) {
    if (!isGroupName(group)) throw badImplies(`\`implies\` has a key that is not a group name: \`${String(group)}\``);
    if (!Array.isArray(implied) || !implied.every(isGroupName)) {
      throw badImplies(`\`implies\` of \`${group}\` must be a list of group names`);
    }
    const own = [...new Set(implied)].filter((g) => g !== group);
    if (own.length > 0) direct.set(group, Object.freeze(own));
  }
  return direct.size === 0 ? NO_IMPLICATIONS : new Closure(direct);
}

/**
 * Cycles of `declared`, as `[a, b, …, a]` from the cycle's first group in
 * code-unit order: for each group, the shortest cycle through it whose
 * other groups sort after it, if any. Empty iff there is no cycle. A group
 * implying itself is `[a, a]`. Sorted by first group. For lint: SPEC 1.5
 * makes any cycle an error.
 */
export function impliesCycles(declared: ReadonlyMap<string, readonly string[]>): (readonly string[])[] {
  const cycles: (readonly string[])[] = [];
  // The shortest cycle through `start` whose other members all sort after it: each cycle found once, from its least member.
  for (const start of [...declared.keys()].sort(compareCodeUnits)) {
    const cycle = shortestPath(declared, start, (g) => g === start, (g) => compareCodeUnits(g, start) > 0);
    if (cycle !== null) cycles.push(Object.freeze(cycle));
  }
  return cycles;
}

class Closure implements Implications {
  readonly empty = false;
  readonly declared: ReadonlyMap<string, readonly string[]>;
  // INVARIANT: `#implied` has an entry for every group that implies another, and no other.
  readonly #implied = new Map<string, readonly string[]>();
  readonly #reachedBy = new Map<string, string[]>();

  constructor(direct: ReadonlyMap<string, readonly string[]>) {
    this.declared = direct;
    for (const group of direct.keys()) {
      const seen = new Set<string>([group]);
      const stack = [...(direct.get(group) ?? [])];
      for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
        if (seen.has(next)) continue;
        seen.add(next);
        stack.push(...(direct.get(next) ?? []));
      }
      // In a cycle a group reaches itself; it holds itself anyway.
      seen.delete(group);
      const implied = Object.freeze([...seen].sort(compareCodeUnits));
      this.#implied.set(group, implied);
      for (const target of implied) {
        const by = this.#reachedBy.get(target);
        if (by === undefined) this.#reachedBy.set(target, [group]);
        else by.push(group);
      }
    }
    Object.freeze(this);
  }

  implied(group: string): readonly string[] {
    return this.#implied.get(group) ?? NONE_LIST;
  }

  expand(groups: readonly string[]): readonly string[] {
    const out = new Set(groups);
    for (const group of groups) for (const implied of this.implied(group)) out.add(implied);
    return [...out];
  }

  reaching(groups: Iterable<string>): readonly string[] {
    const given = new Set(groups);
    const out = new Set<string>();
    for (const group of given) for (const by of this.#reachedBy.get(group) ?? []) if (!given.has(by)) out.add(by);
    return out.size === 0 ? NONE_LIST : [...out].sort(compareCodeUnits);
  }

  chain(from: string, targets: ReadonlySet<string>): readonly string[] | null {
    if (targets.has(from)) return [from];
    return shortestPath(this.declared, from, (g) => targets.has(g), () => true);
  }
}

/** Breadth first from `from` along `declared`, through groups `may` allows, to the first group `isEnd` accepts: `[from, …, end]`. */
function shortestPath(
  declared: ReadonlyMap<string, readonly string[]>, from: string, isEnd: (group: string) => boolean, may: (group: string) => boolean,
): string[] | null {
  const parent = new Map<string, string>();
  let frontier = [from];
  const seen = new Set(frontier);
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const group of frontier) {
      for (const target of [...(declared.get(group) ?? [])].sort(compareCodeUnits)) {
        if (isEnd(target)) {
          const path = [target];
          for (let at: string | undefined = group; at !== undefined; at = parent.get(at)) path.push(at);
          return path.reverse();
        }
        if (seen.has(target) || !may(target)) continue;
        seen.add(target);
        parent.set(target, group);
        next.push(target);
      }
    }
    frontier = next;
  }
  return null;
}

function badImplies(message: string): TreeRightsError {
  return new TreeRightsError("invalid_option", message);
}

/** No group implies another. */
export const NO_IMPLICATIONS: Implications = Object.freeze({
  empty: true,
  declared: new Map<string, readonly string[]>(),
  implied: () => NONE_LIST,
  expand: (groups: readonly string[]) => [...new Set(groups)],
  reaching: () => NONE_LIST,
  chain: (from: string, targets: ReadonlySet<string>) => (targets.has(from) ? [from] : null),
});
