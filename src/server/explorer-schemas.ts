/**
 * JSON Schemas of the routes the rights explorer reads (`/v1/tree`,
 * `/v1/file`, `/v1/diff`): query validation and response serialization,
 * documented in the OpenAPI document like every other route.
 */
import { RISK_RULES } from "../engine/index.js";
import { errorSchema } from "./schemas.js";

const stringList = { type: "array", items: { type: "string" } } as const;
const revision = { type: "string", description: "revision of the index that answered" } as const;
const commit = { type: "string", description: "git HEAD the answering index was loaded at; absent outside git" } as const;
const treePath = { type: "string", description: "a tree path such as `/sites/lyon` (default `/`)" } as const;
const errorResponses = { "4xx": errorSchema, "5xx": errorSchema } as const;

/** The query of `GET /v1/tree`. */
export const treeQuerySchema = {
  type: "object",
  properties: {
    path: treePath,
    depth: { type: "integer", minimum: 1, maximum: 3, description: "levels of indexed directories below `path` to list (default 1)" },
  },
  additionalProperties: false,
} as const;

const levelFlags = {
  type: "object",
  properties: { READ: { type: "boolean" }, WRITE: { type: "boolean" } },
  required: ["READ", "WRITE"],
} as const;

/** One directory as `GET /v1/tree` lists it. */
const treeEntry = {
  type: "object",
  properties: {
    path: { type: "string", description: "`/` for the root, `/a/b` below it" },
    name: { type: "string", description: "the last segment of `path` (`\"\"` for the root)" },
    read: { ...stringList, description: "groups holding READ here (`GET /v1/groups`), sorted" },
    write: { ...stringList, description: "groups holding WRITE here, sorted" },
    file: { type: ["string", "null"], description: "the directory's own rights file relative to the root (`sites/lyon/access.rights`), or null" },
    line: {
      type: "object",
      description: "the line of each level's key in `file`, for the levels it sets (absent without a file)",
      properties: { READ: { type: "integer" }, WRITE: { type: "integer" } },
    },
    cut: { ...levelFlags, description: "per level, true where `file` overrides it: inheritance is cut here" },
    patterns: { type: "boolean", description: "`file` has pattern rules (SPEC 1.3) for the paths below" },
    hasChildren: { type: "boolean", description: "indexed directories stand below this one" },
  },
  required: ["path", "name", "read", "write", "file", "cut", "patterns", "hasChildren"],
} as const;

/** Responses of `GET /v1/tree`. */
export const treeResponseSchema = {
  200: {
    type: "object",
    properties: {
      path: { type: "string", description: "the normalized path asked about" },
      indexed: { type: "boolean", description: "`path` is an indexed directory (one with a rights file, or an ancestor of one); false lists no entries" },
      self: treeEntry,
      entries: { type: "array", items: treeEntry, description: "indexed directories below `path`, up to `depth` levels, parents before children, siblings sorted by name" },
      revision,
      commit,
    },
    required: ["path", "indexed", "self", "entries", "revision"],
  },
  ...errorResponses,
} as const;

/** The query of `GET /v1/file`. */
export const fileQuerySchema = {
  type: "object",
  properties: { path: { type: "string", description: "the directory whose `access.rights` to read, such as `/sites/lyon`" } },
  required: ["path"],
  additionalProperties: false,
} as const;

/** Responses of `GET /v1/file`. */
export const fileResponseSchema = {
  200: {
    type: "object",
    properties: {
      path: { type: "string", description: "the directory, normalized" },
      file: { type: "string", description: "the rights file relative to the root" },
      text: { type: "string", description: "the file's text, as read from the work tree (or, serving a git ref, from the served commit)" },
      stale: { type: "boolean", description: "the text does not compile to the rules (and lines) the answering index holds for this directory: an edit not loaded yet, or rejected" },
      revision,
      commit: { type: "string", description: "serving a git ref: the commit the text was read from; else git HEAD, as for every answer" },
    },
    required: ["path", "file", "text", "stale", "revision"],
  },
  ...errorResponses,
} as const;

/** The query of `GET /v1/diff`. */
export const diffQuerySchema = {
  type: "object",
  properties: {
    from: { type: "string", minLength: 1, description: "a git revision of the repository holding the tree (a branch, tag, commit)" },
    to: { type: "string", minLength: 1, description: "another revision (default: the commit being served)" },
    check: { type: "array", items: { type: "string", enum: RISK_RULES }, description: "risk checks to run, repeated (default `write-grant` and `near-root`, and `broad` when `broad` is given)" },
    depth: { type: "integer", minimum: 0, maximum: 9999, description: "deepest path `near-root` flags (default 1: `/` is 0)" },
    broad: { type: "array", items: { type: "string", minLength: 1 }, description: "broad groups the `broad` check flags a grant to, repeated" },
  },
  required: ["from"],
  additionalProperties: false,
} as const;

const diffSide = {
  type: "object",
  properties: { ref: { type: "string" }, revision: { type: "string" }, commit: { type: "string" } },
  required: ["ref", "revision"],
} as const;

const diffCause = {
  type: "object",
  properties: {
    file: { type: "string" },
    dir: { type: "string" },
    keyword: { type: "string", description: "`override`, `include`, `exclude`, or `implies`" },
    side: { type: "string", description: "`to`: the rule now grants or takes the group; `from`: the rule that did is gone" },
    change: { type: "string", description: "`added`, `removed` or `changed` (the file)" },
    match: { type: "string", description: "the glob, for a pattern rule" },
    chain: stringList,
  },
  required: ["file", "dir", "keyword", "side", "change"],
} as const;

/** Responses of `GET /v1/diff`: what `treerights diff --format json` prints. */
export const diffResponseSchema = {
  200: {
    type: "object",
    properties: {
      from: diffSide,
      to: diffSide,
      changed: { type: "boolean" },
      summary: {
        type: "object",
        properties: {
          entries: { type: "integer" }, paths: { type: "integer" }, grants: { type: "integer" }, revocations: { type: "integer" }, examined: { type: "integer" },
        },
        required: ["entries", "paths", "grants", "revocations", "examined"],
      },
      entries: {
        type: "array",
        items: {
          type: "object",
          properties: {
            access: { type: "string" }, path: { type: "string" }, added: stringList, removed: stringList, cause: diffCause,
            count: { type: "integer" }, paths: stringList, nested: { type: "boolean" },
          },
          required: ["access", "path", "added", "removed", "cause", "count", "paths", "nested"],
        },
      },
      files: {
        type: "array",
        items: { type: "object", properties: { file: { type: "string" }, change: { type: "string" } }, required: ["file", "change"] },
      },
      risks: {
        type: "array",
        description: "risky changes: `entry` is the index of the flagged entry in `entries`",
        items: {
          type: "object",
          properties: {
            rule: { type: "string" }, entry: { type: "integer" }, access: { type: "string" }, path: { type: "string" }, groups: stringList, message: { type: "string" },
          },
          required: ["rule", "entry", "access", "path", "groups", "message"],
        },
      },
    },
    required: ["from", "to", "changed", "summary", "entries", "files", "risks"],
  },
  ...errorResponses,
} as const;
