/** `exclusiveHeld`: separation of duty for a known caller (the seeds' SORMAS and Atomik rows). */
import type { RightsIndex } from "./types.js";

/**
 * The first `exclusive` set of `index` of which `groups` hold two or more,
 * judged after `implies` (SPEC 4): those held groups, sorted as the set lists
 * them; null when the caller holds at most one group of every set.
 */
export function exclusiveHeld(index: RightsIndex, groups: readonly string[]): readonly string[] | null {
  if (index.exclusive.length === 0) return null;
  const held = new Set(index.implications.expand(groups));
  for (const set of index.exclusive) {
    const both = set.filter((g) => held.has(g));
    if (both.length >= 2) return both;
  }
  return null;
}
