/**
 * Validation against `schemas/access-rights.schema.json` with ajv. Each ajv
 * error is mapped back to the YAML node it came from and translated into a
 * problem a person can act on; raw ajv text is never shown.
 */
import { readFileSync } from "node:fs";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv } from "ajv";
import type { Document, LineCounter, Node } from "yaml";
import type { Problem } from "../engine/index.js";
import { KEYWORDS, LEVELS } from "./check-nodes.js";
import { didYouMean } from "./did-you-mean.js";
import { nodePosition } from "./parse-yaml.js";
import type { ProblemCode } from "./problems.js";
import { problem, quote } from "./problems.js";
import type { AliasTargets } from "./yaml-nodes.js";
import { formatPointer, locate, locateKey, parsePointer } from "./yaml-nodes.js";

/** Where the JSON Schema of the rights file format lives (shipped in the package). */
export const SCHEMA_URL = new URL("../../schemas/access-rights.schema.json", import.meta.url);

const START = Object.freeze({ line: 1, column: 1 });

let validator: ValidateFunction | undefined;

/** The compiled validator, built on first use. */
function validate(): ValidateFunction {
  if (validator === undefined) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as object;
    validator = new Ajv({ allErrors: true, strict: true }).compile(schema);
  }
  return validator;
}

/** The YAML a value came from, to place and phrase problems. */
export interface SchemaContext {
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly file: string;
  readonly aliases: AliasTargets;
  /** JSON pointers of group values the node checks already reported. */
  readonly reported: ReadonlySet<string>;
}

/** Validates the plain data of a rights file; one problem per distinct fault. */
export function validateRights(value: unknown, ctx: SchemaContext): Problem[] {
  const check = validate();
  if (check(value)) return [];
  const problems: Problem[] = [];
  const groupErrors = new Map<string, ErrorObject[]>();
  for (const error of check.errors ?? []) {
    const segments = parsePointer(error.instancePath);
    const [level = "", keyword = ""] = segments;
    if (segments.length >= 2) {
      const pointer = formatPointer([level, keyword]);
      const list = groupErrors.get(pointer);
      if (list === undefined) groupErrors.set(pointer, [error]);
      else list.push(error);
    } else if (segments.length === 1) {
      levelError(error, level, value, ctx, problems);
    } else {
      rootError(error, ctx, problems);
    }
  }
  for (const [pointer, errors] of groupErrors) groupError(pointer, errors, value, ctx, problems);
  return problems;
}

function rootError(error: ErrorObject, ctx: SchemaContext, problems: Problem[]): void {
  if (error.keyword === "type") {
    add(problems, ctx, "not_a_mapping", ctx.doc.contents,
      "a rights file must be a mapping of `READ` and/or `WRITE`, such as `READ: { include: [operators] }`");
  } else if (error.keyword === "additionalProperties") {
    const name = String(error.params["additionalProperty"]);
    if (name === "<<") return; // reported as `merge_key` on the nodes
    add(problems, ctx, "unknown_key", locateKey(ctx.doc, "", name, ctx.aliases), topKeyMessage(name));
  }
}

function topKeyMessage(name: string): string {
  const keyword = KEYWORDS.find((k) => k === name.toLowerCase());
  if (keyword !== undefined) return `unknown key ${quote(name)}; keywords go under a level, such as \`READ: { ${keyword}: [operators] }\``;
  if (name === "patterns") return "unknown key `patterns`; pattern rules are not supported yet, use an `access.rights` in the subdirectory";
  const hint = didYouMean(name, LEVELS);
  return hint === undefined ? `unknown key ${quote(name)}; use \`READ\` or \`WRITE\`` : `unknown key ${quote(name)} (did you mean \`${hint}\`?)`;
}

