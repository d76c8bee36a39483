/** Effective changes between two indexes, in time proportional to what changed. */
import type { GroupSet } from "./group-set.js";
import { compareCodeUnits } from "./group-set.js";
import { formatPath } from "./path.js";
import type { Steps } from "./steps.js";
import { STEP_SIZE } from "./steps.js";
import type { TrieNode } from "./trie.js";
import type { Access, EffectiveChange } from "./types.js";
import { ACCESS_LEVELS } from "./types.js";

/** Looks up the sets a path has in one index (for directories indexed only on the other side). */
export type SetsAt = (segments: readonly string[], access: Access) => GroupSet;

/**
 * Every indexed directory (of either index) whose effective groups differ,
 * per level. Subtrees shared by both tries (an incremental update shares
 * every untouched node) are skipped without a look.
 */
export function* effectiveChanges(from: TrieNode, to: TrieNode, fromAt: SetsAt, toAt: SetsAt): Steps<EffectiveChange[]> {
  const changes: EffectiveChange[] = [];
  const stack: [TrieNode | undefined, TrieNode | undefined, readonly string[]][] = [[from, to, []]];
  let visited = 0;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [a, b, segments] = item;
    if (a === b) continue;
    if (++visited % STEP_SIZE === 0) yield;
    for (const access of ACCESS_LEVELS) {
      const before = a !== undefined ? levelOf(a, access) : fromAt(segments, access);
      const after = b !== undefined ? levelOf(b, access) : toAt(segments, access);
      const change = difference(before, after);
      if (change !== null) changes.push(Object.freeze({ path: formatPath(segments), access, ...change }));
    }
    const names = new Set([...(a?.children() ?? []), ...(b?.children() ?? [])].map((child) => child.name));
    for (const name of names) stack.push([a?.get(name), b?.get(name), [...segments, name]]);
  }
  return changes.sort((x, y) => compareCodeUnits(x.path, y.path) || compareCodeUnits(x.access, y.access));
}

function levelOf(node: TrieNode, access: Access): GroupSet {
  return access === "READ" ? node.read : node.write;
}

function difference(before: GroupSet, after: GroupSet): { added: readonly string[]; removed: readonly string[] } | null {
  if (before === after) return null;
  const added = after.sorted.filter((g) => !before.members.has(g));
  const removed = before.sorted.filter((g) => !after.members.has(g));
  if (added.length === 0 && removed.length === 0) return null;
  return { added: Object.freeze(added), removed: Object.freeze(removed) };
}
