/**
 * No credential in any log line (SPEC 4, issue 14): every line of the server
 * log (at trace) and of the decision log, over a run that uses a Basic
 * password, an API key, an issued bearer JWT, trusted headers, and wrong
 * ones of each (plus refusals that are logged: untrusted headers, exclusive
 * groups, too many failures), holds no Authorization value, key, key
 * secret, password, token or token signature.
 */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTree } from "../../../src/loader/index.js";
import type { TreeHandle } from "../../../src/loader/index.js";
import { buildServer } from "../../../src/server/build-server.js";
import { loadServerConfig } from "../../../src/server/config/load-server-config.js";
import { fresh } from "../cluster-client.js";
import type { IdentityEnv } from "./fixtures/identity-env.js";
import { basic, DEFAULT_USERS, makeIdentityEnv } from "./fixtures/identity-env.js";

let env: IdentityEnv;
let tree: TreeHandle;
let app: FastifyInstance;
const serverLines: string[] = [];
const decisionLines: string[] = [];

beforeAll(async () => {
  env = await makeIdentityEnv({
    extraConfig: "decisionLog: { stdout: true }\n",
    users: { ...DEFAULT_USERS, dave: { groups: ["services"], password: "dave:S3cret-pw" } },
  });
  tree = await openTree(env.tree, { watch: false });
  app = await buildServer(tree, {
    serverConfig: await loadServerConfig(env.configFile),
    processMetrics: false,
    identityPollMs: 20,
    logger: { level: "trace", stream: { write: (line) => { serverLines.push(line); } } },
    decisionLogStream: { write: (line) => { decisionLines.push(line); } },
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await (app as FastifyInstance | undefined)?.close();
  await (tree as TreeHandle | undefined)?.close();
  await (env as IdentityEnv | undefined)?.remove();
});

describe("log capture over an identity run", () => {
  it("no line of the server log or the decision log holds a credential, right or wrong", async () => {
    const sent = new Set<string>();
    const url = `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`;
    const call = async (headers: Record<string, string>, path = "/v1/authorize", body: unknown = { access: "READ", paths: ["/x", "/plant/north/a"] }, remoteAddress?: string): Promise<{ status: number; body: Record<string, unknown> }> => {
      // Credentials only: trusted headers are no secret.
      for (const [name, value] of Object.entries(headers)) if (name === "authorization" || name === "x-api-key") sent.add(value);
      const res = await app.inject({ method: "POST", url: path, headers, payload: body as object, ...(remoteAddress === undefined ? {} : { remoteAddress }) });
      return { status: res.statusCode, body: res.json() };
    };

    const key = env.keys.svc!.key;
    const password = env.users.alice!.password;
    const wrongKey = `${key.slice(0, -8)}deadbeef`;
    const wrongPassword = `${password}-nope`;

    // Right credentials of each kind.
    expect((await call({ authorization: basic("alice", password) })).status).toBe(200);
    expect((await call({ authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await call({ "x-api-key": key })).status).toBe(200);
    const issued = await call({ authorization: `Bearer ${key}` }, "/v1/token", {});
    expect(issued.status).toBe(200);
    const token = issued.body["token"] as string;
    const byUser = (await call({ authorization: basic("alice", password) }, "/v1/token", { lifetime: 120 })).body["token"] as string;
    expect((await call({ authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await call({ authorization: `Bearer ${byUser}` })).status).toBe(200);
    expect((await call({ "x-auth-request-user": "pat", "x-auth-request-groups": "services,ops" })).status).toBe(200);
    // A check with a credential, an invalid body with one, an unknown route with one.
    expect((await call({ authorization: `Bearer ${token}` }, "/v1/check", { groups: ["ops"], access: "READ", path: "/x" })).status).toBe(200);
    expect((await call({ authorization: `Bearer ${token}` }, "/v1/authorize", { access: "READ", path: "no-slash\u0000" })).status).toBe(400);
    expect((await call({ authorization: basic("alice", password) }, "/v1/nothing-here", {})).status).toBe(404);

    // Wrong ones of each kind.
    const [h, p, s] = token.split(".");
    const wrongTokens = [`${h ?? ""}.${p ?? ""}.${(s ?? "").slice(0, -4)}AAAA`, `${token}x`, `${h ?? ""}.${Buffer.from('{"iss":"treerights","sub":"x"}').toString("base64url")}.${s ?? ""}`];
    for (const headers of [
      { authorization: basic("alice", wrongPassword) }, { authorization: basic("nobody", password) }, { authorization: `Bearer ${wrongKey}` },
      { "x-api-key": wrongKey }, ...wrongTokens.map((t) => ({ authorization: `Bearer ${t}` })),
      { authorization: `Basic ${Buffer.from(`alice:${password}`).toString("base64")}`, "x-api-key": key },
      { authorization: `Digest ${key}` },
    ]) {
      expect((await call(headers)).status, JSON.stringify(headers)).toBe(401);
    }
    // Logged refusals: untrusted headers, exclusive groups, too many failures.
    expect((await call({ "x-auth-request-user": "pat", "x-auth-request-groups": "services" }, "/v1/authorize", undefined, "198.51.100.9")).status).toBe(401);
    expect((await call({ "x-api-key": env.keys.torn!.key })).status).toBe(403);
    const davePassword = env.users.dave!.password;
    let limited = false;
    for (let i = 0; i < 12 && !limited; i++) limited = (await call({ authorization: basic("dave", `${davePassword}${String(i)}`) })).status === 429;
    expect(limited).toBe(true);
    expect((await call({ authorization: basic("dave", davePassword) })).status).toBe(429);
    // And over a real connection: Node's parser and fastify's request handling, not only inject.
    const real = await fresh(`${url}/v1/authorize`, { json: { access: "READ", path: "/x" } });
    expect(real.status).toBe(401);

    expect(serverLines.some((l) => /trustedProxies/.test(l))).toBe(true);
    expect(serverLines.some((l) => /exclusive/.test(l))).toBe(true);
    expect(decisionLines.length).toBeGreaterThan(8);

    const needles = new Set<string>([key, key.slice(17), wrongKey, wrongKey.slice(17), password, wrongPassword, davePassword, env.keys.torn!.key, token, byUser]);
    for (const t of [token, byUser, ...wrongTokens]) {
      needles.add(t);
      needles.add(t.split(".")[2] ?? t);
    }
    for (const value of sent) {
      needles.add(value);
      // The credential part of an Authorization value (base64 of user:password, a token, a key).
      const space = value.indexOf(" ");
      if (/^(Basic|Bearer|Digest) /.test(value)) needles.add(value.slice(space + 1));
    }
    needles.delete("");
    for (const line of [...serverLines, ...decisionLines]) {
      for (const needle of needles) expect(line.includes(needle), `a log line holds a secret (${needle.slice(0, 12)}…): ${line}`).toBe(false);
    }
  });
});
