/** `JwksKeySet`: when it fetches (cooldown, shared fetches, background refresh), outages, local files. Fetch and clock are injected. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair } from "jose";
import type { FlattenedJWSInput, JWK } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { JwksConfig } from "../../../src/server/identity/oidc/jwks-key-set.js";
import { JwksKeySet, KeysUnavailableError, MAX_JWKS_BYTES } from "../../../src/server/identity/oidc/jwks-key-set.js";

const URL_ = "http://127.0.0.1:9/jwks";
const TIMING = { jwksCooldownMs: 30_000, jwksMaxStaleMs: 3_600_000, jwksRefreshMs: 300_000, jwksTimeoutMs: 5_000 } as const;
const NO_TOKEN = { payload: "", signature: "" } as FlattenedJWSInput;

let k1: JWK;
let k2: JWK;
let dir: string;
beforeAll(async () => {
  k1 = await publicJwk("k1");
  k2 = await publicJwk("k2");
  dir = await mkdtemp(join(tmpdir(), "jwks-key-set-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function publicJwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
}

/** A JWKS endpoint as a fetch function: counts calls, can be down, can hold answers until released. */
class FakeEndpoint {
  keys: JWK[] = [];
  mode: "up" | "down" | "held" = "up";
  calls = 0;
  inits: RequestInit[] = [];
  #held: (() => void)[] = [];

