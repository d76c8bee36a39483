import { describe, expect, it } from "vitest";
import { parseRights } from "../../src/loader/parse/parse-rights.js";
import { PROBLEM_CODES } from "../../src/loader/parse/problems.js";

const FILE = "plant/north/access.rights";

function parse(text: string | Uint8Array) {
  return parseRights(typeof text === "string" ? Buffer.from(text) : text, FILE);
}

interface ErrorCase {
  readonly name: string;
  readonly text: string;
  readonly code: string;
  readonly line: number;
  readonly column: number;
  readonly fragment: string;
}

// One example per error a rights file can have on its own: code, place and what to write instead.
const ERRORS: readonly ErrorCase[] = [
  { name: "broken flow list", text: "READ: [a\n", code: "yaml_syntax", line: 2, column: 1, fragment: "invalid yaml" },
  { name: "tab indentation", text: "READ:\n\tinclude: [a]\n", code: "yaml_syntax", line: 2, column: 1, fragment: "indent with spaces" },
  { name: "two documents", text: "READ: {include: a}\n---\nWRITE: {include: b}\n", code: "yaml_syntax", line: 2, column: 1, fragment: "one yaml document" },
  { name: "alias without anchor", text: "READ: {include: *ops}\n", code: "yaml_syntax", line: 1, column: 17, fragment: "define `&ops` first" },
  { name: "duplicate level", text: "READ: {include: a}\nWRITE: {include: b}\nREAD: {include: c}\n", code: "duplicate_key", line: 3, column: 1, fragment: "duplicate key `READ` (first on line 1)" },
  { name: "duplicate keyword", text: "READ:\n  include: a\n  include: b\n", code: "duplicate_key", line: 3, column: 3, fragment: "duplicate key `include`" },
  { name: "root is a list", text: "- READ\n", code: "not_a_mapping", line: 1, column: 1, fragment: "must be a mapping of `READ` and/or `WRITE`" },
  { name: "root is a scalar", text: "operators\n", code: "not_a_mapping", line: 1, column: 1, fragment: "such as `READ: { include: [operators] }`" },
  { name: "level is a string", text: "READ: operators\n", code: "not_a_mapping", line: 1, column: 7, fragment: "`READ` must be a mapping of keywords" },
  { name: "%YAML directive", text: "%YAML 1.1\n---\nREAD: {include: [no]}\n", code: "yaml_directive", line: 1, column: 1, fragment: "directive `%YAML 1.1` is not allowed; remove it" },
  { name: "%TAG directive", text: "%TAG !e! tag:example.com,2000:\n---\nREAD: {include: a}\n", code: "yaml_directive", line: 1, column: 1, fragment: "`%TAG" },
  { name: "merge key", text: "base: &b {include: [a]}\nREAD:\n  <<: *b\n", code: "merge_key", line: 3, column: 3, fragment: "write the keys out in full" },
  { name: "merge key at the top", text: "<<: {READ: {include: a}}\n", code: "merge_key", line: 1, column: 1, fragment: "merge key `<<` is not allowed" },
  { name: "alias bomb", text: billionLaughs(), code: "alias_bomb", line: 2, column: 8, fragment: "write the groups out" },
  { name: "many aliases", text: `x: &x a\nREAD: {include: [${Array.from({ length: 150 }, () => "*x").join(", ")}]}\n`, code: "alias_bomb", line: 2, column: 418, fragment: "more than 100 aliases" },
  { name: "Write", text: "Write: {include: a}\n", code: "unknown_key", line: 1, column: 1, fragment: "unknown key `Write` (did you mean `WRITE`?)" },
  { name: "READS", text: "READS: {include: a}\n", code: "unknown_key", line: 1, column: 1, fragment: "(did you mean `READ`?)" },
  { name: "read", text: "WRITE: {include: a}\nread: {include: a}\n", code: "unknown_key", line: 2, column: 1, fragment: "(did you mean `READ`?)" },
  { name: "unrelated key", text: "owner: ops\n", code: "unknown_key", line: 1, column: 1, fragment: "unknown key `owner`; use `READ`, `WRITE` or `patterns`" },
  { name: "keyword at the top", text: "include: [a]\n", code: "unknown_key", line: 1, column: 1, fragment: "keywords go under a level" },
  { name: "Patterns", text: "Patterns: []\n", code: "unknown_key", line: 1, column: 1, fragment: "unknown key `Patterns` (did you mean `patterns`?)" },
  { name: "match at the top", text: "match: \"*.x\"\n", code: "unknown_key", line: 1, column: 1, fragment: "a glob goes in an item of `patterns`" },
  { name: "patterns as a mapping", text: "patterns:\n  match: x\n", code: "invalid_pattern", line: 2, column: 3, fragment: "`patterns` must be a list of rules" },
  { name: "pattern item a string", text: "patterns:\n  - \"**/*.x\"\n", code: "invalid_pattern", line: 2, column: 5, fragment: "`patterns[0]` must be a mapping with `match`" },
  { name: "pattern without match", text: "patterns:\n  - READ: {include: a}\n", code: "invalid_pattern", line: 2, column: 5, fragment: "`patterns[0]` has no `match`" },
  { name: "empty match", text: "patterns:\n  - match: \"\"\n    READ: {include: a}\n", code: "invalid_pattern", line: 2, column: 12, fragment: "`match` of `patterns[0]` must be a non-empty glob string" },
  { name: "match a number", text: "patterns:\n  - {match: 12, READ: {include: a}}\n", code: "invalid_pattern", line: 2, column: 13, fragment: "must be a non-empty glob string" },
  { name: "Match in a pattern", text: "patterns:\n  - match: x\n    Write: {include: a}\n", code: "unknown_key", line: 3, column: 5, fragment: "unknown key `Write` in `patterns[0]` (did you mean `WRITE`?)" },
  { name: "unrelated key in a pattern", text: "patterns:\n  - match: x\n    owner: a\n", code: "unknown_key", line: 3, column: 5, fragment: "use `match`, `READ` or `WRITE`" },
  { name: "keyword typo in a pattern", text: "patterns:\n  - match: x\n    READ: {inclde: a}\n", code: "unknown_key", line: 3, column: 12, fragment: "unknown keyword `inclde` under `patterns[0].READ` (did you mean `include`?)" },
  { name: "level misplaced in a pattern", text: "patterns:\n  - match: x\n    READ: {WRITE: a}\n", code: "unknown_key", line: 3, column: 12, fragment: "(`WRITE` goes next to `match`, not under `patterns[0].READ`)" },
  { name: "empty level in a pattern", text: "patterns:\n  - match: x\n    WRITE:\n", code: "empty_level", line: 3, column: 5, fragment: "`patterns[0].WRITE` has no keyword" },
  { name: "override and include in a pattern", text: "patterns:\n- match: x\n  READ: {override: a, include: b}\n", code: "override_with_include", line: 3, column: 23, fragment: "in `patterns[0].READ`" },
  { name: "overlap in a pattern", text: "patterns:\n- match: x\n- match: y\n  WRITE: {include: [a], exclude: [a]}\n", code: "include_exclude_overlap", line: 4, column: 35, fragment: "both included and excluded in `patterns[1].WRITE`" },
  { name: "number group in a pattern", text: "patterns:\n- match: x\n  READ: {include: [ok, 1]}\n", code: "non_string_group", line: 3, column: 24, fragment: "in `patterns[0].READ.include` is read by yaml as a number" },
  { name: "padded group in a pattern", text: "patterns:\n- match: x\n  READ: {include: [\" a\"]}\n", code: "invalid_group_name", line: 3, column: 20, fragment: "in `patterns[0].READ.include` has leading or trailing whitespace" },
  { name: "group list a mapping in a pattern", text: "patterns:\n- match: x\n  READ: {include: {a: b}}\n", code: "invalid_group_list", line: 3, column: 19, fragment: "`patterns[0].READ.include` must be a group name or a list" },
  { name: "absolute glob", text: "patterns:\n- match: /plant/*.x\n  READ: {include: a}\n", code: "invalid_glob", line: 2, column: 10, fragment: "glob `/plant/*.x` of `patterns[0]` starts with `/`; globs are relative to the directory of its `access.rights`" },
  { name: "glob climbing up", text: "patterns:\n- match: \"a/../b\"\n  READ: {include: a}\n", code: "invalid_glob", line: 2, column: 10, fragment: "has a `..` segment" },
  { name: "glob that does not parse", text: "patterns:\n- {match: \"{a,b\", READ: {include: a}}\n", code: "invalid_glob", line: 2, column: 11, fragment: "cannot be parsed (unterminated group)" },
  { name: "glob with a reversed range", text: "patterns:\n- {match: \"[z-a]\", READ: {include: a}}\n", code: "invalid_glob", line: 2, column: 11, fragment: "cannot be parsed (range out of order in character class)" },
  { name: "writ", text: "writ: {include: a}\n", code: "unknown_key", line: 1, column: 1, fragment: "unknown key `writ` (did you mean `WRITE`?)" },
  { name: "writ under a level", text: "READ:\n  writ: a\n", code: "unknown_key", line: 2, column: 3, fragment: "unknown keyword `writ` under `READ`; use `override`, `include` or `exclude` (`WRITE` goes at the top level" },
  { name: "unrelated keyword", text: "READ:\n  members: a\n", code: "unknown_key", line: 2, column: 3, fragment: "unknown keyword `members` under `READ`; use `override`, `include` or `exclude`" },
  { name: "Include", text: "READ:\n  Include: a\n", code: "unknown_key", line: 2, column: 3, fragment: "(did you mean `include`?)" },
  { name: "overide", text: "WRITE:\n  overide: []\n", code: "unknown_key", line: 2, column: 3, fragment: "(did you mean `override`?)" },
  { name: "exlcude", text: "WRITE:\n  exlcude: [a]\n", code: "unknown_key", line: 2, column: 3, fragment: "(did you mean `exclude`?)" },
  { name: "override and include", text: "READ:\n  override: [a]\n  include: [b]\n", code: "override_with_include", line: 3, column: 3, fragment: "`override` cannot be combined with `include` in `READ`" },
  { name: "override and exclude", text: "WRITE: {exclude: b, override: a}\n", code: "override_with_include", line: 1, column: 9, fragment: "combined with `exclude` in `WRITE`" },
  { name: "level with nothing", text: "READ: {include: a}\nWRITE:\n", code: "empty_level", line: 2, column: 1, fragment: "`WRITE` has no keyword; write `override`, `include` or `exclude`" },
  { name: "level null", text: "READ: null\n", code: "empty_level", line: 1, column: 1, fragment: "`READ` has no keyword" },
  { name: "level {}", text: "READ: {}\n", code: "empty_level", line: 1, column: 1, fragment: "(`override: []` means nobody)" },
  { name: "include and exclude overlap", text: "READ:\n  include: [a, ops]\n  exclude: [b, ops]\n", code: "include_exclude_overlap", line: 3, column: 16, fragment: "group `ops` is both included and excluded in `READ`" },
  { name: "overlap as strings", text: "READ: {include: ops, exclude: ops}\n", code: "include_exclude_overlap", line: 1, column: 31, fragment: "remove it from one of the two" },
  { name: "number group", text: "READ:\n  include: [123]\n", code: "non_string_group", line: 2, column: 13, fragment: "group `123` in `READ.include` is read by yaml as a number, not a name; quote it: `\"123\"`" },
  { name: "boolean group", text: "READ: {include: true}\n", code: "non_string_group", line: 1, column: 17, fragment: "quote it: `\"true\"`" },
  { name: "null group", text: "WRITE:\n  override:\n    - null\n", code: "non_string_group", line: 3, column: 7, fragment: "read by yaml as null" },
  { name: "hex group", text: "READ: {exclude: [0x1F]}\n", code: "non_string_group", line: 1, column: 18, fragment: "quote it: `\"0x1F\"`" },
  { name: "empty group name", text: "READ: {include: [\"\"]}\n", code: "invalid_group_name", line: 1, column: 18, fragment: "empty group name in `READ.include`" },
  { name: "padded group name", text: "READ:\n  include: \" ops\"\n", code: "invalid_group_name", line: 2, column: 12, fragment: "has leading or trailing whitespace; write `ops`" },
  { name: "empty list item", text: "READ:\n  include:\n    - a\n    -\n", code: "invalid_group_name", line: 4, column: 6, fragment: "empty list item" },
  { name: "keyword without value", text: "READ:\n  include:\n", code: "invalid_group_list", line: 2, column: 3, fragment: "write `include: []`" },
  { name: "groups as a mapping", text: "READ:\n  include: {ops: yes}\n", code: "invalid_group_list", line: 2, column: 12, fragment: "must be a group name or a list of group names" },
  { name: "nested list", text: "READ:\n  include: [a, [b]]\n", code: "invalid_group_list", line: 2, column: 16, fragment: "each item of `READ.include` must be a group name" },
];

