/**
 * What a security review found `/v1/authz` let through, pinned: a folded
 * route prefix, characters folding backends fold that a plain lower-casing
 * misses, a `%` in an identity header, a host in FQDN form, a downstream
 * token replayed as a credential.
 */
import type { FastifyInstance } from "fastify";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTree } from "../../../src/loader/index.js";
import type { TreeHandle } from "../../../src/loader/index.js";
import { buildServer } from "../../../src/server/build-server.js";
import { loadServerConfig } from "../../../src/server/config/load-server-config.js";

const EXAMPLES = resolve("examples");
const BOB = `Basic ${Buffer.from("bob:demo-password-bob").toString("base64")}`;
let dir: string;
let tree: TreeHandle;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "treerights-authz-fold-"));
  const config = join(dir, "server.yaml");
  writeFileSync(config, [
    "realms:",
    `  - name: local`,
    `    basic: { file: ${join(EXAMPLES, "server", "users.yaml")} }`,
    "  - name: proxy",
    "    headers: { trustedProxies: [127.0.0.1/32] }",
    `tokens: { keys: [{ kid: k1, file: ${join(EXAMPLES, "server", "signing-demo-1.pem")} }] }`,
    "ingress:",
    "  source: traefik",
    "  denyConfusableSegments: true",
    "  token: true",
    "  groupsHeader: true",
    "  routes:",
    "    - { prefix: /api/, tree: / }",
    "    - { prefix: /, tree: /system/, host: admin.example }",
    "    - { prefix: /, tree: /shared/ }",
    "",
  ].join("\n"));
  tree = await openTree(join(EXAMPLES, "tree"), { watch: false });
  app = await buildServer(tree, { logger: false, processMetrics: false, serverConfig: await loadServerConfig(config) });
});

afterAll(async () => {
  await app.close();
  await tree.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Header values as Node hands them over: the UTF-8 bytes, one latin1 char each. */
const latin1 = (text: string): string => Buffer.from(text, "utf8").toString("latin1");

async function authz(uri: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await app.inject({ method: "GET", url: "/v1/authz", headers: { authorization: BOB, "x-forwarded-method": "GET", "x-forwarded-uri": latin1(uri), ...headers } });
  return res.statusCode;
}

describe("/v1/authz with denyConfusableSegments", () => {
  it("denies bob /system, and every spelling a folding backend reads as /api/system, prefix included", async () => {
    expect(await authz("/api/system")).toBe(403);
    for (const uri of ["/API/system", "/Api/system", "/%41PI/system", "/ＡＰＩ/system"]) expect(await authz(uri), uri).toBe(403);
  });

  it("denies spellings of a denied directory that Java, Windows or Unicode normalisers fold onto it", async () => {
    const denied = "/api/sites/lyon/lines/line-1/scripts";
    expect(await authz(denied)).toBe(403);
    for (const name of ["scr%C4%B1pts", "scr%C4%B0pts", "scripts.", "scripts%2e", "scripts%20", "scripts%E2%80%8B", "scr%C2%ADipts", "SCRIPTS", "scripts::$DATA"]) {
      expect(await authz(`/api/sites/lyon/lines/line-1/${name}`), name).toBe(403);
    }
  });

  it("still allows what bob may read, spelled plainly", async () => {
    expect(await authz("/api/reports")).toBe(200);
    expect(await authz("/README.md")).toBe(200);
  });

  it("judges a host in FQDN form under its own route, and refuses a host that is no host name", async () => {
    expect(await authz("/x", { "x-forwarded-host": "admin.example" })).toBe(403);
    for (const host of ["admin.example.", "admin.example.:443", "Admin.Example."]) expect(await authz("/x", { "x-forwarded-host": host }), host).toBe(403);
    for (const host of ["admin.example..", "admin..example", "admin.example:x", "a b"]) expect(await authz("/README.md", { "x-forwarded-host": host }), host).toBe(403);
  });

  it("percent-encodes a `%` in X-Auth-User and X-Auth-Groups, so one decoding gives the value back", async () => {
    const res = await app.inject({
      method: "GET", url: "/v1/authz", remoteAddress: "127.0.0.1",
      headers: { "x-auth-request-user": "%61lice", "x-auth-request-groups": "user,%61dministrator", "x-forwarded-method": "GET", "x-forwarded-uri": "/api/reports" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["x-auth-user"]).toBe("%2561lice");
    expect(decodeURIComponent(String(res.headers["x-auth-user"]))).toBe("%61lice");
    expect(String(res.headers["x-auth-groups"]).split(",").map(decodeURIComponent)).toEqual(["user", "%61dministrator"]);
  });

  it("hands the backend a token it cannot replay to treerights as a credential", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/authz", headers: { authorization: BOB, "x-forwarded-method": "GET", "x-forwarded-uri": "/api/reports" } });
    const token = String(res.headers["x-auth-token"]);
    expect(token.split(".")).toHaveLength(3);
    const replay = await app.inject({ method: "GET", url: "/v1/authz", headers: { authorization: `Bearer ${token}`, "x-forwarded-method": "GET", "x-forwarded-uri": "/api/reports" } });
    expect(replay.statusCode).toBe(401);
  });
});
