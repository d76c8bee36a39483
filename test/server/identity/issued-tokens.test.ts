/**
 * Issued tokens and revocation across a 2-worker cluster (SPEC 4, issue 14):
 * a token from `POST /v1/token` verifies with a plain jose local JWKS fetched
 * from the other worker and at `/v1/authorize`; it stops verifying on every
 * worker within 2 s once its key is revoked (`treerights keys revoke`) or
 * its user disabled; its lifetime is capped and never outlives its key. A
 * key revoked by editing the file, and a keys file that breaks, are in force
 * on both workers within 2 s. No forwarded worker log line holds a secret.
 */
import { Agent } from "node:http";
import { readFile } from "node:fs/promises";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import type { JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseKeysFile } from "../../../src/server/identity/api-keys/keys-file.js";
import { serve } from "../../../src/server/index.js";
import type { ClusterServer } from "../../../src/server/index.js";
import { fresh } from "../cluster-client.js";
import type { FreshReply } from "../cluster-client.js";
import type { IdentityEnv } from "./fixtures/identity-env.js";
import { basic, cli, DEFAULT_KEYS, DEFAULT_USERS, makeIdentityEnv } from "./fixtures/identity-env.js";

type Send = (method: "GET" | "POST", path: string, headers?: Record<string, string>, json?: unknown) => Promise<FreshReply>;

let env: IdentityEnv;
let server: ClusterServer;
const logLines: string[] = [];
/** Every secret this file sends, to look for in the logs at the end. */
const secrets = new Set<string>();

const KEY_EXPIRY = new Date(Date.now() + 10 * 60_000).toISOString();

beforeAll(async () => {
  env = await makeIdentityEnv({
    keys: { ...DEFAULT_KEYS, edited: { owner: "edited", groups: ["services"] }, other: { owner: "other", groups: ["services"] }, short: { owner: "short", groups: ["services"], expires: KEY_EXPIRY } },
    users: { ...DEFAULT_USERS, carol: { groups: ["services"], password: "carol:pw-Zr8" } },
  });
  for (const k of Object.values(env.keys)) secrets.add(k.key);
  for (const u of Object.values(env.users)) secrets.add(u.password);
  const started = await serve(env.tree, {
    workers: 2, port: 0, configFile: env.configFile, watch: false,
    logger: { level: "trace", stream: { write: (line) => { logLines.push(line); } } },
  });
  if (!("workerCount" in started)) throw new Error("serve with 2 workers made a single-process server");
  server = started;
}, 60_000);

afterAll(async () => {
  await (server as ClusterServer | undefined)?.close();
  await (env as IdentityEnv | undefined)?.remove();
});

/** Runs `fn` over one TCP connection of its own (a keep-alive agent with one socket); closes it after. */
async function onOneConnection<T>(fn: (send: Send) => Promise<T>): Promise<T> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send: Send = (method, path, headers = {}, json) => fresh(`${server.url}${path}`, { method, agent, headers, ...(json === undefined ? {} : { json }) });
  try {
    return await fn(send);
  } finally {
    agent.destroy();
  }
}

const alice = (): Record<string, string> => ({ authorization: basic("alice", env.users.alice!.password) });

/** The worker slot answering on this connection (from `/v1/status`, as alice, an admin). */
async function workerOf(send: Send): Promise<number> {
  const status = await send("GET", "/v1/status", alice());
  expect(status.status, JSON.stringify(status.body)).toBe(200);
  return status.body.worker.id as number;
}

