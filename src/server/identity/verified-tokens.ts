/**
 * `VerifiedTokens`: bearer tokens whose signature and claims were checked,
 * remembered until they expire, so that a hot caller does not pay a
 * signature check on every request.
 */
import type { Identity } from "./identity.js";

interface Entry {
  readonly identity: Identity;
  /** The token's `exp`, seconds since the epoch. */
  readonly exp: number;
}

/**
 * A bounded map from a verified token (the whole token string) to the
 * identity it stands for. Only successes are stored: a refusal is never
 * remembered, so a token is always judged again until it verifies.
 *
 * INVARIANT: at most `maxEntries` entries; when full, the entry inserted
 * first is evicted (insertion order of the `Map`, not use order: a lookup
 * costs no reordering, and a token that expires soon is replaced soon anyway).
 */
export class VerifiedTokens {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();

  /** `maxEntries` 0 remembers nothing. */
  constructor(maxEntries: number) {
    this.#maxEntries = Math.max(0, Math.floor(maxEntries));
  }

  /** How many tokens are remembered (expired ones included until looked up or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  /** The identity of a remembered token while `nowSeconds` is before its `exp`; an expired entry is dropped. */
  get(token: string, nowSeconds: number): Identity | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    // No clock-skew allowance here: past `exp` the full verification decides again.
    if (nowSeconds < entry.exp) return entry.identity;
    this.#entries.delete(token);
    return undefined;
  }

  /** Remembers a token that verified, until its `exp` (seconds); an already expired one is not stored. */
  set(token: string, identity: Identity, exp: number, nowSeconds: number): void {
    if (this.#maxEntries === 0 || !(nowSeconds < exp)) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { identity, exp });
  }

  /** Forgets every token (the keys changed, the realm closes). */
  clear(): void {
    this.#entries.clear();
  }
}
