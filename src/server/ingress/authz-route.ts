/**
 * `/v1/authz` and `/v1/authz/*`, any method: may this request pass the
 * gateway? (SPEC 5; nginx `auth_request`, Traefik forwardAuth, Envoy HTTP
 * ext_authz). Answers only 200, 401 and 403. The whole answer is made in
 * the route's `onRequest` hook: the body is never read (nginx keeps the
 * original `Content-Length` on its bodiless subrequest), and a request that
 * announced one is answered with `Connection: close`.
 */
import { METHODS } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { exclusiveHeld, formatPath } from "../../engine/index.js";
import type { RightsIndex } from "../../engine/index.js";
import type { AnswerCache } from "../answers.js";
import { ApiError } from "../api-error.js";
import type { ApiErrorCode } from "../api-error.js";
import type { IngressConfig } from "../config/server-config.js";
import type { DecisionLog } from "../identity/decision-log.js";
import type { Gatekeeper } from "../identity/gatekeeper.js";
import type { Identity } from "../identity/identity.js";
import { withinScopes } from "../identity/scopes.js";
import type { TokenIssuer } from "../identity/tokens/token-issuer.js";
import type { ServerMetrics } from "../server-metrics.js";
import { confusableSegment, folded } from "./confusable-segments.js";
import { DownstreamTokens } from "./downstream-tokens.js";
import { originalPath } from "./original-path.js";
import { AUTHZ_PATH, originalRequest } from "./original-request.js";
import { IngressMap } from "./route-map.js";

/** What the authz routes need. */
export interface AuthzRouteContext {
  readonly gatekeeper: Gatekeeper;
  readonly answers: AnswerCache;
  readonly metrics: ServerMetrics;
  readonly issuer: TokenIssuer | null;
  readonly decisionLog: DecisionLog | null;
  readonly ingress: IngressConfig | undefined;
}

// Printable ASCII but `%`: a value holding `%` is encoded too, so that decoding it once always gives the value.
const SAFE_HEADER = /^[\x20-\x24\x26-\x7e]*$/;

/** Registers `/v1/authz` and `/v1/authz/*` for every method Node parses (but CONNECT). */
export function registerAuthzRoutes(app: FastifyInstance, ctx: AuthzRouteContext): void {
  // Envoy asks with the original method itself: WebDAV's PROPFIND, MKCOL, ... must reach the route too.
  const standard = [...app.supportedMethods];
  const extra = METHODS.filter((m) => m !== "CONNECT" && !standard.includes(m));
  for (const method of extra) app.addHttpMethod(method, { hasBody: true });
  const decide = authzDecider(ctx);
  const description = "For nginx `auth_request`, Traefik forwardAuth and Envoy HTTP ext_authz (SPEC 5): the original method and URI from the configured source (`ingress.source`), the caller from its credential. Answers 200 (with `X-Auth-User`, `X-Auth-Realm`, optionally `X-Auth-Groups` and `X-Auth-Token`), 401 (no or invalid credential, with `WWW-Authenticate`) or 403 (denied, or a refused URI). The body is never read. Every method Node parses is accepted (the WebDAV ones too; only the common ones are listed here).";
  for (const url of [AUTHZ_PATH, `${AUTHZ_PATH}/*`]) {
    const handler = (_request: FastifyRequest, reply: FastifyReply): FastifyReply => reply;
    app.route({ method: standard, url, schema: { summary: "May this request pass the gateway?", description }, onRequest: decide, handler });
    app.route({ method: extra, url, schema: { hide: true }, onRequest: decide, handler });
  }
}

