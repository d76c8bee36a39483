/**
 * A diff's changes with implications (SPEC 1.5): a group holds a level on a
 * path when it is in `eff` or implies a group that is, so a change of
 * `implies` changes who holds what even where no rights file changed. Each
 * change of holding is tied to its cause: the rule that changed `eff`, or the
 * implication that was added or removed.
 */
import type { AttributedChange, DiffSide } from "./diff-cause.js";
import { attribute } from "./diff-cause.js";
import type { DiffCause } from "./diff-types.js";
import { IMPLIES_FILE } from "./implies.js";
import type { Implications } from "./implies.js";
import type { Access } from "./types.js";

/**
 * Splits the change of holders of `access` on `segments` by cause, where
 * `before` and `after` are `eff` in each tree (sorted) and holders are `eff`
 * and the groups that reach it through implication. Empty when the holders
 * are the same, even if `eff` differs (a group that lost a grant but holds
 * the level through an implication has lost nothing).
 */
export function attributeHolders(
  from: DiffSide, to: DiffSide, segments: readonly string[], access: Access,
  before: readonly string[], after: readonly string[],
): AttributedChange[] {
  const effBefore = new Set(before);
  const effAfter = new Set(after);
  const holdersBefore = new Set([...before, ...from.index.implications.reaching(before)]);
  const holdersAfter = new Set([...after, ...to.index.implications.reaching(after)]);
  const added = [...holdersAfter].filter((g) => !holdersBefore.has(g));
  const removed = [...holdersBefore].filter((g) => !holdersAfter.has(g));
  if (added.length === 0 && removed.length === 0) return [];

  // The rules behind the changes of `eff`, by group: made once, when a change needs them.
  let rules: Map<string, DiffCause> | null = null;
  const ruleCause = (group: string): DiffCause => {
    if (rules === null) {
      rules = new Map();
      for (const part of attribute(from, to, segments, access, before, after)) {
        for (const g of [...part.added, ...part.removed]) rules.set(g, part.cause);
      }
    }
    const cause = rules.get(group);
    // INVARIANT: `group` is in `eff` of one tree and not the other, and `attribute` names a cause for each such group.
    if (cause === undefined) throw new Error(`diff: no rule explains the change of \`${group}\``);
    return cause;
  };

  const parts = new Map<string, AttributedChange>();
  const put = (cause: DiffCause, group: string, isAdded: boolean): void => {
    const key = JSON.stringify([cause.file, cause.match ?? null, cause.keyword, cause.side, cause.chain ?? null]);
    let part = parts.get(key);
    if (part === undefined) {
      part = { cause, added: [], removed: [] };
      parts.set(key, part);
    }
    (isAdded ? part.added : part.removed).push(group);
  };
  const both = new Set(before.filter((g) => effAfter.has(g)));
  // A group that holds the level in one tree only: through its own grant, or a new implication, or a group it implies that gained the grant.
  const explain = (group: string, isAdded: boolean): void => {
    const [eff, implications, side] = isAdded ? [effAfter, to.index.implications, "to" as const] : [effBefore, from.index.implications, "from" as const];
    if (eff.has(group)) {
      put(ruleCause(group), group, isAdded);
      return;
    }
    // A group both trees grant reached now and not then: the implication is what changed.
    const through = implications.chain(group, both);
    if (through !== null) {
      put(impliesCause(through, side), group, isAdded);
      return;
    }
    const chain = reachedChain(implications, group, eff);
    put(Object.freeze({ ...ruleCause(chain[chain.length - 1] ?? group), chain }), group, isAdded);
  };
  for (const group of added) explain(group, true);
  for (const group of removed) explain(group, false);
  return [...parts.values()];
}

function reachedChain(implications: Implications, group: string, eff: ReadonlySet<string>): readonly string[] {
  // INVARIANT: `group` holds the level through implication, so a chain exists.
  return implications.chain(group, eff) ?? [group];
}

function impliesCause(chain: readonly string[], side: "from" | "to"): DiffCause {
  return Object.freeze({ file: IMPLIES_FILE, dir: "/", keyword: "implies", side, change: "changed", chain: Object.freeze([...chain]) });
}
