/** `mapGroups`: a realm's groups renamed by its optional mapping (SPEC 4), never cut to a last path segment. */
import type { GroupMapping } from "../config/realm-config.js";

/**
 * The groups a realm delivers, renamed: with a `map`, only mapped groups are
 * kept (an allow-list); with a `prefix`, every group gains it; without a
 * mapping, as delivered. Duplicates are dropped, order kept.
 */
export function mapGroups(groups: readonly string[], mapping: GroupMapping | undefined): readonly string[] {
  if (mapping === undefined) return dedupe(groups);
  const { map, prefix } = mapping;
  const mapped: string[] = [];
  for (const group of groups) {
    if (map !== undefined) {
      const to = map.get(group);
      if (to !== undefined) mapped.push(to);
    } else {
      mapped.push(`${prefix ?? ""}${group}`);
    }
  }
  return dedupe(mapped);
}

function dedupe(groups: readonly string[]): readonly string[] {
  return Object.freeze([...new Set(groups)]);
}