function levelError(error: ErrorObject, level: string, value: unknown, ctx: SchemaContext, problems: Problem[]): void {
  const pointer = formatPointer([level]);
  const levelKey = () => locateKey(ctx.doc, "", level, ctx.aliases);
  const empty = `\`${level}\` has no keyword; write \`override\`, \`include\` or \`exclude\` under it (\`override: []\` means nobody)`;
  switch (error.keyword) {
    case "type":
      if (valueAt(value, [level]) === null) add(problems, ctx, "empty_level", levelKey(), empty);
      else add(problems, ctx, "not_a_mapping", locate(ctx.doc, pointer, ctx.aliases).node,
        `\`${level}\` must be a mapping of keywords, such as \`${level}: { include: [operators] }\``);
      break;
    case "minProperties":
      add(problems, ctx, "empty_level", levelKey(), empty);
      break;
    case "additionalProperties": {
      const name = String(error.params["additionalProperty"]);
      if (name === "<<") break; // reported as `merge_key` on the nodes
      add(problems, ctx, "unknown_key", locateKey(ctx.doc, pointer, name, ctx.aliases), keywordMessage(name, level));
      break;
    }
    case "propertyNames": {
      const name = String(error.params["propertyName"]);
      if (!KEYWORDS.includes(name)) break; // an unknown keyword, reported as such
      add(problems, ctx, "override_with_include", locateKey(ctx.doc, pointer, name, ctx.aliases),
        `\`override\` cannot be combined with \`${name}\` in \`${level}\`; use \`override\` alone, or \`include\`/\`exclude\` without it`);
      break;
    }
    default:
      break; // `const` under `propertyNames` repeats the `propertyNames` error
  }
}

function keywordMessage(name: string, level: string): string {
  const hint = didYouMean(name, KEYWORDS);
  if (hint !== undefined) return `unknown keyword ${quote(name)} under \`${level}\` (did you mean \`${hint}\`?)`;
  const misplaced = didYouMean(name, LEVELS);
  const where = misplaced === undefined ? "" : ` (\`${misplaced}\` goes at the top level, not under \`${level}\`)`;
  return `unknown keyword ${quote(name)} under \`${level}\`; use \`override\`, \`include\` or \`exclude\`${where}`;
}

function groupError(pointer: string, errors: readonly ErrorObject[], value: unknown, ctx: SchemaContext, problems: Problem[]): void {
  const [level = "", keyword = ""] = parsePointer(pointer);
  const where = `\`${level}.${keyword}\``;
  const groups = valueAt(value, [level, keyword]);
  if (ctx.reported.has(pointer)) return;
  if (typeof groups === "string") {
    nameError(groups, pointer, where, ctx, problems);
  } else if (Array.isArray(groups)) {
    const items = new Set(errors.map((e) => parsePointer(e.instancePath)[2]).filter((i) => i !== undefined));
    for (const i of items) {
      const itemPointer = formatPointer([level, keyword, i]);
      if (ctx.reported.has(itemPointer)) continue;
      const item: unknown = groups[Number(i)];
      if (typeof item === "string") nameError(item, itemPointer, where, ctx, problems);
      else add(problems, ctx, "invalid_group_list", locate(ctx.doc, itemPointer, ctx.aliases).node,
        `each item of ${where} must be a group name, such as \`operators\`, not a list or mapping`);
    }
  } else {
    add(problems, ctx, "invalid_group_list", locate(ctx.doc, pointer, ctx.aliases).node,
      `${where} must be a group name or a list of group names, such as \`${keyword}: [operators]\``);
  }
}

function nameError(name: string, pointer: string, where: string, ctx: SchemaContext, problems: Problem[]): void {
  const node = locate(ctx.doc, pointer, ctx.aliases).node;
  const trimmed = name.trim();
  add(problems, ctx, "invalid_group_name", node, trimmed === ""
    ? `empty group name in ${where}; write a name or remove it`
    : `group name ${quote(name)} in ${where} has leading or trailing whitespace; write ${quote(trimmed)}`);
}

function add(problems: Problem[], ctx: SchemaContext, code: ProblemCode, node: Node | null | undefined, message: string): void {
  // A node that cannot be found again (a collection used as a key) falls back to the file's start.
  const at = node ? nodePosition(node, ctx.lines) : START;
  problems.push(problem(code, ctx.file, at, message));
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = Object.getOwnPropertyDescriptor(current, segment)?.value;
  }
  return current;
}
