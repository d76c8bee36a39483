/**
 * `DownstreamTokens`: the short-lived JWTs `/v1/authz` hands the backend in
 * `X-Auth-Token` (signed by the issuer of `POST /v1/token`, verifiable at
 * `/.well-known/jwks.json`). One is signed per identity and reused while it
 * has more than half its lifetime left, so a hot caller does not pay a
 * signature per request.
 */
import type { Identity } from "../identity/identity.js";
import type { TokenIssuer } from "../identity/tokens/token-issuer.js";

/** Tokens for the backend, cached per identity. */
export class DownstreamTokens {
  readonly #issuer: TokenIssuer;
  readonly #lifetimeMs: number;
  readonly #now: () => number;
  // Keyed by the identity object itself: realms hand out the same frozen identity for a remembered
  // credential (a cached JWT, a key of the loaded file, a remembered password), and an entry goes with it.
  readonly #cache = new WeakMap<Identity, { readonly token: string; readonly renewAt: number }>();

  constructor(issuer: TokenIssuer, lifetimeMs: number, now: () => number = Date.now) {
    this.#issuer = issuer;
    this.#lifetimeMs = lifetimeMs;
    this.#now = now;
  }

  /** A token for `identity`, or null when its credential expires too soon to issue one. */
  async tokenFor(identity: Identity): Promise<string | null> {
    const now = this.#now();
    const cached = this.#cache.get(identity);
    if (cached !== undefined && now < cached.renewAt) return cached.token;
    // Its own audience: a backend given this token cannot replay it to treerights (or through the gateway) as a credential.
    const issued = await this.#issuer.issue(identity, this.#lifetimeMs, downstreamAudience(this.#issuer.config.audience));
    if (issued === null) return null;
    // Renewed at half its life: a backend never gets a token about to expire.
    const renewAt = now + (issued.expiresAt * 1000 - now) / 2;
    this.#cache.set(identity, { token: issued.token, renewAt });
    return issued.token;
  }
}

/** The `aud` of downstream tokens: the issued tokens' audience with `:downstream`, which the issued-token realm never accepts. */
export function downstreamAudience(audience: string): string {
  return `${audience}:downstream`;
}
