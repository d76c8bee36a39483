/**
 * `treerights diff` on real git repositories made in the test: branches, a
 * renamed directory, a deleted and an added rights file, a cascade counted
 * as one line; every format, the exit codes and `--fail-on`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeTrees, runCli, writeTree } from "../cli/helpers.js";
import { TestRepo } from "./git-repo.js";

const LINES = 40;

describe("treerights diff --repo", () => {
  let repo: TestRepo;
  beforeAll(async () => {
    repo = await TestRepo.create();
    await repo.write({
      "access.rights": "READ:\n  override: [staff]\nWRITE:\n  override: [admins]\n",
      "plant/access.rights": "READ:\n  include: [operators]\n",
      "plant/old/access.rights": "READ:\n  exclude: [staff]\n",
      "plant/gone/access.rights": "WRITE:\n  include: [operators]\n",
      "docs/README.md": "rights\n",
    });
    await repo.dirs([...Array.from({ length: LINES }, (_, i) => `plant/north/line-${i}`), "plant/old/a", "plant/old/b"]);
    await repo.commit("base");
    await repo.git("branch", "docs");
    await repo.git("checkout", "-q", "-b", "feature");
    await repo.write({ "plant/north/access.rights": "WRITE:\n  include: [contractors]\n", "plant/gone/access.rights": null });
    await repo.git("mv", "plant/old", "plant/archive");
    await repo.commit("feature");
    await repo.git("checkout", "-q", "docs");
    // Only a comment and formatting change: the same rules.
    await repo.write({ "docs/README.md": "rights, again\n", "plant/access.rights": "# operators read the plant\nREAD: { include: [ operators ] }\n" });
    await repo.commit("docs");
    await repo.git("checkout", "-q", "-b", "broken", "main");
    await repo.write({ "plant/access.rights": "READ:\n  include: [operators]\nWrite:\n  include: [x]\n" });
    await repo.commit("broken");
    await repo.git("checkout", "-q", "main");
  });
  afterAll(() => repo.remove());

  const diff = (...args: string[]) => runCli("diff", "--repo", repo.dir, ...args);

  it("prints one line per cause with its count, and a summary (exit 1)", async () => {
    const r = await diff("main", "feature");
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n")).toEqual([
      "-staff READ /plant/archive (plant/archive/access.rights, new file: exclude) [+2 below]",
      "-operators WRITE /plant/gone (plant/gone/access.rights, deleted: include)",
      `+contractors WRITE /plant/north (plant/north/access.rights, new file: include) [+${LINES} below]`,
      "+staff READ /plant/old (plant/old/access.rights, deleted: exclude) [+2 below]",
      "4 changes on 48 paths (44 grants, 4 revocations) between `main` and `feature`; rights files: 2 added, 2 removed",
      "",
    ]);
    expect(r.code).toBe(1);
  });

  it("exits 0 when no effective right changed, even if files did", async () => {
    const r = await diff("main", "docs");
    expect(r).toEqual({ code: 0, stdout: "no effective change between `main` and `docs`\n", stderr: "" });
    expect((await diff("feature", "feature")).code).toBe(0);
  });

  it("prints JSON with every path, the commits, the files and the summary", async () => {
    const r = await diff("main", "feature", "--format", "json");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { from: unknown; changed: boolean; summary: unknown; entries: { paths: string[] }[]; files: unknown; risks: unknown };
    expect(out.from).toEqual({ ref: "main", revision: expect.stringMatching(/^[0-9a-f]{16}$/), commit: (await repo.git("rev-parse", "main")).trim() });
    expect(out.changed).toBe(true);
    expect(out.summary).toEqual({ entries: 4, paths: 48, grants: 44, revocations: 4, examined: 51 });
    const north = out.entries[2]!;
    expect(north).toMatchObject({
      access: "WRITE", path: "/plant/north", added: ["contractors"], removed: [], count: LINES + 1, nested: true,
      cause: { file: "plant/north/access.rights", dir: "/plant/north", keyword: "include", side: "to", change: "added" },
    });
    expect(north.paths).toHaveLength(LINES + 1);
    expect(north.paths.slice(0, 3)).toEqual(["/plant/north", "/plant/north/line-0", "/plant/north/line-1"]);
    expect(out.files).toEqual([
      { file: "plant/archive/access.rights", change: "added" },
      { file: "plant/gone/access.rights", change: "removed" },
      { file: "plant/north/access.rights", change: "added" },
      { file: "plant/old/access.rights", change: "removed" },
    ]);
    expect(out.risks).toEqual([]);
  });

  it("prints a markdown comment with a summary line and a table", async () => {
    const r = await diff("main", "feature", "--format", "markdown", "--fail-on", "write-grant");
    expect(r.code).toBe(4);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("#### treerights: effective rights `main` → `feature`");
    expect(lines[2]).toMatch(/^\*\*4 changes\*\* on 48 paths: 44 grants, 4 revocations · ⚠️ \*\*1 risky change\*\*\. 4 rights files changed: /);
    expect(lines).toContain("| | Access | Groups | Path | Paths | Cause |");
    expect(lines).toContain(`| ⚠️ | WRITE | +\`contractors\` | \`/plant/north\` | ${LINES + 1} (here and below) | \`plant/north/access.rights\`, new file: include |`);
    expect(lines).toContain("|  | WRITE | -`operators` | `/plant/gone` | 1 | `plant/gone/access.rights`, deleted: include |");
    expect(lines).toContain("- `write-grant`: new WRITE grant to `contractors` on `/plant/north`");
    const none = await diff("main", "docs", "--format", "markdown");
    expect(none.stdout).toBe("#### treerights: effective rights `main` → `docs`\n\n**No effective change.**\n");
  });

  it("turns risky changes into exit 4 with --fail-on", async () => {
    const write = await diff("main", "feature", "--fail-on", "write-grant");
    expect(write.code).toBe(4);
    expect(write.stdout).toContain("\nrisk (write-grant): new WRITE grant to `contractors` on `/plant/north`\n");

    const broad = await diff("main", "feature", "--fail-on", "broad", "--broad", "everyone,contractors");
    expect(broad.code).toBe(4);
    expect(broad.stdout).toContain("risk (broad): new WRITE grant to broad group `contractors` on `/plant/north`");

    // Grants here stand at depth 2: `near-root` flags them only from --depth 2.
    expect((await diff("main", "feature", "--fail-on", "near-root")).code).toBe(1);
    const near = await diff("main", "feature", "--fail-on", "near-root", "--depth", "2");
    expect(near.code).toBe(4);
    expect(near.stdout).toContain("risk (near-root): new READ grant to `staff` on `/plant/old`, at depth 2 (limit 2)");

    // Removals are never risky: feature → main only takes the new grants away... and gives back what was taken.
    const back = await diff("feature", "main", "--fail-on", "write-grant,broad", "--broad", "contractors", "--format", "json");
    const { risks } = JSON.parse(back.stdout) as { risks: { rule: string }[] };
    expect(risks.map((r) => r.rule)).toEqual(["write-grant"]);
    expect(back.code).toBe(4);
    expect((await diff("main", "docs", "--fail-on", "write-grant,near-root")).code).toBe(0);
  });

  it("exits 2 for an unknown revision, a tree that does not load, and bad options", async () => {
    const unknown = await diff("main", "nope");
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toBe(`error: unknown revision \`nope\` in \`${repo.dir}\`; fetch it or check its spelling\n`);

    const broken = await diff("main", "broken");
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error: rights tree `broken` did not load \(1 error\)\nplant\/access\.rights:3:1: error: unknown key `Write`/);

    const check = await diff("main", "feature", "--fail-on", "everything");
    expect(check.code).toBe(2);
    expect(check.stderr).toContain("unknown check `everything`; use `write-grant`, `near-root`, `broad`");
    const noBroad = await diff("main", "feature", "--fail-on", "broad");
    expect(noBroad).toMatchObject({ code: 2, stdout: "" });
    expect(noBroad.stderr).toContain("needs a list of broad groups");
    expect((await diff("main", "feature", "--depth", "-1")).code).toBe(2);
    expect((await diff("main", "feature", "--format", "html")).code).toBe(2);
    expect((await runCli("diff", "/nonexistent/a", "/nonexistent/b")).code).toBe(2);
  });

  it("without --repo, says to add it when an argument is no directory but a revision of the repository here", async () => {
    const cwd = process.cwd();
    process.chdir(repo.dir);
    try {
      // `plant` is a directory of the work tree, and loads: only `main` fails.
      const r = await runCli("diff", "main", "plant");
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n")).toEqual([
        "error: rights tree `main` did not load (1 error)",
        ".: error: tree root `main` cannot be read (ENOENT); pass an existing directory [root_not_found]",
        "hint: `main` is not a directory but a git revision here; to compare two revisions, add `--repo .` (and `--tree <subdir>` when the tree is not at the top)",
        "",
      ]);
      expect((await runCli("diff", "main", "feature")).stderr).toMatch(/^hint: `(main|feature)` is not a directory but a git revision here/m);
      // A name that is no revision either gets no hint.
      const typo = await runCli("diff", "mian", "plant");
      expect(typo.code).toBe(2);
      expect(typo.stderr).not.toContain("hint:");
    } finally {
      process.chdir(cwd);
    }
  });

  it("reads a subdirectory with --tree and never touches the work tree", async () => {
    const nested = await TestRepo.create();
    try {
      await nested.write({ "rights/access.rights": "READ:\n  override: [staff]\n", "rights/a/b/.keep": "" });
      await nested.commit("one");
      await nested.write({ "rights/access.rights": "READ:\n  override: [staff, guests]\n", "rights/a/b/new.txt": "dirty" });
      await nested.commit("two");
      await nested.write({ "rights/a/b/new.txt": "uncommitted" });
      const r = await runCli("diff", "--repo", nested.dir, "--tree", "rights", "HEAD~1", "HEAD");
      expect(r.stdout.split("\n")[0]).toBe("+guests READ / (access.rights: override) [+2 below]");
      expect(r.code).toBe(1);
      expect(await nested.git("status", "--porcelain")).toBe(" M rights/a/b/new.txt\n");
    } finally {
      await nested.remove();
    }
  });
});

describe("treerights diff <dir> <dir>", () => {
  let roots: string[] = [];
  afterAll(() => removeTrees(roots));

  it("diffs two directories, counting cascades into directories without rights files", async () => {
    const base = { "access.rights": "READ:\n  override: [staff]\n", "a/b/c/.keep": "", "a/d/.keep": "", "node_modules/x/y/.keep": "" };
    const before = await writeTree(base);
    const after = await writeTree({ ...base, "a/access.rights": "READ:\n  include: [\"night shift\", \"a|b\"]\n" });
    roots = [before, after];
    const r = await runCli("diff", before, after);
    expect(r.stdout.split("\n")[0]).toBe("+a|b +\"night shift\" READ /a (a/access.rights, new file: include) [+3 below]");
    expect(r.code).toBe(1);
    const md = await runCli("diff", before, after, "--format", "markdown");
    expect(md.stdout).toContain("| READ | +`a\\|b` +`night shift` | `/a` | 4 (here and below) |");
    expect((await runCli("diff", before, before)).code).toBe(0);
  });
});
