import { describe, expect, it } from "vitest";
import { LoadError, TreeRightsError } from "../../src/engine/index.js";
import { compileSnapshot, lintTree, loadTree } from "../../src/loader/read/load-tree.js";
import { makeTree } from "./tree-fixture.js";

describe("loadTree", () => {
  it("compiles a valid tree with the snapshot's revision", async () => {
    const root = await makeTree({
      "access.rights": "READ: {include: [operators]}\nWRITE: {include: [supervisors]}\n",
      "plant/north/access.rights": "READ:\n  exclude: [operators]\n  include: [north]\nWRITE: {override: []}\n",
      "plant/empty/access.rights": "# nothing yet\n",
    });
    const index = await loadTree(root);
    expect(index.revision).toMatch(/^[0-9a-f]{16}$/);
    expect(index.fileCount).toBe(3);
    expect(index.check(["operators"], "READ", "/plant/values/a")).toBe(true);
    expect(index.check(["operators"], "READ", "/plant/north/a")).toBe(false);
    expect(index.check(["north"], "READ", "plant/north")).toBe(true);
    expect(index.groupsFor("WRITE", "/plant/north/x")).toEqual([]);
    expect(index.explain(["north"], "READ", "/plant/north").steps.at(-1)?.at).toEqual({ line: 1, column: 1 });
  });

  it("throws one LoadError listing every problem", async () => {
    const root = await makeTree({
      "access.rights": "Write: {include: a}\n",
      "plant/access.rights": "READ: {include: [true]}\n",
      "plant/x/access.rights": "",
    });
    const err: unknown = await loadTree(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    const problems = (err as LoadError).problems;
    expect(problems.map((p) => [p.code, p.file])).toEqual([
      ["unknown_key", "access.rights"],
      ["non_string_group", "plant/access.rights"],
      ["empty_file", "plant/x/access.rights"],
    ]);
    expect((err as LoadError).message).toContain("access.rights:1:1: error: unknown key `Write` (did you mean `WRITE`?) [unknown_key] (and 1 more)");
  });

  it("throws LoadError for a missing root and a missing root file", async () => {
    await expect(loadTree("/nonexistent/treerights")).rejects.toMatchObject({ code: "load_failed", problems: [{ code: "root_not_found" }] });
    const root = await makeTree({ "plant/access.rights": "READ: {include: a}\n" });
    await expect(loadTree(root)).rejects.toMatchObject({ problems: [{ code: "missing_root_rights", file: "access.rights", line: 0 }] });
  });

  it("rejects %YAML 1.1 with a group named `no`", async () => {
    const root = await makeTree({ "access.rights": "%YAML 1.1\n---\nREAD:\n  include: [no]\n" });
    await expect(loadTree(root)).rejects.toMatchObject({ problems: [{ code: "yaml_directive", line: 1, column: 1 }] });
  });

  it.each([
    ["an alias bomb", `a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nREAD: {include: *d}\n`, "alias_bomb", 2, 8],
    ["a group 123", "READ:\n  include: [ops, 123]\n", "non_string_group", 2, 18],
    ["a group true", "WRITE: {override: true}\n", "non_string_group", 1, 19],
    ["a group null", "READ: {exclude: [null]}\n", "non_string_group", 1, 18],
    ["latin-1 bytes", Buffer.from("READ: {include: [caf\xe9]}\n", "latin1"), "not_utf8", 1, 21],
  ])("rejects %s on disk", async (_name, content, code, line, column) => {
    const root = await makeTree({ "access.rights": "READ: {include: [ops]}\n", "plant/access.rights": content });
    await expect(loadTree(root)).rejects.toMatchObject({ problems: [{ code, file: "plant/access.rights", line, column }] });
  });

  it("serves groups named `__proto__` and `constructor`", async () => {
    const root = await makeTree({
      "access.rights": "READ: {include: [__proto__]}\nWRITE: {include: [constructor]}\n",
      "__proto__/access.rights": "READ: {exclude: [__proto__], include: [toString]}\n",
    });
    const index = await loadTree(root);
    expect(index.check(["__proto__"], "READ", "/a")).toBe(true);
    expect(index.check(["__proto__"], "READ", "/__proto__/x")).toBe(false);
    expect(index.groupsFor("READ", "/__proto__")).toEqual(["toString"]);
    expect(index.check(["constructor"], "WRITE", "/constructor")).toBe(true);
  });

  it("turns a compile failure into an invalid_rights problem", () => {
    const { index, problems } = compileSnapshot({ files: [], problems: [], revision: "0", rightsPaths: [] });
    expect(index).toBeNull();
    expect(problems).toMatchObject([{ code: "invalid_rights", severity: "error", file: "", line: 0 }]);
  });

  it("throws invalid_option for bad options", async () => {
    const root = await makeTree({ "access.rights": "" });
    await expect(loadTree(root, { ignore: "x" as unknown as string[] })).rejects.toBeInstanceOf(TreeRightsError);
    await expect(loadTree(root, { ignore: "x" as unknown as string[] })).rejects.toMatchObject({ code: "invalid_option" });
  });
});

describe("lintTree", () => {
  it("returns problems instead of throwing, and no index on errors", async () => {
    const root = await makeTree({ "access.rights": "READ: {include: a}\n", "b/access.rights": "READ: [\n" });
    const result = await lintTree(root);
    expect(result.index).toBeNull();
    expect(result.problems).toMatchObject([{ code: "yaml_syntax", file: "b/access.rights", line: 2, column: 1 }]);
    expect((await lintTree("/nonexistent/treerights")).problems).toMatchObject([{ code: "root_not_found" }]);
  });

  it("warns where a group may write but not read, once where it starts", async () => {
    const root = await makeTree({
      "access.rights": "READ: {include: [ops]}\nWRITE: {include: [ops, robots]}\n",
      "plant/access.rights": "READ: {include: [eng]}\n",
      "plant/north/access.rights": "READ:\n  exclude: [ops]\nWRITE:\n  include: [eng]\n",
      "plant/north/deep/access.rights": "WRITE: {include: [auditors]}\n",
    });
    const { index, problems } = await lintTree(root);
    expect(index).not.toBeNull();
    expect(problems.map((p) => [p.code, p.file, p.line, p.column, p.message])).toEqual([
      ["write_without_read", "access.rights", 2, 1, "group `robots` may write `/` but not read it; add it to `READ` or remove it from `WRITE`"],
      ["write_without_read", "plant/north/access.rights", 3, 1, "group `ops` may write `/plant/north` but not read it; add it to `READ` or remove it from `WRITE`"],
      ["write_without_read", "plant/north/deep/access.rights", 1, 1, "group `auditors` may write `/plant/north/deep` but not read it; add it to `READ` or remove it from `WRITE`"],
    ]);
    expect(problems.every((p) => p.severity === "warning")).toBe(true);
  });

  it("reports empty files and symlinks as warnings next to a good index", async () => {
    const root = await makeTree({ "access.rights": "READ: {include: a}\n", "x/access.rights": "" });
    const { symlink } = await import("node:fs/promises");
    await symlink("x", `${root}/link`);
    const { index, problems } = await lintTree(root);
    expect(index?.fileCount).toBe(2);
    expect(problems.map((p) => [p.code, p.severity, p.file])).toEqual([
      ["symlink", "warning", "link"],
      ["empty_file", "warning", "x/access.rights"],
    ]);
  });
});
