/**
 * The OIDC/JWT realm (SPEC 4): bearer JWTs from an OIDC provider such as
 * Keycloak, verified with jose against the provider's keys, groups read from
 * a claim path and renamed by the realm's mapping.
 */
import { decodeJwt, errors, jwtVerify } from "jose";
import type { JWTPayload, JWTVerifyOptions } from "jose";
import { TreeRightsError } from "../../../engine/index.js";
import type { GroupMapping, OidcRealmConfig } from "../../config/realm-config.js";
import { mapGroups } from "../group-mapping.js";
import type { AuthCode, Credential, Identity, Realm, RealmAnswer, RealmStatus } from "../identity.js";
import { JwksKeySet, KeysUnavailableError } from "./jwks-key-set.js";
import { VerifiedTokens } from "../verified-tokens.js";

/** Options of `createOidcRealm`: injectable for tests. */
export interface OidcRealmOptions {
  /** The clock, ms since the epoch (default `Date.now`): token times, key age, the token cache. */
  readonly now?: () => number;
  /** The fetch function for the JWKS (default the global `fetch`). */
  readonly fetch?: typeof fetch;
  /** Where failed JWKS fetches and unexpected verification faults are reported (never with a token). */
  readonly log?: { warn(obj: object, msg: string): void };
}

/** The JWS algorithms an OIDC realm may be configured with: asymmetric ones only, so a public key is never used as an HMAC secret. */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set([
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
]);

/**
 * Header `typ` values of an access token, when the config requires none:
 * absent, the generic `JWT`, or RFC 9068's `at+jwt` (compared without an
 * `application/` prefix, case-insensitively). Any other type (`logout+jwt`,
 * `dpop+jwt`, ...) is another kind of token.
 */
const ACCESS_TOKEN_TYPS: ReadonlySet<string> = new Set(["jwt", "at+jwt"]);

/** Claims that only ID tokens carry (OIDC Core 2, 3.3.2.11): such a token is not an access token. */
const ID_TOKEN_CLAIMS = ["nonce", "at_hash", "c_hash", "s_hash"] as const;

/** Compact JWS: three base64url segments; the signature may be empty (`alg: none`, refused by jose, not here). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const INVALID: RealmAnswer = Object.freeze({ kind: "refused", code: "credential_invalid" });

/**
 * An OIDC realm named `name`. With `config.keysFile` the keys are read now
 * (a missing or invalid file rejects, naming the path); with `config.jwks`
 * the first fetch is awaited (at most `jwksTimeoutMs`) but a failed one does
 * not reject: the realm is not ready, refuses with `credentials_unavailable`,
 * and retries once per cooldown.
 *
 * A bearer token is this realm's when it is a compact JWS whose unverified
 * `iss` is `config.issuer`; any other credential is answered `null`. A token
 * longer than `maxTokenBytes` is refused unread.
 */
export async function createOidcRealm(
  name: string,
  config: OidcRealmConfig,
  mapping: GroupMapping | undefined,
  options: OidcRealmOptions = {},
): Promise<Realm> {
  const algorithms = checkedAlgorithms(name, config.algorithms);
  const now = options.now ?? Date.now;
  const keys = await JwksKeySet.open(config, {
    now,
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
    label: name,
  });
  return new OidcRealm(name, config, mapping, algorithms, keys, now, options.log);
}

class OidcRealm implements Realm {
  readonly name: string;
  readonly kind = "oidc" as const;
  readonly #config: OidcRealmConfig;
  readonly #mapping: GroupMapping | undefined;
  readonly #keys: JwksKeySet;
  readonly #now: () => number;
  readonly #log: OidcRealmOptions["log"];
  readonly #verifyOptions: Omit<JWTVerifyOptions, "currentDate">;
  readonly #verified: VerifiedTokens;
  /** The key set's generation the remembered tokens were verified with. */
  #verifiedGeneration: number;

