/**
 * The OIDC realm against a real OIDC provider (`oidc-provider`, issuing JWT
 * access tokens) and against tokens minted with jose in Keycloak's shape,
 * served from a JWKS endpoint the test controls. Loopback only; time moves
 * by the injected clock.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import type { CryptoKey, JWK, JWTPayload } from "jose";
// @ts-expect-error -- oidc-provider 8 ships no type declarations; the few members used are typed below
import OidcProvider from "oidc-provider";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { OidcRealmConfig } from "../../../src/server/config/realm-config.js";
import type { Credential, Realm, RealmAnswer } from "../../../src/server/identity/identity.js";
import { JwksKeySet } from "../../../src/server/identity/oidc/jwks-key-set.js";
import { createOidcRealm } from "../../../src/server/identity/oidc/oidc-realm.js";
import type { OidcRealmOptions } from "../../../src/server/identity/oidc/oidc-realm.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => { callback(): Handler };
const Provider = OidcProvider as ProviderClass;

const PEER = { peer: "127.0.0.1" };
const SKEW_MS = 30_000;
const COOLDOWN_MS = 30_000;

/** A key pair with its public JWK as a JWKS would publish it. */
interface SigningKey {
  readonly kid: string;
  readonly alg: "RS256" | "ES256";
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

async function signingKey(kid: string, alg: "RS256" | "ES256"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

async function listen(handler: Handler): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => { resolve(); }));
}

/** Keycloak's certs endpoint, stand-in: serves `keys`, counts fetches, can be stopped. */
class JwksServer {
  keys: JWK[] = [];
  fetches = 0;
  server!: Server;
  base = "";

  async start(): Promise<this> {
    ({ server: this.server, base: this.base } = await listen((_req, res) => {
      this.fetches++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: this.keys }));
    }));
    return this;
  }

  get issuer(): string {
    return `${this.base}/realms/plant`;
  }

  get url(): string {
    return `${this.issuer}/protocol/openid-connect/certs`;
  }
}

/** An answer as a short comparable value: the code of a refusal, `identity`, or `not-mine`. */
function outcome(answer: RealmAnswer): string {
  if (answer === null) return "not-mine";
  return answer.kind === "refused" ? answer.code : "identity";
}

/** What the realm chain makes of an answer (SPEC 4): a bearer token nobody recognised is `credential_invalid`. */
function chained(answer: RealmAnswer): string {
  return answer === null ? "credential_invalid" : outcome(answer);
}

const realms: Realm[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(realms.splice(0).map((realm) => realm.close()));
});

async function realm(name: string, config: OidcRealmConfig, options: OidcRealmOptions, mapping?: { prefix?: string }): Promise<Realm> {
  const created = await createOidcRealm(name, config, mapping, options);
  realms.push(created);
  return created;
}

function bearer(token: string): Credential {
  return { kind: "bearer", token };
}

function baseConfig(issuer: string, jwks: string): OidcRealmConfig {
  return {
    issuer,
    audience: ["treerights"],
    algorithms: ["RS256", "ES256"],
    jwks,
    groupsClaim: ["groups"],
    subjectClaim: "sub",
    requireGroups: true,
    clockSkewMs: SKEW_MS,
    jwksCooldownMs: COOLDOWN_MS,
    jwksMaxStaleMs: 3_600_000,
    jwksRefreshMs: 300_000,
    jwksTimeoutMs: 2_000,
    maxTokenBytes: 8192,
    tokenCacheSize: 100,
  };
}