/** Asks on fresh connections, each first naming its worker, until `done` holds for every worker's answer; bounded by `ms`. Returns the time it took. */
async function onEveryWorker(what: string, ms: number, ask: (send: Send) => Promise<FreshReply>, done: (r: FreshReply) => boolean): Promise<number> {
  const start = performance.now();
  const good = new Map<number, boolean>();
  for (let i = 0; performance.now() - start < ms && i < 400; i++) {
    const [worker, reply] = await onOneConnection(async (send) => {
      const id = await workerOf(send);
      const r = await ask(send);
      // The same connection, so the same worker answered both.
      expect(r.reused).toBe(true);
      return [id, r] as const;
    });
    good.set(worker, done(reply));
    if (good.size === 2 && [...good.values()].every(Boolean)) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what}: not on every worker within ${String(ms)} ms (${JSON.stringify([...good])})`);
}

async function token(headers: Record<string, string>, body?: unknown): Promise<{ token: string; expiresIn: number; expiresAt: string }> {
  return onOneConnection(async (send) => {
    const res = await send("POST", "/v1/token", headers, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    secrets.add(res.body.token as string);
    return res.body;
  });
}

const authorize = (t: string) => (send: Send): Promise<FreshReply> => send("POST", "/v1/authorize", { authorization: `Bearer ${t}` }, { access: "READ", path: "/x" });

describe("issued tokens in a 2-worker cluster", () => {
  it("verify with a plain jose createLocalJWKSet over the JWKS of the other worker, and at /v1/authorize on every worker", async () => {
    const { issuedBy, issued } = await onOneConnection(async (send) => {
      const id = await workerOf(send);
      const res = await send("POST", "/v1/token", { authorization: `Bearer ${env.keys.svc!.key}` });
      expect(res.status).toBe(200);
      expect(res.reused).toBe(true);
      secrets.add(res.body.token as string);
      return { issuedBy: id, issued: res.body.token as string };
    });
    let jwks: JSONWebKeySet | undefined;
    for (let i = 0; i < 40 && jwks === undefined; i++) {
      jwks = await onOneConnection(async (send) => {
        if ((await workerOf(send)) === issuedBy) return undefined;
        const res = await send("GET", "/.well-known/jwks.json");
        expect(res.status).toBe(200);
        return res.body as JSONWebKeySet;
      });
    }
    if (jwks === undefined) throw new Error("no connection reached the other worker");
    expect(jwks.keys).toEqual([expect.objectContaining({ kid: "t1", alg: "EdDSA", use: "sig", kty: "OKP", crv: "Ed25519" })]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);
    const { payload, protectedHeader } = await jwtVerify(issued, createLocalJWKSet(jwks), { issuer: "treerights", audience: "treerights", algorithms: ["EdDSA"] });
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", kid: "t1" });
    expect(payload).toMatchObject({ sub: "ci", realm: "machines", groups: ["services", "readers"], jti: expect.any(String), exp: expect.any(Number) });
    // A tampered payload does not verify.
    const [h, , s] = issued.split(".");
    const forged = `${h ?? ""}.${Buffer.from(JSON.stringify({ ...payload, groups: ["admins"] })).toString("base64url")}.${s ?? ""}`;
    await expect(jwtVerify(forged, createLocalJWKSet(jwks))).rejects.toThrow();

    await onEveryWorker("the token accepted", 10_000, authorize(issued), (r) => r.status === 200 && r.body.identity?.realm === "machines" && r.body.identity?.subject === "ci");
  });

  it("stop verifying on every worker within 2 s once the source key is revoked with `treerights keys revoke`", async () => {
    const issued = (await token({ "x-api-key": env.keys.svc!.key })).token;
    await onEveryWorker("the token accepted", 10_000, authorize(issued), (r) => r.status === 200);
    const revoked = await cli("", "keys", "revoke", "--config", env.configFile, "--realm", "machines", env.keys.svc!.entry.id);
    expect(revoked.code, revoked.stderr).toBe(0);
    const took = await onEveryWorker("the token refused", 2_000, authorize(issued), (r) => r.status === 401 && r.body.error?.code === "credential_revoked");
    expect(took).toBeLessThan(2_000);
    // The key itself too, and no new token for it.
    await onEveryWorker("the key refused", 2_000, (send) => send("POST", "/v1/authorize", { "x-api-key": env.keys.svc!.key }, { access: "READ", path: "/x" }),
      (r) => r.status === 401 && r.body.error?.code === "credential_revoked");
    await onOneConnection(async (send) => { expect((await send("POST", "/v1/token", { "x-api-key": env.keys.svc!.key })).status).toBe(401); });
  });

  it("stop verifying on every worker within 2 s once the source user is disabled", async () => {
    const issued = (await token({ authorization: basic("carol", env.users.carol!.password) })).token;
    await onEveryWorker("the token accepted", 10_000, authorize(issued), (r) => r.status === 200 && r.body.identity?.subject === "carol");
    const disabled = await cli("", "users", "disable", "--config", env.configFile, "--realm", "local", "carol");
    expect(disabled.code, disabled.stderr).toBe(0);
    const took = await onEveryWorker("the token refused", 2_000, authorize(issued), (r) => r.status === 401 && r.body.error?.code === "credential_disabled");
    expect(took).toBeLessThan(2_000);
  });

  it("live at most the configured lifetime, shorter when asked, and never past the key's expiry", async () => {
    const lifetimeOf = (t: string): number => {
      const { exp, iat } = decodeJwt(t);
      return (exp ?? 0) - (iat ?? 0);
    };
    const capped = await token({ "x-api-key": env.keys.other!.key }, { lifetime: 7 * 24 * 3600 });
    expect(lifetimeOf(capped.token)).toBe(3600);
    expect(capped.expiresIn).toBeLessThanOrEqual(3600);
    const asked = await token({ "x-api-key": env.keys.other!.key }, { lifetime: 60 });
    expect(lifetimeOf(asked.token)).toBe(60);
    const byDefault = await token({ "x-api-key": env.keys.other!.key });
    expect(lifetimeOf(byDefault.token)).toBe(3600);
    // The key expires in 10 minutes: its token never outlives it.
    const short = await token({ "x-api-key": env.keys.short!.key });
    const keyExpiry = Math.floor(Date.parse(KEY_EXPIRY) / 1000);
    expect(decodeJwt(short.token).exp).toBeLessThanOrEqual(keyExpiry);
    expect(decodeJwt(short.token).exp).toBeGreaterThan(keyExpiry - 60);
    expect(Date.parse(short.expiresAt)).toBeLessThanOrEqual(Date.parse(KEY_EXPIRY));
  });
});

describe("keys revocation in a 2-worker cluster", () => {
  const askWith = (key: string) => (send: Send): Promise<FreshReply> => send("POST", "/v1/authorize", { "x-api-key": key }, { access: "READ", path: "/x" });

  it("a key revoked by editing the keys file is refused on both workers within 2 s, on fresh connections", async () => {
    const edited = env.keys.edited!;
    await onEveryWorker("the key accepted", 10_000, askWith(edited.key), (r) => r.status === 200);
    const parsed = parseKeysFile(await readFile(env.keysFile), env.keysFile);
    if (!("value" in parsed)) throw new Error("the keys file does not load");
    await env.writeKeys(parsed.value.keys.map((e) => (e.id === edited.entry.id ? { ...e, revoked: true } : e)));
    const took = await onEveryWorker("the key refused", 2_000, askWith(edited.key), (r) => r.status === 401 && r.body.error?.code === "credential_revoked");
    expect(took).toBeLessThan(2_000);
    // Others still pass.
    await onEveryWorker("another key accepted", 2_000, askWith(env.keys.other!.key), (r) => r.status === 200);
  });

  it("a broken keys file refuses every key with credentials_unavailable and /readyz is 503 naming the realm, until fixed", async () => {
    const good = await readFile(env.keysFile, "utf8");
    await env.writeKeysText(`${good}\n  - id: [broken\n`);
    await onEveryWorker("every key refused", 2_000, askWith(env.keys.other!.key), (r) => r.status === 401 && r.body.error?.code === "credentials_unavailable");
    await onEveryWorker("the admin key refused", 2_000, askWith(env.keys.admin!.key), (r) => r.status === 401 && r.body.error?.code === "credentials_unavailable");
    await onEveryWorker("readiness false", 2_000, (send) => send("GET", "/readyz"), (r) => r.status === 503 && /machines/.test(String(r.body.reason)));
    // Basic users are another realm: still verified.
    await onEveryWorker("alice still accepted", 2_000, (send) => send("POST", "/v1/authorize", alice(), { access: "READ", path: "/x" }), (r) => r.status === 200);
    await env.writeKeysText(good);
    await onEveryWorker("keys accepted again", 2_000, askWith(env.keys.other!.key), (r) => r.status === 200);
    await onEveryWorker("ready again", 2_000, (send) => send("GET", "/readyz"), (r) => r.status === 200);
    // The revocation made before the break still holds after it.
    await onEveryWorker("the revoked key still refused", 2_000, askWith(env.keys.edited!.key), (r) => r.status === 401 && r.body.error?.code === "credential_revoked");
  });

  it("no forwarded worker log line holds a key, a password, a token or a token's signature", async () => {
    // Wrong credentials of each kind, so that refusals are logged too.
    await onOneConnection(async (send) => {
      const wrongKey = `${env.keys.other!.key.slice(0, -6)}abcdef`;
      const wrongPassword = `${env.users.alice!.password}x`;
      secrets.add(wrongKey).add(wrongPassword);
      for (const headers of [{ "x-api-key": wrongKey }, { authorization: basic("alice", wrongPassword) }, { authorization: `Bearer ${[...secrets].find((s) => s.startsWith("ey")) ?? ""}x` }]) {
        expect((await send("POST", "/v1/authorize", headers, { access: "READ", path: "/x" })).status).toBe(401);
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(logLines.length).toBeGreaterThan(2);
    expect(logLines.some((l) => /"worker"/.test(l))).toBe(true);
    const needles = new Set<string>();
    for (const secret of secrets) {
      needles.add(secret);
      if (secret.startsWith("trk_")) needles.add(secret.slice(17));
      if (secret.startsWith("ey")) needles.add(secret.split(".")[2] ?? secret);
    }
    for (const u of Object.values(env.users)) needles.add(basic(u.name, u.password).slice(6));
    for (const line of logLines) for (const needle of needles) expect(line.includes(needle), `a log line holds a secret: ${line}`).toBe(false);
  });
});