function billionLaughs(): string {
  const lol = Array.from({ length: 9 }, () => "lol").join(", ");
  let text = `a: &a [${lol}]\n`;
  for (const [name, prev] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"], ["f", "e"], ["g", "f"], ["h", "g"], ["i", "h"]]) {
    text += `${name}: &${name} [${Array.from({ length: 9 }, () => `*${prev}`).join(", ")}]\n`;
  }
  return `${text}READ: {include: *i}\n`;
}

describe("parseRights errors", () => {
  it.each(ERRORS)("$name → $code at $line:$column", ({ text, code, line, column, fragment }) => {
    const { file, problems } = parse(text);
    expect(file).toBeNull();
    const found = problems.find((p) => p.code === code);
    expect(found, JSON.stringify(problems)).toBeDefined();
    expect(found).toMatchObject({ code, severity: "error", file: FILE, line, column });
    expect(found?.message).toContain(fragment);
  });

  it("has an example for every error code a file can have on its own", () => {
    const onDisk = new Set(["root_not_found", "missing_root_rights", "invalid_dir_name", "not_regular_file", "unreadable", "file_too_large", "invalid_rights"]);
    // Problems of `treerights.yaml` and of a whole compiled tree, tested in config and lint tests.
    for (const code of ["invalid_config", "exclusive_write", "implies_cycle", "implies_exclusive"]) onDisk.add(code);
    // Problems of the server's own files (server config, keys, users), tested in their own tests.
    for (const code of ["schema_violation", "file_unreadable", "invalid_secret"]) onDisk.add(code);
    const fileErrors = Object.entries(PROBLEM_CODES).filter(([code, info]) => info.severity === "error" && !onDisk.has(code) && code !== "not_utf8");
    for (const [code] of fileErrors) expect(ERRORS.some((c) => c.code === code), code).toBe(true);
  });

  it("writes every message as one lowercase line without a final period", () => {
    for (const { text } of ERRORS) {
      for (const p of parse(text).problems) {
        expect(p.message).not.toMatch(/\n|\.$/);
        expect(p.message[0]).toBe(p.message[0]?.toLowerCase());
        expect(p.message).not.toMatch(/must NOT|should be|instancePath|additionalProperties/);
      }
    }
  });

  it("reports a merge key once", () => {
    expect(parse("<<: {READ: {include: a}}\nREAD:\n  <<: {include: a}\n").problems.map((p) => [p.code, p.line])).toEqual([["merge_key", 1], ["merge_key", 3]]);
  });

  it("reports non-UTF-8 bytes at the first bad byte", () => {
    const bytes = Buffer.concat([Buffer.from("READ:\n  include: [caf"), Buffer.from([0xe9]), Buffer.from("]\n")]);
    expect(parse(bytes).problems).toEqual([
      { code: "not_utf8", severity: "error", file: FILE, line: 2, column: 16, message: "byte `0xe9` is not valid utf-8; save the file as utf-8" },
    ]);
  });

  it("lists every problem of a file, not just the first", () => {
    const { problems } = parse("Write: {include: a}\nREAD:\n  include: [123, \" b\"]\n  Exclude: c\nWRITE: {}\n");
    expect(problems.map((p) => [p.code, p.line, p.column])).toEqual([
      ["unknown_key", 1, 1],
      ["non_string_group", 3, 13],
      ["invalid_group_name", 3, 18],
      ["unknown_key", 4, 3],
      ["empty_level", 5, 1],
    ]);
  });

  it("reads a group named `no` as a string under YAML 1.2", () => {
    expect(parse("READ: {include: [no, on, off, yes]}\n").file?.READ?.include).toEqual(["no", "on", "off", "yes"]);
  });

  it("terminates on an anchor that contains its own alias", () => {
    expect(parse("READ: &a {include: [*a]}\n").problems[0]?.code).toBe("invalid_group_list");
  });
});

