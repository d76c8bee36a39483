import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Explanation } from "../../src/engine/index.js";
import { BROKEN_TREE, removeTrees, runCli, VALID_TREE, writeTree } from "./helpers.js";

describe("treerights explain", () => {
  let tree: string;
  let broken: string;
  beforeAll(async () => {
    tree = await writeTree(VALID_TREE);
    broken = await writeTree(BROKEN_TREE);
  });
  afterAll(() => removeTrees([tree, broken]));

  it("traces an allow: the decision, every file with its keywords and sets, the deciding group", async () => {
    const r = await runCli("explain", tree, "--group", "operators", "--group", "x", "--access", "READ", "plant/north/a");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("warning: group `x` is not named in any rights file or in `treerights.yaml`; it holds nothing in this tree\n");
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("allowed: READ on `/plant/north/a`");
    expect(lines).toContain("groups: `operators`, `x`");
    expect(lines).toContainEqual(expect.stringMatching(/^revision: \S+$/));
    expect(lines).toContain("rights files on the path (READ):");
    expect(r.stdout).toMatch(/^ {2}1\. access\.rights(:\d+:\d+)? \(\/\)$/m);
    expect(lines).toContain("       override: `administrator`, `user`");
    expect(lines).toContain("       (nobody) → `administrator`, `user`  +`administrator` +`user`");
    expect(r.stdout).toMatch(/^ {2}2\. plant\/access\.rights(:\d+:\d+)? \(\/plant\)$/m);
    expect(lines).toContain("       include: `operators`, `supervisor`; exclude: `user`");
    expect(lines).toContain("       `administrator`, `user` → `administrator`, `operators`, `supervisor`  +`operators` +`supervisor` -`user`");
    expect(r.stdout).toMatch(/^ {2}3\. plant\/north\/access\.rights \(\/plant\/north\)$/m);
    expect(lines).toContain("       no READ rule: `administrator`, `operators`, `supervisor` unchanged");
    expect(lines).toContain("decided by: `operators`");
  });

  it("says which groups hold the level when none of the caller's do", async () => {
    const r = await runCli("explain", tree, "--group", "user", "--access", "READ", "plant/x");
    expect(r.code).toBe(3);
    expect(r.stdout.split("\n")[0]).toBe("denied: READ on `/plant/x`");
    expect(r.stdout).toContain("why: none of your groups (`user`) holds READ here; holders: `administrator`, `operators`, `supervisor`\n");
  });

  it("says nobody holds the level under override: []", async () => {
    const r = await runCli("explain", tree, "--group", "administrator", "--access", "WRITE", "plant/north/x");
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("       override: (nobody)\n");
    expect(r.stdout).toContain("       `administrator`, `supervisor` → (nobody)  -`administrator` -`supervisor`\n");
    expect(r.stdout).toContain("why: nobody holds WRITE here\n");
  });

  it("prints the Explanation as JSON with --json", async () => {
    const r = await runCli("explain", tree, "--group", "supervisor", "--access", "WRITE", "plant/a", "--json");
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as Explanation;
    expect(e).toMatchObject({
      allowed: true,
      access: "WRITE",
      path: "/plant/a",
      groups: ["supervisor"],
      effective: ["administrator", "supervisor"],
      deciding: ["supervisor"],
    });
    expect(e.steps.map((s) => s.file)).toEqual(["access.rights", "plant/access.rights"]);
    expect(e.steps[1]).toMatchObject({ keywords: ["include"], before: ["administrator"], after: ["administrator", "supervisor"] });
  });

  it("exits 2 on a bad path and on a tree that does not load", async () => {
    const path = await runCli("explain", tree, "--group", "g", "--access", "READ", "../x");
    expect(path.code).toBe(2);
    expect(path.stderr).toMatch(/^error: path `\.\.\/x` has a `\.\.` segment/);

    const bad = await runCli("explain", broken, "--group", "g", "--access", "READ", "x");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^access\.rights:3:1: error: /m);
  });

  it("names the pattern rule of a step: file, line and its match glob", async () => {
    const patterned = await writeTree({
      "access.rights": "READ:\n  include: [ops]\n",
      "plant/access.rights":
        "WRITE:\n  include: [ops]\npatterns:\n  - match: \"**/*.script\"\n    WRITE:\n      override: [script-admins]\n  - match: \"drafts/**\"\n    READ:\n      include: [interns]\n",
    });
    try {
      const r = await runCli("explain", patterned, "--group", "ops", "--access", "WRITE", "/plant/drafts/a.script");
      expect(r.code).toBe(3);
      const lines = r.stdout.split("\n");
      // A rule with the level: the level's place; one without: the rule's own place.
      expect(lines).toContain("  3. plant/access.rights:7:5 (/plant/drafts) pattern rule `match: drafts/**`");
      expect(lines).toContain("  4. plant/access.rights:5:5 (/plant/drafts/a.script) pattern rule `match: **/*.script`");
      expect(lines).toContain("       override: `script-admins`");
      expect(lines).toContain("  5. plant/access.rights:7:5 (/plant/drafts/a.script) pattern rule `match: drafts/**`");
      // A file's own step names no rule.
      expect(lines).toContain("  2. plant/access.rights:1:1 (/plant)");
    } finally {
      await removeTrees([patterned]);
    }
  });
});
