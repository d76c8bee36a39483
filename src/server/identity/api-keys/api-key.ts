/**
 * The API key format (SPEC 4): `trk_<id>_<secret>`, where `id` is 12
 * lowercase hex characters (48 random bits, shown in `keys list` and used to
 * find the key's entry) and `secret` is 64 lowercase hex characters (256
 * random bits). Neither part holds `_`, so the key splits unambiguously. The
 * keys file stores only `sha256:<hex>` of the whole key text.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** What every API key starts with; tells a key apart from a JWT in `Authorization: Bearer`. */
export const API_KEY_PREFIX = "trk_";

/** Length of the id part, hex characters. */
export const API_KEY_ID_LENGTH = 12;

/** Length of the secret part, hex characters (256 bits). */
export const API_KEY_SECRET_LENGTH = 64;

/** Length of a whole key: `trk_` + id + `_` + secret. */
export const API_KEY_LENGTH = API_KEY_PREFIX.length + API_KEY_ID_LENGTH + 1 + API_KEY_SECRET_LENGTH;

// Not /g: a global regex keeps lastIndex between calls (STYLE.md).
const KEY_PATTERN = /^trk_([0-9a-f]{12})_([0-9a-f]{64})$/;
const ID_PATTERN = /^[0-9a-f]{12}$/;
const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** The two parts of a well-formed key. */
export interface ApiKeyParts {
  readonly id: string;
  readonly secret: string;
}

/** A freshly generated key: the text to hand out once, its id, and the hash the keys file keeps. */
export interface NewApiKey {
  readonly key: string;
  readonly id: string;
  readonly hash: string;
}

/** A new key from `crypto.randomBytes`: 48 bits of id, 256 bits of secret. */
export function generateApiKey(): NewApiKey {
  const id = randomBytes(API_KEY_ID_LENGTH / 2).toString("hex");
  const secret = randomBytes(API_KEY_SECRET_LENGTH / 2).toString("hex");
  const key = `${API_KEY_PREFIX}${id}_${secret}`;
  return { key, id, hash: hashApiKey(key) };
}

/** The id and secret of `text`, or null unless it is exactly `trk_<12 hex>_<64 hex>` (lowercase, nothing around it). */
export function parseApiKey(text: string): ApiKeyParts | null {
  // The length test first: an attacker's megabyte never reaches the regex.
  if (text.length !== API_KEY_LENGTH) return null;
  const match = KEY_PATTERN.exec(text);
  if (match === null) return null;
  return { id: match[1] as string, secret: match[2] as string };
}

/** True iff `id` has the form of a key id. */
export function isApiKeyId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** True iff `hash` has the form `sha256:<64 lowercase hex>`. */
export function isApiKeyHash(hash: string): boolean {
  return HASH_PATTERN.test(hash);
}

/** `sha256:<hex>` of the whole key text (UTF-8), as the keys file stores it. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash("sha256").update(key, "utf8").digest("hex")}`;
}

/**
 * Compares two `sha256:` hashes in constant time. Strings of different byte
 * lengths are unequal without comparing (`timingSafeEqual` throws on them);
 * the length of a hash is public, so that early answer leaks nothing.
 */
export function sameHash(a: string, b: string): boolean {
  return sameDigest(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The raw SHA-256 of a whole key: what `hashApiKey` writes in hex, for comparing without formatting. */
export function keyDigest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** The digest a `sha256:<hex>` hash names (decoded once, when the keys file loads). */
export function digestOf(hash: string): Buffer {
  return Buffer.from(hash.slice("sha256:".length), "hex");
}

/** Constant-time equality of two digests; different lengths are unequal without comparing. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
