/**
 * `/v1/authz` through a real nginx (issue 15, SPEC 5): Debian's nginx runs
 * `examples/nginx/nginx.conf` (only its three loopback ports changed) in
 * front of a backend that records every byte it receives. The backend is
 * the witness: a denied request must never reach it. Every request is sent
 * as raw bytes on a socket, so no client normalises the URL on the way.
 *
 * nginx missing is a failure, not a skip (.ci/run installs it).
 */
import { readFileSync } from "node:fs";
import { createLocalJWKSet, jwtVerify } from "jose";
import type { JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../../src/server/serve.js";
import type { RunningServer } from "../../src/server/server-options.js";
import type { IngressEnv } from "./ingress-env.js";
import { MANY_GROUPS, USERS, basicOf, makeIngressEnv } from "./ingress-env.js";
import type { RecordedRequest, RecordingBackend, RunningNginx } from "./nginx-harness.js";
import { EXAMPLE_CONF, exampleConf, foldedPath, nginxBinary, startBackend, startNginx } from "./nginx-harness.js";
import type { RawRequestOptions, RawResponse } from "./raw-http.js";
import { header, rawRequest, utf8Target } from "./raw-http.js";

let env: IngressEnv;
let treerights: RunningServer;
let backend: RecordingBackend;
let nginx: RunningNginx;
const variants: RunningNginx[] = [];

beforeAll(async () => {
  // Before anything else: without nginx this whole file fails with the reason.
  nginxBinary();
  env = await makeIngressEnv();
  treerights = await serve(env.tree, { configFile: env.configFiles.nginx, port: 0, logger: false, watch: false, processMetrics: false });
  backend = await startBackend();
  nginx = await startNginx((gateway) => exampleConf({ gateway, treerights: treerights.port, backend: backend.port }));
});

afterAll(async () => {
  for (const variant of variants) await variant.stop();
  await (nginx as RunningNginx | undefined)?.stop();
  await (backend as RecordingBackend | undefined)?.close();
  await (treerights as RunningServer | undefined)?.close();
  await (env as IngressEnv | undefined)?.remove();
});

/** A request through `gateway` (default: the example) and what reached the backend because of it. */
interface Passage {
  readonly res: RawResponse;
  readonly reached: readonly RecordedRequest[];
  readonly bytes: number;
}

async function through(target: string, options: RawRequestOptions = {}, gateway: RunningNginx = nginx): Promise<Passage> {
  const requests = backend.requests.length;
  const bytes = backend.bytesReceived();
  const res = await rawRequest(gateway.port, target, options);
  return { res, reached: backend.requests.slice(requests), bytes: backend.bytesReceived() - bytes };
}

/** Asserts a denial: `status`, and not one byte at the backend. */
function expectStopped(p: Passage, status: number | readonly number[], what: string): void {
  const statuses = typeof status === "number" ? [status] : status;
  expect(statuses, `${what}: status ${String(p.res.status)} ${p.res.body.toString("utf8").slice(0, 200)}`).toContain(p.res.status);
  expect(p.bytes, `${what}: ${String(p.bytes)} bytes reached the backend (${p.reached.map((r) => `${r.method} ${r.url}`).join(", ")})`).toBe(0);
}

const cred = (value: string): [string, string] => ["Authorization", value];
let jwks: ReturnType<typeof createLocalJWKSet> | undefined;

/** The JWKS fetched THROUGH nginx, as a backend behind it would. */
async function gatewayJwks(): Promise<ReturnType<typeof createLocalJWKSet>> {
  if (jwks !== undefined) return jwks;
  const res = await rawRequest(nginx.port, "/.well-known/jwks.json");
  expect(res.status, res.body.toString("utf8")).toBe(200);
  const set = JSON.parse(res.body.toString("utf8")) as JSONWebKeySet;
  expect(set.keys.length).toBeGreaterThan(0);
  jwks = createLocalJWKSet(set);
  return jwks;
}

/** The tree's rules, written out independently of the engine: READ for readers, WRITE for writers, /readonly written by nobody, /secret admins only. */
function oracle(groups: readonly string[], method: string, path: string): boolean {
  const write = !["GET", "HEAD", "OPTIONS"].includes(method);
  const top = path.split("/")[2];
  if (top === "secret") return groups.includes("admins");
  if (top === "readonly" && write) return false;
  return groups.includes(write ? "writers" : "readers");
}

describe("the example nginx config in front of treerights", () => {
  it("is the file in examples/nginx, asking with auth_request and the original method, URI and host", () => {
    const text = readFileSync(EXAMPLE_CONF, "utf8");
    for (const line of ["auth_request /_treerights_authz;", "proxy_set_header X-Original-Method $request_method;", "proxy_set_header X-Original-URI $request_uri;", "proxy_set_header X-Original-Host $host;", "proxy_pass_request_body off;", 'proxy_set_header Content-Length "";', "proxy_pass http://backend;"]) {
      expect(text, line).toContain(line);
    }
  });

  it("passes allowed GET and POST per path and stops denied ones, for a Bearer JWT, an API key and Basic", async () => {
    const bobToken = await treerights.app.inject({ method: "POST", url: "/v1/token", headers: { authorization: basicOf("bob") } });
    const svcToken = await treerights.app.inject({ method: "POST", url: "/v1/token", headers: { "x-api-key": env.keys.svc } });
    expect([bobToken.statusCode, svcToken.statusCode]).toEqual([200, 200]);
    const callers: { name: string; headers: [string, string][]; subject: string; groups: readonly string[] }[] = [
      { name: "Basic bob", headers: [cred(basicOf("bob"))], subject: "bob", groups: USERS["bob"]!.groups },
      { name: "Basic carol", headers: [cred(basicOf("carol"))], subject: "carol", groups: USERS["carol"]!.groups },
      { name: "Basic alice", headers: [cred(basicOf("alice"))], subject: "alice", groups: USERS["alice"]!.groups },
      { name: "X-API-Key svc", headers: [["X-API-Key", env.keys.svc]], subject: "ci", groups: ["readers", "writers"] },
      { name: "Bearer API key reader", headers: [cred(`Bearer ${env.keys.reader}`)], subject: "robot", groups: ["readers"] },
      { name: "Bearer JWT of bob", headers: [cred(`Bearer ${bobToken.json<{ token: string }>().token}`)], subject: "bob", groups: ["readers"] },
      { name: "Bearer JWT of svc", headers: [cred(`Bearer ${svcToken.json<{ token: string }>().token}`)], subject: "ci", groups: ["readers", "writers"] },
    ];
    const paths = ["/api/public/README.md", "/api/readonly/README.md", "/api/secret/README.md", "/api/public/new?draft=1"];
    let allowed = 0;
    let denied = 0;
    for (const caller of callers) {
      for (const method of ["GET", "POST"]) {
        for (const path of paths) {
          const what = `${caller.name} ${method} ${path}`;
          const p = await through(path, { method, headers: caller.headers, ...(method === "POST" ? { body: "hello" } : {}) });
          if (oracle(caller.groups, method, path)) {
            allowed++;
            expect(p.res.status, `${what}: ${p.res.body.toString("utf8")}`).toBe(200);
            expect(p.reached, what).toHaveLength(1);
            const seen = p.reached[0]!;
            // The backend gets the client's request line unchanged, and who treerights said was asking.
            expect([seen.method, seen.url, seen.bodyBytes], what).toEqual([method, path, method === "POST" ? 5 : 0]);
            expect(seen.headers["x-auth-user"], what).toEqual([caller.subject]);
            const token = seen.headers["x-auth-token"]?.[0];
            expect(token, what).toBeDefined();
            const { payload } = await jwtVerify(token!, await gatewayJwks(), { issuer: "treerights" });
            expect(payload.sub, what).toBe(caller.subject);
          } else {
            denied++;
            expectStopped(p, 403, what);
          }
        }
      }
    }
    expect([allowed, denied]).toEqual([31, 25]);
  });

  it("trusted headers decide per path when a trusted proxy sends them; a client's own are stripped by nginx (401, never alice)", async () => {
    // treerights trusts X-Auth-Request-User from 127.0.0.1, which is where nginx connects from: the
    // example therefore never passes a client's copy. A trusted proxy asking treerights directly:
    const ask = async (method: string, uri: string): Promise<number> => (await rawRequest(treerights.port, "/v1/authz", {
      headers: [["X-Original-Method", method], ["X-Original-URI", uri], ["X-Original-Host", "gw.example"], ["X-Auth-Request-User", "pat"], ["X-Auth-Request-Groups", "readers, writers"]],
    })).status;
    for (const method of ["GET", "POST"]) {
      for (const path of ["/api/public/README.md", "/api/readonly/README.md", "/api/secret/README.md"]) {
        expect(await ask(method, path), `${method} ${path}`).toBe(oracle(["readers", "writers"], method, path) ? 200 : 403);
      }
    }
    // A client through nginx claiming to be alice (an admin) with the same headers: no credential reaches treerights.
    for (const target of ["/api/secret/README.md", "/api/public/README.md"]) {
      const p = await through(target, { headers: [["X-Auth-Request-User", "alice"], ["X-Auth-Request-Groups", "admins, readers"], ["Accept", "application/json"]] });
      expectStopped(p, 401, `claimed alice on ${target}`);
    }
  });

  it("stops every path trick on a denied path, none reaching the backend, though a folding backend would serve the secret", async () => {
    const bob: RawRequestOptions["headers"] = [cred(basicOf("bob"))];
    // The control: bob reads public, through the same folding backend.
    const control = await through("/api/public/README.md", { headers: bob });
    expect(control.res.status).toBe(200);
    expect(control.reached[0]?.served).toBe("/api/public/readme.md");
    const tricks = [
      "/api//secret/README.md",
      "//api/secret/README.md",
      "/api/./secret/README.md",
      "/api/public/../secret/README.md",
      "/api/public/%2e%2e/secret/README.md",
      "/api/public/%2E%2E/secret/README.md",
      "/api/public/.%2e/secret/README.md",
      "/api/public/%252e%252e/secret/README.md",
      "/api/public%2F..%2Fsecret/README.md",
      "/api/public%2f%2e%2e%2fsecret/README.md",
      "/api/public%5C..%5Csecret/README.md",
      "/api/public\\..\\secret/README.md",
      "/api/secret\\README.md",
      "/api/secret;jsessionid=x/README.md",
      "/api/secret/README.md;jsessionid=x",
      "/api/public/..;/secret/README.md",
      "/api/secret/",
      "/api/secret",
      "/api/secret/README.md#frag",
      "/api/secret/README.md?x=/api/public/README.md",
      "/api/secret/README.md?x=/allowed",
      utf8Target("/api/public／..／secret/README.md"),
      "/api/public%EF%BC%8F..%EF%BC%8Fsecret/README.md",
      "/api/SECRET/README.md",
      "/api/Secret/README.md",
      "/api/%53ECRET/README.md",
      utf8Target("/api/ｓｅｃｒｅｔ/README.md"),
      "/api/%EF%BD%93%EF%BD%85%EF%BD%83%EF%BD%92%EF%BD%85%EF%BD%94/README.md",
      utf8Target("/api/ſecret/README.md"),
      utf8Target("/api/ＳＥＣＲＥＴ/README.md"),
    ];
    for (const target of tricks) {
      // Each is a trick: the folding backend, asked directly, would serve the secret.
      expect(foldedPath(target), target).toMatch(/^\/api\/secret(\/|$)/);
      const p = await through(target, { headers: bob });
      // treerights' 403 (nginx 1.22 passes every one of these request lines on to auth_request).
      expectStopped(p, 403, target);
    }
    // Nothing arrives late either.
    const bytes = backend.bytesReceived();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(backend.bytesReceived()).toBe(bytes);
  });

  it("ignores a client's own X-Original-*, X-Forwarded-*, X-Auth-*, Forwarded and X-HTTP-Method-Override", async () => {
    const spoofed: [string, string][] = [
      ["X-Original-URI", "/api/secret/README.md"], ["X-Original-Method", "DELETE"], ["X-Original-Host", "internal.example"],
      ["X-Forwarded-Uri", "/api/secret/README.md"], ["X-Forwarded-Method", "DELETE"], ["X-Forwarded-Host", "internal.example"], ["X-Forwarded-Prefix", "/secret"],
      ["Forwarded", "for=10.0.0.1;host=internal.example"], ["X-HTTP-Method-Override", "DELETE"], ["X-Method-Override", "DELETE"],
      ["X-Auth-User", "alice"], ["X-Auth-Realm", "forged"], ["X-Auth-Token", "forged.token.value"], ["X-Auth-Groups", "admins"],
      ["X-Auth-Request-User", "alice"], ["X-Auth-Request-Groups", "admins"],
    ];
    // Allowed for bob: passes, and the backend sees nginx's values only.
    const p = await through("/api/public/README.md", { headers: [cred(basicOf("bob")), ...spoofed] });
    expect(p.res.status, p.res.body.toString("utf8")).toBe(200);
    const seen = p.reached[0]!;
    expect([seen.method, seen.url]).toEqual(["GET", "/api/public/README.md"]);
    expect(seen.headers["x-auth-user"]).toEqual(["bob"]);
    expect(seen.headers["x-auth-realm"]).toEqual(["local"]);
    expect(seen.headers["x-auth-token"]).toHaveLength(1);
    expect(seen.headers["x-auth-token"]?.[0]).not.toBe("forged.token.value");
    await jwtVerify(seen.headers["x-auth-token"]![0]!, await gatewayJwks(), { issuer: "treerights", subject: "bob" });
    for (const name of ["x-original-uri", "x-original-method", "x-original-host", "x-forwarded-uri", "x-forwarded-method", "x-forwarded-prefix", "forwarded", "x-http-method-override", "x-method-override", "x-auth-groups", "x-auth-request-user", "x-auth-request-groups"]) {
      expect(seen.headers[name], name).toBeUndefined();
    }
    // Denied for bob, with headers claiming an allowed request: still denied, nothing reaches the backend.
    const claims: [string, [string, string][]][] = [
      ["/api/secret/README.md", [["X-Original-URI", "/api/public/README.md"], ["X-Forwarded-Uri", "/api/public/README.md"]]],
      ["/api/secret/README.md", [["X-Auth-Request-User", "alice"], ["X-Auth-Request-Groups", "admins"], ["X-Auth-User", "alice"]]],
      ["/api/public/README.md", [["X-Original-Method", "GET"], ["X-HTTP-Method-Override", "GET"], ["X-Forwarded-Method", "GET"]]],
      ["/api/secret/README.md", [["Forwarded", "host=internal.example"], ["X-Forwarded-Prefix", "/public"], ["X-Original-Host", "gw.example"]]],
    ];
    for (const [target, headers] of claims) {
      const method = target.startsWith("/api/public") ? "POST" : "GET";
      const q = await through(target, { method, headers: [cred(basicOf("bob")), ...headers], ...(method === "POST" ? { body: "x" } : {}) });
      expectStopped(q, 403, `${method} ${target} with ${JSON.stringify(headers)}`);
    }
  });

  it("a config that forgot X-Original-Method: a POST to a read-only path is denied, never allowed", async () => {
    const line = "            proxy_set_header X-Original-Method $request_method;\n";
    const forgot = await startNginx((gateway) => {
      const text = exampleConf({ gateway, treerights: treerights.port, backend: backend.port });
      expect(text).toContain(line);
      return text.replace(line, "");
    });
    variants.push(forgot);
    // carol may read /readonly and write /public; /readonly is written by nobody.
    for (const headers of [[], [["X-Original-Method", "GET"]], [["X-HTTP-Method-Override", "GET"]], [["X-Forwarded-Method", "GET"]]] as [string, string][][]) {
      const p = await through("/api/readonly/README.md", { method: "POST", body: "x", headers: [cred(basicOf("carol")), ...headers] }, forgot);
      expectStopped(p, 403, `POST /api/readonly with ${JSON.stringify(headers)}`);
    }
    // And with the method unknown, nothing at all is allowed (fail closed), not even a GET.
    expectStopped(await through("/api/public/README.md", { headers: [cred(basicOf("carol"))] }, forgot), 403, "GET /api/public without X-Original-Method");
  });

  it("answers a 2 MiB POST promptly: treerights never waits for the body", async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 0x61);
    const allowed = await through("/api/public/upload", { method: "POST", body, headers: [cred(basicOf("carol")), ["Content-Type", "application/octet-stream"]], timeoutMs: 10_000 });
    expect(allowed.res.status, allowed.res.body.toString("utf8")).toBe(200);
    expect(allowed.res.elapsedMs).toBeLessThan(5000);
    expect(allowed.reached.map((r) => r.bodyBytes)).toEqual([body.length]);
    const denied = await through("/api/public/upload", { method: "POST", body, headers: [cred(basicOf("bob"))], timeoutMs: 10_000 });
    expectStopped(denied, 403, "bob's 2 MiB POST");
    expect(denied.res.elapsedMs).toBeLessThan(5000);
  });

  it("passes a user with 300 groups with the example's buffer sizes (nginx's defaults would not)", async () => {
    const p = await through("/api/public/README.md", { headers: [cred(basicOf("many"))] });
    expect(p.res.status, `${p.res.body.toString("utf8")}\n${nginx.log().slice(-2000)}`).toBe(200);
    const token = p.reached[0]?.headers["x-auth-token"]?.[0];
    expect(token).toBeDefined();
    const { payload } = await jwtVerify(token!, await gatewayJwks(), { issuer: "treerights", subject: "many" });
    expect(payload["groups"]).toEqual(["readers", ...MANY_GROUPS]);
    // The same user through the example without its proxy_buffer_size: the answer's headers do not fit, nginx fails (500).
    const lines = ["            proxy_buffer_size 32k;\n", "            proxy_buffers 4 32k;\n", "            proxy_busy_buffers_size 64k;\n"];
    const defaults = await startNginx((gateway) => {
      let text = exampleConf({ gateway, treerights: treerights.port, backend: backend.port });
      for (const line of lines) {
        expect(text).toContain(line);
        text = text.replace(line, "");
      }
      return text;
    });
    variants.push(defaults);
    expectStopped(await through("/api/public/README.md", { headers: [cred(basicOf("many"))] }, defaults), 500, "300 groups with nginx's default buffers");
    expect(defaults.log()).toMatch(/too big header/);
    expect((await through("/api/public/README.md", { headers: [cred(basicOf("bob"))] }, defaults)).res.status).toBe(200);
  });

  it("the downstream token verifies at the backend against the JWKS fetched through nginx, and a forged one does not", async () => {
    const p = await through("/api/readonly/README.md", { headers: [["X-API-Key", env.keys.reader]] });
    expect(p.res.status).toBe(200);
    const token = p.reached[0]!.headers["x-auth-token"]![0]!;
    const { payload, protectedHeader } = await jwtVerify(token, await gatewayJwks(), { issuer: "treerights", audience: "treerights:downstream" });
    expect(payload).toMatchObject({ sub: "robot", realm: "machines", groups: ["readers"] });
    // Its own audience: the backend cannot replay it to treerights as a credential (nor exchange it for a longer one).
    for (const [url, body] of [["/v1/authorize", '{"access":"READ","path":"/"}'], ["/v1/token", "{}"]] as const) {
      const replayed = await rawRequest(treerights.port, url, { method: "POST", headers: [["Authorization", `Bearer ${token}`], ["Content-Type", "application/json"]], body });
      expect(replayed.status, url).toBe(401);
    }
    expect(protectedHeader.kid).toBe("t1");
    // Lifetime: ingress.tokenLifetime (default 5 min), not the 1 h of POST /v1/token.
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(300);
    const [h, , s] = token.split(".");
    const forged = `${h!}.${Buffer.from(JSON.stringify({ ...payload, sub: "alice", groups: ["admins"] })).toString("base64url")}.${s!}`;
    await expect(jwtVerify(forged, await gatewayJwks(), { issuer: "treerights" })).rejects.toThrow();
    // The JWKS needs no credential, and only GET is served there.
    expect((await rawRequest(nginx.port, "/.well-known/jwks.json", { method: "POST", body: "x" })).status).toBe(403);
  });

  it("a 401 for an API call carries WWW-Authenticate; a browser navigation is redirected to the login page", async () => {
    for (const headers of [[["Accept", "application/json"]], [["Sec-Fetch-Mode", "cors"], ["Accept", "*/*"]], [cred("Basic " + Buffer.from("bob:wrong-password").toString("base64"))], [cred("Bearer not-a-token")]] as [string, string][][]) {
      const p = await through("/api/public/README.md", { headers });
      expectStopped(p, 401, JSON.stringify(headers));
      const challenges = p.res.headers.get("www-authenticate") ?? [];
      expect(challenges, JSON.stringify(headers)).toHaveLength(1);
      expect(challenges[0]).toMatch(/Basic/);
      expect(challenges[0]).toMatch(/Bearer/);
      expect(header(p.res, "location")).toBeUndefined();
      expect((JSON.parse(p.res.body.toString("utf8")) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
    for (const headers of [[["Sec-Fetch-Mode", "navigate"], ["Accept", "text/html,application/xhtml+xml,*/*;q=0.8"]], [["Sec-Fetch-Mode", "navigate"]], [["Accept", "text/html"]]] as [string, string][][]) {
      const p = await through("/api/public/README.md?tab=2", { headers });
      expectStopped(p, 302, JSON.stringify(headers));
      expect(header(p.res, "location"), JSON.stringify(headers)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2\/start\?rd=\/api\/public\/README\.md\?tab=2$/);
    }
    // A denial is not a login problem: a navigation to a denied page gets the 403.
    expectStopped(await through("/api/secret/README.md", { headers: [cred(basicOf("bob")), ["Sec-Fetch-Mode", "navigate"], ["Accept", "text/html"]] }), 403, "navigation to a denied page");
  });
});
