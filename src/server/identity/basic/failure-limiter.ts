/**
 * `FailureLimiter`: failed password checks counted per user and per peer
 * address in a sliding window (SPEC 4: 10 per user or 50 per address in
 * 15 min), asked BEFORE hashing so that a refused attempt costs no scrypt.
 *
 * Contract:
 * - `begin` refuses while the failures in the window plus the checks still
 *   in flight reach a limit; otherwise it holds a place in both counts until
 *   the attempt's `end`. Counting checks in flight keeps a burst of parallel
 *   guesses, all asked before any has failed, within the limit.
 * - Only a wrong password counts (`end(true)`). A refused attempt does not:
 *   it learnt nothing, and counting it would let a guesser keep the real user
 *   locked out for as long as they keep knocking.
 * - A success erases nothing. Were the address's failures forgotten, a
 *   caller holding one valid account could interleave its own logins to spray
 *   guesses at every other user; were the user's, a client that logs in
 *   every few seconds would reset the count and give a guesser unlimited
 *   tries. Failures simply age out of the window.
 * - Memory is bounded: at most `maxKeys` users and as many addresses are
 *   tracked, each with at most its limit of timestamps; past that, the key
 *   failed least recently is dropped.
 */

/** The limits, from the realm's config. */
export interface FailureLimits {
  readonly maxFailuresPerUser: number;
  readonly maxFailuresPerAddress: number;
  readonly failureWindowMs: number;
  /** Users (and, separately, addresses) tracked at most (default `MAX_TRACKED_KEYS`). */
  readonly maxKeys?: number;
}

/** Keys tracked per kind by default. */
export const MAX_TRACKED_KEYS = 50_000;

/** An attempt allowed to hash; `end` must be called exactly once. */
export interface FailureAttempt {
  /** Ends the attempt: `failed` when the password was wrong (or the user unknown). */
  end(failed: boolean): void;
}

/** What `begin` says: go ahead, or come back after `retryAfterSeconds`. */
export type FailureCheck =
  | { readonly kind: "allowed"; readonly attempt: FailureAttempt }
  | { readonly kind: "refused"; readonly retryAfterSeconds: number };

/** Failure counts per user and per address, with an injectable clock. */
export class FailureLimiter {
  readonly #users: SlidingCounts;
  readonly #addresses: SlidingCounts;
  readonly #now: () => number;

  constructor(limits: FailureLimits, now: () => number = Date.now) {
    const maxKeys = limits.maxKeys ?? MAX_TRACKED_KEYS;
    this.#users = new SlidingCounts(limits.maxFailuresPerUser, limits.failureWindowMs, maxKeys);
    this.#addresses = new SlidingCounts(limits.maxFailuresPerAddress, limits.failureWindowMs, maxKeys);
    this.#now = now;
  }

