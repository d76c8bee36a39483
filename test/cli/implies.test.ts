/** SPEC 1.5 through the CLI: who --implied, explain's chain, and diff between git revisions that change `implies`. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestRepo } from "../diff/git-repo.js";
import { removeTrees, runCli, writeTree } from "./helpers.js";

const FILES = {
  "access.rights": "READ:\n  include: [user, configuration-management]\nWRITE:\n  include: [configuration-management]\n",
  "system/users/access.rights": "WRITE:\n  override: [user-management]\n",
};
const CONFIG = "implies:\n  administrator: [configuration-management, user-management]\n  shift-lead: [administrator]\n";

describe("treerights with implies", () => {
  let tree: string;
  beforeAll(async () => {
    tree = await writeTree({ ...FILES, "treerights.yaml": CONFIG });
  });
  afterAll(() => removeTrees([tree]));

  it("who lists eff, and with --implied the groups that reach it with their chains", async () => {
    expect(await runCli("who", tree, "--access", "WRITE", "/system/users/a")).toEqual({ code: 0, stdout: "user-management\n", stderr: "" });
    const r = await runCli("who", tree, "--access", "WRITE", "/system/users/a", "--implied");
    expect(r).toEqual({ code: 0, stdout: "user-management\nadministrator → user-management\nshift-lead → administrator → user-management\n", stderr: "" });
    const json = await runCli("who", tree, "--access", "WRITE", "/", "--implied", "--json");
    expect(JSON.parse(json.stdout)).toEqual({
      groups: ["configuration-management"],
      implied: [
        { group: "administrator", chain: ["administrator", "configuration-management"] },
        { group: "shift-lead", chain: ["shift-lead", "administrator", "configuration-management"] },
      ],
    });
  });

  it("check decides by the implied groups, and explain names the chain", async () => {
    expect((await runCli("check", tree, "--group", "shift-lead", "--access", "WRITE", "/system/users")).code).toBe(0);
    const r = await runCli("explain", tree, "--group", "administrator", "--access", "WRITE", "/system/users");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("decided by: `administrator` (through `administrator` → `user-management`)");
    const json = await runCli("explain", tree, "--group", "administrator", "--access", "WRITE", "/system/users", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({ allowed: true, deciding: ["administrator"], chains: [["administrator", "user-management"]] });
  });

  it("lint reports a cycle with file, line and column", async () => {
    const cyclic = await writeTree({ ...FILES, "treerights.yaml": "implies:\n  a: [b]\n  b: [a]\n" });
    try {
      const r = await runCli("lint", cyclic);
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toContain("treerights.yaml:2:3");
      expect(r.stdout + r.stderr).toContain("`implies` has a cycle: `a` → `b` → `a`");
    } finally {
      await removeTrees([cyclic]);
    }
  });
});

describe("treerights diff between revisions that change implies", () => {
  let repo: TestRepo;
  beforeAll(async () => {
    repo = await TestRepo.create();
    await repo.write({ ...FILES, "treerights.yaml": "implies:\n  administrator: [configuration-management]\n" });
    await repo.commit("base");
    await repo.write({ "treerights.yaml": "implies:\n  administrator: [configuration-management, user-management]\n" });
    await repo.commit("admins manage users");
  });
  afterAll(() => repo.remove());

  it("reports the change of effective rights with the implication as its cause", async () => {
    const r = await runCli("diff", "--repo", repo.dir, "HEAD~1", "HEAD");
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe("+administrator WRITE /system/users (treerights.yaml: implies administrator → user-management)");
    const md = await runCli("diff", "--repo", repo.dir, "HEAD~1", "HEAD", "--format", "markdown");
    expect(md.stdout).toContain("`treerights.yaml`: implies `administrator` → `user-management`");
    const back = await runCli("diff", "--repo", repo.dir, "HEAD", "HEAD~1");
    expect(back.stdout.split("\n")[0]).toBe("-administrator WRITE /system/users (treerights.yaml: implies removed administrator → user-management)");
  });
});
