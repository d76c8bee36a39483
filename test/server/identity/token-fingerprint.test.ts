/**
 * A token issued for an API key or a user stands for the entry as it was:
 * a new password, other groups or scopes end it (credential_revoked), as a
 * revocation or a disable does.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTree } from "../../../src/loader/index.js";
import type { TreeHandle } from "../../../src/loader/index.js";
import { buildServer } from "../../../src/server/build-server.js";
import { loadServerConfig } from "../../../src/server/config/load-server-config.js";
import { hashPassword } from "../../../src/server/identity/basic/password-hash.js";
import { until } from "../cluster-client.js";

const SERVER = resolve("examples", "server");
const KEY = "trk_5849a00d2af2_4c213b771844a4e99a1e05dab522ad41b527a67bf438d345984ac208df6403bc";
let dir: string;
let tree: TreeHandle;
let app: FastifyInstance;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "treerights-token-fp-"));
  for (const f of ["keys.yaml", "users.yaml", "signing-demo-1.pem"]) cpSync(join(SERVER, f), join(dir, f));
  writeFileSync(join(dir, "server.yaml"), [
    "realms:", "  - name: machines", "    apiKeys: { file: keys.yaml }", "  - name: local", "    basic: { file: users.yaml }",
    "tokens: { keys: [{ kid: demo-1, file: signing-demo-1.pem }] }", "",
  ].join("\n"));
  tree = await openTree(resolve("examples", "tree"), { watch: false });
  app = await buildServer(tree, { logger: false, processMetrics: false, identityPollMs: 50, serverConfig: await loadServerConfig(join(dir, "server.yaml")) });
});

afterEach(async () => {
  await app.close();
  await tree.close();
  rmSync(dir, { recursive: true, force: true });
});

async function tokenWith(headers: Record<string, string>): Promise<string> {
  const res = await app.inject({ method: "POST", url: "/v1/token", headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ token: string }>().token;
}

async function authorizeCode(token: string): Promise<string> {
  const res = await app.inject({ method: "POST", url: "/v1/authorize", headers: { authorization: `Bearer ${token}` }, payload: { access: "READ", path: "/reports" } });
  return res.statusCode === 200 ? "ok" : res.json<{ error: { code: string } }>().error.code;
}

describe("issued tokens follow their source's entry", () => {
  it("a password change ends the user's tokens", async () => {
    const token = await tokenWith({ authorization: `Basic ${Buffer.from("alice:demo-password-alice").toString("base64")}` });
    expect(await authorizeCode(token)).toBe("ok");
    const users = readFileSync(join(dir, "users.yaml"), "utf8");
    const oldHash = /alice:\n {4}hash: (\S+)/.exec(users)?.[1] ?? "";
    expect(oldHash).not.toBe("");
    writeFileSync(join(dir, "users.yaml"), users.replace(oldHash, await hashPassword("a-new-password")));
    await until(async () => ((await authorizeCode(token)) === "credential_revoked" ? true : undefined), 3000, "the token to stop");
  });

  it("other groups on the key end its tokens; an untouched key's tokens stand", async () => {
    const token = await tokenWith({ "x-api-key": KEY });
    expect(await authorizeCode(token)).toBe("ok");
    const keys = readFileSync(join(dir, "keys.yaml"), "utf8");
    writeFileSync(join(dir, "keys.yaml"), `${keys}\n# a comment changes the file, not the entry\n`);
    await new Promise((r) => setTimeout(r, 300));
    expect(await authorizeCode(token)).toBe("ok");
    writeFileSync(join(dir, "keys.yaml"), keys.replace("- data-access", "- data-access\n      - user"));
    await until(async () => ((await authorizeCode(token)) === "credential_revoked" ? true : undefined), 3000, "the token to stop");
  });
});
