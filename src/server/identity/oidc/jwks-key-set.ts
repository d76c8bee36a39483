/**
 * `JwksKeySet`: the public keys an OIDC realm verifies with (SPEC 4), from a
 * JWKS URL or a local JWKS file. jose's remote set refetches on every request
 * once its cache is stale and fails while the endpoint is down; this one keeps
 * the keys of the last successful fetch, refetches on an unknown `kid` at most
 * once per cooldown, and lets cached keys verify through an outage for a
 * bounded time.
 */
import { readFile } from "node:fs/promises";
import { createLocalJWKSet, errors } from "jose";
import type { CryptoKey, FlattenedJWSInput, JSONWebKeySet, JWSHeaderParameters } from "jose";
import { TreeRightsError } from "../../../engine/index.js";
import type { OidcRealmConfig } from "../../config/realm-config.js";
import type { RealmKeysStatus } from "../identity.js";

/** The most bytes a JWKS response may hold (a provider's set is a few KiB). */
export const MAX_JWKS_BYTES = 256 * 1024;

/** The parts of an OIDC realm's config a key set is built from. */
export type JwksConfig = Pick<OidcRealmConfig, "jwks" | "keysFile" | "jwksCooldownMs" | "jwksMaxStaleMs" | "jwksRefreshMs" | "jwksTimeoutMs">;

/** Options of `JwksKeySet.open`: injectable for tests. */
export interface JwksKeySetOptions {
  /** The clock, ms since the epoch (default `Date.now`). */
  readonly now?: () => number;
  /** The fetch function (default the global `fetch`). */
  readonly fetch?: typeof fetch;
  /** Where failed fetches are reported. */
  readonly log?: { warn(obj: object, msg: string): void };
  /** Names the realm in log lines. */
  readonly label?: string;
}

/** Thrown by `getKey` when no keys may verify: none fetched yet, or the last good fetch is older than `jwksMaxStaleMs`. */
export class KeysUnavailableError extends Error {
  constructor() {
    super("the realm's signing keys are unavailable");
    this.name = "KeysUnavailableError";
  }
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/** One successfully read key set; replaced whole, never edited. */
interface Keys {
  readonly lookup: LocalSet;
  readonly count: number;
  /** The set as canonical JSON, to tell a changed set from a refetched one. */
  readonly text: string;
  /** When it was fetched (or read), by the injected clock. */
  readonly at: number;
}

/**
 * The keys of the last successful fetch, with the rules of when to fetch
 * again. All fetches, whatever asked for them (creation, an unknown `kid`,
 * keys past `jwksRefreshMs`, the timer), go through `#refetch`.
 *
 * INVARIANT: at most one fetch runs at a time, and a new one starts only
 * `jwksCooldownMs` after the previous one started; callers that need fresh
 * keys meanwhile wait for the running fetch instead of starting another.
 */
export class JwksKeySet {
  readonly #url: string | null;
  readonly #config: JwksConfig;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #log: JwksKeySetOptions["log"];
  readonly #label: string;
  #keys: Keys | null = null;
  #generation = 0;
  #lastError: string | null = null;
  #lastStartedAt: number | null = null;
  #inFlight: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(url: string | null, config: JwksConfig, options: JwksKeySetOptions) {
    this.#url = url;
    this.#config = config;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? fetch;
    this.#log = options.log;
    this.#label = options.label ?? "oidc";
  }

  /**
   * A key set from `config.keysFile` (read once; a missing or invalid file is
   * thrown here, naming the path) or from `config.jwks` (fetched once before
   * this resolves; a failed fetch is not thrown but reported by `status()`,
   * and retried once per cooldown).
   */
  static async open(config: JwksConfig, options: JwksKeySetOptions = {}): Promise<JwksKeySet> {
    if (config.keysFile !== undefined) {
      const set = new JwksKeySet(null, config, options);
      set.#keys = await readKeysFile(config.keysFile, set.#now());
      return set;
    }
    if (config.jwks === undefined) throw new TreeRightsError("invalid_option", "an oidc realm needs `jwks` or `keysFile`");
    const set = new JwksKeySet(config.jwks, config, options);
    await set.#refetch(set.#now());
    return set;
  }

  /** Bumped whenever the set's content changes, so that what was verified with the old keys can be forgotten. */
  get generation(): number {
    return this.#generation;
  }

  /** True while keys may verify: some were read, and (for a URL) the last good fetch is within `jwksMaxStaleMs`. */
  get usable(): boolean {
    return this.#usableAt(this.#now());
  }

