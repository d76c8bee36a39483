/**
 * Password hashes of the users file: scrypt from `node:crypto`, stored as a
 * self-describing `scrypt$N=32768,r=8,p=1$<salt base64>$<hash base64>` so
 * the cost can be raised later without breaking older entries.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { ScryptOptions } from "node:crypto";

/** scrypt's cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelisation. */
  readonly p: number;
}

/** A stored hash taken apart. */
export interface ScryptHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/**
 * The parameters new hashes get: 32 MiB of memory, aiming at 50–100 ms per
 * check on a server CPU (slow for a guesser, tolerable for a login).
 */
export const SCRYPT_PARAMS: ScryptParams = Object.freeze({ N: 32768, r: 8, p: 1 });

const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds on what a stored hash may ask for, so a typo in the users file cannot make one check take seconds or gigabytes.
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY = 256 * 1024 * 1024;
const HASH_PATTERN = /^scrypt\$N=(\d{1,10}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/**
 * Checked against when the user is unknown, so that an unknown user costs
 * the same one scrypt as a known one. The salt and hash are fixed arbitrary
 * bytes: no password is known to hash to them.
 */
export const DUMMY_HASH = formatHash({
  params: SCRYPT_PARAMS,
  salt: Buffer.from("7f3c9a1e5d2b4c6a8e0f1b3d5c7a9e2f", "hex"),
  hash: Buffer.from("c4a1f09e7b3d2c58e6a4b1f0d9c8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0", "hex"),
});

/** Hashes `password` with fresh salt and `SCRYPT_PARAMS`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, SCRYPT_PARAMS, HASH_BYTES);
  return formatHash({ params: SCRYPT_PARAMS, salt, hash });
}

/**
 * True iff `password` hashes to `stored`; compared in constant time. A
 * malformed `stored` costs one scrypt against `DUMMY_HASH` and is false.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  const target = typeof parsed === "string" ? dummy() : parsed;
  const derived = await derive(password, target.salt, target.params, target.hash.length);
  // INVARIANT: derived.length === target.hash.length, so timingSafeEqual cannot throw.
  return timingSafeEqual(derived, target.hash) && typeof parsed !== "string";
}

/** A stored hash taken apart, or why it is not one this module can check (one line, for a load problem). */
export function parseHash(stored: string): ScryptHash | string {
  const match = HASH_PATTERN.exec(stored);
  if (match === null) return "is not an scrypt hash of the form `scrypt$N=…,r=…,p=…$<salt>$<hash>`";
  const [, n, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const params: ScryptParams = { N: Number(n), r: Number(r), p: Number(p) };
  if (params.N < 2 || params.N > MAX_N || (params.N & (params.N - 1)) !== 0) return `has N=${n}; N must be a power of two from 2 to ${String(MAX_N)}`;
  if (params.r > MAX_R) return `has r=${r}; r must be at most ${String(MAX_R)}`;
  if (params.p > MAX_P) return `has p=${p}; p must be at most ${String(MAX_P)}`;
  if (memoryOf(params) > MAX_MEMORY) return `needs more than ${String(MAX_MEMORY / 1024 / 1024)} MiB (N × r too large)`;
  const saltBytes = Buffer.from(salt, "base64");
  const hashBytes = Buffer.from(hash, "base64");
  if (saltBytes.length < 8 || saltBytes.length > 64) return "has a salt of the wrong length (8 to 64 bytes)";
  if (hashBytes.length < 16 || hashBytes.length > 64) return "has a hash of the wrong length (16 to 64 bytes)";
  return { params, salt: saltBytes, hash: hashBytes };
}

/** The stored form of `hash`. */
export function formatHash({ params, salt, hash }: ScryptHash): string {
  return `scrypt$N=${String(params.N)},r=${String(params.r)},p=${String(params.p)}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

let dummyParsed: ScryptHash | undefined;
function dummy(): ScryptHash {
  dummyParsed ??= parseHash(DUMMY_HASH) as ScryptHash;
  return dummyParsed;
}

// Node refuses when 128 * N * r exceeds maxmem (default 32 MiB, exactly what N=2^15, r=8 needs).
function memoryOf({ N, r, p }: ScryptParams): number {
  return 128 * N * r + 128 * r * p;
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  // NFC, as RFC 7613's OpaqueString profile asks: the same password typed on two systems hashes the same.
  const bytes = Buffer.from(password.normalize("NFC"), "utf8");
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 2 * memoryOf(params) };
  return new Promise((resolve, reject) => {
    // The async form: the work runs on libuv's thread pool, never on the event loop.
    scrypt(bytes, salt, length, options, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}
