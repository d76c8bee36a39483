/**
 * What translating ajv errors into problems needs for any of the project's
 * YAML formats (`access.rights`, `treerights.yaml`): compiled validators,
 * the YAML a value came from, placing a problem on a node, and the problems
 * of a list of group names.
 */
import { readFileSync } from "node:fs";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv } from "ajv";
import type { Document, LineCounter, Node } from "yaml";
import type { Problem } from "../../engine/index.js";
import { nodePosition } from "./parse-yaml.js";
import type { ProblemCode } from "./problems.js";
import { problem, quote } from "./problems.js";
import type { AliasTargets } from "./yaml-nodes.js";
import { formatPointer, locate, parsePointer } from "./yaml-nodes.js";

const START = Object.freeze({ line: 1, column: 1 });

/** A validator compiled on first use from the schema file at `url` (ajv strict, every error). */
export function lazyValidator(url: URL): () => ValidateFunction {
  let validator: ValidateFunction | undefined;
  return () => {
    if (validator === undefined) {
      const schema = JSON.parse(readFileSync(url, "utf8")) as object;
      validator = new Ajv({ allErrors: true, strict: true }).compile(schema);
    }
    return validator;
  };
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

/** Adds a problem placed at `node`, or at the file's start when the node cannot be found again (a collection used as a key). */
export function addProblem(problems: Problem[], ctx: SchemaContext, code: ProblemCode, node: Node | null | undefined, message: string): void {
  const at = node ? nodePosition(node, ctx.lines) : START;
  problems.push(problem(code, ctx.file, at, message));
}

/** The node at the JSON pointer segments `path`, for placing a problem. */
export function nodeAt(ctx: SchemaContext, path: readonly (string | number)[]): Node | null {
  return locate(ctx.doc, formatPointer(path), ctx.aliases).node;
}

/** The plain value at `path` (own properties and list items only). */
export function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = Object.getOwnPropertyDescriptor(current, String(segment))?.value;
  }
  return current;
}

/** ajv errors gathered by the group list they stand in. */
export class GroupListErrors {
  readonly #lists = new Map<string, { path: (string | number)[]; where: string; name: string; errors: ErrorObject[] }>();

  /** Files `error` under the list at `path`, named `where` in messages (`READ.include`) and `name` in hints (`include`). */
  add(path: readonly (string | number)[], where: string, name: string, error: ErrorObject): void {
    const pointer = formatPointer(path);
    const list = this.#lists.get(pointer);
    if (list === undefined) this.#lists.set(pointer, { path: [...path], where, name, errors: [error] });
    else list.errors.push(error);
  }

  /**
   * One problem per bad item (or one for the whole list when it is not a
   * list), skipping what the node checks already reported.
   */
  report(value: unknown, ctx: SchemaContext, problems: Problem[]): void {
    for (const [pointer, { path, where, name, errors }] of this.#lists) {
      if (ctx.reported.has(pointer)) continue;
      const groups = valueAt(value, path);
      const shown = `\`${where}\``;
      if (typeof groups === "string") {
        nameError(groups, path, shown, ctx, problems);
      } else if (Array.isArray(groups)) {
        const depth = parsePointer(pointer).length;
        const items = new Set(errors.map((e) => parsePointer(e.instancePath)[depth]).filter((i) => i !== undefined));
        for (const i of items) {
          const itemPath = [...path, i];
          if (ctx.reported.has(formatPointer(itemPath))) continue;
          const item: unknown = groups[Number(i)];
          if (typeof item === "string") nameError(item, itemPath, shown, ctx, problems);
          else addProblem(problems, ctx, "invalid_group_list", nodeAt(ctx, itemPath),
            `each item of ${shown} must be a group name, such as \`operators\`, not a list or mapping`);
        }
      } else {
        addProblem(problems, ctx, "invalid_group_list", nodeAt(ctx, path),
          `${shown} must be a group name or a list of group names, such as \`${name}: [operators]\``);
      }
    }
  }
}

function nameError(name: string, path: readonly (string | number)[], where: string, ctx: SchemaContext, problems: Problem[]): void {
  const trimmed = name.trim();
  addProblem(problems, ctx, "invalid_group_name", nodeAt(ctx, path), trimmed === ""
    ? `empty group name in ${where}; write a name or remove it`
    : `group name ${quote(name)} in ${where} has leading or trailing whitespace; write ${quote(trimmed)}`);
}
