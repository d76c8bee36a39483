/**
 * The realms part of a resolved server config (SPEC 4): what each kind of
 * realm is built from, with every default applied, durations in
 * milliseconds and file paths absolute.
 */

/** How a realm's groups are renamed before use: a `prefix` on every group, or an explicit `map` (unmapped groups are dropped). */
export interface GroupMapping {
  readonly prefix?: string;
  /** From the group the realm delivers to the group the tree knows; keys are caller data, so a `Map`. */
  readonly map?: ReadonlyMap<string, string>;
}

/** `oidc:` — JWTs from an OIDC provider (Keycloak, ...), verified with jose. */
export interface OidcRealmConfig {
  readonly issuer: string;
  readonly audience: readonly string[];
  /** Accepted `alg`s, listed explicitly (never `none`, never a symmetric one). */
  readonly algorithms: readonly string[];
  /** The JWKS URL; exactly one of `jwks` and `keysFile`. */
  readonly jwks?: string;
  /** A local JWKS file (JSON `{"keys":[...]}`); exactly one of `jwks` and `keysFile`. */
  readonly keysFile?: string;
  /** Path of the groups claim, split into segments (`realm_access.roles` → `["realm_access","roles"]`). */
  readonly groupsClaim: readonly string[];
  /** The claim naming the subject (default `sub`). */
  readonly subjectClaim: string;
  /** Refuse a token without the groups claim (default true); false gives such a token no groups. */
  readonly requireGroups: boolean;
  /** Allowed clock difference for `exp`/`nbf`/`iat`, ms (default 30 s). */
  readonly clockSkewMs: number;
  /** Required JOSE header `typ` (such as `at+jwt`), when set. */
  readonly typ?: string;
  /** An unknown `kid` fetches the JWKS at most once per this, per process, ms (default 30 s). */
  readonly jwksCooldownMs: number;
  /** Cached keys keep verifying this long after the last successful fetch, ms (default 1 h). */
  readonly jwksMaxStaleMs: number;
  /** Refetch the JWKS in the background when older than this, ms (default 5 min). */
  readonly jwksRefreshMs: number;
  /** A JWKS fetch gives up after this, ms (default 5 s). */
  readonly jwksTimeoutMs: number;
  /** Longer tokens are refused unread, bytes (default 8 KiB). */
  readonly maxTokenBytes: number;
  /** Verified tokens remembered until they expire, at most this many (default 10,000). */
  readonly tokenCacheSize: number;
}

/** `apiKeys:` — opaque `trk_<id>_<secret>` keys listed (hashed) in a hot-reloaded YAML file. */
export interface ApiKeysRealmConfig {
  readonly file: string;
}

/** `basic:` — users with scrypt password hashes in a hot-reloaded YAML file. */
export interface BasicRealmConfig {
  readonly file: string;
  /** Successful checks remembered, at most this many (default 10,000) ... */
  readonly cacheSize: number;
  /** ... for at most this long, ms (default 5 min); a users-file reload forgets them all. */
  readonly cacheTtlMs: number;
  /** Failures per user within `failureWindowMs` before 429 `too_many_failures` (default 10). */
  readonly maxFailuresPerUser: number;
  /** Failures per peer address within `failureWindowMs` (default 50). */
  readonly maxFailuresPerAddress: number;
  /** The failure window, ms (default 15 min). */
  readonly failureWindowMs: number;
}

/** `headers:` — a user (and groups) asserted by a proxy that authenticated them, such as oauth2-proxy. */
export interface HeadersRealmConfig {
  /** Header naming the user, lower case (default `x-auth-request-user`). */
  readonly user: string;
  /** Header with comma-separated groups, lower case (default `x-auth-request-groups`). */
  readonly groups: string;
  /** CIDR blocks (`127.0.0.1/32`, `10.0.0.0/8`, `::1/128`) whose peers may assert these headers. */
  readonly trustedProxies: readonly string[];
}

/** One configured realm, tried in the order the config lists them. */
export type RealmConfig = { readonly name: string; readonly mapping?: GroupMapping } & (
  | { readonly kind: "oidc"; readonly oidc: OidcRealmConfig }
  | { readonly kind: "apiKeys"; readonly apiKeys: ApiKeysRealmConfig }
  | { readonly kind: "basic"; readonly basic: BasicRealmConfig }
  | { readonly kind: "headers"; readonly headers: HeadersRealmConfig }
);
