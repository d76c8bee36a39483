/**
 * `readCredential`: the one credential a request presents in `Authorization`
 * or `X-API-Key` (SPEC 4), read strictly. Trusted headers are not read here:
 * they are a realm's own (see `createHeadersRealm`), asked only when no
 * credential is presented.
 */
import type { IncomingMessage } from "node:http";
import type { AuthCode, Credential } from "./identity.js";

/** What a request presents: a credential, a refusal (presented but unreadable), or nothing. */
export type PresentedCredential =
  | { readonly kind: "credential"; readonly credential: Credential }
  | { readonly kind: "refused"; readonly code: AuthCode }
  | { readonly kind: "none" };

const NONE: PresentedCredential = Object.freeze({ kind: "none" });
const INVALID: PresentedCredential = Object.freeze({ kind: "refused", code: "credential_invalid" });

const API_KEY_PREFIX = "trk_";
// RFC 7235 token68 for Bearer; Basic's base64 is checked by `basicCredential`.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;

/**
 * The credential of `raw` (Node's request: `headersDistinct` tells a header
 * sent twice from one joined by Node). Two credentials, a header sent twice,
 * an unknown scheme or a malformed value is `credential_invalid`: presented
 * but invalid is never "none".
 */
export function readCredential(raw: IncomingMessage): PresentedCredential {
  const authorization = raw.headers.authorization;
  const apiKey = raw.headers["x-api-key"];
  if (authorization === undefined && apiKey === undefined) return NONE;
  if (headerCount(raw, "authorization") > 1 || headerCount(raw, "x-api-key") > 1) return INVALID;
  if (authorization !== undefined && apiKey !== undefined) return INVALID;
  if (typeof apiKey === "string") {
    const key = apiKey.trim();
    return key.startsWith(API_KEY_PREFIX) ? credential({ kind: "apiKey", key }) : INVALID;
  }
  if (authorization === undefined) return INVALID;
  const bearer = BEARER.exec(authorization);
  if (bearer !== null) {
    const token = bearer[1] ?? "";
    return credential(token.startsWith(API_KEY_PREFIX) ? { kind: "apiKey", key: token } : { kind: "bearer", token });
  }
  const basic = BASIC.exec(authorization);
  if (basic !== null) return basicCredential(basic[1] ?? "");
  return INVALID;
}

/**
 * How many times the request carried header `name` (lower case): Node joins
 * repeated headers, or keeps only the first `Authorization`, so the count
 * comes from the raw header list.
 */
export function headerCount(raw: IncomingMessage, name: string): number {
  // `rawHeaders` rather than `headersDistinct`, which builds an object of every header on each read.
  let count = 0;
  const headers = raw.rawHeaders as string[] | undefined ?? [];
  for (let i = 0; i < headers.length; i += 2) {
    const header = headers[i];
    if (header !== undefined && header.length === name.length && header.toLowerCase() === name) count++;
  }
  // No raw headers at all: what Node parsed is all there is.
  return headers.length === 0 && raw.headers[name] !== undefined ? 1 : count;
}

function credential(c: Credential): PresentedCredential {
  return { kind: "credential", credential: c };
}

// RFC 7617: user-id ":" password, UTF-8; the user-id has no ":", the password may.
function basicCredential(encoded: string): PresentedCredential {
  const bytes = Buffer.from(encoded, "base64");
  // A round trip refuses padding in the wrong place and stray bits.
  if (bytes.toString("base64") !== encoded) return INVALID;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return INVALID;
  }
  const colon = text.indexOf(":");
  if (colon <= 0) return INVALID;
  if (/[\u0000-\u001f\u007f]/.test(text)) return INVALID;
  return credential({ kind: "basic", user: text.slice(0, colon), password: text.slice(colon + 1) });
}
