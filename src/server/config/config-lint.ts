/**
 * `unknownConfigGroups`: groups the server config names that the tree's
 * `treerights.yaml` does not know: a realm's `map` targets and `prefix`ed
 * names cannot be checked before a credential arrives, but the groups a map
 * produces and the groups allowed to call the API can (issue 14: `lint --config`).
 */
import type { Position, Problem } from "../../engine/index.js";
import type { ServerConfig } from "./server-config.js";

/** A warning (`unknown_group`) for each group the config maps to or lets call the API that `known` lacks; none when `known` is null (no `groups:` list). */
export function unknownConfigGroups(config: ServerConfig, known: readonly string[] | null, at: (path: readonly (string | number)[]) => Position): Problem[] {
  if (known === null) return [];
  const knownSet = new Set(known);
  const problems: Problem[] = [];
  const warn = (path: readonly (string | number)[], group: string, what: string): void => {
    if (knownSet.has(group)) return;
    const { line, column } = at(path);
    problems.push({ code: "unknown_group", severity: "warning", file: config.file, line, column, message: `${what}, which \`treerights.yaml\` does not list in \`groups\`` });
  };
  config.realms.forEach((realm, i) => {
    for (const [from, to] of realm.mapping?.map ?? []) warn(["realms", i, "map", from], to, `realm \`${realm.name}\` maps \`${from}\` to \`${to}\``);
  });
  for (const family of ["decisions", "admin"] as const) {
    config.api[family]?.groups.forEach((group, j) => { warn(["api", family, "groups", j], group, `\`api.${family}\` names group \`${group}\``); });
  }
  return problems;
}
