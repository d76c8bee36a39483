import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN_TREE, removeTrees, runCli, writeTree } from "./helpers.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/tree", import.meta.url));

describe("treerights where", () => {
  let patterned: string;
  let broken: string;
  beforeAll(async () => {
    patterned = await writeTree({
      "access.rights": "READ:\n  include: [ops]\nWRITE:\n  include: [admin]\n",
      "plant/access.rights":
        "WRITE:\n  include: [ops]\npatterns:\n  - match: \"**/*.script\"\n    WRITE:\n      exclude: [ops]\n  - match: \"drafts/**\"\n    WRITE:\n      include: [interns]\n",
    });
    broken = await writeTree(BROKEN_TREE);
  });
  afterAll(() => removeTrees([patterned, broken]));

  it("prints each region and, indented, the holes cut out of it", async () => {
    const r = await runCli("where", EXAMPLE, "--group", "team-lyon", "--access", "WRITE");
    expect(r).toEqual({ code: 0, stdout: "/sites/lyon\n  except /sites/lyon/lines/line-1/scripts\n", stderr: "" });
  });

  it("lists every region, sorted, each with its holes", async () => {
    const r = await runCli("where", EXAMPLE, "--group", "user", "--access", "READ");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      "/",
      "  except /sites/lyon/lines/line-1/scripts",
      "  except /sites/porto/lines/line-1/scripts",
      "  except /sites/porto/lines/line-3",
      "  except /system",
      "pattern rules that change this on the paths they match:",
      "  revoke `drafts/**` below /reports (reports/access.rights)",
      "",
    ].join("\n"));
  });

  it("reports a region that starts again below another region's hole", async () => {
    // Supervisors lose READ on /system (override) and get it back on /system/notifications.
    const r = await runCli("where", EXAMPLE, "--group", "supervisor", "--access", "READ");
    expect(r.stdout.split("\n")).toEqual(expect.arrayContaining(["/", "  except /system", "/system/notifications"]));
  });

  it("prints the WhereResult with --json", async () => {
    const r = await runCli("where", EXAMPLE, "--group", "contractors", "--access", "WRITE", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      group: "contractors",
      access: "WRITE",
      regions: [{ path: "/sites/lyon/lines/line-2", holes: ["/sites/lyon/lines/line-2/alarms"] }],
      patterns: [],
    });
  });

  it("lists the pattern rules that concern the group", async () => {
    const r = await runCli("where", patterned, "--group", "ops", "--access", "WRITE");
    expect(r).toEqual({
      code: 0,
      stdout: "/plant\npattern rules that change this on the paths they match:\n  revoke `**/*.script` below /plant (plant/access.rights)\n",
      stderr: "",
    });
    const interns = await runCli("where", patterned, "--group", "interns", "--access", "WRITE");
    expect(interns.stdout).toBe("pattern rules that grant or revoke it on the paths they match:\n  grant  `drafts/**` below /plant (plant/access.rights)\n");
    expect(interns.stderr).toBe("`interns` holds WRITE in none of the tree's directories; only on paths the pattern rules above grant it on\n");
  });

  it("answers over the directories on disk, pattern rules included, as check and who do", async () => {
    const tree = await writeTree({
      "access.rights": "READ:\n  include: [ops]\n",
      "plant/access.rights": "patterns:\n  - match: \"reports/**\"\n    READ:\n      include: [auditors]\n",
      "plant/reports/notes.txt": "a directory on disk with no rights file of its own",
      "plant/reports/2026/q4.txt": "and one below it",
    });
    try {
      const where = await runCli("where", tree, "--group", "auditors", "--access", "READ");
      expect(where.stdout).toBe("/plant/reports\npattern rules that change this on the paths they match:\n  grant  `reports/**` below /plant (plant/access.rights)\n");
      expect(where.stderr).toBe("");
      const who = await runCli("who", tree, "--access", "READ", "/plant/reports/2026");
      expect(who.stdout).toContain("auditors");
      expect((await runCli("check", tree, "--group", "auditors", "--access", "READ", "/plant/reports/2026")).code).toBe(0);
      // micromatch's `reports/**` matches `reports` itself too.
      expect((await runCli("check", tree, "--group", "auditors", "--access", "READ", "/plant/reports")).code).toBe(0);
      expect((await runCli("check", tree, "--group", "auditors", "--access", "READ", "/plant")).code).toBe(3);
    } finally {
      await removeTrees([tree]);
    }
  });

  it("prints nothing on stdout for a group that holds the level nowhere, and says so on stderr", async () => {
    const r = await runCli("where", EXAMPLE, "--group", "nobody", "--access", "WRITE");
    expect(r).toEqual({
      code: 0,
      stdout: "",
      stderr: "warning: group `nobody` is not named in any rights file or in `treerights.yaml`; it holds nothing in this tree\n" +
        "`nobody` holds WRITE nowhere in the tree's directories\n",
    });
    const json = await runCli("where", EXAMPLE, "--group", "nobody", "--access", "WRITE", "--json");
    expect(JSON.parse(json.stdout)).toEqual({ group: "nobody", access: "WRITE", regions: [], patterns: [] });
  });

  it("warns with a hint when the group is named nowhere: a typo, not a group without rights", async () => {
    const typo = await runCli("where", EXAMPLE, "--group", "contractor", "--access", "READ");
    expect(typo.code).toBe(0);
    expect(typo.stderr).toContain("warning: group `contractor` is not named in any rights file or in `treerights.yaml` (did you mean `contractors`?)\n");
    const named = await runCli("where", EXAMPLE, "--group", "contractors", "--access", "READ");
    expect(named.stderr).not.toContain("warning");
  });

  it("exits 2 on a bad tree, a bad access level, an empty or a missing group", async () => {
    const bad = await runCli("where", broken, "--group", "ops", "--access", "READ");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^plant\/access\.rights:\d+:\d+: error: /m);

    const access = await runCli("where", EXAMPLE, "--group", "ops", "--access", "read");
    expect(access.code).toBe(2);
    expect(access.stderr).toContain("did you mean `READ`?");

    const empty = await runCli("where", EXAMPLE, "--group", "", "--access", "READ");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("group must not be empty");

    const missing = await runCli("where", EXAMPLE, "--access", "READ");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--group");

    const nowhere = await runCli("where", "/nonexistent/tree", "--group", "ops", "--access", "READ");
    expect(nowhere.code).toBe(2);
  });
});
