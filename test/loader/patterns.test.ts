import { describe, expect, it } from "vitest";
import { parseRights } from "../../src/loader/parse/parse-rights.js";
import { globMatcher, globProblem } from "../../src/loader/parse/glob.js";
import { loadTree } from "../../src/loader/read/load-tree.js";
import { makeTree } from "./tree-fixture.js";

const PLANT = `READ: { include: [operators] }
patterns:
  - match: "**/*.script"          # relative to this directory, descendants only
    WRITE: { override: [script-admins] }
  - match: "reports/**"
    READ:
      include: [auditors]
`;

describe("pattern rules in a rights file", () => {
  it("parses each rule with the place of the item, its glob, levels, keywords and groups", () => {
    const { file, problems, places } = parseRights(Buffer.from(PLANT), "plant/access.rights");
    expect(problems).toEqual([]);
    expect(file).toEqual({
      dir: "plant",
      file: "plant/access.rights",
      READ: { include: ["operators"], at: { line: 1, column: 1 } },
      patterns: [
        { match: "**/*.script", WRITE: { override: ["script-admins"], at: { line: 4, column: 5 } }, at: { line: 3, column: 5 } },
        { match: "reports/**", READ: { include: ["auditors"], at: { line: 6, column: 5 } }, at: { line: 5, column: 5 } },
      ],
    });
    expect(places?.patterns).toEqual([
      { at: { line: 3, column: 5 }, match: { line: 3, column: 12 }, WRITE: { at: { line: 4, column: 5 }, keywords: { override: { line: 4, column: 14 } }, groups: { override: [{ line: 4, column: 25 }] } } },
      { at: { line: 5, column: 5 }, match: { line: 5, column: 12 }, READ: { at: { line: 6, column: 5 }, keywords: { include: { line: 7, column: 7 } }, groups: { include: [{ line: 7, column: 17 }] } } },
    ]);
  });

  it("accepts an empty list, and warns about a rule that sets no level", () => {
    expect(parseRights(Buffer.from("patterns: []\n"), "access.rights")).toMatchObject({ file: { dir: "" }, problems: [] });
    const { file, problems } = parseRights(Buffer.from("READ: {include: a}\npatterns:\n  - match: x\n"), "access.rights");
    expect(file?.patterns).toEqual([{ match: "x", at: { line: 3, column: 5 } }]);
    expect(problems).toMatchObject([{ code: "empty_pattern", severity: "warning", line: 3, column: 5 }]);
    expect(problems[0]?.message).toBe("pattern rule `patterns[0]` has no `READ` or `WRITE` and changes nothing; add a level or remove it");
  });

  it("checks globs with micromatch and rejects globs that leave the directory", () => {
    expect(globProblem("**/*.script", "pattern")).toBeNull();
    expect(globProblem("{a,b}/[0-9]*.csv", "pattern")).toBeNull();
    expect(globProblem("/etc/**", "pattern")).toContain("starts with `/`");
    expect(globProblem("a/../../b", "ignore")).toContain("reaches only paths below the tree root");
    expect(globProblem("a{b", "pattern")).toContain("cannot be parsed (unterminated group)");
    expect(globMatcher("**/*.script")(".hidden.script")).toBe(true);
    expect(globMatcher("reports/**")("reports")).toBe(true);
  });
});

