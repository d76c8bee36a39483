/**
 * `POST /v1/authorize` end to end (SPEC 4, issue 14): decisions for the
 * caller's own identity, whichever realm made it (API key, Basic user,
 * issued token, trusted headers); scopes narrowing and never widening (a
 * fast-check property against the engine and micromatch); exclusive groups
 * refused after `implies`; and the decision log naming the deciding file.
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import micromatch from "micromatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalPath } from "../../../src/engine/index.js";
import type { Access } from "../../../src/engine/index.js";
import { openTree } from "../../../src/loader/index.js";
import type { TreeHandle } from "../../../src/loader/index.js";
import { buildServer } from "../../../src/server/build-server.js";
import { loadServerConfig } from "../../../src/server/config/load-server-config.js";
import { generateApiKey } from "../../../src/server/identity/api-keys/api-key.js";
import type { ApiKeyEntry } from "../../../src/server/identity/api-keys/keys-file.js";
import type { IdentityEnv } from "./fixtures/identity-env.js";
import { basic, makeIdentityEnv } from "./fixtures/identity-env.js";

type Json = Record<string, unknown>;

let env: IdentityEnv;
let tree: TreeHandle;
let app: FastifyInstance;
const logs: Json[] = [];
// Raw lines: each is parsed where it is checked, so a line that is not JSON fails the test that reads it, not the request that wrote it.
const decisionLines: string[] = [];

/** The decision-log lines written since `from`, parsed; a line that is not JSON fails with the line itself. */
function decisionsSince(from: number): Json[] {
  return decisionLines.slice(from).map((line) => {
    try {
      return JSON.parse(line) as Json;
    } catch {
      throw new Error(`the decision log wrote a line that is not JSON: ${line}`);
    }
  });
}

beforeAll(async () => {
  env = await makeIdentityEnv({ extraConfig: "decisionLog: { stdout: true }\n" });
  tree = await openTree(env.tree, { watch: false });
  app = await buildServer(tree, {
    serverConfig: await loadServerConfig(env.configFile),
    processMetrics: false,
    identityPollMs: 10,
    logger: { level: "trace", stream: { write: (line) => { logs.push(JSON.parse(line) as Json); } } },
    decisionLogStream: { write: (line) => { decisionLines.push(line); } },
  });
});

afterAll(async () => {
  await (app as FastifyInstance | undefined)?.close();
  await (tree as TreeHandle | undefined)?.close();
  await (env as IdentityEnv | undefined)?.remove();
});

