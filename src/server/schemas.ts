/**
 * JSON Schemas of every endpoint: request validation (no coercion, no unknown
 * fields) and response serialization (fast-json-stringify). The check and
 * batch answers are written by hand (see `answers.ts`); their schemas still
 * document them and serialize their errors.
 */
import { isBatchBody, isCheckBody } from "./fast-validators.js";

/**
 * Hand-written validators standing in front of ajv for some schemas, by
 * schema identity: each accepts a subset of what its schema accepts.
 */
export const FAST_VALIDATORS = new WeakMap<object, (data: unknown) => boolean>();

const groupName = { type: "string", minLength: 1 } as const;
const groups = { type: "array", items: groupName, description: "the caller's groups" } as const;
const access = { type: "string", enum: ["READ", "WRITE"] } as const;
const path = { type: "string", description: "a tree path such as `/plant/north`" } as const;
const revision = { type: "string", description: "revision of the index that answered" } as const;
const commit = { type: "string", description: "git HEAD the answering index was loaded at; absent outside git" } as const;
const stringList = { type: "array", items: { type: "string" } } as const;

/** The body of `POST /v1/check` and `POST /v1/explain`, and one item of a batch. */
export const checkBodySchema = {
  type: "object",
  properties: { groups, access, path },
  required: ["groups", "access", "path"],
  additionalProperties: false,
} as const;
FAST_VALIDATORS.set(checkBodySchema, isCheckBody);

/** The query of `GET /v1/check`: `group` repeated (zero times is a valid deny). */
export const checkQuerySchema = {
  type: "object",
  properties: { group: groups, access, path },
  required: ["access", "path"],
  additionalProperties: false,
} as const;

/** The query of `GET /v1/where`: one group. */
export const whereQuerySchema = {
  type: "object",
  properties: { group: groupName, access },
  required: ["group", "access"],
  additionalProperties: false,
} as const;

/** The query of `GET /v1/changes`. */
export const changesQuerySchema = {
  type: "object",
  properties: { since: { type: "string", minLength: 1, description: "a revision this server answered with" } },
  required: ["since"],
  additionalProperties: false,
} as const;

/** The query of `GET /v1/groups`. */
export const groupsQuerySchema = {
  type: "object",
  properties: { access, path },
  required: ["access", "path"],
  additionalProperties: false,
} as const;

const batchSchemas = new Map<number, object>();

/**
 * The body of `POST /v1/check/batch`, holding at most `maxBatch` checks:
 * either `checks`, each with its own groups and access, or one `groups` and
 * `access` for a list of `paths` (a gateway listing a directory for one caller).
 */
export function batchBodySchema(maxBatch: number): object {
  // One object per limit: ajv caches compiled validators by schema identity.
  let schema = batchSchemas.get(maxBatch);
  if (schema === undefined) {
    schema = {
      type: "object",
      // In this order: an unknown field is reported as such before the choice of shape.
      allOf: [
        {
          type: "object",
          properties: {
            checks: { type: "array", maxItems: maxBatch, items: checkBodySchema },
            groups,
            access,
            paths: { type: "array", maxItems: maxBatch, items: path },
          },
          additionalProperties: false,
        },
        {
          type: "object",
          // (ajv's strict mode wants each `required` field named in the same schema.)
          if: { type: "object", properties: { checks: true }, required: ["checks"] },
          // Each `false` is reported as "cannot be sent with `checks`" (see `formatSchemaErrors`).
          then: { type: "object", properties: { groups: false, access: false, paths: false } },
          else: { type: "object", properties: { groups: true, access: true, paths: true }, required: ["groups", "access", "paths"] },
        },
      ],
    };
    batchSchemas.set(maxBatch, schema);
    FAST_VALIDATORS.set(schema, (data) => isBatchBody(data, maxBatch));
  }
  return schema;
}

/** Every error response: `{"error":{"code":"…","message":"…"}}`. */
export const errorSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" } },
      required: ["code", "message"],
    },
  },
  required: ["error"],
} as const;

