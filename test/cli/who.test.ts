import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN_TREE, removeTrees, runCli, VALID_TREE, writeTree } from "./helpers.js";

describe("treerights who", () => {
  let tree: string;
  let broken: string;
  beforeAll(async () => {
    tree = await writeTree(VALID_TREE);
    broken = await writeTree(BROKEN_TREE);
  });
  afterAll(() => removeTrees([tree, broken]));

  it("prints one group per line, sorted", async () => {
    const r = await runCli("who", tree, "--access", "READ", "/plant/line-1");
    expect(r).toEqual({ code: 0, stdout: "administrator\noperators\nsupervisor\n", stderr: "" });
  });

  it("prints a JSON array with --json", async () => {
    const r = await runCli("who", tree, "--access", "WRITE", "plant", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(["administrator", "supervisor"]);
  });

  it("prints nothing on stdout when nobody holds the level, and says so on stderr", async () => {
    const r = await runCli("who", tree, "--access", "WRITE", "plant/north/x");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("nobody holds WRITE on `/plant/north/x`\n");

    const json = await runCli("who", tree, "--access", "WRITE", "plant/north/x", "--json");
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it("exits 2 on a bad path, a bad tree and a bad access level", async () => {
    const path = await runCli("who", tree, "--access", "READ", "a/\u0001");
    expect(path.code).toBe(2);
    expect(path.stderr).toMatch(/^error: path .* control character/);

    const bad = await runCli("who", broken, "--access", "READ", "a");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^plant\/access\.rights:\d+:\d+: error: /m);

    const access = await runCli("who", tree, "--access", "write", "a");
    expect(access.code).toBe(2);
    expect(access.stderr).toContain("did you mean `WRITE`?");
  });
});
