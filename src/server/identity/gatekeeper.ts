/**
 * `Gatekeeper`: who may call what. It authenticates a request (through the
 * `Authenticator`), refuses with 401 / 429 / 403 and the stable codes of
 * SPEC 4, and protects route families: a route declares its family in its
 * route options (`config: { family: "decisions" }`) and, when the config
 * protects that family, gets an `onRequest` guard of its own at
 * registration: a caller is authenticated before any body is read or
 * validated (an anonymous 16 MiB batch is refused unread, with a 401, not a 400).
 * Nothing here looks at `request.url`: whatever spelling of a URL fastify
 * routes to a protected route meets that route's guard.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { exclusiveHeld } from "../../engine/index.js";
import type { RightsIndex } from "../../engine/index.js";
import type { Callers, RouteFamily } from "../config/server-config.js";
import type { ApiErrorCode } from "../api-error.js";
import { ApiError } from "../api-error.js";
import type { Authenticator, AuthResult } from "./authenticator.js";
import type { AuthCode, Identity } from "./identity.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route family the route belongs to; a protected family's routes need a credential. */
    family?: RouteFamily;
  }
  interface FastifyRequest {
    /** Who is asking, once a guard or an identity route has authenticated the request; else null. */
    identity: Identity | null;
  }
}

/** Where refusals of an authenticated caller are reported (logs, metrics). */
export interface GateObserver {
  exclusive(identity: Identity, groups: readonly string[]): void;
}

const MESSAGES: Readonly<Record<AuthCode, string>> = Object.freeze({
  credential_required: "this route needs a credential: a Bearer token, an API key or a user and password",
  credential_invalid: "the credential is not valid",
  credential_expired: "the credential has expired",
  credential_revoked: "the credential has been revoked",
  credential_disabled: "the user is disabled",
  credentials_unavailable: "the credential cannot be verified now; try again later",
  too_many_failures: "too many failed attempts; try again later",
});

/** Authenticates requests and guards route families. */
export class Gatekeeper {
  readonly authenticator: Authenticator;
  readonly #api: Readonly<Partial<Record<RouteFamily, Callers>>>;
  readonly #index: () => RightsIndex;
  readonly #observer: GateObserver;

  constructor(authenticator: Authenticator, api: Readonly<Partial<Record<RouteFamily, Callers>>>, index: () => RightsIndex, observer: GateObserver) {
    this.authenticator = authenticator;
    this.#api = api;
    this.#index = index;
    this.#observer = observer;
  }

  /** Adds the `onRoute` hook that gives each route of a protected family its guard. Call before registering routes. */
  protect(app: FastifyInstance): void {
    app.decorateRequest("identity", null);
    app.addHook("onRoute", (route) => {
      const family = route.config?.family;
      if (family === undefined) return;
      const callers = this.#api[family];
      if (callers === undefined) return;
      const guard = this.guard(family, callers);
      const existing = route.onRequest;
      route.onRequest = existing === undefined ? guard : [guard, ...(Array.isArray(existing) ? existing : [existing])];
    });
  }

  /** The families the config protects. */
  get protectedFamilies(): RouteFamily[] {
    return (["decisions", "admin"] as const).filter((f) => this.#api[f] !== undefined);
  }

  /** Who may call `family`, when it is protected. */
  callersOf(family: RouteFamily): Callers | undefined {
    return this.#api[family];
  }

  /** An `onRequest` hook admitting only identities holding one of `callers`' groups or scopes. */
  guard(family: RouteFamily, callers: Callers): onRequestAsyncHookHandler {
    return async (request, reply) => {
      const identity = await this.identify(request, reply);
      if (identity === null) return reply;
      if (!mayCall(identity, callers, this.#index())) return refuse(reply, 403, "forbidden", `the caller holds none of the groups or scopes the ${family} routes need`);
      return undefined;
    };
  }

  /**
   * The identity of `request` (also set as `request.identity`), or null
   * after answering the request with the refusal: 401 with
   * `WWW-Authenticate`, 429 with `Retry-After`, or 403 `exclusive_groups`.
   */
  async identify(request: FastifyRequest, reply: FastifyReply): Promise<Identity | null> {
    if (request.identity !== null) return request.identity;
    const result = await this.authenticator.authenticate(request.raw, request.raw.socket.remoteAddress ?? "");
    if (!result.ok) {
      this.refuseAuth(reply, result);
      return null;
    }
    const { identity } = result;
    const both = exclusiveHeld(this.#index(), identity.groups);
    if (both !== null) {
      this.#observer.exclusive(identity, both);
      refuse(reply, 403, "exclusive_groups", `the caller holds ${both.map((g) => `\`${g}\``).join(" and ")}, which \`treerights.yaml\` declares exclusive`);
      return null;
    }
    request.identity = identity;
    return identity;
  }

  /** Answers a failed authentication (401, or 429 for too many failures). */
  refuseAuth(reply: FastifyReply, result: Extract<AuthResult, { ok: false }>): void {
    if (result.code === "too_many_failures") {
      void reply.header("retry-after", String(result.retryAfterSeconds ?? 60));
      refuse(reply, 429, result.code, MESSAGES[result.code]);
      return;
    }
    void reply.header("www-authenticate", this.authenticator.challenge());
    refuse(reply, 401, result.code, MESSAGES[result.code]);
  }
}

/** True iff `identity` holds one of the groups of `callers` (itself or through `implies` of `index`) or one of its scopes. */
export function mayCall(identity: Identity, callers: Callers, index: RightsIndex): boolean {
  const held = index.implications.expand(identity.groups);
  if (callers.groups.some((g) => held.includes(g))) return true;
  const scopes = identity.scopes ?? [];
  return callers.scopes.some((s) => scopes.includes(s));
}

function refuse(reply: FastifyReply, status: number, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(status).send(new ApiError(status, code, message).toBody());
}
