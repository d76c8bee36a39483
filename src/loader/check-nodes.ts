/**
 * Checks made on the YAML nodes before they become plain data, where the
 * source text is still known: duplicate and `<<` keys, aliases, and group
 * names YAML reads as something other than a string (`123`, `true`, `null`).
 */
import type { Document, LineCounter, Node, Scalar } from "yaml";
import { isAlias, isMap, isScalar, isSeq, visit } from "yaml";
import type { Problem } from "../engine/index.js";
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

/** Runs every node check over `doc`. */
export function checkNodes(doc: Document, lines: LineCounter, file: string, aliases: AliasTargets): NodeFindings {
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
  checkGroupValues(doc, lines, file, aliases, problems, reported);
  return { problems, reported, aliasBomb };
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

// Group values stand at READ|WRITE → override|include|exclude → a scalar or a list of scalars.
function checkGroupValues(doc: Document, lines: LineCounter, file: string, aliases: AliasTargets, problems: Problem[], reported: Set<string>): void {
  const root = deref(doc.contents, aliases);
  if (!isMap(root)) return;
  for (const levelPair of root.items) {
    const level = keyName(levelPair.key);
    const levelMap = deref(levelPair.value, aliases);
    if (level === undefined || !LEVELS.includes(level) || !isMap(levelMap)) continue;
    for (const pair of levelMap.items) {
      const keyword = keyName(pair.key);
      if (keyword === undefined || !KEYWORDS.includes(keyword)) continue;
      const where = `${level}.${keyword}`;
      const pointer = formatPointer([level, keyword]);
      const value = deref(pair.value, aliases);
      if (isAlias(pair.value) && value === undefined) continue; // an alias without anchor, reported as such
      if (value === null || value === undefined || (isScalar(value) && isBlank(value))) {
        const at = nodePosition(isScalar(pair.key) ? pair.key : levelMap, lines);
        problems.push(problem("invalid_group_list", file, at,
          `\`${where}\` has no value; list groups (\`${keyword}: [operators]\`) or write \`${keyword}: []\``));
        reported.add(pointer);
      } else if (isScalar(value)) {
        checkGroup(value, where, pointer, lines, file, problems, reported);
      } else if (isSeq(value)) {
        value.items.forEach((item, i) => {
          const node = deref(item, aliases);
          if (isScalar(node)) checkGroup(node, where, formatPointer([level, keyword, i]), lines, file, problems, reported);
        });
      }
    }
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