  /**
   * jose's key resolver (`jwtVerify(token, (h, t) => set.getKey(h, t), ...)`):
   * the key for the token's `kid` and `alg`. Throws `KeysUnavailableError`
   * when no keys may verify, and jose's `JWKSNoMatchingKey` for a `kid` still
   * unknown after the one refetch the cooldown allows.
   */
  async getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    if (this.#url === null) return this.#current().lookup(header, token);
    const now = this.#now();
    if (!this.#usableAt(now)) {
      await this.#refetch(now);
      if (!this.#usable()) throw new KeysUnavailableError();
    } else if (now - this.#current().at >= this.#config.jwksRefreshMs) {
      void this.#refetch(now); // in the background: the cached keys answer this request
    }
    const keys = this.#current();
    try {
      return await keys.lookup(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // A new key may have been published: look again after the one fetch allowed (or the one already running).
      if (keys === this.#keys && !(await this.#refetch(this.#now()))) throw error;
      if (!this.#usable()) throw new KeysUnavailableError();
      return this.#current().lookup(header, token);
    }
  }

  /** Age of the keys, the last fetch's error, how many keys the set holds. */
  status(): RealmKeysStatus {
    const keys = this.#keys;
    return {
      ageSeconds: keys === null ? null : Math.max(0, Math.floor((this.#now() - keys.at) / 1000)),
      lastError: this.#lastError,
      keyCount: keys?.count ?? 0,
    };
  }

  /** Stops the refresh timer; a fetch already running finishes but schedules nothing. Idempotent. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #usable(): boolean {
    return this.#usableAt(this.#now());
  }

  #usableAt(now: number): boolean {
    const keys = this.#keys;
    if (keys === null) return false;
    return this.#url === null || now - keys.at <= this.#config.jwksMaxStaleMs;
  }

  #current(): Keys {
    const keys = this.#keys;
    if (keys === null) throw new KeysUnavailableError();
    return keys;
  }

  /**
   * Waits for the running fetch, or starts one when the cooldown allows.
   * Resolves true when a fetch was waited for (whatever its outcome), false
   * when the cooldown forbade one; never rejects.
   */
  async #refetch(now: number): Promise<boolean> {
    if (this.#inFlight !== null) {
      await this.#inFlight;
      return true;
    }
    if (this.#closed) return false;
    const last = this.#lastStartedAt;
    if (last !== null && now - last < this.#config.jwksCooldownMs) return false;
    this.#lastStartedAt = now;
    this.#inFlight = this.#fetchOnce().finally(() => {
      this.#inFlight = null;
    });
    await this.#inFlight;
    return true;
  }

  async #fetchOnce(): Promise<void> {
    const url = this.#url ?? "";
    let ok = false;
    try {
      const doc = await fetchKeySet(this.#fetch, url, this.#config.jwksTimeoutMs);
      this.#swap(doc, this.#now());
      this.#lastError = null;
      ok = true;
    } catch (error) {
      this.#lastError = messageOf(error, this.#config.jwksTimeoutMs);
      this.#log?.warn({ realm: this.#label, jwks: url, error: this.#lastError }, "jwks fetch failed; cached keys stay in use");
    } finally {
      this.#schedule(ok ? this.#config.jwksRefreshMs : this.#config.jwksCooldownMs);
    }
  }

  #swap(doc: JSONWebKeySet, at: number): void {
    const keys = toKeys(doc, at);
    if (keys.text !== this.#keys?.text) this.#generation++;
    this.#keys = keys; // one reference swapped: a request sees the old set or the new, never a mix
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#refetch(this.#now()).then((fetched) => {
        if (!fetched) this.#schedule(this.#config.jwksCooldownMs); // the clock disagreed with the timer: try again later
      });
    }, Math.max(delayMs, 1));
    this.#timer.unref();
  }
}

async function readKeysFile(path: string, at: number): Promise<Keys> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new TreeRightsError("invalid_option", `oidc keys file \`${path}\` cannot be read (${code})`);
  }
  try {
    return toKeys(parseKeySet(text), at);
  } catch (error) {
    throw new TreeRightsError("invalid_option", `oidc keys file \`${path}\`: ${messageOf(error, 0)}`);
  }
}

/** Fetches and validates a JWKS: no redirects, bounded in time and size. */
async function fetchKeySet(fetchImpl: typeof fetch, url: string, timeoutMs: number): Promise<JSONWebKeySet> {
  const response = await fetchImpl(url, {
    signal: AbortSignal.timeout(timeoutMs),
    redirect: "error",
    headers: { accept: "application/jwk-set+json, application/json" },
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`jwks endpoint answered ${response.status}`);
  }
  return parseKeySet(await readBounded(response, MAX_JWKS_BYTES));
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? 0);
  const tooLarge = `jwks response is over ${maxBytes} bytes`;
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(tooLarge);
  }
  if (response.body === null) return "";
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(tooLarge);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A JSON `{"keys":[...]}` of public keys, each an object with a string `kty`. */
function parseKeySet(text: string): JSONWebKeySet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error("jwks is not json");
  }
  if (!isRecord(doc) || !Array.isArray(doc.keys)) throw new Error('jwks is not a key set `{"keys":[...]}`');
  for (const key of doc.keys as unknown[]) {
    if (!isRecord(key) || typeof key.kty !== "string") throw new Error("jwks holds a key without `kty`");
    // A private or symmetric key in a published set is a broken set: never verify with it.
    if ("d" in key || key.kty === "oct") throw new Error("jwks holds a private or symmetric key");
  }
  return doc as unknown as JSONWebKeySet;
}

function toKeys(doc: JSONWebKeySet, at: number): Keys {
  return { lookup: createLocalJWKSet(doc), count: doc.keys.length, text: JSON.stringify(doc), at };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `jwks fetch timed out after ${timeoutMs} ms`;
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : "";
  return detail === "" ? error.message : `${error.message} (${detail})`;
}