const errorResponses = { "4xx": errorSchema, "5xx": errorSchema } as const;

/** Responses of both check endpoints. */
export const checkResponseSchema = {
  200: {
    type: "object",
    properties: { allowed: { type: "boolean" }, revision, commit },
    required: ["allowed", "revision"],
  },
  ...errorResponses,
} as const;

/** Responses of `POST /v1/check/batch`. */
export const batchResponseSchema = {
  200: {
    type: "object",
    properties: { results: { type: "array", items: { type: "boolean" } }, revision, commit },
    required: ["results", "revision"],
  },
  ...errorResponses,
} as const;

/** Responses of `GET /v1/groups`. */
export const groupsResponseSchema = {
  200: {
    type: "object",
    properties: { groups: stringList, revision, commit },
    required: ["groups", "revision"],
  },
  ...errorResponses,
} as const;

const position = {
  type: "object",
  properties: { line: { type: "integer" }, column: { type: "integer" } },
} as const;

// Steps and explanations let unknown fields through, so that what the engine
// adds later (pattern rules) reaches callers without a schema change here.
const explainStep = {
  type: "object",
  properties: {
    dir: { type: "string" },
    file: { type: "string" },
    keywords: stringList,
    override: stringList,
    include: stringList,
    exclude: stringList,
    at: position,
    before: stringList,
    after: stringList,
  },
  additionalProperties: true,
} as const;

/** Responses of `POST /v1/explain`: the engine's explanation, which names its revision. */
export const explainResponseSchema = {
  200: {
    type: "object",
    properties: {
      allowed: { type: "boolean" },
      access: { type: "string" },
      path: { type: "string" },
      groups: stringList,
      steps: { type: "array", items: explainStep },
      effective: stringList,
      deciding: stringList,
      chains: {
        type: "array",
        items: stringList,
        description: "SPEC 1.5: for each deciding group that holds the level only through groups it implies, the chain of implications to a group of `effective`, such as `[\"administrator\", \"configuration-management\"]`; absent when none",
      },
      unknownGroups: { ...stringList, description: "the caller's groups that no rights file of this revision names (a typo denies in silence)" },
      revision,
      commit,
    },
    required: ["allowed", "access", "path", "unknownGroups", "revision"],
    additionalProperties: true,
  },
  ...errorResponses,
} as const;

/** Responses of `GET /v1/where`: the engine's `WhereResult`, complete. */
export const whereResponseSchema = {
  200: {
    type: "object",
    properties: {
      group: { type: "string" },
      access: { type: "string" },
      regions: {
        type: "array",
        items: { type: "object", properties: { path: { type: "string" }, holes: stringList }, required: ["path", "holes"] },
      },
      patterns: {
        type: "array",
        items: {
          type: "object",
          properties: { file: { type: "string" }, dir: { type: "string" }, match: { type: "string" }, effect: { type: "string" } },
          required: ["file", "dir", "match", "effect"],
        },
      },
      revision,
      commit,
    },
    required: ["group", "access", "regions", "patterns", "revision"],
  },
  ...errorResponses,
} as const;

/** Responses of `GET /v1/changes`: effective changes from `from` to `to`, the current revision. */
export const changesResponseSchema = {
  200: {
    type: "object",
    properties: {
      from: { type: "string" },
      to: { type: "string" },
      changes: {
        type: "array",
        items: {
          type: "object",
          properties: {
            path: { type: "string" }, access: { type: "string" }, added: stringList, removed: stringList,
            patternRules: {
              type: "boolean", const: true,
              description: "present when the pattern rules of this directory's file changed: drop cached answers for every path below it, not only those `added` and `removed` describe",
            },
          },
          required: ["path", "access", "added", "removed"],
        },
      },
      revision,
      commit,
    },
    required: ["from", "to", "changes", "revision"],
  },
  ...errorResponses,
} as const;
