/**
 * Warnings for `--group` values the tree knows nowhere: a typo such as
 * `supervisr` would otherwise be a silent deny.
 */
import type { RightsIndex } from "../engine/index.js";
import { namedGroups, unnamedGroups } from "../engine/index.js";
import type { TreeConfig } from "../loader/index.js";
import { CONFIG_FILE } from "../loader/index.js";
import { didYouMean } from "../loader/parse/did-you-mean.js";
import { quote } from "../loader/parse/problems.js";

/**
 * One `warning: …` line per group of `groups` that no rights file of `index`
 * names and `treerights.yaml` does not list (in `groups`, `exclusive` or `implies`),
 * with the nearest known group as a hint.
 */
export function unknownGroupWarnings(groups: readonly string[], index: RightsIndex, config: TreeConfig): string[] {
  const listed = new Set([...(config.groups ?? []), ...config.exclusive.flat(), ...config.implies.keys(), ...[...config.implies.values()].flat()]);
  const unknown = unnamedGroups(index, groups).filter((group) => !listed.has(group));
  if (unknown.length === 0) return [];
  // Sorted, so that a tie between two hints always goes the same way.
  const known = [...new Set([...namedGroups(index), ...listed])].sort();
  return unknown.map((group) => {
    const hint = didYouMean(group, known);
    return `warning: group ${quote(group)} is not named in any rights file or in \`${CONFIG_FILE}\`${
      hint === undefined ? "; it holds nothing in this tree" : ` (did you mean ${quote(hint)}?)`}`;
  });
}
