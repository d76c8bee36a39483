import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/engine/index.js";
import { lintTree, loadTree } from "../../src/loader/read/load-tree.js";
import { makeTree } from "./tree-fixture.js";
import type { TreeFiles } from "./tree-fixture.js";

/** The findings of `codes` as [code, file, line, column]. */
async function lint(files: TreeFiles, codes?: readonly string[]): Promise<[string, string, number, number][]> {
  const { problems } = await lintTree(await makeTree(files));
  return problems.filter((p) => codes === undefined || codes.includes(p.code)).map((p) => [p.code, p.file, p.line, p.column]);
}

async function messages(files: TreeFiles, code: string): Promise<string[]> {
  const { problems } = await lintTree(await makeTree(files));
  return problems.filter((p) => p.code === code).map((p) => p.message);
}

const REDUNDANT = ["redundant_include", "redundant_exclude", "redundant_override"];

describe("redundant keywords in files", () => {
  const tree = {
    "access.rights": "READ: {include: [ops]}\nWRITE: {include: [admins]}\n",
    "plant/access.rights": "READ:\n  include: [eng, ops]\n  exclude: [ghost]\nWRITE:\n  override: [admins]\n",
    "plant/north/access.rights": "READ: {exclude: [ops]}\nWRITE: {override: []}\n",
    "plant/north/a/access.rights": "READ: {include: [ops]}\nWRITE: {override: []}\n",
  };

  it("flags an include already inherited, an exclude not inherited and an override equal to it, on the group or keyword", async () => {
    expect(await lint(tree, REDUNDANT)).toEqual([
      ["redundant_include", "plant/access.rights", 2, 18],
      ["redundant_exclude", "plant/access.rights", 3, 13],
      ["redundant_override", "plant/access.rights", 5, 3],
      ["redundant_override", "plant/north/a/access.rights", 2, 9],
    ]);
    expect(await messages(tree, "redundant_include")).toEqual(["group `ops` is already inherited for `READ` at `/plant`; remove it from `include`"]);
    expect(await messages(tree, "redundant_exclude")).toEqual(["group `ghost` is not inherited for `READ` at `/plant`, so excluding it changes nothing; remove it from `exclude`"]);
  });

  it("keeps what changes something: an include after an exclude above, an override that differs", async () => {
    const found = await lint({
      "access.rights": "READ: {include: [ops]}\n",
      "a/access.rights": "READ: {exclude: [ops]}\n",
      "a/b/access.rights": "READ: {include: [ops]}\nWRITE: {override: [ops]}\n",
    }, REDUNDANT);
    expect(found).toEqual([]);
  });

  it("counts ancestors' pattern rules in what a file inherits", async () => {
    const found = await lint({
      "access.rights": "READ: {include: [ops]}\npatterns:\n  - {match: plant, READ: {include: [auditors]}}\n",
      "plant/access.rights": "READ: {include: [auditors]}\n",
      "site/access.rights": "READ: {include: [auditors]}\n",
    }, REDUNDANT);
    expect(found).toEqual([["redundant_include", "plant/access.rights", 1, 18]]);
  });
});

describe("redundant keywords in pattern rules", () => {
  it("flags a rule only when no other rule could make its keyword matter below", async () => {
    const certain = {
      "access.rights": "READ: {include: [ops]}\npatterns:\n  - match: \"**/*.x\"\n    READ: {include: [ops], exclude: [ghost]}\n  - {match: \"**\", WRITE: {override: []}}\n",
      "plant/access.rights": "READ: {include: [eng]}\n",
    };
    expect(await lint(certain, REDUNDANT)).toEqual([
      ["redundant_include", "access.rights", 4, 22],
      ["redundant_exclude", "access.rights", 4, 38],
      ["redundant_override", "access.rights", 5, 27],
    ]);
    expect((await messages(certain, "redundant_include"))[0]).toBe("group `ops` is already inherited for `READ` in pattern `**/*.x` of `/`; remove it from `include`");
  });

  it("says nothing when a file or rule below could take the group away or give it", async () => {
    const uncertain = {
      "access.rights": "READ: {include: [ops]}\npatterns:\n  - match: \"**/*.x\"\n    READ: {include: [ops], exclude: [ghost]}\n  - {match: \"**\", WRITE: {override: []}}\n",
      "plant/access.rights": "READ: {exclude: [ops], include: [ghost]}\nWRITE: {include: [eng]}\n",
    };
    expect(await lint(uncertain, REDUNDANT)).toEqual([]);
  });
});

