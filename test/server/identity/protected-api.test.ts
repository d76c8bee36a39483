/**
 * The protected API end to end (SPEC 4, issue 14): with `api.decisions` and
 * `api.admin` set, every route of a family needs a credential holding the
 * family's groups, whatever spelling of its URL reaches it; `/healthz` and
 * `/readyz` stay open; without `api` nothing is added to `/v1/check`. And
 * the realm chain's rules as a client meets them: a presented but invalid
 * credential is a 401 at once, trusted headers only from trusted peers.
 */
import { fresh } from "../cluster-client.js";
import type { FreshReply } from "../cluster-client.js";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTree } from "../../../src/loader/index.js";
import type { TreeHandle } from "../../../src/loader/index.js";
import { buildServer } from "../../../src/server/build-server.js";
import { loadServerConfig } from "../../../src/server/config/load-server-config.js";
import type { IdentityEnv } from "./fixtures/identity-env.js";
import { basic, makeIdentityEnv } from "./fixtures/identity-env.js";

/**
 * One request on its own connection with `node:http`, the path sent exactly
 * as written (no client normalises it); a header given as a list is sent
 * once per value.
 */
function raw(port: number, method: string, path: string, headers: Record<string, string | readonly string[]> = {}, json?: unknown): Promise<FreshReply> {
  return fresh({ port, path }, { method, headers, ...(json === undefined ? {} : { json }) });
}

interface Server {
  readonly app: FastifyInstance;
  readonly tree: TreeHandle;
  readonly port: number;
  readonly logs: Record<string, unknown>[];
}

