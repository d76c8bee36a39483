/**
 * `whereAmong`: where a group holds a level, answered over a given list of
 * directories (the tree's directories on disk, say) by the decision itself,
 * so that it agrees with `check` and `groupsFor` on every one of them,
 * pattern rules included.
 */
import { compareCodeUnits } from "./group-set.js";
import { formatPath, normalizePath } from "./path.js";
import type { Access, RightsIndex, WhereRegion, WhereResult } from "./types.js";

/**
 * The regions (and their holes) where `group` holds `access` among
 * `directories` (tree paths; the root is always among them): a directory
 * starts a region when the group holds the level there and not at its
 * parent, and a hole when it loses it inside a region. The result answers
 * exactly what `index.check([group], access, d)` answers for each listed
 * directory `d`; pattern rules are listed as `index.where` lists them, for
 * the paths that are not directories (files, resources elsewhere).
 */
export function whereAmong(index: RightsIndex, group: string, access: Access, directories: Iterable<string>): WhereResult {
  const byPath = new Map<string, readonly string[]>([["/", []]]);
  for (const dir of directories) {
    const segments = normalizePath(dir);
    byPath.set(formatPath(segments), segments);
  }
  // Parents before children: sorted by segments, so a directory's ancestors come first.
  const sorted = [...byPath.values()].sort(compareSegments);
  const held = new Map<string, boolean>();
  const regions: { path: string; holes: string[] }[] = [];
  const regionOf = new Map<string, { path: string; holes: string[] } | null>();
  for (const segments of sorted) {
    const path = formatPath(segments);
    const holds = index.check([group], access, path);
    held.set(path, holds);
    // The nearest listed ancestor decides whether this directory starts or cuts a region.
    let parent: string | null = null;
    for (let depth = segments.length - 1; depth >= 0 && parent === null; depth--) {
      const candidate = formatPath(segments.slice(0, depth));
      if (held.has(candidate)) parent = candidate;
    }
    const open = parent === null ? null : (regionOf.get(parent) ?? null);
    if (holds && open === null) {
      const region = { path, holes: [] };
      regions.push(region);
      regionOf.set(path, region);
    } else if (!holds && open !== null) {
      open.holes.push(path);
      regionOf.set(path, null);
    } else {
      regionOf.set(path, open);
    }
  }
  return Object.freeze({
    group,
    access,
    regions: Object.freeze(regions.sort((a, b) => compareCodeUnits(a.path, b.path)).map((r): WhereRegion => Object.freeze({ path: r.path, holes: Object.freeze(r.holes.sort(compareCodeUnits)) }))),
    patterns: index.where(group, access).patterns,
  });
}

function compareSegments(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const order = compareCodeUnits(a[i] as string, b[i] as string);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}