describe("pattern rules on a tree on disk", () => {
  it("decides with the rules of SPEC 1.3: globs relative to the file's directory, descendants only", async () => {
    const root = await makeTree({
      "access.rights": "READ: {include: [staff]}\nWRITE: {include: [admins]}\n",
      "plant/access.rights": PLANT,
    });
    const index = await loadTree(root);
    expect(index.groupsFor("WRITE", "/plant/north/pump.script")).toEqual(["script-admins"]);
    expect(index.groupsFor("WRITE", "/plant/.hidden.script")).toEqual(["script-admins"]);
    expect(index.groupsFor("WRITE", "/plant/north/pump.value")).toEqual(["admins"]);
    // Only below `plant/`: the glob is relative to the file's directory.
    expect(index.groupsFor("WRITE", "/other/pump.script")).toEqual(["admins"]);
    expect(index.groupsFor("READ", "/plant/reports")).toEqual(["auditors", "operators", "staff"]);
    expect(index.groupsFor("READ", "/plant/reports/2024/q1.csv")).toEqual(["auditors", "operators", "staff"]);
    expect(index.groupsFor("READ", "/plant/other/reports/x")).toEqual(["operators", "staff"]);
    expect(index.check(["auditors"], "READ", "/reports/x")).toBe(false);
  });

  it("lets a real file at a matching path have the last word there", async () => {
    const root = await makeTree({
      "access.rights": "READ: {include: [staff]}\n",
      "plant/access.rights": PLANT,
      "plant/reports/access.rights": "READ: {override: [board]}\n",
      "plant/legacy.script/access.rights": "WRITE: {override: [legacy-team]}\n",
    });
    const index = await loadTree(root);
    // At the file's own directory the pattern applies first, then the file.
    expect(index.groupsFor("READ", "/plant/reports")).toEqual(["board"]);
    expect(index.groupsFor("WRITE", "/plant/legacy.script")).toEqual(["legacy-team"]);
    // Below it the pattern matches again (`reports/**` matches `reports/q1.csv`); `**/*.script` does not match `legacy.script/x`.
    expect(index.groupsFor("READ", "/plant/reports/q1.csv")).toEqual(["auditors", "board"]);
    expect(index.groupsFor("WRITE", "/plant/legacy.script/x")).toEqual(["legacy-team"]);
  });

  it("applies ancestors' rules shallow-first, each file's in order, then the path's own file", async () => {
    const root = await makeTree({
      "access.rights": "WRITE: {include: [admins]}\npatterns:\n  - {match: plant/x, WRITE: {override: [a]}}\n",
      "plant/access.rights": "patterns:\n  - {match: x, WRITE: {include: [b]}}\n  - {match: x, WRITE: {exclude: [a]}}\n",
      "plant/x/access.rights": "WRITE: {include: [c]}\n",
    });
    const index = await loadTree(root);
    expect(index.groupsFor("WRITE", "/plant/x")).toEqual(["b", "c"]);
    const steps = index.explain(["b"], "WRITE", "/plant/x").steps.map((s) => [s.dir, s.file, s.after.join(",")]);
    expect(steps).toEqual([
      ["/", "access.rights", "admins"],
      ["/plant", "plant/access.rights", "admins"],
      ["/plant/x", "access.rights", "a"],
      ["/plant/x", "plant/access.rights", "a,b"],
      ["/plant/x", "plant/access.rights", "b"],
      ["/plant/x", "plant/x/access.rights", "b,c"],
    ]);
  });

  it("rejects a tree with a bad pattern, with file, line and column", async () => {
    const root = await makeTree({
      "access.rights": "READ: {include: a}\n",
      "plant/access.rights": "patterns:\n  - match: \"../secrets/**\"\n    READ: {include: [x]}\n  - mach: \"*.x\"\n",
    });
    await expect(loadTree(root)).rejects.toMatchObject({
      problems: [
        { code: "invalid_glob", file: "plant/access.rights", line: 2, column: 12 },
        { code: "invalid_pattern", file: "plant/access.rights", line: 4, column: 5 },
        { code: "unknown_key", file: "plant/access.rights", line: 4, column: 5, message: "unknown key `mach` in `patterns[1]` (did you mean `match`?)" },
        { code: "empty_pattern", severity: "warning", line: 4, column: 5 },
      ],
    });
  });
});

describe("globProblem limits", () => {
  it("rejects a glob longer than micromatch takes", () => {
    expect(globProblem("a".repeat(70_000), "pattern")).toBe("is over 65536 characters, more than micromatch takes; shorten it");
  });
});
