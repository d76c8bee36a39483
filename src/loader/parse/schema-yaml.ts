/**
 * `parseSchemaYaml`: a YAML file of the server's own (the server config, an
 * API keys file, a users file) read as YAML 1.2 and checked against its JSON
 * schema, every problem placed at its file, line and column like those of a
 * rights file.
 */
import { readFileSync } from "node:fs";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv } from "ajv";
import { isMap, isScalar } from "yaml";
import type { Document, LineCounter } from "yaml";
import type { Position, Problem } from "../../engine/index.js";
import { decodeUtf8 } from "./decode.js";
import { didYouMean } from "./did-you-mean.js";
import { nodePosition, offsetPosition, parseYaml } from "./parse-yaml.js";
import { problem, quote, sortProblems } from "./problems.js";
import { formatPointer, locate, parsePointer, resolveAliases } from "./yaml-nodes.js";
import type { AliasTargets } from "./yaml-nodes.js";

/** Aliases may expand to at most this many nodes (a billion-laughs guard). */
const MAX_ALIAS_COUNT = 100;

/** A parsed file: its value when it has no errors, its problems, and where a JSON pointer stands in it. */
export interface SchemaYaml {
  /** The checked value, or null when a problem is an error. */
  readonly value: unknown;
  readonly problems: readonly Problem[];
  /** Where the value at `path` (JSON pointer segments) stands, for problems found after the schema (the file's start when unknown). */
  readonly at: (path: readonly (string | number)[]) => Position;
}

/**
 * A validator for `parseSchemaYaml`, compiled on first use from the schema
 * file at `url` (ajv strict, every error, verbose: messages name the keys a
 * mapping may hold and the schema's descriptions).
 */
export function schemaValidator(url: URL): () => ValidateFunction {
  let validator: ValidateFunction | undefined;
  return () => {
    if (validator === undefined) {
      const schema = JSON.parse(readFileSync(url, "utf8")) as object;
      validator = new Ajv({ allErrors: true, strict: true, verbose: true }).compile(schema);
    }
    return validator;
  };
}

const START: Position = Object.freeze({ line: 1, column: 1 });

/** Reads `bytes` (the content of `file`) as YAML and checks it with `validate` (ajv, `allErrors`). An empty document is `{}`. */
export function parseSchemaYaml(bytes: Uint8Array, file: string, validate: ValidateFunction): SchemaYaml {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    const byte = `0x${decoded.byte.toString(16).padStart(2, "0")}`;
    return failed([problem("file_unreadable", file, decoded.at, `byte \`${byte}\` is not valid utf-8; save the file as utf-8`)]);
  }
  const { doc, lines, problems: yamlProblems, broken } = parseYaml(decoded.text, file);
  const problems = [...yamlProblems];
  // `parseYaml` leaves duplicate keys to the rights files' node checks, which these files do not run:
  // a second `revoked: false` must never silently undo a `revoked: true`.
  for (const error of doc.errors) {
    if (error.code !== "DUPLICATE_KEY") continue;
    problems.push(problem("duplicate_key", file, offsetPosition(error.pos[0], lines), "a key appears twice in one mapping; keep one"));
  }
  if (broken || problems.some((p) => p.severity === "error")) return failed(sortProblems(problems));
  const aliases = resolveAliases(doc);
  const at = (path: readonly (string | number)[]): Position => placeOf(doc, lines, aliases, path);
  let value: unknown;
  try {
    value = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null) ? {} : doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    problems.push(problem("alias_bomb", file, START, "aliases expand to too much data; write the values out instead of nesting `*aliases`"));
    return { value: null, problems, at };
  }
  if (!validate(value)) {
    for (const error of usefulErrors(validate.errors ?? [])) problems.push(schemaProblem(error, file, doc, lines, aliases));
  }
  const sorted = sortProblems(dedupe(problems));
  return { value: sorted.some((p) => p.severity === "error") ? null : value, problems: sorted, at };
}

function failed(problems: Problem[]): SchemaYaml {
  return { value: null, problems, at: () => START };
}

// `if`/`oneOf` wrappers repeat what their branches' own errors say.
function usefulErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => e.keyword !== "if" && e.keyword !== "oneOf" && e.keyword !== "anyOf");
}

function schemaProblem(error: ErrorObject, file: string, doc: Document, lines: LineCounter, aliases: AliasTargets): Problem {
  const path = parsePointer(error.instancePath);
  const where = path.length === 0 ? "the file" : `\`${readablePath(path)}\``;
  if (error.keyword === "additionalProperties") {
    const name = String(error.params["additionalProperty"]);
    const parent = locate(doc, error.instancePath, aliases).node;
    const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    const hint = didYouMean(name, known);
    const keyNode = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === name)?.key : undefined;
    const place = isScalar(keyNode) ? nodePosition(keyNode, lines) : placeOf(doc, lines, aliases, path);
    const choices = known.length > 0 ? `; ${where} may hold ${known.map((k) => `\`${k}\``).join(", ")}` : "";
    return problem("schema_violation", file, place, `unknown key ${quote(name)} in ${where}${hint === undefined ? choices : ` (did you mean \`${hint}\`?)`}`);
  }
  const place = placeOf(doc, lines, aliases, path);
  if (error.keyword === "required") {
    return problem("schema_violation", file, place, `${where} needs \`${String(error.params["missingProperty"])}\``);
  }
  if (error.keyword === "enum") {
    const allowed = (error.params["allowedValues"] as unknown[]).map((v) => `\`${String(v)}\``).join(", ");
    return problem("schema_violation", file, place, `${where} must be one of ${allowed}`);
  }
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  const hint = description === undefined ? "" : ` (${description})`;
  return problem("schema_violation", file, place, `${where} ${error.message ?? "is not valid"}${hint}`);
}

/** `/realms/0/oidc` → `realms[0].oidc`. */
function readablePath(path: readonly string[]): string {
  return path.map((s, i) => (/^(0|[1-9]\d*)$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function placeOf(doc: Document, lines: LineCounter, aliases: AliasTargets, path: readonly (string | number)[]): Position {
  const { node, key } = locate(doc, formatPointer(path), aliases);
  const at = key ?? node;
  return at === null ? START : nodePosition(at, lines);
}

function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
