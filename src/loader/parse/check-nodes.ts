/**
 * Checks made on the YAML nodes before they become plain data, where the
 * source text is still known: duplicate and `<<` keys, aliases, and group
 * names YAML reads as something other than a string (`123`, `true`, `null`).
 */
import type { Document, LineCounter, Node, Scalar, YAMLMap } from "yaml";
import { isAlias, isMap, isScalar, isSeq, visit } from "yaml";
import type { Problem } from "../../engine/index.js";
import { nodePosition } from "./parse-yaml.js";
import { problem, quote } from "./problems.js";
import type { AliasTargets } from "./yaml-nodes.js";
import { deref, formatPointer, keyName } from "./yaml-nodes.js";

/** More aliases than this in one file is an alias bomb, whatever they expand to. */
export const MAX_ALIASES = 100;

/** The top-level keys of a rights file, as spelled there. */
export const LEVELS: readonly string[] = ["READ", "WRITE"];

/** The keywords under a level, as spelled there. */
export const KEYWORDS: readonly string[] = ["override", "include", "exclude"];

/** What the node checks found. */
export interface NodeFindings {
  readonly problems: Problem[];
  /** JSON pointers of group values already reported; schema errors there would repeat them. */
  readonly reported: Set<string>;
  /** True when the aliases alone make the file an alias bomb: it is not expanded. */
  readonly aliasBomb: boolean;
}

/** Where a group name or list of group names stands in a document, for the group checks. */
export interface GroupSite {
  /** JSON pointer segments of the value: `["READ", "include"]`, `["patterns", 0, "WRITE", "override"]`. */
  readonly path: readonly (string | number)[];
  /** How messages name it: `READ.include`, `patterns[0].WRITE.override`, `groups`. */
  readonly where: string;
  /** The key the value belongs to: a blank value is reported there. */
  readonly key: Node;
  /** The value as written: a scalar, a list, an alias or nothing. */
  readonly value: unknown;
}

/** Runs every node check over `doc`; `sites` are where group names stand. */
export function checkNodes(doc: Document, lines: LineCounter, file: string, aliases: AliasTargets, sites: readonly GroupSite[]): NodeFindings {
  const problems: Problem[] = [];
  const reported = new Set<string>();
  const aliasBomb = checkAliases(lines, file, aliases, problems);
  visit(doc, {
    Map(_key, map) {
      const seen = new Map<string, Node>();
      for (const pair of map.items) {
        const name = keyName(pair.key);
        if (name === undefined || !isScalar(pair.key)) continue;
        const at = nodePosition(pair.key, lines);
        if (name === "<<") {
          problems.push(problem("merge_key", file, at, "merge key `<<` is not allowed; write the keys out in full"));
        }
        const first = seen.get(name);
        if (first === undefined) seen.set(name, pair.key);
        else {
          const firstLine = nodePosition(first, lines).line;
          problems.push(problem("duplicate_key", file, at,
            `duplicate key ${quote(name)} (first on line ${firstLine}); keep one and merge their contents`));
        }
      }
    },
  });
  for (const site of sites) checkGroupValue(site, lines, file, aliases, problems, reported);
  return { problems, reported, aliasBomb };
}

/**
 * The group sites of a rights file: `READ`/`WRITE` → keyword at the top and
 * in every item of `patterns`. Only mappings are followed; what is not a
 * mapping is the schema's to report.
 */
export function rightsGroupSites(doc: Document, aliases: AliasTargets): GroupSite[] {
  const sites: GroupSite[] = [];
  const root = deref(doc.contents, aliases);
  if (!isMap(root)) return sites;
  ruleSites(root, [], "", aliases, sites);
  for (const pair of root.items) {
    const list = deref(pair.value, aliases);
    if (keyName(pair.key) !== "patterns" || !isSeq(list)) continue;
    list.items.forEach((item, i) => {
      const rule = deref(item, aliases);
      if (isMap(rule)) ruleSites(rule, ["patterns", i], `patterns[${i}].`, aliases, sites);
    });
  }
  return sites;
}

function ruleSites(rule: YAMLMap, base: readonly (string | number)[], prefix: string, aliases: AliasTargets, sites: GroupSite[]): void {
  for (const levelPair of rule.items) {
    const level = keyName(levelPair.key);
    const levelMap = deref(levelPair.value, aliases);
    if (level === undefined || !LEVELS.includes(level) || !isMap(levelMap)) continue;
    for (const pair of levelMap.items) {
      const keyword = keyName(pair.key);
      if (keyword === undefined || !KEYWORDS.includes(keyword) || !isScalar(pair.key)) continue;
      sites.push({ path: [...base, level, keyword], where: `${prefix}${level}.${keyword}`, key: pair.key, value: pair.value });
    }
  }
}

function checkAliases(lines: LineCounter, file: string, aliases: AliasTargets, problems: Problem[]): boolean {
  let count = 0;
  for (const [alias, target] of aliases) {
    count++;
    if (count > MAX_ALIASES) {
      problems.push(problem("alias_bomb", file, nodePosition(alias, lines),
        `more than ${MAX_ALIASES} aliases in one file; write the groups out instead of repeating \`*aliases\``));
      return true;
    }
    if (target === undefined && isAlias(alias)) {
      problems.push(problem("yaml_syntax", file, nodePosition(alias, lines),
        `invalid yaml: alias ${quote(`*${alias.source}`)} has no anchor before it; define ${quote(`&${alias.source}`)} first or write the value out`));
    }
  }
  return false;
}

// A group value is a scalar or a list of scalars; anything else is the schema's to report.
function checkGroupValue(site: GroupSite, lines: LineCounter, file: string, aliases: AliasTargets, problems: Problem[], reported: Set<string>): void {
  const pointer = formatPointer(site.path);
  const value = deref(site.value, aliases);
  if (isAlias(site.value) && value === undefined) return; // an alias without anchor, reported as such
  const name = keyName(site.key) ?? "groups";
  if (value === null || value === undefined || (isScalar(value) && isBlank(value))) {
    problems.push(problem("invalid_group_list", file, nodePosition(site.key, lines),
      `\`${site.where}\` has no value; list groups (\`${name}: [operators]\`) or write \`${name}: []\``));
    reported.add(pointer);
  } else if (isScalar(value)) {
    checkGroup(value, site.where, pointer, lines, file, problems, reported);
  } else if (isSeq(value)) {
    value.items.forEach((item, i) => {
      const node = deref(item, aliases);
      if (isScalar(node)) checkGroup(node, site.where, formatPointer([...site.path, i]), lines, file, problems, reported);
    });
  }
}

function checkGroup(node: Scalar, where: string, pointer: string, lines: LineCounter, file: string, problems: Problem[], reported: Set<string>): void {
  if (typeof node.value === "string") return;
  const at = nodePosition(node, lines);
  reported.add(pointer);
  if (isBlank(node)) {
    problems.push(problem("invalid_group_name", file, at, `empty list item in \`${where}\`; write a group name or remove the \`-\``));
    return;
  }
  const text = (node.source ?? String(node.value)).trim();
  const kind = node.value === null ? "null" : typeof node.value === "boolean" ? "a boolean" : typeof node.value === "number" ? "a number" : "not a string";
  problems.push(problem("non_string_group", file, at,
    `group ${quote(text)} in \`${where}\` is read by yaml as ${kind}, not a name; quote it: \`"${text}"\``));
}

// A value written as nothing at all (`include:` or `- `), as opposed to a literal `null` or `~`.
function isBlank(node: Scalar): boolean {
  return node.value === null && (node.source ?? "") === "";
}