describe("unknown groups", () => {
  const tree = {
    "treerights.yaml": "groups: [ops, eng, requesters]\nexclusive:\n  - [requesters, aprovers]\n",
    "access.rights": "READ: {include: [ops, opps]}\n",
    "plant/access.rights": "patterns:\n  - match: \"*.x\"\n    WRITE: {override: [eng, robots]}\n",
  };

  it("flags every group not in the list, in rights files, pattern rules and exclusive sets", async () => {
    expect(await lint(tree, ["unknown_group"])).toEqual([
      ["unknown_group", "access.rights", 1, 23],
      ["unknown_group", "plant/access.rights", 3, 29],
      ["unknown_group", "treerights.yaml", 3, 18],
    ]);
    expect(await messages(tree, "unknown_group")).toEqual([
      "group `opps` is not in the `groups` list of `treerights.yaml` (did you mean `ops`?)",
      "group `robots` is not in the `groups` list of `treerights.yaml`; add it there or fix the name",
      "group `aprovers` is not in the `groups` list of `treerights.yaml`; add it there or fix the name",
    ]);
  });

  it("checks nothing without a `groups` list", async () => {
    expect(await lint({ ...tree, "treerights.yaml": "ignore: [tmp]\n" }, ["unknown_group"])).toEqual([]);
  });
});

describe("exclusive groups", () => {
  // Everybody reads, so that no `write_without_read` warning stands beside the findings.
  const tree = {
    "treerights.yaml": "exclusive:\n  - [requesters, approvers]\n",
    "access.rights": "READ: {include: [requesters, approvers, ops, eng]}\nWRITE: {include: [requesters]}\n",
    "plant/access.rights": "WRITE:\n  include: [ops, approvers]\n",
    "plant/north/access.rights": "WRITE: {include: [eng]}\n",
    "site/access.rights": "WRITE: {exclude: [requesters], include: [approvers]}\n",
  };

  it("is an error where two of a set first both hold WRITE, placed on the grant that completed the pair", async () => {
    const { problems, index } = await lintTree(await makeTree(tree));
    expect(problems.map((p) => [p.code, p.severity, p.file, p.line, p.column])).toEqual([["exclusive_write", "error", "plant/access.rights", 2, 18]]);
    // `site` drops requesters before adding approvers: no conflict there, and none repeated in `plant/north`.
    expect(problems[0]?.message).toBe("groups `requesters` and `approvers` are mutually exclusive in `treerights.yaml` but both hold WRITE on `/plant`; remove one of them here");
    expect(index).toBeNull();
  });

  it("rejects the load", async () => {
    await expect(loadTree(await makeTree(tree))).rejects.toMatchObject({ code: "load_failed", problems: [{ code: "exclusive_write", file: "plant/access.rights" }] });
  });

  it("is found through pattern rules, on paths no file names", async () => {
    const { problems } = await lintTree(await makeTree({
      "treerights.yaml": "exclusive: [[requesters, approvers, auditors]]\n",
      "access.rights": "READ: {include: [requesters, approvers]}\nWRITE: {include: [requesters]}\npatterns:\n  - match: \"**/*.approval\"\n    WRITE: {include: [approvers]}\n",
    }));
    expect(problems.map((p) => [p.code, p.file, p.line, p.column, p.message])).toEqual([[
      "exclusive_write", "access.rights", 5, 23,
      "groups `requesters` and `approvers` are mutually exclusive in `treerights.yaml` but both hold WRITE on every path matching `**/*.approval` below `/`; remove one of them here",
    ]]);
  });

  it("is quiet when the pair never meets", async () => {
    const { problems, index } = await lintTree(await makeTree({ ...tree, "plant/access.rights": "WRITE: {override: [approvers]}\n" }));
    expect(problems).toEqual([]);
    expect(index).not.toBeNull();
  });
});

describe("lintTree options and result", () => {
  it("makes every warning an error with `strict`, and still returns the index", async () => {
    const files = { "access.rights": "READ: {include: [ops]}\n", "plant/access.rights": "READ: {include: [ops]}\n", "x/access.rights": "" };
    const plain = await lintTree(await makeTree(files));
    expect(plain.problems.map((p: Problem) => [p.code, p.severity])).toEqual([["redundant_include", "warning"], ["empty_file", "warning"]]);
    const strict = await lintTree(await makeTree(files), { strict: true });
    expect(strict.problems.map((p) => [p.code, p.severity])).toEqual([["redundant_include", "error"], ["empty_file", "error"]]);
    expect(strict.index?.fileCount).toBe(3);
  });

  it("counts the rights files found, broken ones included", async () => {
    const result = await lintTree(await makeTree({ "access.rights": "READ: {include: a}\n", "b/access.rights": "READ: [\n", "c/access.rights": "" }));
    expect(result.index).toBeNull();
    expect(result.fileCount).toBe(3);
    expect((await lintTree("/nonexistent/treerights")).fileCount).toBe(0);
  });
});