async function authorize(headers: Record<string, string>, body: Json): Promise<{ status: number; body: Json & { error?: { code: string } } }> {
  const res = await app.inject({ method: "POST", url: "/v1/authorize", headers, payload: body });
  return { status: res.statusCode, body: res.json() };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe("POST /v1/authorize", () => {
  it("decides one path and a batch of paths for the caller's own groups, as the engine does", async () => {
    const paths = ["/x", "/plant/a", "/plant/north/b", "/plant/a.script", "/plant/north/deep/c.script", "/"];
    const svc = env.keys.svc!;
    for (const access of ["READ", "WRITE"] as const) {
      const batch = await authorize(bearer(svc.key), { access, paths });
      expect(batch.status).toBe(200);
      expect(batch.body).toMatchObject({ identity: { realm: "machines", subject: "ci" }, revision: tree.index.revision });
      expect(batch.body["results"]).toEqual(paths.map((p) => tree.index.check(svc.entry.groups, access, p)));
      for (const path of paths) {
        const one = await authorize(bearer(svc.key), { access, path });
        expect(one.body).toMatchObject({ allowed: tree.index.check(svc.entry.groups, access, path), identity: { realm: "machines", subject: "ci" } });
      }
    }
    // Both answers occur: the comparison above is not against a constant.
    expect((await authorize(bearer(svc.key), { access: "READ", paths })).body["results"]).toEqual([true, true, true, true, true, true]);
    expect((await authorize(bearer(svc.key), { access: "WRITE", paths })).body["results"]).toEqual([false, false, false, false, false, false]);
    expect((await authorize(bearer(svc.key), { access: "READ", path: "/x", paths })).status).toBe(400);
  });

  it("takes the identity from an API key, a Basic user, an issued token and trusted headers", async () => {
    const alice = basic("alice", env.users.alice!.password);
    const token = await app.inject({ method: "POST", url: "/v1/token", headers: { "x-api-key": env.keys.svc!.key } });
    expect(token.statusCode).toBe(200);
    const byUserToken = await app.inject({ method: "POST", url: "/v1/token", headers: { authorization: alice } });
    const cases: [Record<string, string>, { realm: string; subject: string }][] = [
      [{ "x-api-key": env.keys.svc!.key }, { realm: "machines", subject: "ci" }],
      [{ authorization: alice }, { realm: "local", subject: "alice" }],
      [bearer(token.json().token as string), { realm: "machines", subject: "ci" }],
      [bearer(byUserToken.json().token as string), { realm: "local", subject: "alice" }],
      [{ "x-auth-request-user": "pat", "x-auth-request-groups": "services, operators" }, { realm: "proxy", subject: "pat" }],
    ];
    for (const [headers, identity] of cases) {
      // READ under /plant: `readers` from the root, `operators` from plant/; WRITE on /plant/a is `supervisors` only.
      const res = await authorize(headers, { access: "READ", paths: ["/plant/north/a", "/plant/a.script"] });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(res.body["identity"]).toEqual(identity);
      expect(res.body["results"], JSON.stringify(identity)).toEqual([true, true]);
      const writes = await authorize(headers, { access: "WRITE", path: "/plant/a" });
      expect(writes.body["allowed"]).toBe(false);
    }
  });

  it("scopes narrow, never widen: allowed exactly when the groups allow and a scope matches (property)", async () => {
    const entries: ApiKeyEntry[] = Object.values(env.keys).map((k) => k.entry);
    const GROUPS = ["readers", "writers", "ops", "operators", "supervisors", "script-admins", "auditors"];
    const SEGMENTS = ["plant", "north", "south", "a.script", "x", "y", "reports", ".hidden", "b"];
    const GLOBS = ["/plant/**", "/plant/*", "/**", "/x/**", "/plant/north/**", "/**/*.script", "/plant/{north,south}/**", "/y/*", "/plant", "/*", "/plant/north"];
    const path = fc.array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 4 }).map((s) => `/${s.join("/")}`);
    const scope = fc.tuple(fc.constantFrom("READ", "WRITE"), fc.constantFrom(...GLOBS)).map(([a, g]) => `${a}:${g}`);
    let grantedByScopeAndGroups = 0;
    let deniedByScope = 0;
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.constantFrom(...GROUPS), { maxLength: 4 }),
      fc.uniqueArray(scope, { minLength: 1, maxLength: 3 }),
      fc.constantFrom<Access>("READ", "WRITE"),
      fc.array(path, { minLength: 1, maxLength: 12 }),
      async (picked, scopes, access, paths) => {
        const groups = ["services", ...picked];
        const { key, id, hash } = generateApiKey();
        entries.push({ id, hash, owner: `prop-${id}`, groups, scopes });
        await env.writeKeys(entries);
        // Bounded: the keys file is polled every 10 ms here.
        let res = await authorize({ "x-api-key": key }, { access, paths });
        for (let i = 0; i < 200 && res.status === 401; i++) {
          await new Promise((r) => setTimeout(r, 10));
          res = await authorize({ "x-api-key": key }, { access, paths });
        }
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const results = res.body["results"] as boolean[];
        paths.forEach((p, i) => {
          const byGroups = tree.index.check(groups, access, p);
          const byScopes = scopes.some((s) => s.startsWith(`${access}:`) && micromatch.isMatch(canonicalPath(p), s.slice(s.indexOf(":") + 1), { dot: true }));
          // Never allowed where the groups alone deny.
          if (!byGroups) expect(results[i], `${p} ${groups.join(",")}`).toBe(false);
          expect(results[i], `${access} ${p} groups=${groups.join(",")} scopes=${scopes.join(",")}`).toBe(byGroups && byScopes);
          if (byGroups && byScopes) grantedByScopeAndGroups++;
          if (byGroups && !byScopes) deniedByScope++;
        });
      },
    ), { numRuns: 40, examples: [[["readers"], ["READ:/plant/**"], "READ", ["/plant/x", "/x", "/plant"]]] });
    // The property saw both sides of the narrowing.
    expect(grantedByScopeAndGroups).toBeGreaterThan(0);
    expect(deniedByScope).toBeGreaterThan(0);
  });

  it("refuses an identity holding two exclusive groups (also through implies) with 403 exclusive_groups, and logs it", async () => {
    const before = logs.length;
    const viaImplies = await authorize(bearer(env.keys.torn!.key), { access: "READ", path: "/x" });
    expect(viaImplies.status).toBe(403);
    expect(viaImplies.body.error?.code).toBe("exclusive_groups");
    const direct = await authorize({ "x-auth-request-user": "eve", "x-auth-request-groups": "services,payers,approvers" }, { access: "READ", path: "/x" });
    expect(direct.status).toBe(403);
    expect(direct.body.error?.code).toBe("exclusive_groups");
    // One of them alone is fine.
    expect((await authorize({ "x-auth-request-user": "eve", "x-auth-request-groups": "services,payers" }, { access: "READ", path: "/x" })).status).toBe(200);
    const token = await app.inject({ method: "POST", url: "/v1/token", headers: bearer(env.keys.torn!.key) });
    expect(token.statusCode).toBe(403);
    const warned = logs.slice(before).filter((l) => l["level"] === 40 && /exclusive/.test(String(l["msg"])));
    expect(warned).toEqual(expect.arrayContaining([
      expect.objectContaining({ realm: "machines", subject: "torn", groups: expect.arrayContaining(["payers", "approvers"]) }),
      expect.objectContaining({ realm: "proxy", subject: "eve", groups: expect.arrayContaining(["payers", "approvers"]) }),
    ]));
  });
});

