/**
 * Who is asking (SPEC 4): the identity a verified credential stands for, the
 * credentials a request can present, and the `Realm` contract every kind of
 * realm (OIDC/JWT, API keys, Basic users, trusted headers, issued tokens)
 * implements.
 */
import { createHash } from "node:crypto";

/** Why a credential was refused: the stable code of a 401 (or 429) body; each is in `API_ERROR_CODES` with its meaning. */
export type AuthCode =
  | "credential_required"
  | "credential_invalid"
  | "credential_expired"
  | "credential_revoked"
  | "credential_disabled"
  | "credentials_unavailable"
  | "too_many_failures";

/** Where an identity came from, so that a token issued for it can be checked again later. */
export type IdentitySource =
  | { readonly kind: "oidc"; readonly exp: number }
  /** `fp`: a fingerprint of the key's entry (hash, groups, scopes): a token issued for it stops when the entry changes. */
  | { readonly kind: "apiKey"; readonly id: string; readonly fp?: string }
  /** `fp`: a fingerprint of the user's entry (password hash, groups): a token issued for it stops at a password change. */
  | { readonly kind: "user"; readonly name: string; readonly fp?: string }
  | { readonly kind: "headers" };

/** A verified caller: SPEC 4's `{realm, subject, groups, scopes?, expiresAt?}`. */
export interface Identity {
  /** The realm that verified the credential (for an issued token: the realm of the credential it was issued for). */
  readonly realm: string;
  /** The user, the key's owner, the token's `sub`. */
  readonly subject: string;
  /** Groups as the realm delivers them, after its mapping; never widened here. */
  readonly groups: readonly string[];
  /** `LEVEL:glob` scopes that narrow what the groups allow; absent means no narrowing. */
  readonly scopes?: readonly string[];
  /** When the credential stops being valid, in seconds since the epoch. */
  readonly expiresAt?: number;
  readonly source: IdentitySource;
}

/** A credential as read from a request, before any realm has looked at it. */
export type Credential =
  | { readonly kind: "bearer"; readonly token: string }
  | { readonly kind: "apiKey"; readonly key: string }
  | { readonly kind: "basic"; readonly user: string; readonly password: string }
  | { readonly kind: "headers"; readonly user: string; readonly groups: readonly string[] };

/** What a realm says of a credential it was shown. */
export type RealmAnswer =
  | { readonly kind: "identity"; readonly identity: Identity }
  | { readonly kind: "refused"; readonly code: AuthCode; readonly retryAfterSeconds?: number }
  /** Not this realm's credential: the next realm is asked. */
  | null;

/** The request facts a realm may use besides the credential. */
export interface AuthContext {
  /** The TCP peer's address (never a forwarded-for header). */
  readonly peer: string;
}

/** The realm kinds of the server config. */
export type RealmKind = "oidc" | "apiKeys" | "basic" | "headers" | "tokens";

/** The state of a realm's hot-reloaded file (keys or users). */
export interface RealmFileStatus {
  readonly path: string;
  /** sha256 of the loaded content, null while no version loads. */
  readonly revision: string | null;
  /** Why the current version does not load (file, line, column, message); empty when it loads. */
  readonly problems: readonly { readonly file: string; readonly line: number; readonly column: number; readonly message: string; readonly code: string }[];
  /** When it last loaded, ISO 8601, or null. */
  readonly loadedAt: string | null;
}

/** The state of an OIDC realm's key set. */
export interface RealmKeysStatus {
  /** Seconds since the last successful fetch (or load of local keys), null before the first. */
  readonly ageSeconds: number | null;
  /** The last fetch's error message, null when it succeeded. */
  readonly lastError: string | null;
  /** How many keys the set holds. */
  readonly keyCount: number;
}

/** What `/v1/status` reports of one realm. */
export interface RealmStatus {
  readonly name: string;
  readonly kind: RealmKind;
  /** False while the realm cannot verify anything (its file does not load, its keys are past `jwksMaxStale`). */
  readonly ready: boolean;
  readonly file?: RealmFileStatus;
  readonly keys?: RealmKeysStatus;
}

/** One configured realm of one kind. */
export interface Realm {
  readonly name: string;
  readonly kind: RealmKind;
  /**
   * An identity, a refusal, or null when the credential is not one this realm
   * recognises (another kind, another issuer, an unknown key id). A realm that
   * cannot tell (its file does not load) refuses with `credentials_unavailable`.
   */
  authenticate(credential: Credential, context: AuthContext): RealmAnswer | Promise<RealmAnswer>;
  /**
   * For a token issued for an identity of this realm: null while `source`
   * still stands, else the code to refuse with (the key was revoked, the user
   * disabled). Realms whose identities cannot be revoked omit it.
   */
  stillValid?(source: IdentitySource, nowSeconds: number): AuthCode | null;
  status(): RealmStatus;
  /** Stops watching files and timers. */
  close(): Promise<void>;
}

/** A short fingerprint of a source's entry, for `IdentitySource.fp`: not secret, only compared. */
export function entryFingerprint(parts: readonly unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 16);
}
