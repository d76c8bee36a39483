/** Reverse queries: every subtree where a group holds a level. */
import { compareCodeUnits } from "./group-set.js";
import { formatPath } from "./path.js";
import type { TrieNode } from "./trie.js";
import type { Access, WherePattern, WhereRegion, WhereResult } from "./types.js";

interface OpenRegion {
  readonly path: string;
  readonly holes: string[];
}

/**
 * Walks the indexed directories: a region starts where the group comes to
 * hold the level, a hole where it stops holding it inside a region. Any
 * directory not indexed answers like its deepest indexed ancestor, so the
 * result is complete for every path that no pattern rule touches;
 * pattern rules that concern the group are listed alongside. `holds` says
 * whether the group holds the level at a node; `concerned` is the group and
 * every group it implies (SPEC 1.5), whose rules concern it too.
 */
export function whereHeld(
  root: TrieNode, group: string, concerned: readonly string[], access: Access, holds: (node: TrieNode) => boolean,
): WhereResult {
  const regions: OpenRegion[] = [];
  const patterns: WherePattern[] = [];
  const stack: { node: TrieNode; segments: readonly string[]; region: OpenRegion | null }[] = [{ node: root, segments: [], region: null }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, segments } = item;
    let region = item.region;
    const held = holds(node);
    if (held && region === null) {
      region = { path: formatPath(segments), holes: [] };
      regions.push(region);
    } else if (!held && region !== null) {
      region.holes.push(formatPath(segments));
      region = null;
    }
    for (const rule of node.file?.patterns ?? []) {
      const level = rule[access];
      if (level === undefined) continue;
      const named = level.override ?? level.include ?? [];
      const grants = concerned.some((g) => named.includes(g));
      const revokes = concerned.some((g) => level.exclude?.includes(g) === true) || (level.override !== undefined && !grants);
      if (grants || revokes) {
        patterns.push({ file: node.file?.file ?? "", dir: formatPath(segments), match: rule.match, effect: grants ? "grant" : "revoke" });
      }
    }
    for (const child of node.children().reverse()) stack.push({ node: child, segments: [...segments, child.name], region });
  }
  return Object.freeze({
    group,
    access,
    regions: Object.freeze(
      regions
        .sort((a, b) => compareCodeUnits(a.path, b.path))
        .map((r): WhereRegion => Object.freeze({ path: r.path, holes: Object.freeze(r.holes.sort(compareCodeUnits)) })),
    ),
    patterns: Object.freeze(patterns),
  });
}