describe("a real OIDC provider (oidc-provider, JWT access tokens)", () => {
  let handler: Handler = (_req, res) => res.end();
  let server: Server;
  let issuer: string;

  beforeAll(async () => {
    ({ server, base: issuer } = await listen((req, res) => { handler(req, res); }));
  });
  afterAll(() => stop(server));

  /** (Re)configures the provider at `issuer` to sign with `key`: a restart with a new JWKS. */
  async function provide(key: SigningKey): Promise<void> {
    const jwk = { ...(await exportJWK(key.privateKey)), kid: key.kid, alg: key.alg, use: "sig" };
    vi.spyOn(console, "warn").mockImplementation(() => undefined); // its development-adapter notice
    const provider = new Provider(issuer, {
      clients: [{ client_id: "svc", client_secret: "svc-secret", grant_types: ["client_credentials"], redirect_uris: [], response_types: [], id_token_signed_response_alg: key.alg }],
      jwks: { keys: [jwk] },
      cookies: { keys: ["test-only-cookie-key"] },
      ttl: { ClientCredentials: 300 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => "urn:treerights",
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: "rights:read", audience: "treerights", accessTokenFormat: "jwt", accessTokenTTL: 300, jwt: { sign: { alg: key.alg } } }),
        },
      },
      extraTokenClaims: () => ({ groups: ["/tenant-b/admin", "readers"] }),
    });
    vi.mocked(console.warn).mockRestore();
    handler = provider.callback();
  }

  async function accessToken(): Promise<string> {
    const res = await fetch(`${issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from("svc:svc-secret").toString("base64")}` },
      body: "grant_type=client_credentials&scope=rights:read",
    });
    const body = (await res.json()) as { access_token?: string };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body.access_token ?? "";
  }

  it("verifies its access token and reads the groups claim, never the OAuth scope", async () => {
    await provide(await signingKey("op-1", "RS256"));
    const op = await realm("op", { ...baseConfig(issuer, `${issuer}/jwks`), typ: "at+jwt" }, {});
    expect(op.status()).toEqual({ name: "op", kind: "oidc", ready: true, keys: { ageSeconds: 0, lastError: null, keyCount: 1 } });
    const answer = await op.authenticate(bearer(await accessToken()), PEER);
    expect(answer).toEqual({
      kind: "identity",
      identity: { realm: "op", subject: "svc", groups: ["/tenant-b/admin", "readers"], expiresAt: expect.any(Number), source: { kind: "oidc", exp: expect.any(Number) } },
    });
    expect(answer?.kind === "identity" && "scopes" in answer.identity).toBe(false);
  });

  it("follows a key rotation at the provider once the cooldown has passed, and drops the withdrawn key", async () => {
    await provide(await signingKey("op-1", "RS256"));
    const clock = { t: Date.now() };
    const op = await realm("op", baseConfig(issuer, `${issuer}/jwks`), { now: () => clock.t });
    const before = await accessToken();
    expect(outcome(await op.authenticate(bearer(before), PEER))).toBe("identity");

    await provide(await signingKey("op-2", "ES256"));
    const after = await accessToken();
    expect(outcome(await op.authenticate(bearer(after), PEER))).toBe("credential_invalid"); // within the cooldown
    clock.t += COOLDOWN_MS;
    expect(outcome(await op.authenticate(bearer(after), PEER))).toBe("identity");
    expect(op.status().keys).toMatchObject({ keyCount: 1, lastError: null });
    // The old key is gone from the provider's set: even the remembered token stops verifying.
    expect(outcome(await op.authenticate(bearer(before), PEER))).toBe("credential_invalid");
  });
});