async function start(env: IdentityEnv): Promise<Server> {
  const config = await loadServerConfig(env.configFile);
  const tree = await openTree(env.tree, { watch: false });
  const logs: Record<string, unknown>[] = [];
  const app = await buildServer(tree, {
    serverConfig: config, processMetrics: false,
    logger: { level: "trace", stream: { write: (line) => { logs.push(JSON.parse(line) as Record<string, unknown>); } } },
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, tree, port: (app.server.address() as AddressInfo).port, logs };
}

async function stop(server: Server | undefined): Promise<void> {
  await server?.app.close();
  await server?.tree.close();
}

const key = (k: string): Record<string, string> => ({ authorization: `Bearer ${k}` });

describe("a server with api.decisions and api.admin", () => {
  let env: IdentityEnv;
  let server: Server;
  let revision: string;

  beforeAll(async () => {
    env = await makeIdentityEnv();
    server = await start(env);
    revision = server.tree.index.revision;
  });
  afterAll(async () => {
    await stop(server);
    await (env as IdentityEnv | undefined)?.remove();
  });

  const DECISIONS: readonly { method: "GET" | "POST"; url: string; body?: unknown }[] = [
    { method: "GET", url: "/v1/check?group=readers&access=READ&path=/x" },
    { method: "POST", url: "/v1/check", body: { groups: ["readers"], access: "READ", path: "/x" } },
    { method: "POST", url: "/v1/check/batch", body: { checks: [{ groups: ["readers"], access: "READ", path: "/x" }] } },
    { method: "POST", url: "/v1/explain", body: { groups: ["readers"], access: "READ", path: "/x" } },
    { method: "GET", url: "/v1/groups?access=READ&path=/x" },
    { method: "GET", url: "/v1/where?group=readers&access=READ" },
    { method: "POST", url: "/v1/authorize", body: { access: "READ", path: "/x" } },
  ];
  const admin = (): readonly { method: "GET"; url: string }[] => [
    { method: "GET", url: "/v1/status" },
    { method: "GET", url: `/v1/changes?since=${revision}` },
    { method: "GET", url: "/metrics" },
  ];

  async function inject(route: { method: "GET" | "POST"; url: string; body?: unknown }, headers: Record<string, string> = {}): Promise<{ status: number; code: unknown; www: unknown }> {
    const res = await server.app.inject({ method: route.method, url: route.url, headers, ...(route.body === undefined ? {} : { payload: route.body as object }) });
    let code: unknown;
    try {
      code = (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
    } catch {
      code = undefined;
    }
    return { status: res.statusCode, code, www: res.headers["www-authenticate"] };
  }

  it("refuses every decision route without a credential (401 + WWW-Authenticate), with one lacking the groups (403), and answers with one holding them", async () => {
    for (const route of DECISIONS) {
      const none = await inject(route);
      expect(none, route.url).toEqual({ status: 401, code: "credential_required", www: expect.stringMatching(/^Bearer realm="machines", Basic realm="local"/) });
      expect(await inject(route, key(env.keys.plain!.key)), route.url).toMatchObject({ status: 403, code: "forbidden" });
      expect(await inject(route, key(env.keys.admin!.key)), route.url).toMatchObject({ status: 403, code: "forbidden" });
      expect(await inject(route, { authorization: basic("bob", env.users.bob!.password) }), route.url).toMatchObject({ status: 403, code: "forbidden" });
      expect(await inject(route, key(env.keys.svc!.key)), route.url).toMatchObject({ status: 200 });
      expect(await inject(route, { authorization: basic("alice", env.users.alice!.password) }), route.url).toMatchObject({ status: 200 });
    }
  });

  it("refuses every admin route the same way, to callers without `admins`", async () => {
    for (const route of admin()) {
      expect(await inject(route), route.url).toEqual({ status: 401, code: "credential_required", www: expect.stringContaining('Bearer realm="machines"') });
      expect(await inject(route, key(env.keys.svc!.key)), route.url).toMatchObject({ status: 403, code: "forbidden" });
      expect(await inject(route, { "x-api-key": env.keys.plain!.key }), route.url).toMatchObject({ status: 403, code: "forbidden" });
      expect(await inject(route, { "x-api-key": env.keys.admin!.key }), route.url).toMatchObject({ status: 200 });
      expect(await inject(route, { authorization: basic("alice", env.users.alice!.password) }), route.url).toMatchObject({ status: 200 });
    }
  });

  it("keeps /healthz and /readyz open", async () => {
    expect(await inject({ method: "GET", url: "/healthz" })).toMatchObject({ status: 200 });
    expect(await inject({ method: "GET", url: "/readyz" })).toMatchObject({ status: 200 });
  });

  it("never answers 200 without a credential to another spelling of a protected URL (raw requests on a listening server)", async () => {
    const spellings = [
      "/%761/status", "/v1/%73tatus", "/v1/status/", "/v1//status", "//v1/status", "/v1/./status", "/v1/x/../status",
      "/v1/%63heck?group=readers&access=READ&path=/x", "/v1//check?group=readers&access=READ&path=/x", "/v1/check/?group=readers&access=READ&path=/x",
      "/v1/check?group=readers&access=READ&path=/x&", "/V1/check?group=readers&access=READ&path=/x", "/v1/check%3Fgroup=readers",
      "/metrics/", "/%6detrics", "/v1/where/?group=readers&access=READ", "/v1/groups/?access=READ&path=/x", "/v1/%67roups?access=READ&path=/x",
    ];
    for (const path of spellings) {
      const res = await raw(server.port, "GET", path);
      expect([401, 404], `${path} → ${String(res.status)}`).toContain(res.status);
      if (res.status === 401) expect(res.headers["www-authenticate"], path).toEqual(expect.any(String));
    }
    const checkBody = { groups: ["readers"], access: "READ", path: "/x" };
    const authorizeBody = { access: "READ", path: "/x" };
    for (const [path, body] of [
      ["/v1/%63heck", checkBody], ["/v1//check", checkBody], ["/v1/check/", checkBody], ["/v1/%65xplain", checkBody],
      ["/v1/authorize/", authorizeBody], ["/v1/%61uthorize", authorizeBody], ["/v1//authorize", authorizeBody],
    ] as const) {
      const res = await raw(server.port, "POST", path, {}, body);
      expect([401, 404], `POST ${path} → ${String(res.status)}`).toContain(res.status);
    }
    // The spellings fastify does route reach the guard, and the credential that passes it passes there too.
    const routed = await raw(server.port, "GET", "/%761/status");
    expect(routed.status).toBe(401);
    expect((await raw(server.port, "GET", "/%761/status", { "x-api-key": env.keys.admin!.key })).status).toBe(200);
    expect((await raw(server.port, "GET", "/%761/status", { "x-api-key": env.keys.svc!.key })).status).toBe(403);
  });

  describe("the realm chain", () => {
    const proxyHeaders = { "x-auth-request-user": "pat", "x-auth-request-groups": "services,readers" };

    it("trusted headers from a trusted peer make an identity of the headers realm", async () => {
      const res = await server.app.inject({ method: "POST", url: "/v1/authorize", headers: proxyHeaders, payload: { access: "READ", path: "/x" } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ allowed: true, identity: { realm: "proxy", subject: "pat" } });
      // On a real connection from 127.0.0.1 as well.
      const real = await raw(server.port, "POST", "/v1/authorize", proxyHeaders, { access: "READ", path: "/x" });
      expect(real.status).toBe(200);
      expect(real.body.identity).toEqual({ realm: "proxy", subject: "pat" });
    });

    it("an invalid credential beside valid trusted headers is a 401: never a fall-through", async () => {
      const forged = `${env.keys.svc!.key.slice(0, -4)}0000`;
      const garbage = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ0cmVlcmlnaHRzIn0.c2lnbmF0dXJl";
      for (const credential of [
        { authorization: `Bearer ${garbage}` }, { authorization: `Bearer ${forged}` }, { "x-api-key": forged },
        { authorization: basic("alice", "wrong") }, { authorization: "Bearer not-a-jwt" },
      ]) {
        const res = await server.app.inject({ method: "POST", url: "/v1/authorize", headers: { ...proxyHeaders, ...credential }, payload: { access: "READ", path: "/x" } });
        expect(res.statusCode, JSON.stringify(credential)).toBe(401);
        expect(res.json().error.code, JSON.stringify(credential)).toBe("credential_invalid");
        expect(res.headers["www-authenticate"]).toEqual(expect.any(String));
      }
    });

    it("ignores trusted headers from a peer outside trustedProxies, and logs it", async () => {
      const before = server.logs.length;
      const res = await server.app.inject({ method: "POST", url: "/v1/authorize", remoteAddress: "192.0.2.7", headers: proxyHeaders, payload: { access: "READ", path: "/x" } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe("credential_required");
      const warned = server.logs.slice(before).filter((l) => l["level"] === 40 && /trustedProxies/.test(String(l["msg"])));
      expect(warned).toEqual([expect.objectContaining({ realm: "proxy", peer: "192.0.2.7" })]);
    });

    it("two Authorization headers, or Authorization with X-API-Key, or an unknown scheme is 401 credential_invalid", async () => {
      const svc = `Bearer ${env.keys.svc!.key}`;
      const cases: Record<string, string | readonly string[]>[] = [
        { authorization: [svc, svc] },
        { authorization: [svc, basic("alice", env.users.alice!.password)] },
        { "x-api-key": [env.keys.svc!.key, env.keys.svc!.key] },
        { authorization: svc, "x-api-key": env.keys.svc!.key },
        { authorization: `Digest username="alice"` },
        { authorization: `Token ${env.keys.svc!.key}` },
        { authorization: env.keys.svc!.key },
      ];
      for (const headers of cases) {
        const res = await raw(server.port, "POST", "/v1/authorize", headers, { access: "READ", path: "/x" });
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.body.error.code, JSON.stringify(headers)).toBe("credential_invalid");
        expect(res.headers["www-authenticate"]).toEqual(expect.any(String));
      }
      // The same credential sent once passes: the refusals above come from the duplication.
      expect((await raw(server.port, "POST", "/v1/authorize", { authorization: svc }, { access: "READ", path: "/x" })).status).toBe(200);
    });

    it("a Basic password with `:` in it is the whole password", async () => {
      expect(env.users.alice!.password).toContain(":");
      const res = await raw(server.port, "POST", "/v1/authorize", { authorization: basic("alice", env.users.alice!.password) }, { access: "READ", path: "/plant/a" });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ allowed: true, identity: { realm: "local", subject: "alice" } });
      const cut = env.users.alice!.password.slice(0, env.users.alice!.password.lastIndexOf(":"));
      expect((await raw(server.port, "POST", "/v1/authorize", { authorization: basic("alice", cut) }, { access: "READ", path: "/plant/a" })).status).toBe(401);
    });
  });
});

describe("trusted headers on a real connection from a peer outside trustedProxies", () => {
  let env: IdentityEnv;
  let server: Server;
  beforeAll(async () => {
    env = await makeIdentityEnv({ trustedProxies: ["10.0.0.0/8"], users: {} });
    server = await start(env);
  });
  afterAll(async () => {
    await stop(server);
    await (env as IdentityEnv | undefined)?.remove();
  });

  it("are ignored (401 credential_required) and logged", async () => {
    const res = await raw(server.port, "POST", "/v1/authorize", { "x-auth-request-user": "pat", "x-auth-request-groups": "services" }, { access: "READ", path: "/x" });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("credential_required");
    expect(server.logs.filter((l) => l["level"] === 40 && /trustedProxies/.test(String(l["msg"]))))
      .toEqual([expect.objectContaining({ realm: "proxy", peer: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/) })]);
  });
});

