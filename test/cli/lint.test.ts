import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { Problem } from "../../src/engine/index.js";
import { BROKEN_TREE, removeTrees, runCli, VALID_TREE, writeTree } from "./helpers.js";

describe("treerights lint", () => {
  let clean: string;
  let warned: string;
  let broken: string;
  beforeAll(async () => {
    clean = await writeTree(VALID_TREE);
    warned = await writeTree({ ...VALID_TREE, "plant/south/access.rights": "" });
    broken = await writeTree({ ...BROKEN_TREE, "plant/south/access.rights": "" });
  });
  afterAll(() => removeTrees([clean, warned, broken]));

  it("exits 2, as its help says, when there is no tree to lint", async () => {
    for (const format of ["text", "json", "github"]) {
      const r = await runCli("lint", "/nonexistent/tree", "--format", format);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain("root_not_found");
    }
  });

  it("exits 0 on a clean tree with a summary line", async () => {
    const r = await runCli("lint", clean);
    expect(r).toEqual({ code: 0, stdout: "0 errors, 0 warnings in 3 files\n", stderr: "" });
  });

  it("exits 0 when there are only warnings, and lists them", async () => {
    const r = await runCli("lint", warned);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^plant\/south\/access\.rights(:\d+:\d+)?: warning: .+ \[\w+\]$/);
    expect(lines.at(-1)).toBe("0 errors, 1 warning in 4 files");
  });

  it("lists every problem across files in text and exits 1", async () => {
    const r = await runCli("lint", broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    const summary = lines.pop();
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(line).toMatch(/^[\w/.]+(:\d+:\d+)?: (error|warning): .+ \[\w+\]$/);
    expect(lines).toContainEqual(expect.stringMatching(/^access\.rights:3:1: error: .*`Write`.*\[\w+\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^plant\/access\.rights:\d+:\d+: error: /));
    expect(lines).toContainEqual(expect.stringMatching(/^plant\/north\/access\.rights:\d+:\d+: error: /));
    expect(lines).toContainEqual(expect.stringMatching(/^plant\/south\/access\.rights(:\d+:\d+)?: warning: /));
    const errors = lines.filter((l) => l.includes(": error: ")).length;
    expect(summary).toBe(`${errors} errors, 1 warning in 4 files`);
  });

  it("prints problems and counts as JSON with --format json", async () => {
    const r = await runCli("lint", broken, "--format", "json");
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout) as { problems: Problem[]; errors: number; warnings: number; files: number };
    expect(body.errors).toBeGreaterThanOrEqual(3);
    expect(body.warnings).toBe(1);
    expect(body.problems).toHaveLength(body.errors + body.warnings);
    expect(body.files).toBe(4);
    expect(new Set(body.problems.map((p) => p.file))).toEqual(
      new Set(["access.rights", "plant/access.rights", "plant/north/access.rights", "plant/south/access.rights"]),
    );
    for (const p of body.problems) {
      expect(p).toMatchObject({ code: expect.any(String), severity: expect.any(String), line: expect.any(Number), column: expect.any(Number), message: expect.any(String) });
    }

    const ok = await runCli("lint", clean, "--format", "json");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ problems: [], errors: 0, warnings: 0, files: 3 });
  });

  it("prints GitHub annotations with paths joined to the dir argument", async () => {
    const r = await runCli("lint", broken, "--format", "github");
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(line).toMatch(/^::(error|warning) (file=[^,]+,)?(line=\d+,col=\d+,)?title=\w+::.+$/);
    const root = join(broken, "access.rights");
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^::error file=${escape(root)},line=3,col=1,title=\\w+::.*\`Write\``)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^::error file=${escape(join(broken, "plant/north/access.rights"))},line=\\d+,col=\\d+,title=`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^::warning file=${escape(join(broken, "plant/south/access.rights"))},`)));
  });

  it("skips paths matching --ignore", async () => {
    const r = await runCli("lint", broken, "--ignore", "plant/**");
    expect(r.stdout).not.toContain("plant/");
    expect(r.stdout).toMatch(/^access\.rights:3:1: error: /m);
  });

  it("reports the deep lint rules with their ids, and fails on them with --strict", async () => {
    const tree = await writeTree({
      ...VALID_TREE,
      "treerights.yaml": "groups: [administrator, user, operators, supervisor]\nexclusive: [[operators, auditors]]\n",
      "plant/south/access.rights": "READ:\n  include: [operators, operator]\n",
    });
    try {
      const r = await runCli("lint", tree);
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd().split("\n")).toEqual([
        "plant/south/access.rights:2:13: warning: group `operators` is already inherited for `READ` at `/plant/south`; remove it from `include` [redundant_include]",
        "plant/south/access.rights:2:24: warning: group `operator` is not in the `groups` list of `treerights.yaml` (did you mean `operators`?) [unknown_group]",
        "treerights.yaml:2:25: warning: group `auditors` is not in the `groups` list of `treerights.yaml`; add it there or fix the name [unknown_group]",
        "0 errors, 3 warnings in 4 files",
      ]);
      const strict = await runCli("lint", tree, "--strict");
      expect(strict.code).toBe(1);
      expect(strict.stdout.trimEnd().split("\n").at(-1)).toBe("3 errors, 0 warnings in 4 files");
      const github = await runCli("lint", tree, "--format", "github");
      expect(github.stdout).toContain(`::warning file=${join(tree, "plant/south/access.rights")},line=2,col=13,title=redundant_include::group \`operators\` is already inherited`);
      expect(github.stdout).toContain(`::warning file=${join(tree, "treerights.yaml")},line=2,col=25,title=unknown_group::`);
    } finally {
      await removeTrees([tree]);
    }
  });

  it("reports exclusive groups that both hold WRITE as an error, with an annotation", async () => {
    const tree = await writeTree({ ...VALID_TREE, "treerights.yaml": "exclusive: [[administrator, supervisor]]\n" });
    try {
      const r = await runCli("lint", tree, "--format", "github");
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(`::error file=${join(tree, "plant/access.rights")},line=5,col=13,title=exclusive_write::groups \`administrator\` and \`supervisor\` are mutually exclusive in \`treerights.yaml\` but both hold WRITE on \`/plant\`; remove one of them here\n`);
    } finally {
      await removeTrees([tree]);
    }
  });

  it("rejects an unknown format", async () => {
    const r = await runCli("lint", clean, "--format", "xml");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Allowed choices are text, json, github");
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
