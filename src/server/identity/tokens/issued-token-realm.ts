/**
 * The realm of treerights' own tokens (SPEC 4): a Bearer JWT whose `iss` is
 * the configured issuer, verified against the configured keys, and checked
 * again against the realm it came from on every use, so that a token stops
 * verifying as soon as its API key is revoked or expires or its user is
 * disabled.
 */
import { createLocalJWKSet, decodeJwt, errors, jwtVerify } from "jose";
import type { JWTPayload } from "jose";
import type { TokensConfig } from "../../config/server-config.js";
import type { AuthCode, Credential, Identity, IdentitySource, Realm, RealmAnswer, RealmStatus } from "../identity.js";
import { VerifiedTokens } from "../verified-tokens.js";
import type { SourceClaim, TokenIssuer } from "./token-issuer.js";

const ALGORITHMS = ["EdDSA", "ES256"];
// Issued tokens are small; anything much larger is not one of ours.
const MAX_TOKEN_BYTES = 16 * 1024;
const CLOCK_SKEW_SECONDS = 5;
const TOKEN_CACHE_SIZE = 10_000;

/** Options of `createIssuedTokenRealm`. */
export interface IssuedTokenRealmOptions {
  /** The configured realm named `name`, to ask whether a token's source still stands. */
  readonly realmNamed: (name: string) => Realm | undefined;
  readonly now?: () => number;
}

/** The realm accepting tokens `issuer` signs. Its name is the issuer's. */
export async function createIssuedTokenRealm(config: TokensConfig, issuer: TokenIssuer, options: IssuedTokenRealmOptions): Promise<Realm> {
  const keys = createLocalJWKSet({ keys: [...(await issuer.jwks()).keys] });
  const now = options.now ?? Date.now;
  const name = config.issuer;
  const verified = new VerifiedTokens(TOKEN_CACHE_SIZE);
  const answerFor = (identity: Identity, nowSeconds: number): RealmAnswer => {
    const code = stillStands(identity, options.realmNamed, nowSeconds);
    return code === null ? { kind: "identity", identity } : { kind: "refused", code };
  };
  return {
    name,
    kind: "tokens",
    async authenticate(credential: Credential): Promise<RealmAnswer> {
      if (credential.kind !== "bearer") return null;
      const { token } = credential;
      if (token.length > MAX_TOKEN_BYTES) return null;
      const nowSeconds = Math.floor(now() / 1000);
      // A hot caller pays one signature check per token; its source is still checked on every use.
      const cached = verified.get(token, nowSeconds);
      if (cached !== undefined) return answerFor(cached, nowSeconds);
      if (issuerOf(token) !== config.issuer) return null;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: config.issuer, audience: config.audience, algorithms: ALGORITHMS,
          clockTolerance: CLOCK_SKEW_SECONDS, currentDate: new Date(now()), requiredClaims: ["sub", "exp", "jti"],
        }));
      } catch (error) {
        return { kind: "refused", code: error instanceof errors.JWTExpired ? "credential_expired" : "credential_invalid" };
      }
      const identity = identityOf(payload);
      if (identity === null) return { kind: "refused", code: "credential_invalid" };
      verified.set(token, identity, identity.expiresAt ?? nowSeconds, nowSeconds);
      return answerFor(identity, nowSeconds);
    },
    status: (): RealmStatus => ({ name, kind: "tokens", ready: true }),
    close: () => Promise.resolve(),
  };
}

/** The unverified `iss` of a compact JWT, or undefined when `token` is not one. */
export function issuerOf(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token);
    return iss;
  } catch {
    return undefined;
  }
}

function stillStands(identity: Identity, realmNamed: (name: string) => Realm | undefined, nowSeconds: number): AuthCode | null {
  const realm = realmNamed(identity.realm);
  // A realm removed from the config takes its tokens with it.
  if (realm === undefined) return "credential_revoked";
  return realm.stillValid?.(identity.source, nowSeconds) ?? null;
}

function identityOf(payload: JWTPayload): Identity | null {
  const { sub, exp } = payload;
  const realm = payload["realm"];
  const groups = payload["groups"];
  const scopes = payload["scopes"];
  const source = sourceOf(payload["src"]);
  if (typeof sub !== "string" || typeof exp !== "number" || typeof realm !== "string" || source === null) return null;
  if (!isStringList(groups) || (scopes !== undefined && !isStringList(scopes))) return null;
  return {
    realm, subject: sub, groups: Object.freeze([...groups]),
    ...(scopes === undefined ? {} : { scopes: Object.freeze([...scopes]) }),
    expiresAt: exp,
    source,
  };
}

function sourceOf(claim: unknown): IdentitySource | null {
  if (typeof claim !== "object" || claim === null) return null;
  const src = claim as Partial<Record<string, unknown>> & Partial<SourceClaim>;
  const fp = typeof src["fp"] === "string" ? { fp: src["fp"] } : {};
  if (src.k === "apiKey" && typeof src["id"] === "string") return { kind: "apiKey", id: src["id"], ...fp };
  if (src.k === "user" && typeof src["name"] === "string") return { kind: "user", name: src["name"], ...fp };
  if (src.k === "oidc") return { kind: "oidc", exp: 0 };
  if (src.k === "headers") return { kind: "headers" };
  return null;
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
