/**
 * `SuccessCache`: recently verified Basic credentials, so a client that
 * sends its password with every request pays one scrypt per `ttlMs`, not
 * one per request. Keyed by an HMAC under a random per-process key: the
 * cache never holds a password, and its keys are worthless outside the
 * process. The realm clears it on every users-file change.
 */
import { createHmac, randomBytes } from "node:crypto";

interface Entry<T> {
  readonly user: string;
  readonly value: T;
  readonly expiresAt: number;
}

/** A bounded, expiring map from (user, password) to what the check gave. */
export class SuccessCache<T> {
  // INVARIANT: Map order is insertion order, oldest first; at most #size entries.
  readonly #entries = new Map<string, Entry<T>>();
  readonly #key = randomBytes(32);
  readonly #size: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  /** `size` or `ttlMs` 0 turns the cache off. */
  constructor(size: number, ttlMs: number, now: () => number = Date.now) {
    this.#size = size;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** What a check of this user and password gave within the last `ttlMs`, if it is still remembered. */
  get(user: string, password: string): T | undefined {
    if (this.#entries.size === 0) return undefined;
    const id = this.#id(user, password);
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now() || entry.user !== user) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.value;
  }

  /** Remembers a successful check. */
  set(user: string, password: string, value: T): void {
    if (this.#size <= 0 || this.#ttlMs <= 0) return;
    const id = this.#id(user, password);
    this.#entries.delete(id);
    this.#entries.set(id, { user, value, expiresAt: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#size) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Forgets everything (the users file changed). */
  clear(): void {
    this.#entries.clear();
  }

  /** The keyed digest this cache files `user` and `password` under (never the password itself): for sharing one check among concurrent requests. */
  idOf(user: string, password: string): string {
    return this.#id(user, password);
  }

  /** How many entries are held. */
  get size(): number {
    return this.#entries.size;
  }

  #id(user: string, password: string): string {
    // The user's length goes first, so no (user, password) pair can be read as another one: "a\0b" + "c" is not "a" + "b\0c".
    const userBytes = Buffer.from(user, "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(userBytes.length);
    return createHmac("sha256", this.#key).update(length).update(userBytes).update("\0").update(password, "utf8").digest("base64");
  }
}