describe("parseRights results", () => {
  it("parses all three keywords, single names and positions", () => {
    const { file, problems } = parse("# north line\nREAD:\n  include: [operators]\n  exclude: contractors\nWRITE:\n  override: []\n");
    expect(problems).toEqual([]);
    expect(file).toEqual({
      dir: "plant/north",
      file: FILE,
      READ: { include: ["operators"], exclude: ["contractors"], at: { line: 2, column: 1 } },
      WRITE: { override: [], at: { line: 5, column: 1 } },
    });
  });

  it("accepts modest anchors and aliases", () => {
    const { file, problems } = parse("READ: &r {include: [ops, eng]}\nWRITE: *r\n");
    expect(problems).toEqual([]);
    expect(file?.WRITE?.include).toEqual(["ops", "eng"]);
  });

  it("accepts quoted look-alikes and Keycloak paths", () => {
    const { file } = parse("READ:\n  include: [\"123\", 'true', \"null\", /ops/shift-a]\n");
    expect(file?.READ?.include).toEqual(["123", "true", "null", "/ops/shift-a"]);
  });

  it("keeps groups named like Object.prototype members", () => {
    const { file, problems } = parse("READ:\n  include: [__proto__, constructor]\n  exclude: [toString]\n");
    expect(problems).toEqual([]);
    expect(file?.READ).toMatchObject({ include: ["__proto__", "constructor"], exclude: ["toString"] });
  });

  it("rejects a key named `__proto__` like any unknown key", () => {
    expect(parse("__proto__: {include: a}\n").problems).toMatchObject([{ code: "unknown_key", line: 1, column: 1 }]);
  });

  it.each(["", "# only a comment\n", "\n\n", "---\n", "\uFEFF"])("accepts the empty file %j with a warning", (text) => {
    const { file, problems } = parse(text);
    expect(file).toEqual({ dir: "plant/north", file: FILE });
    expect(problems).toMatchObject([{ code: "empty_file", severity: "warning", line: 1, column: 1 }]);
  });

  it("warns about an unresolved tag", () => {
    const { file, problems } = parse("READ: {include: [!team ops]}\n");
    expect(file?.READ?.include).toEqual(["ops"]);
    expect(problems).toMatchObject([{ code: "yaml_warning", severity: "warning", line: 1, column: 18 }]);
    expect(problems[0]?.message).toContain("unresolved tag `!team`");
  });

  it("names the root file's directory `\"\"`", () => {
    expect(parseRights(Buffer.from("READ: {include: a}\n"), "access.rights").file?.dir).toBe("");
  });
});
