/** SPEC 1.5 over HTTP: check, batch and explain decide by the groups a caller's groups imply; explain names the chain. */
import { describe, expect, test } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { RightsFile } from "../../src/engine/index.js";
import { FakeTree } from "./fake-tree.js";
import { makeServer, post } from "./helpers.js";

const FILES: RightsFile[] = [
  { dir: "/", READ: { include: ["user", "configuration-management"] }, WRITE: { include: ["configuration-management"] } },
  { dir: "/system/users", WRITE: { override: ["user-management"] } },
];
const IMPLIES = new Map([["administrator", ["configuration-management", "user-management"]], ["__proto__", ["administrator"]]]);

async function server() {
  const tree = new FakeTree(FILES);
  tree.index = compile(FILES, { implies: IMPLIES });
  return (await makeServer(tree)).app;
}

describe("implies over HTTP", () => {
  test("POST /v1/check and the batch decide by expand(groups)", async () => {
    const app = await server();
    expect((await post(app, "/v1/check", { groups: ["administrator"], access: "WRITE", path: "/system/users/x" })).body.allowed).toBe(true);
    expect((await post(app, "/v1/check", { groups: ["__proto__"], access: "WRITE", path: "/" })).body.allowed).toBe(true);
    expect((await post(app, "/v1/check", { groups: ["user"], access: "WRITE", path: "/" })).body.allowed).toBe(false);
    const batch = await post(app, "/v1/check/batch", { checks: [
      { groups: ["administrator"], access: "WRITE", path: "/system/users" },
      { groups: ["user"], access: "WRITE", path: "/system/users" },
    ] });
    expect(batch.body.results).toEqual([true, false]);
    const paths = await post(app, "/v1/check/batch", { groups: ["__proto__"], access: "WRITE", paths: ["/", "/system/users", "/system/users/a"] });
    expect(paths.body.results).toEqual([true, true, true]);
  });

  test("POST /v1/explain names the chain, and an implying group is no unknown group", async () => {
    const app = await server();
    const res = await post(app, "/v1/explain", { groups: ["__proto__", "user"], access: "WRITE", path: "/system/users" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      allowed: true,
      effective: ["user-management"],
      deciding: ["__proto__"],
      chains: [["__proto__", "administrator", "user-management"]],
      unknownGroups: [],
    });
    const plain = await post(app, "/v1/explain", { groups: ["user"], access: "READ", path: "/" });
    expect(plain.body).not.toHaveProperty("chains");
  });
});
