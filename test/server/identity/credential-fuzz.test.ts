/**
 * Whatever a caller puts in its credential headers, the answer is 200, 401,
 * 403 or 429 with the error body, never a 500 (SPEC 3: never a 500 for
 * caller input), and a refusal is never followed by a decision.
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTree } from "../../../src/loader/index.js";
import type { TreeHandle } from "../../../src/loader/index.js";
import { buildServer } from "../../../src/server/build-server.js";
import { loadServerConfig } from "../../../src/server/config/load-server-config.js";

const KEY = "trk_5849a00d2af2_4c213b771844a4e99a1e05dab522ad41b527a67bf438d345984ac208df6403bc";

let tree: TreeHandle;
let app: FastifyInstance;

beforeAll(async () => {
  tree = await openTree("examples/tree", { watch: false });
  app = await buildServer(tree, { logger: false, processMetrics: false, serverConfig: await loadServerConfig("examples/server/treerights.server.yaml") });
});

afterAll(async () => {
  await app.close();
  await tree.close();
});

// Header values Node would accept: printable Latin-1 without CR/LF.
const headerValue = fc.oneof(
  fc.string({ maxLength: 120 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
  fc.constantFrom("Bearer", "Bearer ", "Basic", "Basic =", "Basic Og==", "Bearer a.b.c", "Bearer ..", "Bearer trk_", "Bearer trk__", `Bearer ${KEY}x`, "bearer  x", "Basic YWxpY2U6", "Negotiate abc"),
  fc.tuple(fc.constantFrom("Bearer ", "Basic "), fc.base64String({ maxLength: 200 })).map(([a, b]) => a + b),
  fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 })).map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`, "utf8").toString("base64")}`),
);

describe("credential headers from anyone", () => {
  it("never make a 500, and a refusal carries its code", async () => {
    await fc.assert(fc.asyncProperty(
      fc.record({ authorization: headerValue, "x-api-key": headerValue, "x-auth-request-user": headerValue }, { requiredKeys: [] }),
      fc.constantFrom("/v1/authorize", "/v1/check", "/v1/token", "/v1/status"),
      async (headers, url) => {
        const body = url === "/v1/check" ? { groups: ["administrator"], access: "READ", path: "/" } : url === "/v1/authorize" ? { access: "READ", path: "/" } : undefined;
        const res = await app.inject({ method: url === "/v1/status" ? "GET" : "POST", url, headers: body === undefined ? headers : { ...headers, "content-type": "application/json" }, ...(body === undefined ? {} : { payload: body }) });
        expect([200, 401, 403, 429]).toContain(res.statusCode);
        if (res.statusCode !== 200) {
          const parsed = res.json<{ error: { code: string } }>();
          expect(parsed.error.code).toMatch(/^(credential_|credentials_unavailable|too_many_failures|forbidden|exclusive_groups)/);
          if (res.statusCode === 401) expect(res.headers["www-authenticate"]).toMatch(/Bearer|Basic/);
        }
      },
    ), { numRuns: 300 });
  });
});
