/**
 * `parseRights`: the bytes of one `access.rights` in, a `RightsFile` (with
 * positions) or the problems that stop it out. No I/O.
 */
import type { Document, LineCounter } from "yaml";
import { isScalar } from "yaml";
import type { Access, LevelRule, Problem, RightsFile } from "../engine/index.js";
import { ACCESS_LEVELS } from "../engine/index.js";
import { checkNodes } from "./check-nodes.js";
import { decodeUtf8 } from "./decode.js";
import { nodePosition, parseYaml } from "./parse-yaml.js";
import { hasErrors, problem, quote, sortProblems } from "./problems.js";
import { validateRights } from "./schema.js";
import type { AliasTargets } from "./yaml-nodes.js";
import { formatPointer, locate, locateKey, resolveAliases } from "./yaml-nodes.js";

/** The name every rights file has. */
export const RIGHTS_FILE_NAME = "access.rights";

/** How far aliases may expand (YAML's count of aliased nodes) before the file counts as an alias bomb. */
export const MAX_ALIAS_EXPANSION = 50;

/** A parsed file, or `null` when it has errors; warnings may come with a file. */
export interface ParsedRights {
  readonly file: RightsFile | null;
  readonly problems: Problem[];
}

const START = Object.freeze({ line: 1, column: 1 });

/**
 * Parses the bytes of the rights file at `file` (relative to the tree root,
 * such as `plant/north/access.rights`) and checks it against SPEC 1.1.
 */
export function parseRights(bytes: Uint8Array, file: string): ParsedRights {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    const byte = `0x${decoded.byte.toString(16).padStart(2, "0")}`;
    return { file: null, problems: [problem("not_utf8", file, decoded.at, `byte \`${byte}\` is not valid utf-8; save the file as utf-8`)] };
  }
  const { doc, lines, problems: yamlProblems, broken } = parseYaml(decoded.text, file);
  const problems = [...yamlProblems];
  if (broken) return { file: null, problems };

  const dir = dirOf(file);
  const aliases = resolveAliases(doc);
  const findings = checkNodes(doc, lines, file, aliases);
  problems.push(...findings.problems);
  if (isEmpty(doc)) {
    problems.push(problem("empty_file", file, START, "file has no rules and changes nothing; add `READ:` or `WRITE:`, or delete it"));
    return { file: hasErrors(problems) ? null : { dir, file }, problems };
  }
  if (findings.aliasBomb) return { file: null, problems };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (err) {
    // Unresolved aliases were reported by the node checks; anything else thrown here is expansion.
    if (!hasErrors(problems)) problems.push(aliasBomb(lines, file, aliases, err));
    return { file: null, problems };
  }
  problems.push(...validateRights(value, { doc, lines, file, aliases, reported: findings.reported }));
  problems.push(...overlaps(value, doc, lines, file, aliases));
  if (hasErrors(problems)) return { file: null, problems: sortProblems(problems) };
  return { file: toRightsFile(value, dir, file, doc, lines, aliases), problems };
}

// Nothing but comments, blank lines or a lone `---`.
function isEmpty(doc: Document): boolean {
  const contents = doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null && (contents.source ?? "") === "");
}

/** The tree directory of a rights file path: `""` for the root. */
export function dirOf(file: string): string {
  return file === RIGHTS_FILE_NAME ? "" : file.slice(0, -(RIGHTS_FILE_NAME.length + 1));
}

function aliasBomb(lines: LineCounter, file: string, aliases: AliasTargets, err: unknown): Problem {
  const first = aliases.keys().next();
  const at = first.done === true ? START : nodePosition(first.value, lines);
  const why = err instanceof ReferenceError ? "aliases expand to too much data" : "aliases cannot be expanded";
  return problem("alias_bomb", file, at, `${why}; write the groups out instead of nesting \`*aliases\``);
}

// The same group both included and excluded in one level; only levels whose lists are well formed are checked.
function overlaps(value: unknown, doc: Document, lines: LineCounter, file: string, aliases: AliasTargets): Problem[] {
  const found: Problem[] = [];
  for (const access of ACCESS_LEVELS) {
    const level = field(value, access);
    const include = groupList(field(level, "include"));
    const exclude = groupList(field(level, "exclude"));
    if (include === null || exclude === null) continue;
    const included = new Set(include);
    exclude.forEach((group, i) => {
      if (!included.has(group)) return;
      const single = typeof field(level, "exclude") === "string";
      const node = locate(doc, formatPointer(single ? [access, "exclude"] : [access, "exclude", i]), aliases).node;
      found.push(problem("include_exclude_overlap", file, node ? nodePosition(node, lines) : START,
        `group ${quote(group)} is both included and excluded in \`${access}\`; remove it from one of the two`));
    });
  }
  return found;
}

function toRightsFile(value: unknown, dir: string, file: string, doc: Document, lines: LineCounter, aliases: AliasTargets): RightsFile {
  const levels: Partial<Record<Access, LevelRule>> = {};
  for (const access of ACCESS_LEVELS) {
    const level = field(value, access);
    if (level === undefined) continue;
    const key = locateKey(doc, "", access, aliases);
    const rule: { -readonly [K in keyof LevelRule]: LevelRule[K] } = {};
    for (const keyword of ["override", "include", "exclude"] as const) {
      const groups = groupList(field(level, keyword));
      if (groups !== null) rule[keyword] = groups;
    }
    if (key) rule.at = nodePosition(key, lines);
    levels[access] = rule;
  }
  return { dir, file, ...levels };
}

// An own property only: a key named `__proto__` or `constructor` is data, not the prototype.
function field(value: unknown, name: string): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  return Object.getOwnPropertyDescriptor(value, name)?.value;
}

// A keyword's value as a list, or null when it is absent or not a string or list of strings.
function groupList(value: unknown): string[] | null {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((g) => typeof g === "string")) return [...value];
  return null;
}
