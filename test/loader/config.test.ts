import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_FILE, DEFAULT_CONFIG, parseConfig, readConfig } from "../../src/loader/parse/config.js";
import { loadTree } from "../../src/loader/read/load-tree.js";
import { readTree } from "../../src/loader/read/read-tree.js";
import { lintTree } from "../../src/loader/lint/lint-tree.js";
import { makeTree } from "./tree-fixture.js";

function parse(text: string) {
  return parseConfig(Buffer.from(text));
}

const ROOT = "READ: {include: [ops]}\n";

/** `text` gives no configuration and a `code` error at `line`:`column` whose message holds `fragment`, every message one plain line. */
function expectRejected(_name: string, text: string, code: string, line: number, column: number, fragment: string): void {
  const { config, problems } = parse(text);
  expect(config).toBeNull();
  const found = problems.find((p) => p.code === code);
  expect(found, JSON.stringify(problems)).toMatchObject({ code, severity: "error", file: CONFIG_FILE, line, column });
  expect(found?.message).toContain(fragment);
  for (const p of problems) expect(p.message).not.toMatch(/\n|\.$|must NOT|instancePath/);
}

describe("parseConfig", () => {
  it("reads known groups, exclusive sets with places, and ignore globs", () => {
    const { config, problems } = parse("# tree settings\ngroups: [ops, requesters, approvers]\nexclusive:\n  - [requesters, approvers]\nignore: [\"archive/**\"]\n");
    expect(problems).toEqual([]);
    expect(config).toEqual({
      groups: ["ops", "requesters", "approvers"],
      exclusive: [["requesters", "approvers"]],
      ignore: ["archive/**"],
      exclusivePlaces: [[{ line: 4, column: 6 }, { line: 4, column: 18 }]],
      implies: new Map(),
      impliesPlaces: new Map(),
    });
  });

  it("reads `implies` as a map with places, any group name as a key, one name or a list", () => {
    const { config, problems } = parse("implies:\n  administrator: [configuration-management, user-management]\n  __proto__: constructor\n  \"/ops/lead\": [\"/ops/shift-a\", \"/ops/shift-a\"]\n");
    expect(problems).toEqual([]);
    expect(config?.implies).toEqual(new Map([
      ["administrator", ["configuration-management", "user-management"]],
      ["__proto__", ["constructor"]],
      ["/ops/lead", ["/ops/shift-a"]],
    ]));
    expect(config?.impliesPlaces.get("administrator")).toEqual({ key: { line: 2, column: 3 }, groups: [{ line: 2, column: 19 }, { line: 2, column: 45 }] });
    expect(config?.impliesPlaces.get("__proto__")).toEqual({ key: { line: 3, column: 3 }, groups: [{ line: 3, column: 14 }] });
  });

  it.each([
    ["a cycle", "implies:\n  a: [b]\n  b: [c]\n  c: [a]\n", "implies_cycle", 2, 3, "`implies` has a cycle: `a` → `b` → `c` → `a`"],
    ["a group implying itself", "implies:\n  x: [y]\n  y: [y]\n", "implies_cycle", 3, 3, "`implies` has a cycle: `y` → `y`"],
    ["a group implying two exclusive groups", "exclusive: [[requesters, approvers]]\nimplies:\n  lead: [ops]\n  ops: [requesters, approvers]\n", "implies_exclusive", 3, 3,
      "`lead` implies `requesters` and `approvers`, which are mutually exclusive in `exclusive[0]`"],
    ["an exclusive group implying its partner", "exclusive: [[requesters, approvers]]\nimplies:\n  approvers: [requesters]\n", "implies_exclusive", 3, 3,
      "`approvers` implies `requesters`, which are mutually exclusive in `exclusive[0]`"],
    ["implies as a list", "implies: [a, b]\n", "invalid_config", 1, 10, "`implies` must be a mapping of groups to the groups they imply"],
    ["a number as a key", "implies:\n  12: [a]\n", "non_string_group", 2, 3, "group `12` as a key of `implies` is read by yaml as a number, not a name; quote it: `\"12\"`"],
    ["a padded key", "implies:\n  \"a \": [b]\n", "invalid_group_name", 2, 3, "group name `a ` as a key of `implies` has leading or trailing whitespace; write `a`"],
    ["a number implied", "implies:\n  a: [b, 7]\n", "non_string_group", 2, 10, "group `7` in `implies.a` is read by yaml as a number"],
    ["an empty implied name", "implies:\n  a: [\"\"]\n", "invalid_group_name", 2, 7, "empty group name in `implies.a`"],
    ["a mapping implied", "implies:\n  a: {b: c}\n", "invalid_group_list", 2, 6, "`implies.a` must be a group name or a list of group names"],
  ])("reports %s in `implies`", expectRejected);

  it("gives the defaults for an empty file, and no `groups` means every group is known", () => {
    expect(parse("")).toEqual({ config: DEFAULT_CONFIG, problems: [] });
    expect(parse("# nothing yet\n").config).toEqual(DEFAULT_CONFIG);
    expect(parse("ignore: [tmp]\n").config?.groups).toBeNull();
  });

  it.each([
    ["a typo in a key", "group: [ops]\n", "unknown_key", 1, 1, "unknown key `group` (did you mean `groups`?)"],
    ["an unrelated key", "owners: [ops]\n", "unknown_key", 1, 1, "unknown key `owners`; use `groups`, `exclusive`, `implies` or `ignore`"],
    ["a list at the top", "- ops\n", "not_a_mapping", 1, 1, "`treerights.yaml` must be a mapping of `groups`, `exclusive`, `implies` and/or `ignore`"],
    ["groups as a string", "groups: ops\n", "invalid_config", 1, 9, "`groups` must be a list of group names"],
    ["a number group", "groups: [ops, 12]\n", "non_string_group", 1, 15, "group `12` in `groups` is read by yaml as a number, not a name; quote it: `\"12\"`"],
    ["a padded group", "groups: [\"ops \"]\n", "invalid_group_name", 1, 10, "group name `ops ` in `groups` has leading or trailing whitespace; write `ops`"],
    ["exclusive as a mapping", "exclusive: {a: b}\n", "invalid_config", 1, 12, "`exclusive` must be a list of group lists"],
    ["an exclusive set of one", "exclusive:\n  - [a]\n", "invalid_config", 2, 5, "`exclusive[0]` has fewer than two groups"],
    ["a group twice in a set", "exclusive:\n  - [a, b, a]\n", "invalid_config", 2, 12, "group `a` appears twice in `exclusive[0]`; list each group once"],
    ["an exclusive set as a string", "exclusive: [a, b]\n", "invalid_config", 1, 13, "`exclusive[0]` must be a list of two or more groups"],
    ["a nested list in a set", "exclusive: [[a, [b]]]\n", "invalid_group_list", 1, 17, "each item of `exclusive[0]` must be a group name"],
    ["ignore as a string", "ignore: tmp\n", "invalid_config", 1, 9, "`ignore` must be a list of globs"],
    ["an empty ignore glob", "ignore: [\"\"]\n", "invalid_config", 1, 10, "each item of `ignore` must be a non-empty glob string"],
    ["an absolute ignore glob", "ignore: [/tmp]\n", "invalid_glob", 1, 10, "ignore glob `/tmp` starts with `/`; globs are relative to the tree root"],
    ["a broken ignore glob", "ignore: [\"a{b\"]\n", "invalid_glob", 1, 10, "ignore glob `a{b` cannot be parsed (unterminated group)"],
    ["a duplicate key", "groups: [a]\ngroups: [b]\n", "duplicate_key", 2, 1, "duplicate key `groups` (first on line 1)"],
    ["a YAML 1.1 directive", "%YAML 1.1\n---\ngroups: [no]\n", "yaml_directive", 1, 1, "directive `%YAML 1.1` is not allowed"],
    ["broken YAML", "groups: [a\n", "yaml_syntax", 2, 1, "invalid yaml"],
  ])("reports %s", expectRejected);

  it("reports non-UTF-8 bytes", () => {
    expect(parseConfig(Buffer.from([0x67, 0x3a, 0xff])).problems).toMatchObject([{ code: "not_utf8", file: CONFIG_FILE, line: 1, column: 3 }]);
  });
});