describe("the decision log", () => {
  it("writes one JSON line per /v1/authorize decision, naming the rights file and line that decided", async () => {
    const before = decisionLines.length;
    const pat = { "x-auth-request-user": "pat", "x-auth-request-groups": "services,ops" };
    await authorize(pat, { access: "READ", path: "/plant/a" });
    await authorize(pat, { access: "READ", paths: ["/plant/north/b", "/x", "/plant/a.script"] });
    await authorize(bearer(env.keys.svc!.key), { access: "WRITE", path: "/plant/a" });
    const lines = decisionsSince(before);
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(["access", "allowed", "file", "line", "path", "realm", "revision", "subject", "time"]);
      expect(Date.parse(String(line["time"]))).not.toBeNaN();
      expect(line["revision"]).toBe(tree.index.revision);
    }
    // By hand (the line is the level's key, as explain's `at`): `ops` holds READ from the root's `READ:` (access.rights line 1) ...
    expect(lines[0]).toMatchObject({ realm: "proxy", subject: "pat", access: "READ", path: "/plant/a", allowed: true, file: "access.rights", line: 1 });
    // ... and loses it under /plant/north (plant/north/access.rights line 1, `READ: exclude: [ops]`).
    expect(lines[1]).toMatchObject({ path: "/plant/north/b", allowed: false, file: "plant/north/access.rights", line: 1 });
    expect(lines[2]).toMatchObject({ path: "/x", allowed: true, file: "access.rights", line: 1 });
    expect(lines[3]).toMatchObject({ path: "/plant/a.script", allowed: true, file: "access.rights", line: 1 });
    // WRITE for `services, readers`: never granted anywhere.
    expect(lines[4]).toMatchObject({ realm: "machines", subject: "ci", access: "WRITE", path: "/plant/a", allowed: false, file: null, line: null });
  });

  it("writes nothing for a refused caller", async () => {
    const before = decisionLines.length;
    expect((await authorize({}, { access: "READ", path: "/x" })).status).toBe(401);
    expect((await authorize(bearer(env.keys.plain!.key), { access: "READ", path: "/x" })).status).toBe(403);
    expect(decisionLines.length).toBe(before);
  });
});
