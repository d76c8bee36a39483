/**
 * Validation against `schemas/access-rights.schema.json` with ajv. Each ajv
 * error is mapped back to the YAML node it came from and translated into a
 * problem a person can act on; raw ajv text is never shown.
 */
import type { ErrorObject } from "ajv";
import type { Problem } from "../../engine/index.js";
import { KEYWORDS, LEVELS } from "./check-nodes.js";
import { didYouMean } from "./did-you-mean.js";
import { quote } from "./problems.js";
import type { SchemaContext } from "./schema-support.js";
import { GroupListErrors, addProblem, lazyValidator, nodeAt, valueAt } from "./schema-support.js";
import { formatPointer, locateKey, parsePointer } from "./yaml-nodes.js";

export type { SchemaContext } from "./schema-support.js";

/** Where the JSON Schema of the rights file format lives (shipped in the package). */
export const SCHEMA_URL = new URL("../../../schemas/access-rights.schema.json", import.meta.url);

/** The top-level keys of a rights file. */
const TOP_KEYS: readonly string[] = [...LEVELS, "patterns"];

/** The keys of a pattern rule. */
const PATTERN_KEYS: readonly string[] = ["match", ...LEVELS];

const validate = lazyValidator(SCHEMA_URL);

/** A JSON pointer path: string keys and list indexes. */
type Path = readonly (string | number)[];

/** Validates the plain data of a rights file; one problem per distinct fault. */
export function validateRights(value: unknown, ctx: SchemaContext): Problem[] {
  const check = validate();
  if (check(value)) return [];
  const problems: Problem[] = [];
  const lists = new GroupListErrors();
  for (const error of check.errors ?? []) {
    const segments = parsePointer(error.instancePath);
    const [first, index, key] = segments;
    if (first !== "patterns") {
      ruleError(error, [], segments, value, ctx, problems, lists);
    } else if (index === undefined) {
      addProblem(problems, ctx, "invalid_pattern", nodeAt(ctx, ["patterns"]),
        "`patterns` must be a list of rules, such as `patterns: [{ match: \"**/*.script\", WRITE: { override: [script-admins] } }]`");
    } else if (key === undefined) {
      patternError(error, Number(index), ctx, problems);
    } else if (key === "match" && segments.length === 3) {
      addProblem(problems, ctx, "invalid_pattern", nodeAt(ctx, ["patterns", Number(index), "match"]),
        `\`match\` of \`patterns[${index}]\` must be a non-empty glob string, such as \`match: "**/*.script"\``);
    } else {
      ruleError(error, ["patterns", Number(index)], segments.slice(2), value, ctx, problems, lists);
    }
  }
  lists.report(value, ctx, problems);
  return problems;
}

// An error inside a rule (the file itself when `base` is empty, else a pattern item); `rest` is the path below `base`.
function ruleError(error: ErrorObject, base: Path, rest: readonly string[], value: unknown, ctx: SchemaContext, problems: Problem[], lists: GroupListErrors): void {
  const [level = "", keyword = ""] = rest;
  if (rest.length === 0) rootError(error, ctx, problems);
  else if (rest.length === 1) levelError(error, base, level, value, ctx, problems);
  else lists.add([...base, level, keyword], `${prefix(base)}${level}.${keyword}`, keyword, error);
}

// How messages name a rule's parts: `` for the file, `patterns[0].` for a pattern item.
function prefix(base: Path): string {
  return base.length === 0 ? "" : `patterns[${String(base[1])}].`;
}

function rootError(error: ErrorObject, ctx: SchemaContext, problems: Problem[]): void {
  if (error.keyword === "type") {
    addProblem(problems, ctx, "not_a_mapping", ctx.doc.contents,
      "a rights file must be a mapping of `READ` and/or `WRITE`, such as `READ: { include: [operators] }`");
  } else if (error.keyword === "additionalProperties") {
    const name = String(error.params["additionalProperty"]);
    if (name === "<<") return; // reported as `merge_key` on the nodes
    addProblem(problems, ctx, "unknown_key", locateKey(ctx.doc, "", name, ctx.aliases), topKeyMessage(name));
  }
}

