/**
 * The lint rule `unknown_group`: with a `groups` list in `treerights.yaml`,
 * every group named anywhere else must be on it (a typo such as `operator`
 * for `operators` silently grants nobody).
 */
import type { Keyword, LevelRule, Position, Problem, RightsFile } from "../../engine/index.js";
import { ACCESS_LEVELS } from "../../engine/index.js";
import type { TreeConfig } from "../parse/config.js";
import { CONFIG_FILE } from "../parse/config.js";
import { didYouMean } from "../parse/did-you-mean.js";
import { NOWHERE, problem, quote } from "../parse/problems.js";
import type { LevelPlaces, TreePlaces } from "../parse/rights-places.js";
import { groupPlace } from "../parse/rights-places.js";

const KEYWORDS: readonly Keyword[] = ["override", "include", "exclude"];

/** One warning per use of a group not in `config.groups`; nothing when there is no such list. */
export function unknownGroups(files: readonly RightsFile[], config: TreeConfig | undefined, places: TreePlaces | undefined): Problem[] {
  const listed = config?.groups;
  if (listed === null || listed === undefined) return [];
  const known = new Set(listed);
  const problems: Problem[] = [];
  const check = (group: string, file: string, at: Position): void => {
    if (known.has(group)) return;
    const hint = didYouMean(group, listed);
    problems.push(problem("unknown_group", file, at, `group ${quote(group)} is not in the \`groups\` list of \`${CONFIG_FILE}\`${
      hint === undefined ? "; add it there or fix the name" : ` (did you mean ${quote(hint)}?)`}`));
  };
  for (const file of files) {
    const name = file.file ?? "";
    const filePlaces = places?.get(name);
    const levels = (rule: { readonly READ?: LevelRule; readonly WRITE?: LevelRule }, placesOf: (access: "READ" | "WRITE") => LevelPlaces | undefined) => {
      for (const access of ACCESS_LEVELS) {
        const level = rule[access];
        if (level === undefined) continue;
        for (const keyword of KEYWORDS) {
          level[keyword]?.forEach((group, i) => { check(group, name, groupPlace(placesOf(access), keyword, i) ?? level.at ?? NOWHERE); });
        }
      }
    };
    levels(file, (access) => filePlaces?.[access]);
    file.patterns?.forEach((pattern, i) => { levels(pattern, (access) => filePlaces?.patterns[i]?.[access]); });
  }
  config?.exclusive.forEach((set, i) => {
    set.forEach((group, j) => { check(group, CONFIG_FILE, config.exclusivePlaces[i]?.[j] ?? NOWHERE); });
  });
  for (const [group, implied] of config?.implies ?? []) {
    const at = config?.impliesPlaces.get(group);
    check(group, CONFIG_FILE, at?.key ?? NOWHERE);
    implied.forEach((target, i) => { check(target, CONFIG_FILE, at?.groups[i] ?? at?.key ?? NOWHERE); });
  }
  return problems;
}