  readonly fetch = (async (_url: unknown, init?: RequestInit): Promise<Response> => {
    this.calls++;
    if (init !== undefined) this.inits.push(init);
    if (this.mode === "held") await new Promise<void>((resolve) => this.#held.push(resolve));
    if (this.mode === "down") throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    return Response.json({ keys: this.keys });
  }) as typeof fetch;

  release(): void {
    this.mode = "up";
    for (const resolve of this.#held.splice(0)) resolve();
  }
}

const sets: JwksKeySet[] = [];
afterEach(() => {
  for (const set of sets.splice(0)) set.close();
});

async function open(endpoint: FakeEndpoint, clock: { t: number }, timing: Partial<JwksConfig> = {}): Promise<JwksKeySet> {
  const set = await JwksKeySet.open({ jwks: URL_, ...TIMING, ...timing }, { fetch: endpoint.fetch, now: () => clock.t });
  sets.push(set);
  return set;
}

function lookup(set: JwksKeySet, kid: string): Promise<unknown> {
  return set.getKey({ alg: "ES256", kid }, NO_TOKEN);
}

describe("fetching from a URL", () => {
  it("fetches once at creation, without redirects and with a timeout signal", async () => {
    const endpoint = new FakeEndpoint();
    endpoint.keys = [k1];
    const set = await open(endpoint, { t: 1_000_000 });
    expect(endpoint.calls).toBe(1);
    expect(endpoint.inits[0]?.redirect).toBe("error");
    expect(endpoint.inits[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(set.status()).toEqual({ ageSeconds: 0, lastError: null, keyCount: 1 });
    expect(set.usable).toBe(true);
    await expect(lookup(set, "k1")).resolves.toBeDefined();
  });

  it("does not throw at creation while the endpoint is down, refuses until a fetch succeeds, and retries once per cooldown", async () => {
    const endpoint = new FakeEndpoint();
    endpoint.mode = "down";
    const clock = { t: 1_000_000 };
    const set = await open(endpoint, clock);
    expect(set.status()).toEqual({ ageSeconds: null, lastError: "fetch failed (ECONNREFUSED)", keyCount: 0 });
    expect(set.usable).toBe(false);
    await expect(lookup(set, "k1")).rejects.toBeInstanceOf(KeysUnavailableError);
    expect(endpoint.calls).toBe(1); // within the cooldown: no second fetch

    endpoint.mode = "up";
    endpoint.keys = [k1];
    clock.t += TIMING.jwksCooldownMs;
    await expect(lookup(set, "k1")).resolves.toBeDefined();
    expect(endpoint.calls).toBe(2);
    expect(set.status().lastError).toBeNull();
  });

  it("shares one fetch among concurrent unknown kids, and makes none more within the cooldown", async () => {
    const endpoint = new FakeEndpoint();
    endpoint.keys = [k1];
    const clock = { t: 1_000_000 };
    const set = await open(endpoint, clock);
    clock.t += TIMING.jwksCooldownMs;

    endpoint.mode = "held";
    const flood = Array.from({ length: 200 }, (_, i) => lookup(set, `random-${i}`).then(() => "found", (e: unknown) => (e as Error).name));
    endpoint.release();
    expect(new Set(await Promise.all(flood))).toEqual(new Set(["JWKSNoMatchingKey"]));
    expect(endpoint.calls).toBe(2);

    const again = await Promise.all(Array.from({ length: 200 }, (_, i) => lookup(set, `again-${i}`).catch(() => "refused")));
    expect(again.every((r) => r === "refused")).toBe(true);
    expect(endpoint.calls).toBe(2);
  });

  it("finds a newly published key once the cooldown since the last fetch has passed", async () => {
    const endpoint = new FakeEndpoint();
    endpoint.keys = [k1];
    const clock = { t: 1_000_000 };
    const set = await open(endpoint, clock);
    const before = set.generation;
    endpoint.keys = [k1, k2];
    await expect(lookup(set, "k2")).rejects.toThrow(/no applicable key/i);
    clock.t += TIMING.jwksCooldownMs;
    await expect(lookup(set, "k2")).resolves.toBeDefined();
    expect(set.status().keyCount).toBe(2);
    expect(set.generation).not.toBe(before);
    expect(endpoint.calls).toBe(2);
  });

  it("refreshes keys older than jwksRefresh in the background without holding up a request", async () => {
    const endpoint = new FakeEndpoint();
    endpoint.keys = [k1];
    const clock = { t: 1_000_000 };
    const set = await open(endpoint, clock);
    clock.t += TIMING.jwksRefreshMs;
    endpoint.mode = "held"; // the refresh never answers until released
    await expect(lookup(set, "k1")).resolves.toBeDefined();
    await expect(lookup(set, "k1")).resolves.toBeDefined();
    expect(endpoint.calls).toBe(2);
    endpoint.keys = [k1, k2];
    endpoint.release();
    await expect(lookup(set, "k2")).resolves.toBeDefined(); // waits for the running refresh, fetches nothing more
    expect(endpoint.calls).toBe(2);
  });

  it("keeps verifying with cached keys through an outage until jwksMaxStale, then refuses, then recovers", async () => {
    const endpoint = new FakeEndpoint();
    endpoint.keys = [k1];
    const clock = { t: 1_000_000 };
    const set = await open(endpoint, clock, { jwksMaxStaleMs: 60_000, jwksRefreshMs: 10_000, jwksCooldownMs: 5_000 });
    endpoint.mode = "down";
    clock.t += 59_000;
    await expect(lookup(set, "k1")).resolves.toBeDefined();
    await new Promise((resolve) => setImmediate(resolve)); // let the background refresh fail
    expect(set.status()).toMatchObject({ ageSeconds: 59, lastError: "fetch failed (ECONNREFUSED)", keyCount: 1 });
    expect(set.usable).toBe(true);

    clock.t += 2_000;
    expect(set.usable).toBe(false);
    await expect(lookup(set, "k1")).rejects.toBeInstanceOf(KeysUnavailableError);

    endpoint.mode = "up";
    clock.t += 5_000;
    await expect(lookup(set, "k1")).resolves.toBeDefined();
    expect(set.usable).toBe(true);
  });

  it("records a timeout, an error status, an oversized or malformed answer as the last error and keeps the old keys", async () => {
    const clock = { t: 1_000_000 };
    const answers: (() => Response | Promise<Response>)[] = [
      () => Response.json({ keys: [k1] }),
      () => new Response("nope", { status: 503 }),
      () => new Response("x".repeat(MAX_JWKS_BYTES + 1)),
      () => new Response("{not json"),
      () => Response.json({ keys: [{ ...k1, d: "private" }] }),
      () => Response.json({ nokeys: [] }),
    ];
    let next = 0;
    const fetchFn = ((_url: unknown, init?: RequestInit) => {
      const answer = answers[next++];
      if (answer !== undefined) return Promise.resolve(answer());
      // Never answers: only the timeout signal ends it.
      return new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => { reject(init.signal?.reason as Error); }));
    }) as typeof fetch;
    const set = await JwksKeySet.open({ jwks: URL_, ...TIMING, jwksCooldownMs: 0, jwksTimeoutMs: 50 }, { fetch: fetchFn, now: () => clock.t });
    sets.push(set);
    const errorsSeen: (string | null)[] = [];
    for (let i = 0; i < answers.length; i++) {
      await lookup(set, "unknown").catch(() => undefined); // an unknown kid: one refetch each time (cooldown 0)
      errorsSeen.push(set.status().lastError);
    }
    expect(errorsSeen).toEqual([
      "jwks endpoint answered 503",
      `jwks response is over ${MAX_JWKS_BYTES} bytes`,
      "jwks is not json",
      "jwks holds a private or symmetric key",
      'jwks is not a key set `{"keys":[...]}`',
      "jwks fetch timed out after 50 ms",
    ]);
    expect(set.status().keyCount).toBe(1);
    await expect(lookup(set, "k1")).resolves.toBeDefined();
  });

  it("stops its refresh timer on close", async () => {
    const endpoint = new FakeEndpoint();
    endpoint.keys = [k1];
    const set = await JwksKeySet.open({ jwks: URL_, ...TIMING, jwksCooldownMs: 0, jwksRefreshMs: 10 }, { fetch: endpoint.fetch });
    const deadline = Date.now() + 2_000;
    while (endpoint.calls < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(endpoint.calls).toBeGreaterThanOrEqual(3);
    set.close();
    const after = endpoint.calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(endpoint.calls).toBeLessThanOrEqual(after + 1); // at most the one already running
  });
});

describe("a local keys file", () => {
  it("is read once at creation and never goes stale", async () => {
    const file = join(dir, "keys.json");
    await writeFile(file, JSON.stringify({ keys: [k1] }));
    const clock = { t: 1_000_000 };
    const set = await JwksKeySet.open({ keysFile: file, ...TIMING }, { now: () => clock.t });
    sets.push(set);
    clock.t += 10 * TIMING.jwksMaxStaleMs;
    expect(set.usable).toBe(true);
    await expect(lookup(set, "k1")).resolves.toBeDefined();
    await expect(lookup(set, "k2")).rejects.toThrow(/no applicable key/i);
    expect(set.status()).toMatchObject({ lastError: null, keyCount: 1 });
  });

  it("that is missing or invalid is an error at creation naming the path", async () => {
    const missing = join(dir, "missing.json");
    await expect(JwksKeySet.open({ keysFile: missing, ...TIMING })).rejects.toThrow(`oidc keys file \`${missing}\` cannot be read (ENOENT)`);
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ keys: "none" }));
    await expect(JwksKeySet.open({ keysFile: bad, ...TIMING })).rejects.toThrow(`oidc keys file \`${bad}\`: jwks is not a key set`);
  });
});