describe("treerights.yaml in a tree", () => {
  it("decides with its `implies` (SPEC 1.5); lint warns about implied groups not in `groups`", async () => {
    const root = await makeTree({
      "access.rights": "READ: {include: [configuration-management]}\nWRITE: {include: [configuration-management]}\n",
      [CONFIG_FILE]: "groups: [administrator, configuration-management]\nimplies:\n  administrator: [configuration-management, user-managment]\n",
    });
    const index = await loadTree(root);
    expect(index.check(["administrator"], "WRITE", "/a")).toBe(true);
    expect(index.groupsFor("WRITE", "/a")).toEqual(["configuration-management"]);
    const { problems } = await lintTree(root);
    expect(problems).toMatchObject([{ code: "unknown_group", severity: "warning", file: CONFIG_FILE, line: 3, column: 45 }]);
  });

  it("rejects a load whose `implies` has a cycle, and lint reports it", async () => {
    const root = await makeTree({ "access.rights": ROOT, [CONFIG_FILE]: "implies:\n  a: [b]\n  b: [a]\n" });
    await expect(loadTree(root)).rejects.toMatchObject({ problems: [{ code: "implies_cycle", file: CONFIG_FILE, line: 2, column: 3 }] });
    expect((await lintTree(root)).problems).toMatchObject([{ code: "implies_cycle", severity: "error" }]);
  });

  it("is optional", async () => {
    const root = await makeTree({ "access.rights": ROOT });
    expect(readConfig(root)).toEqual({ config: DEFAULT_CONFIG, problems: [], bytes: null, found: false });
    expect((await readTree(root)).config).toEqual(DEFAULT_CONFIG);
  });

  it("adds its ignore globs to the ignore option", async () => {
    const root = await makeTree({
      "access.rights": ROOT,
      [CONFIG_FILE]: "ignore: [\"archive/**\"]\n",
      "archive/access.rights": "broken: [\n",
      "drafts/access.rights": "broken: [\n",
      "plant/access.rights": "READ: {include: [eng]}\n",
    });
    const snapshot = await readTree(root, { ignore: ["drafts/**"] });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.rightsPaths).toEqual(["access.rights", "plant/access.rights"]);
    expect(snapshot.config?.ignore).toEqual(["archive/**"]);
  });

  it("counts in the revision", async () => {
    const files = { "access.rights": ROOT };
    const without = await readTree(await makeTree(files));
    const withConfig = await readTree(await makeTree({ ...files, [CONFIG_FILE]: "groups: [ops]\n" }));
    const edited = await readTree(await makeTree({ ...files, [CONFIG_FILE]: "groups: [ops, eng]\n" }));
    expect(new Set([without.revision, withConfig.revision, edited.revision]).size).toBe(3);
    expect((await readTree(await makeTree({ ...files, [CONFIG_FILE]: "groups: [ops]\n" }))).revision).toBe(withConfig.revision);
  });

  it("rejects the load when it is broken, with file, line and column, and reports the rights files too", async () => {
    const root = await makeTree({ "access.rights": "Read: {include: a}\n", [CONFIG_FILE]: "groups: [ops]\nexclusiv: [[a, b]]\n" });
    await expect(loadTree(root)).rejects.toMatchObject({
      problems: [
        { code: "unknown_key", file: "access.rights", line: 1, column: 1 },
        { code: "unknown_key", file: CONFIG_FILE, line: 2, column: 1, message: "unknown key `exclusiv` (did you mean `exclusive`?)" },
      ],
    });
  });

  it("is read as safely as a rights file: a symbolic link is rejected, not followed", async () => {
    const root = await makeTree({ "access.rights": ROOT, "elsewhere.yaml": "groups: [ops]\n" });
    await symlink(join(root, "elsewhere.yaml"), join(root, CONFIG_FILE));
    const snapshot = await readTree(root);
    expect(snapshot.problems).toMatchObject([{ code: "not_regular_file", file: CONFIG_FILE }]);
    expect(snapshot.config).toEqual(DEFAULT_CONFIG);
  });
});
