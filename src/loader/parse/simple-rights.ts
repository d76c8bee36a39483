/**
 * A fast path for the plain way almost every rights file is written:
 *
 *     # a comment
 *     READ:
 *       include: [operators, "/ops/shift-a"]
 *     WRITE:
 *       override: supervisors
 *
 * Full YAML parsing costs ~50 µs a file, most of a large tree's load. Text in
 * this narrow, line-based subset means the same to YAML as to this reader,
 * so it is read directly; anything else (other layouts, anchors, tags,
 * escapes, pattern rules, a name YAML would read as a number, any problem
 * at all) returns `null` and goes through the full parser, which then finds
 * and words the problems. A property test holds the two readers equal on
 * every text this one accepts.
 */
import type { Access, Keyword, LevelRule, Position, RightsFile } from "../../engine/index.js";
import type { FilePlaces, LevelPlaces } from "./rights-places.js";

const LEVEL_LINE = /^(READ|WRITE):$/;
const KEYWORD_LINE = /^( +)(override|include|exclude): /;
const SKIPPED_LINE = /^ *(?:#.*)?$/;
// Control characters (but the line feed), carriage returns, tabs, and characters some readers take as line breaks or BOMs.
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
// A plain scalar is read only when YAML's core schema can take it for nothing but a string: it
// starts with a letter, `_` or `/`, goes on with letters, digits and `_./-` (see `plainEnd`)...
// ...and is none of the words it reads as null or a boolean.
const NOT_STRINGS: ReadonlySet<string> = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"]);
const KEYWORDS: readonly Keyword[] = ["override", "include", "exclude"];

/** A group and the column (1-based) it starts at. */
interface Token {
  readonly name: string;
  readonly column: number;
}

interface Level {
  readonly line: number;
  indent: number;
  readonly lists: Partial<Record<Keyword, { readonly key: Position; readonly groups: readonly Token[]; readonly line: number }>>;
}

/** The file and places of `text` when it is in the simple subset and has no problem, else `null`. */
export function parseSimpleRights(text: string, file: string, dir: string): { file: RightsFile; places: FilePlaces } | null {
  if (UNSAFE.test(text)) return null;
  const levels: Partial<Record<Access, Level>> = {};
  let current: Level | null = null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (SKIPPED_LINE.test(line)) continue;
    const level = LEVEL_LINE.exec(line)?.[1] as Access | undefined;
    if (level !== undefined) {
      if (levels[level] !== undefined) return null;
      current = { line: i + 1, indent: 0, lists: {} };
      levels[level] = current;
      continue;
    }
    const keyword = KEYWORD_LINE.exec(line);
    if (keyword === null || current === null) return null;
    const indent = keyword[1]?.length ?? 0;
    const name = keyword[2] as Keyword;
    if ((current.indent !== 0 && indent !== current.indent) || current.lists[name] !== undefined) return null;
    current.indent = indent;
    const groups = readValue(line, keyword[0].length);
    if (groups === null) return null;
    current.lists[name] = { key: { line: i + 1, column: indent + 1 }, groups, line: i + 1 };
  }
  if (levels.READ === undefined && levels.WRITE === undefined) return null;

  const built: { -readonly [K in keyof RightsFile]: RightsFile[K] } = { dir, file };
  const places: { -readonly [A in Access]?: LevelPlaces } = {};
  for (const access of ["READ", "WRITE"] as const) {
    const level = levels[access];
    if (level === undefined) continue;
    const rule = levelRule(level);
    if (rule === null) return null;
    built[access] = rule.rule;
    places[access] = rule.places;
  }
  return { file: built, places: { ...places, patterns: [] } };
}

function levelRule(level: Level): { rule: LevelRule; places: LevelPlaces } | null {
  const { lists } = level;
  if (lists.override !== undefined && (lists.include !== undefined || lists.exclude !== undefined)) return null;
  const included = new Set(lists.include?.groups.map((g) => g.name));
  if (lists.exclude?.groups.some((g) => included.has(g.name)) === true) return null;
  const at: Position = { line: level.line, column: 1 };
  const rule: { -readonly [K in keyof LevelRule]: LevelRule[K] } = {};
  const keywords: Partial<Record<Keyword, Position>> = {};
  const groups: Partial<Record<Keyword, readonly Position[]>> = {};
  for (const keyword of KEYWORDS) {
    const list = lists[keyword];
    if (list === undefined) continue;
    rule[keyword] = list.groups.map((g) => g.name);
    keywords[keyword] = list.key;
    groups[keyword] = list.groups.map((g) => ({ line: list.line, column: g.column }));
  }
  if (Object.keys(keywords).length === 0) return null;
  rule.at = at;
  return { rule, places: { at, keywords, groups } };
}

/** The groups of a keyword's value from `start` to the end of the line: one name, or a flow list of names. */
function readValue(line: string, start: number): Token[] | null {
  if (line.charCodeAt(start) !== 0x5b /* [ */) {
    const single = readName(line, start);
    return single !== null && single.end === line.length ? [single.token] : null;
  }
  const tokens: Token[] = [];
  let pos = skipSpaces(line, start + 1);
  if (line[pos] === "]") return pos + 1 === line.length ? tokens : null;
  for (;;) {
    const item = readName(line, pos);
    if (item === null) return null;
    tokens.push(item.token);
    pos = skipSpaces(line, item.end);
    if (line[pos] === "]") return pos + 1 === line.length ? tokens : null;
    if (line[pos] !== ",") return null;
    pos = skipSpaces(line, pos + 1);
  }
}

function skipSpaces(line: string, pos: number): number {
  let at = pos;
  while (line.charCodeAt(at) === 0x20) at++;
  return at;
}

/** A valid group name at `start`: double- or single-quoted without escapes or quotes inside, or a plain word. */
function readName(line: string, start: number): { token: Token; end: number } | null {
  const quote = line[start];
  let name: string;
  let end: number;
  if (quote === "\"" || quote === "'") {
    const close = line.indexOf(quote, start + 1);
    if (close < 0) return null;
    name = line.slice(start + 1, close);
    if (name.includes("\\") && quote === "\"") return null;
    end = close + 1;
  } else {
    end = plainEnd(line, start);
    name = line.slice(start, end);
    if (NOT_STRINGS.has(name)) return null;
    const next = line[end];
    if (next !== undefined && next !== " " && next !== "," && next !== "]") return null;
  }
  if (name === "" || name.trim() !== name) return null;
  return { token: { name, column: start + 1 }, end };
}

// The end of the plain word at `start` (`start` itself when none starts there).
function plainEnd(line: string, start: number): number {
  const first = line.charCodeAt(start);
  const letter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f /* _ */;
  if (!letter(first) && first !== 0x2f /* / */) return start;
  let end = start + 1;
  for (let c = line.charCodeAt(end); letter(c) || (c >= 0x2d && c <= 0x39) /* - . / 0-9 */; c = line.charCodeAt(end)) end++;
  return end;
}
