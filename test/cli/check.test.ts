import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN_TREE, removeTrees, runCli, VALID_TREE, writeTree } from "./helpers.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/tree", import.meta.url));

describe("treerights check", () => {
  let tree: string;
  let broken: string;
  beforeAll(async () => {
    tree = await writeTree(VALID_TREE);
    broken = await writeTree(BROKEN_TREE);
  });
  afterAll(() => removeTrees([tree, broken]));

  it("prints allowed and exits 0", async () => {
    const r = await runCli("check", tree, "--group", "supervisor", "--access", "WRITE", "/plant/line-1/valve");
    expect(r).toEqual({ code: 0, stdout: "allowed\n", stderr: "" });
  });

  it("takes --group more than once", async () => {
    const r = await runCli("check", tree, "--group", "nobody", "--group", "operators", "--access", "READ", "plant");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("allowed\n");
  });

  it("prints denied and exits 3", async () => {
    const r = await runCli("check", tree, "--group", "user", "--access", "READ", "plant/x");
    expect(r).toEqual({ code: 3, stdout: "denied\n", stderr: "" });
  });

  it("denies under override: []", async () => {
    const r = await runCli("check", tree, "--group", "administrator", "--access", "WRITE", "plant/north/a");
    expect(r.code).toBe(3);
  });

  it("prints the decision and revision as JSON with --json", async () => {
    const allowed = await runCli("check", tree, "--group", "user", "--access", "READ", "/other", "--json");
    expect(allowed.code).toBe(0);
    const body = JSON.parse(allowed.stdout);
    expect(body).toEqual({ allowed: true, revision: expect.any(String) });
    expect(body.revision.length).toBeGreaterThan(0);

    const denied = await runCli("check", tree, "--json", "--group", "user", "--access", "WRITE", "/other");
    expect(denied.code).toBe(3);
    expect(JSON.parse(denied.stdout)).toEqual({ allowed: false, revision: body.revision });
  });

  it("exits 2 with the path error for a `..` segment", async () => {
    const r = await runCli("check", tree, "--group", "user", "--access", "READ", "plant/../secret");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: path `plant\/\.\.\/secret` has a `\.\.` segment/);
  });

  it("exits 2 listing every problem of a tree that does not load", async () => {
    const r = await runCli("check", broken, "--group", "user", "--access", "READ", "plant");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/did not load \(\d+ errors\)/);
    expect(r.stderr).toMatch(/^access\.rights:3:1: error: /m);
    expect(r.stderr).toMatch(/^plant\/access\.rights:\d+:\d+: error: /m);
    expect(r.stderr).toMatch(/^plant\/north\/access\.rights:\d+:\d+: error: /m);
  });

  it("exits 2 for a directory that does not exist", async () => {
    const r = await runCli("check", `${tree}/missing`, "--group", "user", "--access", "READ", "a");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: /);
  });

  it("skips paths matching --ignore", async () => {
    const junk = await writeTree({ ...VALID_TREE, "junk/access.rights": "bogus: 1\n" });
    try {
      const args = ["check", junk, "--group", "user", "--access", "READ", "x"];
      expect((await runCli(...args)).code).toBe(2);
      expect(await runCli(...args, "--ignore", "junk/**")).toEqual({ code: 0, stdout: "allowed\n", stderr: "" });
    } finally {
      await removeTrees([junk]);
    }
  });

  it("rejects an access level that is not READ or WRITE, with a hint", async () => {
    const r = await runCli("check", tree, "--group", "user", "--access", "read", "a");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("access must be `READ` or `WRITE` (did you mean `READ`?)");

    const other = await runCli("check", tree, "--group", "user", "--access", "ADMIN", "a");
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("access must be `READ` or `WRITE`");
    expect(other.stderr).not.toContain("did you mean");
  });

  it("exits 2 when --group, --access or the path is missing", async () => {
    const noGroup = await runCli("check", tree, "--access", "READ", "a");
    expect(noGroup.code).toBe(2);
    expect(noGroup.stderr).toContain("required option '--group <group>' not specified");

    const noAccess = await runCli("check", tree, "--group", "g", "a");
    expect(noAccess.code).toBe(2);
    expect(noAccess.stderr).toContain("required option '--access <level>' not specified");

    const noPath = await runCli("check", tree, "--group", "g", "--access", "READ");
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toContain("missing required argument 'path'");
  });

  it("warns on stderr, with a hint, about a group the tree names nowhere (a typo is not a silent deny)", async () => {
    const r = await runCli("check", EXAMPLE, "--group", "supervisr", "--access", "WRITE", "/sites/lyon");
    expect(r).toEqual({
      code: 3,
      stdout: "denied\n",
      stderr: "warning: group `supervisr` is not named in any rights file or in `treerights.yaml` (did you mean `supervisor`?)\n",
    });
    const json = await runCli("check", EXAMPLE, "--group", "supervisr", "--group", "zzz", "--access", "WRITE", "/sites/lyon", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({ allowed: false });
    expect(json.stderr.split("\n")).toEqual([
      "warning: group `supervisr` is not named in any rights file or in `treerights.yaml` (did you mean `supervisor`?)",
      "warning: group `zzz` is not named in any rights file or in `treerights.yaml`; it holds nothing in this tree",
      "",
    ]);
  });

  it("knows the groups treerights.yaml lists, in `groups` or `exclusive`", async () => {
    const configured = await writeTree({
      ...VALID_TREE,
      "treerights.yaml": "groups: [administrator, user, operators, supervisor, auditors]\nexclusive:\n  - [supervisor, interns]\n",
    });
    try {
      for (const group of ["auditors", "interns"]) {
        const r = await runCli("check", configured, "--group", group, "--access", "READ", "/plant");
        expect(r).toEqual({ code: 3, stdout: "denied\n", stderr: "" });
      }
    } finally {
      await removeTrees([configured]);
    }
  });

  it("refuses an empty --group, as HTTP does", async () => {
    const r = await runCli("check", tree, "--group", "operators", "--group", "", "--access", "READ", "/plant");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("group must not be empty");
  });
});
