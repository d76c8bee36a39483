/**
 * `createApiKeysRealm`: the realm of one API keys file (SPEC 4). A key is
 * found by its id in a `Map`, hashed once and compared in constant time; the
 * file is hot-reloaded, and while a version of it does not load every key is
 * refused with `credentials_unavailable` (fail closed: a revocation must
 * never silently fail to apply).
 */
import type { ApiKeysRealmConfig, GroupMapping } from "../../config/realm-config.js";
import { mapGroups } from "../group-mapping.js";
import { entryFingerprint } from "../identity.js";
import type { AuthCode, Credential, Identity, IdentitySource, Realm, RealmAnswer, RealmStatus } from "../identity.js";
import type { ParseResult } from "../files/watched-file.js";
import { WatchedFile } from "../files/watched-file.js";
import { digestOf, keyDigest, parseApiKey, sameDigest } from "./api-key.js";
import { parseKeysFile } from "./keys-file.js";

/** Options of `createApiKeysRealm`. */
export interface ApiKeysRealmOptions {
  /** How often the keys file is looked at, ms (default `POLL_MS`, 500); 0 reads it once. */
  readonly pollMs?: number;
  /** The clock, ms since the epoch (default `Date.now`). */
  readonly now?: () => number;
}

/** One loaded key, ready to answer with: the mapped groups computed once per load. */
interface LoadedKey {
  /** The SHA-256 of the whole key, decoded from the file's `sha256:<hex>` once. */
  readonly digest: Buffer;
  readonly revoked: boolean;
  /** ms since the epoch, or undefined for a key that does not expire. */
  readonly expiresMs: number | undefined;
  readonly identity: Identity;
}

const REFUSED: Readonly<Record<"invalid" | "expired" | "revoked" | "unavailable", RealmAnswer>> = Object.freeze({
  invalid: Object.freeze({ kind: "refused", code: "credential_invalid" }),
  expired: Object.freeze({ kind: "refused", code: "credential_expired" }),
  revoked: Object.freeze({ kind: "refused", code: "credential_revoked" }),
  unavailable: Object.freeze({ kind: "refused", code: "credentials_unavailable" }),
});

/** The realm `name` of the keys file `config.file`, its groups renamed by `mapping`; resolves once the file has been read (loaded or not). */
export async function createApiKeysRealm(
  name: string,
  config: ApiKeysRealmConfig,
  mapping: GroupMapping | undefined,
  options: ApiKeysRealmOptions = {},
): Promise<Realm> {
  const now = options.now ?? Date.now;
  const parse = (bytes: Uint8Array, file: string): ParseResult<ReadonlyMap<string, LoadedKey>> => {
    const parsed = parseKeysFile(bytes, file);
    if ("problems" in parsed) return parsed;
    const keys = new Map<string, LoadedKey>();
    for (const [id, entry] of parsed.value.byId) {
      const expiresMs = entry.expires === undefined ? undefined : Date.parse(entry.expires);
      const identity: Identity = Object.freeze({
        realm: name,
        subject: entry.owner,
        groups: mapGroups(entry.groups, mapping),
        ...(entry.scopes === undefined ? {} : { scopes: Object.freeze([...entry.scopes]) }),
        ...(expiresMs === undefined ? {} : { expiresAt: Math.floor(expiresMs / 1000) }),
        source: Object.freeze({ kind: "apiKey", id, fp: entryFingerprint([entry.hash, entry.groups, entry.scopes ?? null]) }),
      });
      keys.set(id, Object.freeze({ digest: digestOf(entry.hash), revoked: entry.revoked === true, expiresMs, identity }));
    }
    return { value: keys };
  };
  const watched = await WatchedFile.open(config.file, parse, options.pollMs === undefined ? {} : { pollMs: options.pollMs });

  /** The loaded keys, or null while the file does not load. */
  const current = (): ReadonlyMap<string, LoadedKey> | null => {
    const state = watched.state;
    return state.kind === "loaded" ? state.value : null;
  };

  return {
    name,
    kind: "apiKeys",

    authenticate(credential: Credential): RealmAnswer {
      if (credential.kind !== "apiKey") return null;
      const parts = parseApiKey(credential.key);
      if (parts === null) return REFUSED.invalid;
      const keys = current();
      // Fail closed: while the file does not load, this realm cannot tell whose key it is.
      if (keys === null) return REFUSED.unavailable;
      // An unknown id is another realm's key (or nobody's: the last realm's null becomes `credential_invalid`).
      // That the id is known shows in the timing; ids are not secret (`keys list` prints them), secrets are.
      const key = keys.get(parts.id);
      if (key === undefined) return null;
      // Hash and compare before looking at revoked/expired, so only the key's holder learns its state.
      if (!sameDigest(keyDigest(credential.key), key.digest)) return REFUSED.invalid;
      if (key.revoked) return REFUSED.revoked;
      if (key.expiresMs !== undefined && now() >= key.expiresMs) return REFUSED.expired;
      return { kind: "identity", identity: key.identity };
    },

    stillValid(source: IdentitySource, nowSeconds: number): AuthCode | null {
      if (source.kind !== "apiKey") return "credential_invalid";
      const keys = current();
      if (keys === null) return "credentials_unavailable";
      const key = keys.get(source.id);
      if (key === undefined || key.revoked) return "credential_revoked";
      if (key.expiresMs !== undefined && nowSeconds * 1000 >= key.expiresMs) return "credential_expired";
      // The entry changed since the token was issued (other groups or scopes, a new hash): the token no longer stands for it.
      if (source.fp !== undefined && key.identity.source.kind === "apiKey" && source.fp !== key.identity.source.fp) return "credential_revoked";
      return null;
    },

    status(): RealmStatus {
      return { name, kind: "apiKeys", ready: watched.state.kind === "loaded", file: watched.status() };
    },

    close(): Promise<void> {
      watched.close();
      return Promise.resolve();
    },
  };
}