describe("without `api` in the config", () => {
  let env: IdentityEnv;
  let open: Server;
  let guarded: Server;
  beforeAll(async () => {
    env = await makeIdentityEnv({ api: null, users: {} });
    open = await start(env);
    const protectedEnv = await makeIdentityEnv({ users: {} });
    try {
      guarded = await start(protectedEnv);
    } finally {
      await protectedEnv.remove();
    }
  });
  afterAll(async () => {
    await stop(open);
    await stop(guarded);
    await (env as IdentityEnv | undefined)?.remove();
  });

  /** The hooks `printRoutes` lists for `/v1/check`'s lines (`check` and the nodes under it). */
  function checkHooks(app: FastifyInstance): string {
    const printed = app.printRoutes({ includeHooks: true, commonPrefix: false });
    const lines = printed.split("\n");
    const at = lines.findIndex((l) => /\/v1\/check \(GET, HEAD, POST\)|\/v1\/check \(/.test(l));
    expect(at, printed).toBeGreaterThanOrEqual(0);
    const out: string[] = [];
    for (let i = at + 1; i < lines.length && !/^[^•]*[└├]──/.test(lines[i] ?? ""); i++) out.push(lines[i] ?? "");
    return out.join("\n");
  }

  it("refuses an anonymous caller before reading its body: a malformed body gets 401, not a 400 naming the schema", async () => {
    for (const url of ["/v1/check", "/v1/check/batch", "/v1/authorize"]) {
      const res = await raw(guarded.port, "POST", url, {}, { not: "the schema" });
      expect(res.status, url).toBe(401);
      expect((res.body as { error: { code: string } }).error.code).toBe("credential_required");
    }
  });

  it("answers /v1/check without a credential, and the route has no onRequest guard (the protected one has)", async () => {
    const res = await raw(open.port, "GET", "/v1/check?group=readers&access=READ&path=/x");
    expect(res.status).toBe(200);
    expect(res.body.allowed).toBe(true);
    expect(checkHooks(guarded.app)).toMatch(/onRequest/);
    expect(checkHooks(open.app)).not.toMatch(/onRequest|preHandler/);
    // /v1/authorize still needs a credential: it is the caller's own identity.
    expect((await raw(open.port, "POST", "/v1/authorize", {}, { access: "READ", path: "/x" })).status).toBe(401);
  });
});
