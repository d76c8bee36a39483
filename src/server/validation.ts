/**
 * Request validation: ajv without type coercion for JSON bodies, behind a
 * hand-written yes/no check for the hot bodies, and schema failures turned
 * into one-line `ApiError`s that name the offending field.
 */
import { Ajv } from "ajv";
import type { ErrorObject, SchemaObject, ValidateFunction } from "ajv";
import type { FastifySchemaCompiler } from "fastify";
import { ApiError, quote } from "./api-error.js";
import { FAST_VALIDATORS } from "./schemas.js";

const BASE_OPTIONS = {
  useDefaults: false,
  // Unknown fields are errors (`additionalProperties: false`), never silently dropped.
  removeAdditional: false,
  // One error is enough to answer, and collecting all of them is a DoS vector.
  allErrors: false,
  strict: true,
} as const;

/** What a fastify validator compiler returns. */
type RouteValidator = ReturnType<FastifySchemaCompiler<SchemaObject>>;

let shared: { readonly strict: Ajv; readonly query: Ajv } | undefined;

/**
 * A fastify validator compiler. JSON bodies are validated as sent: fastify's
 * default coercion would turn `"path": null` into the root path and
 * `"groups": [1]` into a group named `1`. Query strings are text anyway; there
 * coercion only wraps a single `group=x` into a list so that one and many
 * values validate alike.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<SchemaObject> {
  // Shared by every server in the process: ajv caches compiled schemas, and
  // the instances hold no per-server state (no `addSchema`).
  shared ??= { strict: new Ajv({ ...BASE_OPTIONS, coerceTypes: false }), query: new Ajv({ ...BASE_OPTIONS, coerceTypes: "array" }) };
  const { strict, query } = shared;
  return ({ schema, httpPart }): RouteValidator => {
    const slow = (httpPart === "querystring" ? query : strict).compile(schema);
    const fast = FAST_VALIDATORS.get(schema);
    return fast === undefined ? slow : withFastPath(fast, slow);
  };
}

/**
 * A validator that asks `fast` first and `slow` (ajv) only when `fast` says
 * no, so that ajv decides and describes every refusal. Fastify reads
 * `errors` off the function after a `false`.
 */
function withFastPath(fast: (data: unknown) => boolean, slow: ValidateFunction): RouteValidator {
  const validate = (data: unknown): boolean => {
    if (fast(data)) return true;
    const valid = slow(data);
    validate.errors = slow.errors ?? null;
    return valid;
  };
  validate.errors = null as ErrorObject[] | null;
  return validate;
}

/** Fastify's `schemaErrorFormatter`: the first ajv error as an `ApiError` with a code. */
export function formatSchemaErrors(errors: readonly ErrorObject[], dataVar: string): Error {
  const part = dataVar === "querystring" ? "query" : dataVar;
  const first = errors[0];
  if (first === undefined) return new ApiError(400, part === "query" ? "invalid_query" : "invalid_body", `${part} is not valid`);
  const segments = pointerSegments(first.instancePath);
  const where = `${part}${segments.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join("")}`;
  const last = segments[segments.length - 1];
  const code = part === "query" ? "invalid_query" : "invalid_body";

  if (first.keyword === "enum" && last === "access") {
    return new ApiError(400, "invalid_access", `${where} must be \`READ\` or \`WRITE\``);
  }
  if (first.keyword === "maxItems" && part === "body" && (first.instancePath === "/checks" || first.instancePath === "/paths")) {
    return new ApiError(400, "batch_too_large", `a batch holds at most ${String(first.params.limit)} checks`);
  }
  // The batch body's two shapes (see `batchBodySchema`).
  if (first.keyword === "false schema" && first.schemaPath.includes("/then/")) {
    return new ApiError(400, code, `${where} cannot be sent with \`checks\`: a batch needs \`checks\`, or \`groups\`, \`access\` and \`paths\``);
  }
  if (first.keyword === "required" && first.schemaPath.includes("/else/")) {
    return new ApiError(400, code, `${where} needs \`checks\`, or \`groups\`, \`access\` and \`paths\` (\`${String(first.params.missingProperty)}\` is missing)`);
  }
  return new ApiError(400, code, describe(first, where));
}

function describe(error: ErrorObject, where: string): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `${where} is missing \`${String(params.missingProperty)}\``;
    case "additionalProperties":
      return `${where} has unknown field ${quote(String(params.additionalProperty), 40)}`;
    case "type":
      return `${where} must be ${article(String(params.type))}`;
    case "minLength":
      return `${where} must not be empty`;
    default:
      return `${where} ${error.message ?? "is not valid"}`;
  }
}

function article(type: string): string {
  if (type === "array") return "a list";
  if (type === "object") return "an object";
  return `a ${type}`;
}

// JSON pointer (RFC 6901) segments of an ajv instance path.
function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}