  constructor(
    name: string,
    config: OidcRealmConfig,
    mapping: GroupMapping | undefined,
    algorithms: readonly string[],
    keys: JwksKeySet,
    now: () => number,
    log: OidcRealmOptions["log"],
  ) {
    this.name = name;
    this.#config = config;
    this.#mapping = mapping;
    this.#keys = keys;
    this.#now = now;
    this.#log = log;
    this.#verified = new VerifiedTokens(config.tokenCacheSize);
    this.#verifiedGeneration = keys.generation;
    this.#verifyOptions = {
      issuer: config.issuer,
      audience: [...config.audience],
      algorithms: [...algorithms],
      clockTolerance: config.clockSkewMs / 1000,
      requiredClaims: ["exp"],
      ...(config.typ !== undefined ? { typ: config.typ } : {}),
    };
  }

  /** Synchronous for a remembered token (the hot path); a promise when the token must be verified. */
  authenticate(credential: Credential): RealmAnswer | Promise<RealmAnswer> {
    if (credential.kind !== "bearer") return null;
    const { token } = credential;
    if (token.length > this.#config.maxTokenBytes) return INVALID;
    const nowMs = this.#now();
    if (!this.#keys.usable) {
      // Past `jwksMaxStale` nothing verified earlier stands either; `#verify` may still recover by a fetch.
      if (!this.#isMine(token)) return null;
      return this.#verify(token, nowMs);
    }
    if (this.#keys.generation !== this.#verifiedGeneration) {
      // The provider's keys changed (a key may have been withdrawn): judge every token again.
      this.#verified.clear();
      this.#verifiedGeneration = this.#keys.generation;
    }
    // Only tokens this realm verified are remembered, so a hit needs no issuer check.
    const hit = this.#verified.get(token, Math.floor(nowMs / 1000));
    if (hit !== undefined) return { kind: "identity", identity: hit };
    if (!this.#isMine(token)) return null;
    return this.#verify(token, nowMs);
  }

  status(): RealmStatus {
    return { name: this.name, kind: this.kind, ready: this.#keys.usable, keys: this.#keys.status() };
  }

  close(): Promise<void> {
    this.#keys.close();
    this.#verified.clear();
    return Promise.resolve();
  }

  /** A compact JWS whose unverified `iss` is this realm's issuer. */
  #isMine(token: string): boolean {
    if (!COMPACT_JWS.test(token)) return false;
    try {
      return decodeJwt(token).iss === this.#config.issuer;
    } catch {
      return false;
    }
  }

  async #verify(token: string, nowMs: number): Promise<RealmAnswer> {
    const generation = this.#keys.generation;
    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      const result = await jwtVerify(token, (header, jws) => this.#keys.getKey(header, jws), {
        ...this.#verifyOptions,
        currentDate: new Date(nowMs),
      });
      payload = result.payload;
      typ = result.protectedHeader.typ;
    } catch (error) {
      return { kind: "refused", code: this.#codeOf(error) };
    }
    if (!isAccessToken(payload, typ, this.#config.typ)) return INVALID;
    const identity = this.#identityOf(payload);
    if (identity === null) return INVALID;
    if (this.#keys.generation === generation && generation === this.#verifiedGeneration) {
      this.#verified.set(token, identity, identity.expiresAt ?? 0, Math.floor(this.#now() / 1000));
    }
    return { kind: "identity", identity };
  }

  /** The identity of verified claims, or null when the subject or groups claim is missing or malformed. */
  #identityOf(payload: JWTPayload): Identity | null {
    const subject = Object.hasOwn(payload, this.#config.subjectClaim) ? payload[this.#config.subjectClaim] : undefined;
    if (typeof subject !== "string" || subject === "") return null;
    const claim = claimAt(payload, this.#config.groupsClaim);
    let delivered: readonly string[];
    if (claim === undefined) {
      if (this.#config.requireGroups) return null;
      delivered = [];
    } else if (Array.isArray(claim) && claim.every((g): g is string => typeof g === "string")) {
      delivered = claim;
    } else {
      return null;
    }
    const exp = payload.exp ?? 0; // present: `requiredClaims` and jose's numeric date check
    // The OAuth `scope` claim is the provider's vocabulary, not our `LEVEL:glob` scopes: never read as such.
    return Object.freeze({
      realm: this.name,
      subject,
      groups: mapGroups(delivered, this.#mapping),
      expiresAt: exp,
      source: Object.freeze({ kind: "oidc" as const, exp }),
    });
  }

  #codeOf(error: unknown): AuthCode {
    if (error instanceof KeysUnavailableError) return "credentials_unavailable";
    if (error instanceof errors.JWTExpired) return "credential_expired";
    if (!(error instanceof errors.JOSEError)) {
      // Only the error's name: a message might quote what it was given.
      this.#log?.warn({ realm: this.name, error: error instanceof Error ? error.name : typeof error }, "oidc token verification failed unexpectedly");
    }
    return "credential_invalid";
  }
}

/**
 * The algorithms handed to `jwtVerify`: the configured list, which must be
 * non-empty and asymmetric only (the config loader rejects others too; this
 * is the last line, since an `HS256` here would let the public key act as an
 * HMAC secret).
 */
function checkedAlgorithms(realm: string, algorithms: readonly string[]): readonly string[] {
  if (algorithms.length === 0) throw new TreeRightsError("invalid_option", `oidc realm \`${realm}\` lists no algorithms`);
  for (const alg of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
      throw new TreeRightsError("invalid_option", `oidc realm \`${realm}\` lists \`${alg}\`, which is not an asymmetric signature algorithm`);
    }
  }
  return algorithms;
}

/**
 * Whether verified claims are an access token rather than an ID (or other)
 * token: no Keycloak payload `typ` other than `Bearer` (its ID tokens say
 * `ID`, refresh tokens `Refresh`), none of the claims only ID tokens carry
 * (`nonce`, `at_hash`, `c_hash`, `s_hash`), and, unless the config requires
 * a `typ` (which jose then checks), a header `typ` that is absent, `JWT` or
 * `at+jwt`.
 */
function isAccessToken(payload: JWTPayload, headerTyp: string | undefined, requiredTyp: string | undefined): boolean {
  if (Object.hasOwn(payload, "typ")) {
    const typ = payload.typ;
    if (typeof typ !== "string" || typ.toLowerCase() !== "bearer") return false;
  }
  for (const claim of ID_TOKEN_CLAIMS) if (Object.hasOwn(payload, claim)) return false;
  if (requiredTyp !== undefined || headerTyp === undefined) return true;
  return ACCESS_TOKEN_TYPS.has(headerTyp.toLowerCase().replace(/^application\//, ""));
}

/** The value at a claim path, through own properties of plain objects only; undefined when any segment is missing. */
function claimAt(payload: JWTPayload, path: readonly string[]): unknown {
  let value: unknown = payload;
  for (const segment of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
