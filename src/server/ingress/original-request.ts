/**
 * `originalRequest`: the method, URI and host a gateway asks about, from
 * exactly one configured source (SPEC 5). A header missing, sent twice or
 * joined by Node (`a, b`) fails closed; `Forwarded`, `X-Forwarded-Prefix`,
 * `X-HTTP-Method-Override` and the like are never read.
 */
import type { IncomingMessage } from "node:http";
import type { IngressConfig } from "../config/server-config.js";
import { headerCount } from "../identity/read-credential.js";

/** Where each gateway puts the original request. */
interface SourceHeaders {
  readonly method: string | null;
  readonly uri: string | null;
  readonly host: string;
}

const SOURCES: Readonly<Record<IngressConfig["source"], SourceHeaders>> = Object.freeze({
  // nginx `auth_request`: the example sets these three with proxy_set_header.
  nginx: { method: "x-original-method", uri: "x-original-uri", host: "x-original-host" },
  // Traefik forwardAuth sets these itself.
  traefik: { method: "x-forwarded-method", uri: "x-forwarded-uri", host: "x-forwarded-host" },
  // Envoy's HTTP ext_authz: the original method is the request's own, the original path follows `/v1/authz`.
  envoy: { method: null, uri: null, host: "host" },
});

/** The path treerights' own route for Envoy is mounted at. */
export const AUTHZ_PATH = "/v1/authz";

/** What the gateway asked about, or why it cannot be told. */
export type OriginalRequest =
  | { readonly ok: true; readonly method: string; readonly uri: string; readonly host: string | undefined }
  | { readonly ok: false; readonly reason: string };

/** The original request of `raw` as `source` sends it. */
export function originalRequest(raw: IncomingMessage, source: IngressConfig["source"]): OriginalRequest {
  const names = SOURCES[source];
  const method = names.method === null ? raw.method : single(raw, names.method);
  if (method === undefined) return { ok: false, reason: `the original method is missing or sent more than once (${names.method ?? "request method"})` };
  let uri: string | undefined;
  if (names.uri === null) {
    const url = raw.url ?? "";
    uri = url.startsWith(`${AUTHZ_PATH}/`) ? url.slice(AUTHZ_PATH.length) : undefined;
  } else {
    uri = single(raw, names.uri);
  }
  if (uri === undefined) return { ok: false, reason: `the original URI is missing or sent more than once (${names.uri ?? `path after ${AUTHZ_PATH}`})` };
  const hostCount = headerCount(raw, names.host);
  if (hostCount > 1) return { ok: false, reason: `\`${names.host}\` is sent more than once` };
  const host = hostCount === 0 ? undefined : hostOf(String(raw.headers[names.host]));
  if (host === null) return { ok: false, reason: `\`${names.host}\` is not a host name` };
  return { ok: true, method, uri, host };
}

function single(raw: IncomingMessage, name: string): string | undefined {
  if (headerCount(raw, name) !== 1) return undefined;
  const value = raw.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * `Example.COM:8443` → `example.com`; `example.com.` (the FQDN form) →
 * `example.com`; `[::1]:80` → `[::1]`; null for anything else (an empty
 * label, a character no host name has): a host a route could miss while a
 * gateway still routes by it is refused, never judged under another route.
 */
function hostOf(value: string): string | null {
  const host = value.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end > 0 && /^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(host) ? host.slice(0, end + 1) : null;
  }
  const colon = host.lastIndexOf(":");
  const name = (colon === -1 ? host : host.slice(0, colon)).replace(/\.$/, "");
  if (colon !== -1 && !/^\d{1,5}$/.test(host.slice(colon + 1))) return null;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(name) ? name : null;
}
