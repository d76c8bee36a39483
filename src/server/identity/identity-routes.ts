/**
 * The routes of who is asking: `POST /v1/authorize` (decisions for the
 * caller's own identity), `POST /v1/token` (a credential exchanged for a
 * signed JWT) and `GET /.well-known/jwks.json` (every key that signs them).
 */
import type { FastifyInstance } from "fastify";
import type { Access } from "../../engine/index.js";
import type { AnswerCache } from "../answers.js";
import { JSON_TYPE } from "../answers.js";
import { isAuthorizeBody } from "../fast-validators.js";
import { FAST_VALIDATORS } from "../schemas.js";
import { ApiError } from "../api-error.js";
import type { ServerMetrics } from "../server-metrics.js";
import type { DecisionLog } from "./decision-log.js";
import type { Gatekeeper } from "./gatekeeper.js";
import type { Identity } from "./identity.js";
import { withinScopes } from "./scopes.js";
import type { TokenIssuer } from "./tokens/token-issuer.js";

/** What the identity routes need. */
export interface IdentityRoutesContext {
  readonly gatekeeper: Gatekeeper;
  readonly answers: AnswerCache;
  readonly metrics: ServerMetrics;
  readonly issuer: TokenIssuer | null;
  readonly decisionLog: DecisionLog | null;
  readonly maxBatch: number;
}

type AuthorizeBody = { readonly access: Access; readonly path: string } | { readonly access: Access; readonly paths: readonly string[] };

const access = { type: "string", enum: ["READ", "WRITE"] } as const;
const revision = { type: "string" } as const;
const commit = { type: "string" } as const;
const error = {
  type: "object",
  properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } }, required: ["code", "message"] } },
  required: ["error"],
} as const;
const identitySchema = {
  type: "object",
  properties: { realm: { type: "string" }, subject: { type: "string" } },
  required: ["realm", "subject"],
} as const;

const identityJsons = new WeakMap<Identity, string>();

/** `{"realm":…,"subject":…}` of an identity, made once per identity object (realms hand out the same one for a remembered credential). */
function identityJson(identity: Identity): string {
  let json = identityJsons.get(identity);
  if (json === undefined) {
    json = JSON.stringify({ realm: identity.realm, subject: identity.subject });
    identityJsons.set(identity, json);
  }
  return json;
}

/** The body of `POST /v1/authorize`, with its hand-written validator in front of ajv. */
function authorizeBodySchema(maxBatch: number): object {
  const schema = {
    type: "object",
    properties: { access, path: { type: "string" }, paths: { type: "array", items: { type: "string" }, minItems: 1, maxItems: maxBatch } },
    required: ["access"],
    additionalProperties: false,
  };
  FAST_VALIDATORS.set(schema, (data) => isAuthorizeBody(data, maxBatch));
  return schema;
}

/** Registers the identity routes on `app`. */
export function registerIdentityRoutes(app: FastifyInstance, ctx: IdentityRoutesContext): void {
  const { gatekeeper, answers, metrics, issuer, decisionLog } = ctx;

  app.post<{ Body: AuthorizeBody }>("/v1/authorize", {
    config: { family: "decisions" },
    schema: {
      summary: "Decisions for the caller",
      description: "Whether the caller (identity from its credential; scopes narrow) may `access` `path`, or each of `paths` (results in order); exactly one of `path` and `paths`.",
      body: authorizeBodySchema(ctx.maxBatch),
      response: {
        200: {
          type: "object",
          properties: { allowed: { type: "boolean" }, results: { type: "array", items: { type: "boolean" } }, identity: identitySchema, revision, commit },
          required: ["identity", "revision"],
        },
        "4xx": error,
      },
    },
  }, async (request, reply) => {
    const identity = await gatekeeper.identify(request, reply);
    if (identity === null) return reply;
    const current = answers.current();
    const { index } = current;
    const body = request.body;
    if (("path" in body) === ("paths" in body)) throw new ApiError(400, "invalid_body", "the body needs exactly one of `path` and `paths`");
    const decide = (path: string, allowedByGroups: boolean): boolean => {
      const allowed = allowedByGroups && withinScopes(identity.scopes, body.access, path);
      metrics.decided(body.access, allowed);
      decisionLog?.decided(index, { realm: identity.realm, subject: identity.subject, groups: identity.groups, access: body.access, path, allowed });
      return allowed;
    };
    // Written by hand like the check answers: the identity's JSON once per identity, the revision's tail once per index.
    if ("path" in body) {
      const allowed = decide(body.path, index.check(identity.groups, body.access, body.path));
      return reply.header("content-type", JSON_TYPE).send(Buffer.concat([Buffer.from(`{"allowed":${String(allowed)},"identity":${identityJson(identity)}`), current.tail]));
    }
    const check = index.checker(identity.groups, body.access);
    const results = body.paths.map((p) => decide(p, check(p)));
    return reply.header("content-type", JSON_TYPE).send(Buffer.concat([Buffer.from(`{"results":[${results.join(",")}],"identity":${identityJson(identity)}`), current.tail]));
  });

  app.post<{ Body: { readonly lifetime?: number } | undefined }>("/v1/token", {
    schema: {
      summary: "A token for the caller",
      description: "Exchanges the presented credential for a signed JWT (`sub`, `realm`, `groups`, `scopes`, `jti`, `exp`), verifiable at `/.well-known/jwks.json`. `lifetime` (seconds) may shorten the configured lifetime; a token never outlives the credential it was exchanged for.",
      body: { type: ["object", "null"], properties: { lifetime: { type: "integer", minimum: 1 } }, additionalProperties: false },
      response: {
        200: {
          type: "object",
          properties: { token: { type: "string" }, tokenType: { type: "string" }, expiresAt: { type: "string" }, expiresIn: { type: "integer" } },
          required: ["token", "tokenType", "expiresAt", "expiresIn"],
        },
        "4xx": error,
      },
    },
  }, async (request, reply) => {
    if (issuer === null) throw new ApiError(404, "tokens_not_configured", "this server issues no tokens: add `tokens` to the server config");
    const identity = await gatekeeper.identify(request, reply);
    if (identity === null) return reply;
    const lifetime = request.body?.lifetime;
    const issued = await issuer.issue(identity, lifetime === undefined ? undefined : lifetime * 1000);
    if (issued === null) {
      gatekeeper.refuseAuth(reply, { ok: false, code: "credential_expired", realm: identity.realm });
      return reply;
    }
    const now = Math.floor(Date.now() / 1000);
    void reply.header("cache-control", "no-store");
    return reply.send({ token: issued.token, tokenType: "Bearer", expiresAt: new Date(issued.expiresAt * 1000).toISOString(), expiresIn: issued.expiresAt - now });
  });

  app.get("/.well-known/jwks.json", {
    schema: {
      summary: "Keys of issued tokens",
      description: "The public key of every configured signing key (`kid`, `alg`, `use: sig`), for anyone verifying tokens from `POST /v1/token` or `X-Auth-Token`. Empty without `tokens` in the config.",
      response: { 200: { type: "object", properties: { keys: { type: "array", items: { type: "object", additionalProperties: true } } }, required: ["keys"] } },
    },
  }, async (_request, reply) => {
    void reply.header("cache-control", "public, max-age=300");
    return reply.send(issuer === null ? { keys: [] } : await issuer.jwks());
  });
}
