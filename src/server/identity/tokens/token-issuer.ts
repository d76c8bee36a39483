/**
 * `TokenIssuer`: the JWTs `POST /v1/token` issues (SPEC 4) and the JWKS that
 * publishes every configured key. A token carries `sub`, `realm`, `groups`,
 * `scopes`, `jti`, `exp` and `src` (where the identity came from, so that it
 * stops verifying once that key or user is revoked, expired or disabled). It
 * never outlives the credential it was exchanged for.
 */
import { randomUUID } from "node:crypto";
import { exportJWK, SignJWT } from "jose";
import type { JWK } from "jose";
import type { TokensConfig } from "../../config/server-config.js";
import type { Identity } from "../identity.js";

/** A signed token and when it expires. */
export interface IssuedToken {
  readonly token: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

/** The `src` claim: the identity's source in a compact form. */
export type SourceClaim = { readonly k: "oidc" } | { readonly k: "apiKey"; readonly id: string; readonly fp?: string } | { readonly k: "user"; readonly name: string; readonly fp?: string } | { readonly k: "headers" };

/** Signs tokens with the configured signer; publishes every configured key. */
export class TokenIssuer {
  readonly config: TokensConfig;
  readonly #now: () => number;
  #jwks: Promise<{ readonly keys: readonly JWK[] }> | undefined;

  constructor(config: TokensConfig, now: () => number = Date.now) {
    this.config = config;
    this.#now = now;
  }

  /**
   * A token for `identity`, living `lifetimeMs` (default and cap: the
   * configured lifetime) and never past `identity.expiresAt`. Null when the
   * identity expires within a second (nothing worth issuing).
   */
  async issue(identity: Identity, lifetimeMs: number = this.config.lifetimeMs, audience: string = this.config.audience): Promise<IssuedToken | null> {
    const now = Math.floor(this.#now() / 1000);
    const lifetime = Math.floor(Math.min(lifetimeMs, this.config.lifetimeMs) / 1000);
    const exp = Math.min(now + lifetime, identity.expiresAt ?? Number.POSITIVE_INFINITY);
    if (exp - now < 1) return null;
    const { signer } = this.config;
    const token = await new SignJWT({
      realm: identity.realm,
      groups: [...identity.groups],
      ...(identity.scopes === undefined ? {} : { scopes: [...identity.scopes] }),
      src: sourceClaim(identity),
    })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: "JWT" })
      .setIssuer(this.config.issuer)
      .setAudience(audience)
      .setSubject(identity.subject)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(signer.privateKey);
    return { token, expiresAt: exp };
  }

  /** `{"keys":[…]}`: the public part of every configured key, with `kid`, `alg` and `use: sig`. */
  jwks(): Promise<{ readonly keys: readonly JWK[] }> {
    this.#jwks ??= Promise.all(this.config.keys.map(async (key) => ({ ...(await exportJWK(key.publicKey)), kid: key.kid, alg: key.alg, use: "sig" })))
      .then((keys) => Object.freeze({ keys: Object.freeze(keys) }));
    return this.#jwks;
  }
}

function sourceClaim(identity: Identity): SourceClaim {
  const { source } = identity;
  switch (source.kind) {
    case "apiKey": return { k: "apiKey", id: source.id, ...(source.fp === undefined ? {} : { fp: source.fp }) };
    case "user": return { k: "user", name: source.name, ...(source.fp === undefined ? {} : { fp: source.fp }) };
    case "oidc": return { k: "oidc" };
    case "headers": return { k: "headers" };
  }
}
