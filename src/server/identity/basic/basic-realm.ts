/**
 * `createBasicRealm`: HTTP Basic credentials checked against a hot-reloaded
 * users file (SPEC 4).
 *
 * One attempt, in this order:
 * 1. the users file does not load → `credentials_unavailable` (never a last
 *    good version: a disabled user must not slip through a broken edit);
 * 2. too many recent failures for the user or the address →
 *    `too_many_failures` with `retryAfterSeconds`, before any hashing;
 * 3. the same user and password succeeded within `cacheTtlMs` since the file
 *    last changed → the remembered identity, without hashing;
 * 4. exactly one scrypt, against the user's hash or, for an unknown user,
 *    `DUMMY_HASH`: unknown user, disabled user and wrong password cost the
 *    same, so timing does not tell which names exist;
 * 5. unknown user or wrong password → `credential_invalid`, counted as a
 *    failure for the user and the address; a disabled user with the right
 *    password → `credential_disabled` (with a wrong one it is
 *    `credential_invalid` like any other, so only someone who knows the
 *    password learns that the account is disabled).
 *
 * The failure limiter lives inside the realm, so it applies exactly where
 * Basic credentials are checked, route by route, and nowhere else.
 */
import { createHash } from "node:crypto";
import type { BasicRealmConfig, GroupMapping } from "../../config/realm-config.js";
import { mapGroups } from "../group-mapping.js";
import { entryFingerprint } from "../identity.js";
import type { AuthCode, AuthContext, Credential, Identity, IdentitySource, Realm, RealmAnswer, RealmStatus } from "../identity.js";
import { WatchedFile } from "../files/watched-file.js";
import type { FileState } from "../files/watched-file.js";
import { FailureLimiter } from "./failure-limiter.js";
import { DUMMY_HASH, verifyPassword } from "./password-hash.js";
import { SuccessCache } from "./success-cache.js";
import type { UserEntry, Users } from "./users-file.js";
import { parseUsersFile } from "./users-file.js";

/** Options of `createBasicRealm`, mostly for tests. */
export interface BasicRealmOptions {
  /** How often the users file is looked at, ms (default `POLL_MS`); 0 reads it once. */
  readonly pollMs?: number;
  /** The clock of the failure window and the success cache, ms since the epoch. */
  readonly now?: () => number;
  /** The password check (default `verifyPassword`); tests wrap it to count hashes. */
  readonly verify?: (password: string, stored: string) => Promise<boolean>;
}

// User names longer than the schema allows cannot exist; they are counted under a digest so a flood of huge names stays small.
const MAX_NAME_LENGTH = 256;

/** A `basic:` realm reading `config.file`; resolves once the file has been read (loaded or not). */
export async function createBasicRealm(name: string, config: BasicRealmConfig, mapping: GroupMapping | undefined, options: BasicRealmOptions = {}): Promise<Realm> {
  const now = options.now ?? Date.now;
  const verify = options.verify ?? verifyPassword;
  const limiter = new FailureLimiter(config, now);
  const cache = new SuccessCache<Identity>(config.cacheSize, config.cacheTtlMs, now);
  const file = await WatchedFile.open<Users>(config.file, parseUsersFile, options.pollMs === undefined ? {} : { pollMs: options.pollMs });
  // Any change (a new revision, a failure) forgets every remembered success: a password change or a disable is in force at once.
  file.onChange(() => { cache.clear(); });

  const refused = (code: AuthCode): RealmAnswer => ({ kind: "refused", code });

  // Checks under way, by the success cache's keyed digest of user and password: a page that sends ten requests
  // at once with one new credential pays one scrypt (and one in-flight attempt), not ten.
  const pending = new Map<string, Promise<RealmAnswer>>();

  function authenticate(credential: Credential, context: AuthContext): Promise<RealmAnswer> | RealmAnswer {
    if (credential.kind !== "basic") return null;
    const state = file.state;
    if (state.kind === "failed") return refused("credentials_unavailable");
    // A password this process verified is answered before the failure limits: a guesser (or a flood from the
    // gateway's one address) can lock out hashing, never a user whose right password is remembered. Only
    // successes are remembered, so every miss still meets the limits.
    const remembered = cache.get(credential.user, credential.password);
    if (remembered !== undefined) return { kind: "identity", identity: remembered };
    const id = cache.idOf(credential.user, credential.password);
    const shared = pending.get(id);
    if (shared !== undefined) return shared;
    const checking = verifyOnce(credential, context, state).finally(() => { pending.delete(id); });
    pending.set(id, checking);
    return checking;
  }

  async function verifyOnce(credential: Extract<Credential, { kind: "basic" }>, context: AuthContext, state: Extract<FileState<Users>, { kind: "loaded" }>): Promise<RealmAnswer> {
    const { user, password } = credential;
    const check = limiter.begin(limiterKey(user), context.peer);
    if (check.kind === "refused") return { kind: "refused", code: "too_many_failures", retryAfterSeconds: check.retryAfterSeconds };
    let failed = false;
    try {
      const entry = state.value.get(user);
      let right: boolean;
      try {
        right = await verify(password, entry?.hash ?? DUMMY_HASH);
      } catch {
        return refused("credentials_unavailable");
      }
      if (entry === undefined || !right) {
        failed = true;
        return refused("credential_invalid");
      }
      if (entry.disabled) return refused("credential_disabled");
      const identity: Identity = Object.freeze({
        realm: name,
        subject: user,
        groups: mapGroups(entry.groups, mapping),
        source: Object.freeze({ kind: "user" as const, name: user, fp: userFingerprint(entry) }),
      });
      // Remember only what the current file says: a reload during the hash must not leave an old password cached.
      if (file.state === state) cache.set(user, password, identity);
      return { kind: "identity", identity };
    } finally {
      check.attempt.end(failed);
    }
  }

  return {
    name,
    kind: "basic",
    authenticate,
    stillValid(source: IdentitySource): AuthCode | null {
      if (source.kind !== "user") return "credential_invalid";
      const state = file.state;
      if (state.kind === "failed") return "credentials_unavailable";
      const entry = state.value.get(source.name);
      if (entry === undefined) return "credential_revoked";
      if (entry.disabled) return "credential_disabled";
      // A new password (or other groups) since the token was issued: it no longer stands for this entry.
      return source.fp !== undefined && source.fp !== userFingerprint(entry) ? "credential_revoked" : null;
    },
    status(): RealmStatus {
      return { name, kind: "basic", ready: file.state.kind === "loaded", file: file.status() };
    },
    close(): Promise<void> {
      file.close();
      cache.clear();
      return Promise.resolve();
    },
  };
}

// A user name never holds `:`, so a digest key (which does) cannot collide with a real name.
function limiterKey(user: string): string {
  return user.length <= MAX_NAME_LENGTH ? user : `:sha256:${createHash("sha256").update(user, "utf8").digest("hex")}`;
}

/** The fingerprint of a user's entry: its password hash and groups. */
function userFingerprint(entry: UserEntry): string {
  return entryFingerprint([entry.hash, entry.groups]);
}
