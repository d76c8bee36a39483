/**
 * From the checked plain data of a rights file to a `RightsFile` and the
 * places of its parts, plus the checks the schema cannot make: a group both
 * included and excluded, pattern globs micromatch cannot use, and pattern
 * rules that change nothing.
 */
import type { Document, LineCounter } from "yaml";
import type { Access, Keyword, LevelRule, PatternRule, Position, Problem, RightsFile } from "../../engine/index.js";
import { ACCESS_LEVELS } from "../../engine/index.js";
import { globProblem } from "./glob.js";
import { nodePosition } from "./parse-yaml.js";
import { problem, quote } from "./problems.js";
import type { FilePlaces, LevelPlaces, PatternPlaces, RulePlaces } from "./rights-places.js";
import type { AliasTargets } from "./yaml-nodes.js";
import { formatPointer, locate, locateKey } from "./yaml-nodes.js";

/** The YAML a value came from. */
export interface SourceContext {
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly file: string;
  readonly aliases: AliasTargets;
}

/** A JSON pointer path: string keys and list indexes. */
type Path = readonly (string | number)[];

const START: Position = Object.freeze({ line: 1, column: 1 });
const KEYWORDS: readonly Keyword[] = ["override", "include", "exclude"];

/** The paths of every rule in a value: the file itself (`[]`) and each pattern item that is a mapping. */
export function rulePaths(value: unknown): Path[] {
  const paths: Path[] = [[]];
  const patterns = field(value, "patterns");
  if (Array.isArray(patterns)) patterns.forEach((item, i) => { if (isMapping(item)) paths.push(["patterns", i]); });
  return paths;
}

/**
 * Problems the schema cannot see: the same group in `include` and `exclude`
 * of one level (only well-formed lists are checked), pattern globs that are
 * absolute, climb with `..` or do not parse (errors), and pattern rules
 * without a level (warnings).
 */
export function ruleProblems(value: unknown, ctx: SourceContext): Problem[] {
  const found: Problem[] = [];
  for (const base of rulePaths(value)) {
    const rule = valueAt(value, base);
    for (const access of ACCESS_LEVELS) overlaps(field(rule, access), [...base, access], ctx, found);
    if (base.length === 0) continue;
    const where = `\`patterns[${String(base[1])}]\``;
    const match = field(rule, "match");
    if (typeof match === "string" && match !== "") {
      const why = globProblem(match, "pattern");
      if (why !== null) found.push(problem("invalid_glob", ctx.file, at(ctx, [...base, "match"]), `glob ${quote(match)} of ${where} ${why}`));
    }
    if (field(rule, "READ") === undefined && field(rule, "WRITE") === undefined) {
      found.push(problem("empty_pattern", ctx.file, at(ctx, base),
        `pattern rule ${where} has no \`READ\` or \`WRITE\` and changes nothing; add a level or remove it`));
    }
  }
  return found;
}

function overlaps(level: unknown, path: Path, ctx: SourceContext, found: Problem[]): void {
  const include = groupList(field(level, "include"));
  const exclude = groupList(field(level, "exclude"));
  if (include === null || exclude === null) return;
  const included = new Set(include);
  const single = typeof field(level, "exclude") === "string";
  exclude.forEach((group, i) => {
    if (!included.has(group)) return;
    const shown = path.length === 1 ? String(path[0]) : `patterns[${String(path[1])}].${String(path[2])}`;
    found.push(problem("include_exclude_overlap", ctx.file, at(ctx, single ? [...path, "exclude"] : [...path, "exclude", i]),
      `group ${quote(group)} is both included and excluded in \`${shown}\`; remove it from one of the two`));
  });
}

/** The `RightsFile` of a checked value, with the `at` of every level and pattern rule, and the places of its parts. */
export function buildRights(value: unknown, dir: string, ctx: SourceContext): { file: RightsFile; places: FilePlaces } {
  const top = buildRule(value, [], ctx);
  const patterns: PatternRule[] = [];
  const patternPlaces: PatternPlaces[] = [];
  for (const base of rulePaths(value).slice(1)) {
    const rule = valueAt(value, base);
    const built = buildRule(rule, base, ctx);
    const place = at(ctx, base);
    patterns.push({ match: String(field(rule, "match")), ...built.levels, at: place });
    patternPlaces.push({ ...built.places, at: place, match: at(ctx, [...base, "match"]) });
  }
  const file: RightsFile = { dir, file: ctx.file, ...top.levels, ...(patterns.length > 0 ? { patterns } : {}) };
  return { file, places: { ...top.places, patterns: patternPlaces } };
}

function buildRule(rule: unknown, base: Path, ctx: SourceContext): { levels: Partial<Record<Access, LevelRule>>; places: RulePlaces } {
  const levels: Partial<Record<Access, LevelRule>> = {};
  const places: { -readonly [A in Access]?: LevelPlaces } = {};
  for (const access of ACCESS_LEVELS) {
    const level = field(rule, access);
    if (level === undefined) continue;
    const key = locateKey(ctx.doc, formatPointer(base), access, ctx.aliases);
    const levelAt = key ? nodePosition(key, ctx.lines) : START;
    const built: { -readonly [K in keyof LevelRule]: LevelRule[K] } = {};
    const keywords: Partial<Record<Keyword, Position>> = {};
    const groups: Partial<Record<Keyword, readonly Position[]>> = {};
    for (const keyword of KEYWORDS) {
      const list = groupList(field(level, keyword));
      if (list === null) continue;
      built[keyword] = list;
      const path = [...base, access, keyword];
      const keywordKey = locateKey(ctx.doc, formatPointer([...base, access]), keyword, ctx.aliases);
      keywords[keyword] = keywordKey ? nodePosition(keywordKey, ctx.lines) : levelAt;
      const single = typeof field(level, keyword) === "string";
      groups[keyword] = single ? [at(ctx, path)] : list.map((_, i) => at(ctx, [...path, i]));
    }
    built.at = levelAt;
    levels[access] = built;
    places[access] = { at: levelAt, keywords, groups };
  }
  return { levels, places };
}

// Where the node at `path` starts (`locate` stops at the deepest node it can reach).
function at(ctx: SourceContext, path: Path): Position {
  const node = locate(ctx.doc, formatPointer(path), ctx.aliases).node;
  return node ? nodePosition(node, ctx.lines) : START;
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) current = typeof segment === "number" && Array.isArray(current) ? current[segment] : field(current, String(segment));
  return current;
}

function isMapping(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// An own property only: a key named `__proto__` or `constructor` is data, not the prototype.
function field(value: unknown, name: string): unknown {
  if (!isMapping(value)) return undefined;
  return Object.getOwnPropertyDescriptor(value, name)?.value;
}

// A keyword's value as a list, or null when it is absent or not a string or list of strings.
function groupList(value: unknown): string[] | null {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((g) => typeof g === "string")) return [...value];
  return null;
}