function topKeyMessage(name: string): string {
  const keyword = KEYWORDS.find((k) => k === name.toLowerCase());
  if (keyword !== undefined) return `unknown key ${quote(name)}; keywords go under a level, such as \`READ: { ${keyword}: [operators] }\``;
  if (name === "match") return "unknown key `match`; a glob goes in an item of `patterns`, such as `patterns: [{ match: \"**/*.script\", READ: { include: [operators] } }]`";
  const hint = didYouMean(name, TOP_KEYS);
  return hint === undefined ? `unknown key ${quote(name)}; use \`READ\`, \`WRITE\` or \`patterns\`` : `unknown key ${quote(name)} (did you mean \`${hint}\`?)`;
}

function patternError(error: ErrorObject, index: number, ctx: SchemaContext, problems: Problem[]): void {
  const item = nodeAt(ctx, ["patterns", index]);
  const where = `\`patterns[${index}]\``;
  switch (error.keyword) {
    case "type":
      addProblem(problems, ctx, "invalid_pattern", item,
        `${where} must be a mapping with \`match\` and \`READ\` and/or \`WRITE\`, such as \`{ match: "reports/**", READ: { include: [auditors] } }\``);
      break;
    case "required":
      addProblem(problems, ctx, "invalid_pattern", item, `${where} has no \`match\`; add the glob it applies to, such as \`match: "**/*.script"\``);
      break;
    case "additionalProperties": {
      const name = String(error.params["additionalProperty"]);
      if (name === "<<") break; // reported as `merge_key` on the nodes
      const hint = didYouMean(name, PATTERN_KEYS);
      addProblem(problems, ctx, "unknown_key", locateKey(ctx.doc, formatPointer(["patterns", index]), name, ctx.aliases), hint === undefined
        ? `unknown key ${quote(name)} in ${where}; use \`match\`, \`READ\` or \`WRITE\``
        : `unknown key ${quote(name)} in ${where} (did you mean \`${hint}\`?)`);
      break;
    }
    default:
      break;
  }
}

function levelError(error: ErrorObject, base: Path, level: string, value: unknown, ctx: SchemaContext, problems: Problem[]): void {
  const path = [...base, level];
  const shown = `\`${prefix(base)}${level}\``;
  const levelKey = () => locateKey(ctx.doc, formatPointer(base), level, ctx.aliases);
  const empty = `${shown} has no keyword; write \`override\`, \`include\` or \`exclude\` under it (\`override: []\` means nobody)`;
  switch (error.keyword) {
    case "type":
      if (valueAt(value, path) === null) addProblem(problems, ctx, "empty_level", levelKey(), empty);
      else addProblem(problems, ctx, "not_a_mapping", nodeAt(ctx, path),
        `${shown} must be a mapping of keywords, such as \`${level}: { include: [operators] }\``);
      break;
    case "minProperties":
      addProblem(problems, ctx, "empty_level", levelKey(), empty);
      break;
    case "additionalProperties": {
      const name = String(error.params["additionalProperty"]);
      if (name === "<<") break; // reported as `merge_key` on the nodes
      addProblem(problems, ctx, "unknown_key", locateKey(ctx.doc, formatPointer(path), name, ctx.aliases), keywordMessage(name, shown, base.length === 0));
      break;
    }
    case "propertyNames": {
      const name = String(error.params["propertyName"]);
      if (!KEYWORDS.includes(name)) break; // an unknown keyword, reported as such
      addProblem(problems, ctx, "override_with_include", locateKey(ctx.doc, formatPointer(path), name, ctx.aliases),
        `\`override\` cannot be combined with \`${name}\` in ${shown}; use \`override\` alone, or \`include\`/\`exclude\` without it`);
      break;
    }
    default:
      break; // `const` under `propertyNames` repeats the `propertyNames` error
  }
}

function keywordMessage(name: string, shown: string, top: boolean): string {
  const hint = didYouMean(name, KEYWORDS);
  if (hint !== undefined) return `unknown keyword ${quote(name)} under ${shown} (did you mean \`${hint}\`?)`;
  const misplaced = didYouMean(name, LEVELS);
  const place = top ? "at the top level" : "next to `match`";
  const where = misplaced === undefined ? "" : ` (\`${misplaced}\` goes ${place}, not under ${shown})`;
  return `unknown keyword ${quote(name)} under ${shown}; use \`override\`, \`include\` or \`exclude\`${where}`;
}