describe("tokens in Keycloak's shape", () => {
  const jwks = new JwksServer();
  let kc: SigningKey;
  let kcEs: SigningKey;
  let attacker: SigningKey;

  beforeAll(async () => {
    [kc, kcEs, attacker] = await Promise.all([signingKey("kc-1", "RS256"), signingKey("kc-es", "ES256"), signingKey("kc-1", "ES256")]);
    await jwks.start();
    jwks.keys = [kc.jwk, kcEs.jwk];
  });
  afterAll(() => stop(jwks.server));

  function config(overrides: Partial<OidcRealmConfig> = {}): OidcRealmConfig {
    return { ...baseConfig(jwks.issuer, jwks.url), ...overrides };
  }

  /** An access token as Keycloak issues it for the client `treerights-web` with an audience mapper for `treerights`. */
  function claims(nowMs: number, extra: JWTPayload = {}): JWTPayload {
    const iat = Math.floor(nowMs / 1000);
    return {
      exp: iat + 300,
      iat,
      jti: randomUUID(),
      iss: jwks.issuer,
      aud: ["account", "treerights"],
      sub: "5f1c2e8a-0b7d-4d8e-9a57-1f3c6b2a9e40",
      typ: "Bearer",
      azp: "treerights-web",
      realm_access: { roles: ["offline_access", "plant-readers"] },
      resource_access: { "treerights-web": { roles: ["editor"] }, account: { roles: ["manage-account"] } },
      scope: "openid profile groups",
      groups: ["/tenant-b/admin", "/plant/readers"],
      preferred_username: "alice",
      ...extra,
    };
  }

  function without(payload: JWTPayload, claim: string): JWTPayload {
    const copy = { ...payload };
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the claim a case leaves out
    delete copy[claim];
    return copy;
  }

  function mint(payload: JWTPayload, key: SigningKey = kc, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg: key.alg, typ: "JWT", kid: key.kid, ...header }).sign(key.privateKey);
  }

  it("reads groups from `groups`, `realm_access.roles` and `resource_access.<client>.roles`, keeping group paths whole", async () => {
    const now = Date.now();
    const token = await mint(claims(now));
    const byPath = async (groupsClaim: string[], mapping?: { prefix: string }): Promise<unknown> => {
      const answer = await (await realm("kc", config({ groupsClaim }), {}, mapping)).authenticate(bearer(token), PEER);
      return answer?.kind === "identity" ? answer.identity.groups : outcome(answer);
    };
    expect(await byPath(["groups"])).toEqual(["/tenant-b/admin", "/plant/readers"]);
    expect(await byPath(["realm_access", "roles"])).toEqual(["offline_access", "plant-readers"]);
    expect(await byPath(["resource_access", "treerights-web", "roles"])).toEqual(["editor"]);
    expect(await byPath(["groups"], { prefix: "kc:" })).toEqual(["kc:/tenant-b/admin", "kc:/plant/readers"]);
    expect(await byPath(["resource_access", "other-client", "roles"])).toBe("credential_invalid");
    expect(await byPath(["__proto__"])).toBe("credential_invalid");
  });

  it("gives the identity of a verified token, verified with an ES256 key as well", async () => {
    const kcRealm = await realm("corp", config(), {});
    const answer = await kcRealm.authenticate(bearer(await mint(claims(Date.now()), kcEs)), PEER);
    expect(answer).toMatchObject({ kind: "identity", identity: { realm: "corp", subject: "5f1c2e8a-0b7d-4d8e-9a57-1f3c6b2a9e40", groups: ["/tenant-b/admin", "/plant/readers"] } });
  });

  const refusals: [string, (now: number) => Promise<string>, string][] = [
    ["alg none", (now) => Promise.resolve(new UnsecuredJWT(claims(now)).encode()), "credential_invalid"],
    ["HS256 signed with the public key", async (now) => new SignJWT(claims(now)).setProtectedHeader({ alg: "HS256", typ: "JWT", kid: "kc-1" }).sign(new TextEncoder().encode(await exportSPKI(kc.publicKey))), "credential_invalid"],
    ["another key under a known kid", (now) => mint(claims(now), attacker), "credential_invalid"],
    ["an unknown kid", (now) => mint(claims(now), attacker, { kid: "kc-unknown" }), "credential_invalid"],
    ["expired beyond the skew", (now) => mint(claims(now, { exp: Math.floor(now / 1000) - 31 })), "credential_expired"],
    ["not yet valid beyond the skew", (now) => mint(claims(now, { nbf: Math.floor(now / 1000) + 60 })), "credential_invalid"],
    ["a wrong issuer (nobody's token)", (now) => mint(claims(now, { iss: "https://evil.example/realms/plant" })), "credential_invalid"],
    ["a wrong audience", (now) => mint(claims(now, { aud: ["account"] })), "credential_invalid"],
    ["a tampered payload", async (now) => {
      const [header, , signature] = (await mint(claims(now))).split(".");
      const forged = Buffer.from(JSON.stringify(claims(now, { groups: ["administrator"] }))).toString("base64url");
      return `${header}.${forged}.${signature}`;
    }, "credential_invalid"],
    ["a 20 KB token", (now) => mint(claims(now, { padding: "x".repeat(20_000) })), "credential_invalid"],
    ["no groups claim", (now) => mint(without(claims(now), "groups")), "credential_invalid"],
    ["groups that are not a list of strings", (now) => mint(claims(now, { groups: "/tenant-b/admin" })), "credential_invalid"],
    ["groups holding a number", (now) => mint(claims(now, { groups: ["/a", 7] })), "credential_invalid"],
    ["no subject", (now) => mint(without(claims(now), "sub")), "credential_invalid"],
    ["no exp", (now) => mint(without(claims(now), "exp")), "credential_invalid"],
    ["a Keycloak ID token", (now) => mint(claims(now, { typ: "ID", aud: "treerights", nonce: "n-0S6_WzA2Mj", at_hash: "77QmUPtjPfzWtF2AnpK9RQ", sid: randomUUID() })), "credential_invalid"],
    ["a Keycloak ID token with only `typ: ID`", (now) => mint(claims(now, { typ: "ID" })), "credential_invalid"],
    ["a Keycloak refresh token", (now) => mint(claims(now, { typ: "Refresh" })), "credential_invalid"],
    ["an ID token without `typ` but with `nonce`", (now) => mint(without(claims(now, { nonce: "abc" }), "typ")), "credential_invalid"],
    ["an ID token with `at_hash`", (now) => mint(without(claims(now, { at_hash: "77QmUPtjPfzWtF2AnpK9RQ" }), "typ")), "credential_invalid"],
    ["a logout token (header typ)", (now) => mint(claims(now), kc, { typ: "logout+jwt" }), "credential_invalid"],
  ];

  it.each(refusals)("refuses %s", async (_name, make, code) => {
    const kcRealm = await realm("kc", config(), {});
    const answer = await kcRealm.authenticate(bearer(await make(Date.now())), PEER);
    expect(chained(answer)).toBe(code);
  });

  it("accepts times within the clock skew, and a token without groups when they are not required", async () => {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    const kcRealm = await realm("kc", config(), {});
    expect(outcome(await kcRealm.authenticate(bearer(await mint(claims(now, { exp: s - 20 }))), PEER))).toBe("identity");
    expect(outcome(await kcRealm.authenticate(bearer(await mint(claims(now, { nbf: s + 20 }))), PEER))).toBe("identity");
    const lax = await realm("lax", config({ requireGroups: false }), {});
    const answer = await lax.authenticate(bearer(await mint(without(claims(now), "groups"))), PEER);
    expect(answer?.kind === "identity" ? answer.identity.groups : answer).toEqual([]);
  });

  it("requires the configured header typ", async () => {
    const strict = await realm("kc", config({ typ: "at+jwt" }), {});
    const now = Date.now();
    expect(outcome(await strict.authenticate(bearer(await mint(claims(now))), PEER))).toBe("credential_invalid");
    expect(outcome(await strict.authenticate(bearer(await mint(claims(now), kc, { typ: "at+jwt" })), PEER))).toBe("identity");
  });

  it("answers null for credentials that are not its own", async () => {
    const kcRealm = await realm("kc", config(), {});
    expect(await kcRealm.authenticate({ kind: "apiKey", key: "trk_a_b" }, PEER)).toBeNull();
    expect(await kcRealm.authenticate({ kind: "basic", user: "u", password: "p" }, PEER)).toBeNull();
    expect(await kcRealm.authenticate(bearer("trk_abc_def"), PEER)).toBeNull();
    expect(await kcRealm.authenticate(bearer("a.b.c"), PEER)).toBeNull();
  });

  it("refuses to be built with a symmetric or `none` algorithm", async () => {
    await expect(createOidcRealm("kc", config({ algorithms: ["RS256", "HS256"] }), undefined)).rejects.toThrow("`HS256`, which is not an asymmetric signature algorithm");
    await expect(createOidcRealm("kc", config({ algorithms: ["none"] }), undefined)).rejects.toThrow("`none`");
  });

  it("fetches at most once per cooldown under a flood of random kids", async () => {
    const clock = { t: Date.now() };
    const kcRealm = await realm("kc", config(), { now: () => clock.t });
    const start = jwks.fetches;
    const flood = async (): Promise<string[]> => {
      const tokens = await Promise.all(Array.from({ length: 200 }, () => mint(claims(clock.t), attacker, { kid: randomUUID() })));
      return Promise.all(tokens.map(async (token) => outcome(await kcRealm.authenticate(bearer(token), PEER))));
    };
    expect(new Set(await flood())).toEqual(new Set(["credential_invalid"]));
    expect(jwks.fetches - start).toBe(0); // the creation's fetch started the cooldown
    clock.t += COOLDOWN_MS;
    expect(new Set(await flood())).toEqual(new Set(["credential_invalid"]));
    expect(jwks.fetches - start).toBe(1);
    expect(new Set(await flood())).toEqual(new Set(["credential_invalid"]));
    expect(jwks.fetches - start).toBe(1);
  });

  it("verifies with cached keys while the JWKS server is down up to jwksMaxStale, then refuses with credentials_unavailable", async () => {
    const outage = new JwksServer();
    await outage.start();
    outage.keys = [kc.jwk];
    const warnings: string[] = [];
    const log = { warn: (obj: object, msg: string) => { warnings.push(`${JSON.stringify(obj)} ${msg}`); } };
    const clock = { t: Date.now() };
    const outageRealm = await realm("kc", { ...config(), issuer: outage.issuer, jwks: outage.url, jwksMaxStaleMs: 60_000, jwksRefreshMs: 10_000, jwksCooldownMs: 5_000 }, { now: () => clock.t, log });
    const token = (): Promise<string> => mint(claims(clock.t, { iss: outage.issuer }));
    const remembered = await token();
    expect(outcome(await outageRealm.authenticate(bearer(remembered), PEER))).toBe("identity");
    await stop(outage.server);

    clock.t += 59_000;
    expect(outcome(await outageRealm.authenticate(bearer(await token()), PEER))).toBe("identity"); // and a background refresh fails
    for (let i = 0; i < 200 && outageRealm.status().keys?.lastError === null; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(outageRealm.status()).toMatchObject({ ready: true, keys: { ageSeconds: 59, lastError: expect.stringMatching(/^fetch failed \(/), keyCount: 1 } });

    clock.t += 2_000;
    expect(outcome(await outageRealm.authenticate(bearer(await token()), PEER))).toBe("credentials_unavailable");
    expect(outcome(await outageRealm.authenticate(bearer(remembered), PEER))).toBe("credentials_unavailable");
    expect(outageRealm.status().ready).toBe(false);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.join("\n")).not.toContain(remembered.split(".")[1]);
  });

  it("does not verify a token it has already verified, but refuses it once it expires; refusals are never remembered", async () => {
    const getKey = vi.spyOn(JwksKeySet.prototype, "getKey");
    const clock = { t: Date.now() };
    const kcRealm = await realm("kc", config(), { now: () => clock.t });
    const token = await mint(claims(clock.t, { exp: Math.floor(clock.t / 1000) + 60 }));
    const first = await kcRealm.authenticate(bearer(token), PEER);
    expect(outcome(first)).toBe("identity");
    expect(getKey).toHaveBeenCalledTimes(1);
    const second = kcRealm.authenticate(bearer(token), PEER);
    expect(second).not.toBeInstanceOf(Promise); // a remembered token is answered synchronously
    expect(second).toEqual(first);
    expect(getKey).toHaveBeenCalledTimes(1);

    clock.t += 61_000 + SKEW_MS;
    expect(outcome(await kcRealm.authenticate(bearer(token), PEER))).toBe("credential_expired");
    expect(getKey).toHaveBeenCalledTimes(2);

    const forged = await mint(claims(clock.t), attacker);
    expect(outcome(await kcRealm.authenticate(bearer(forged), PEER))).toBe("credential_invalid");
    expect(outcome(await kcRealm.authenticate(bearer(forged), PEER))).toBe("credential_invalid");
    expect(getKey).toHaveBeenCalledTimes(4);

    const huge = await mint(claims(clock.t, { padding: "x".repeat(20_000) }));
    expect(outcome(await kcRealm.authenticate(bearer(huge), PEER))).toBe("credential_invalid");
    expect(getKey).toHaveBeenCalledTimes(4); // refused unread
  });

  it("forgets at most the oldest token when the cache is full", async () => {
    const getKey = vi.spyOn(JwksKeySet.prototype, "getKey");
    const kcRealm = await realm("kc", config({ tokenCacheSize: 2 }), {});
    const now = Date.now();
    const [a, b, c] = await Promise.all([mint(claims(now)), mint(claims(now)), mint(claims(now))]);
    for (const token of [a, b, c]) await kcRealm.authenticate(bearer(token), PEER);
    expect(getKey).toHaveBeenCalledTimes(3);
    await kcRealm.authenticate(bearer(c), PEER);
    await kcRealm.authenticate(bearer(b), PEER);
    expect(getKey).toHaveBeenCalledTimes(3);
    await kcRealm.authenticate(bearer(a), PEER);
    expect(getKey).toHaveBeenCalledTimes(4);
  });
});