  /** Asks whether `user` from `peer` may have a password checked now. */
  begin(user: string, peer: string): FailureCheck {
    const address = addressKey(peer);
    const now = this.#now();
    const wait = Math.max(this.#users.waitMs(user, now), this.#addresses.waitMs(address, now));
    if (wait > 0) return { kind: "refused", retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    this.#users.hold(user);
    this.#addresses.hold(address);
    let ended = false;
    return {
      kind: "allowed",
      attempt: {
        end: (failed) => {
          if (ended) return;
          ended = true;
          const at = this.#now();
          this.#users.release(user, failed, at);
          this.#addresses.release(address, failed, at);
        },
      },
    };
  }

  /** How many users and addresses are tracked (for tests and status). */
  get size(): { readonly users: number; readonly addresses: number } {
    return { users: this.#users.size, addresses: this.#addresses.size };
  }
}

/**
 * The key a peer address is counted under: an IPv4 address (also when
 * IPv4-mapped, `::ffff:192.0.2.1`) as it is, an IPv6 address by its /64,
 * since one host commonly holds a whole /64 and could otherwise rotate
 * through it.
 */
export function addressKey(peer: string): string {
  const address = peer.replace(/%.*$/, "").toLowerCase();
  if (!address.includes(":")) return address;
  const hextets = expand(address);
  if (hextets === null) return address;
  const [, , , , , marker = 0, high = 0, low = 0] = hextets;
  if (marker === 0xffff && hextets.slice(0, 5).every((h) => h === 0)) return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  return `${hextets.slice(0, 4).map((h) => h.toString(16)).join(":")}::/64`;
}

/** The eight hextets of an IPv6 address (a trailing dotted IPv4 counts as two), or null when it is not one. */
function expand(address: string): number[] | null {
  const parts = address.split("::");
  if (parts.length > 2) return null;
  const side = (text: string | undefined): number[] | null => {
    if (text === undefined || text === "") return [];
    const out: number[] = [];
    for (const piece of text.split(":")) {
      if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(piece)) {
        const [a = 0, b = 0, c = 0, d = 0] = piece.split(".").map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9a-f]{1,4}$/.test(piece)) {
        out.push(Number.parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = side(parts[0]);
  const tail = side(parts[1]);
  if (head === null || tail === null) return null;
  if (parts.length === 1) return head.length === 8 ? head : null;
  const zeros = 8 - head.length - tail.length;
  return zeros < 1 ? null : [...head, ...new Array<number>(zeros).fill(0), ...tail];
}

interface Counts {
  /** Failure times, oldest first; at most `max` (older ones cannot change a decision). */
  failures: number[];
  /** Checks begun and not yet ended. */
  pending: number;
}

/** Per-key failure times in a sliding window. */
class SlidingCounts {
  // INVARIANT: Map order is least recently failed (or begun) first; the first key is the one dropped.
  readonly #counts = new Map<string, Counts>();
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;

  constructor(max: number, windowMs: number, maxKeys: number) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  get size(): number {
    return this.#counts.size;
  }

  /** 0 when `key` may begin a check at `now`, else how long until it may, ms. */
  waitMs(key: string, now: number): number {
    const counts = this.#counts.get(key);
    if (counts === undefined) return 0;
    this.#prune(key, counts, now);
    const excess = counts.failures.length + counts.pending - this.#max;
    if (excess < 0) return 0;
    // The failure whose ageing out brings the count below the limit; if only checks in flight stand in the way, they end within one hash.
    const freeing = counts.failures[excess];
    return freeing === undefined ? 1000 : freeing + this.#windowMs - now;
  }

  hold(key: string): void {
    const counts = this.#counts.get(key) ?? { failures: [], pending: 0 };
    counts.pending += 1;
    this.#touch(key, counts);
  }

  release(key: string, failed: boolean, now: number): void {
    // The key may have been dropped while the check ran: count it afresh.
    const counts = this.#counts.get(key) ?? { failures: [], pending: 1 };
    counts.pending = Math.max(0, counts.pending - 1);
    if (failed) {
      counts.failures.push(now);
      if (counts.failures.length > this.#max) counts.failures.splice(0, counts.failures.length - this.#max);
      this.#touch(key, counts);
    } else {
      this.#prune(key, counts, now);
    }
  }

  #touch(key: string, counts: Counts): void {
    this.#counts.delete(key);
    this.#counts.set(key, counts);
    while (this.#counts.size > this.#maxKeys) {
      const oldest = this.#counts.keys().next();
      if (oldest.done === true) break;
      this.#counts.delete(oldest.value);
    }
  }

  #prune(key: string, counts: Counts, now: number): void {
    const since = now - this.#windowMs;
    let drop = 0;
    while (drop < counts.failures.length && (counts.failures[drop] ?? 0) <= since) drop += 1;
    if (drop > 0) counts.failures.splice(0, drop);
    if (counts.failures.length === 0 && counts.pending === 0) this.#counts.delete(key);
  }
}