function authzDecider(ctx: AuthzRouteContext): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const { gatekeeper, answers, metrics, decisionLog, ingress } = ctx;
  const map = new IngressMap(ingress?.routes ?? []);
  const downstream = ingress?.token === true && ctx.issuer !== null ? new DownstreamTokens(ctx.issuer, ingress.tokenLifetimeMs) : null;
  return async (request, reply) => {
    const raw = request.raw;
    // The body is never read: the connection cannot be reused past it.
    if (raw.headers["content-length"] !== undefined && raw.headers["content-length"] !== "0") void reply.header("connection", "close");
    else if (raw.headers["transfer-encoding"] !== undefined) void reply.header("connection", "close");
    if (ingress === undefined) return deny(reply, "ingress_not_configured", "this server has no `ingress` in its config");
    const original = originalRequest(raw, ingress.source);
    if (!original.ok) return deny(reply, "uri_refused", original.reason);
    const path = originalPath(original.uri);
    if (!path.ok) return deny(reply, "uri_refused", path.reason);
    const mapped = map.map(original.method, original.host, path.segments);
    if (!mapped.ok) return deny(reply, "no_route", mapped.reason);
    // A folding backend reads the URL folded, prefix included (`/API/x` is `/api/x` to it): the folded URL
    // must map too, and is decided as well.
    const foldedMap = ingress.denyConfusableSegments ? map.map(original.method, original.host, path.segments.map(folded)) : mapped;
    if (!foldedMap.ok) return deny(reply, "no_route", "the URL, case-folded and normalised, maps to no ingress route");
    const auth = await gatekeeper.authenticator.authenticate(raw, raw.socket.remoteAddress ?? "");
    if (!auth.ok) {
      // nginx understands only 401 and 403: too many failures is a 401 with its code here (SPEC 4).
      if (auth.code === "too_many_failures") void reply.header("retry-after", String(auth.retryAfterSeconds ?? 60));
      void reply.header("www-authenticate", gatekeeper.authenticator.challenge());
      return send(reply, 401, auth.code, "the request carries no valid credential");
    }
    const { identity } = auth;
    const current = answers.current();
    const { index } = current;
    const both = exclusiveHeld(index, identity.groups);
    if (both !== null) {
      request.log.warn({ realm: identity.realm, subject: identity.subject, groups: both }, "caller refused: holds exclusive groups");
      return deny(reply, "exclusive_groups", "the caller holds groups declared exclusive");
    }
    const treePath = formatPath(mapped.segments);
    const allowed = decideFor(index, identity, mapped.access, mapped.segments, ingress.denyConfusableSegments ? foldedMap.segments : null);
    metrics.decided(mapped.access, allowed);
    decisionLog?.decided(index, { realm: identity.realm, subject: identity.subject, groups: identity.groups, access: mapped.access, path: treePath, allowed });
    if (!allowed) return deny(reply, "access_denied", `${identity.subject} may not ${mapped.access} this path`);
    void reply.header("x-auth-user", headerSafe(identity.subject)).header("x-auth-realm", headerSafe(identity.realm)).header("x-auth-revision", current.stamp.revision);
    if (ingress.groupsHeader) setGroups(reply, identity.groups, ingress.groupsHeaderMaxBytes);
    if (downstream !== null) {
      const token = await downstream.tokenFor(identity);
      if (token !== null) void reply.header("x-auth-token", token);
    }
    // No body: nginx keeps its connection to treerights after an auth subrequest only when the answer has none.
    return reply.code(200).send();
  };
}

/**
 * The decision: the groups allow it, a scope (if any) matches, and with
 * `denyConfusableSegments` no segment could be read by a folding backend as
 * another directory, nor would the folded path be denied.
 */
function decideFor(index: RightsIndex, identity: Identity, access: "READ" | "WRITE", segments: readonly string[], foldedSegments: readonly string[] | null): boolean {
  let treePath: string;
  try {
    treePath = formatPath(segments);
    if (!index.check(identity.groups, access, treePath)) return false;
    if (!withinScopes(identity.scopes, access, treePath)) return false;
    if (foldedSegments === null) return true;
    if (confusableSegment(index, segments) !== null) return false;
    // What a folding backend would serve (the folded URL, through its own route) must be allowed too:
    // pattern rules and undeclared siblings included.
    const foldedPath = formatPath(foldedSegments);
    return foldedPath === treePath || (index.check(identity.groups, access, foldedPath) && withinScopes(identity.scopes, access, foldedPath));
  } catch {
    // A path SPEC 1.4 refuses (too long) is never allowed.
    return false;
  }
}

function setGroups(reply: FastifyReply, groups: readonly string[], maxBytes: number): void {
  const shown: string[] = [];
  let bytes = 0;
  for (const group of groups) {
    const value = /^[\x21-\x24\x26-\x2b\x2d-\x7e]+$/.test(group) ? group : encodeURIComponent(group);
    if (bytes + value.length + 1 > maxBytes) {
      void reply.header("x-auth-groups-truncated", "true");
      break;
    }
    shown.push(value);
    bytes += value.length + 1;
  }
  void reply.header("x-auth-groups", shown.join(","));
}

/** A header value Node will send as is: printable ASCII without `%`, else percent-encoded UTF-8. */
function headerSafe(value: string): string {
  return SAFE_HEADER.test(value) ? value : encodeURIComponent(value);
}

function deny(reply: FastifyReply, code: ApiErrorCode, message: string): FastifyReply {
  return send(reply, 403, code, message);
}

function send(reply: FastifyReply, status: number, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(status).send(new ApiError(status, code, message).toBody());
}
