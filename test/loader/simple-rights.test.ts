import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYamlValue } from "yaml";
import { generateTree, rightsYaml } from "../../bench/workload.js";
import { parseRights, parseRightsYaml } from "../../src/loader/parse/parse-rights.js";
import { parseSimpleRights } from "../../src/loader/parse/simple-rights.js";
import { toYaml } from "../support/write-tree.js";

const FILE = "plant/access.rights";

// Group spellings in and around the fast path's subset: plain words, quoted names, and look-alikes YAML reads otherwise.
const GROUPS = [
  "ops", "team-1", "/ops/shift-a", "_x", "a.b", "x/y-z", "\"ops\"", "'ops'", "\"a b\"", "'a, b'", "\"Ärzte\"", "\"東京\"",
  "\"#x\"", "\"a: b\"", "\"[a]\"", "null", "Null", "true", "FALSE", "yes", "no", "on", "123", "0x1F", ".inf", "~", "e3",
  "NaN", "a b", "a:b", "a#b", "\" a\"", "\"a \"", "\"\"", "''", "\"a\\\"b\"", "\"a\\u0041\"", "'it''s'", "&a x", "*a", "!t x",
  "-a", "a,", "[a]", "{a: b}", "\"", "'", "a\tb", "__proto__", "constructor",
];

// Mostly names the fast path takes, so that it is reached often; sometimes anything from the pool.
const group = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GROUPS.slice(0, 14)) }, { weight: 1, arbitrary: fc.constantFrom(...GROUPS) });

const groupList = fc.oneof(
  group,
  fc.array(group, { maxLength: 4 }).chain((items) =>
    fc.tuple(fc.constantFrom(", ", ",", " , ", ",  "), fc.constantFrom("", " ")).map(([sep, pad]) => `[${pad}${items.join(sep)}${pad}]`)),
);

const keywordLine = fc.tuple(fc.constantFrom("override", "include", "exclude", "Include", "members"), fc.integer({ min: 1, max: 4 }), groupList, fc.constantFrom("", "", "", " ", "  # why"))
  .map(([keyword, indent, value, tail]) => `${" ".repeat(indent)}${keyword}: ${value}${tail}`);

const line = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("READ:", "WRITE:") },
  { weight: 6, arbitrary: keywordLine },
  { weight: 2, arbitrary: fc.constantFrom("", "# comment", "  # indented comment", "   ", "#READ:") },
  { weight: 1, arbitrary: fc.constantFrom("READ: {include: [a]}", "patterns:", "  - match: x", "---", "Read:", "READ: ", "WRITE:\r", "\tinclude: [a]", "READ: # c") },
);

const text = fc.tuple(fc.array(line, { maxLength: 9 }), fc.boolean()).map(([lines, newline]) => lines.join("\n") + (newline ? "\n" : ""));

// A text shaped like a real file: one or two levels with one to three keyword lines each.
const likely = fc.tuple(
  fc.constantFrom(["READ"], ["WRITE"], ["READ", "WRITE"], ["WRITE", "READ"]),
  fc.integer({ min: 1, max: 4 }),
  fc.array(fc.tuple(fc.constantFrom("override", "include", "exclude"), groupList), { minLength: 1, maxLength: 3 }),
  fc.array(fc.tuple(fc.constantFrom("override", "include", "exclude"), groupList), { minLength: 1, maxLength: 3 }),
).map(([levels, indent, first, second]) => levels.map((level, i) =>
  `${level}:\n${(i === 0 ? first : second).map(([k, v]) => `${" ".repeat(indent)}${k}: ${v}`).join("\n")}\n`).join("# between\n"));

function agrees(source: string): boolean {
  const simple = parseSimpleRights(source, FILE, "plant");
  if (simple === null) return false;
  const full = parseRightsYaml(source, FILE);
  expect(full.problems, source).toEqual([]);
  expect(simple.file, source).toEqual(full.file);
  expect(simple.places, source).toEqual(full.places);
  // Same key order too, so the two never hash or print differently.
  expect(JSON.stringify(simple.file)).toBe(JSON.stringify(full.file));
  return true;
}

describe("the simple-file fast path", () => {
  it("reads every text it accepts exactly as the YAML parser does", () => {
    let accepted = 0;
    fc.assert(fc.property(fc.oneof(text, { weight: 2, arbitrary: likely }), (source) => {
      if (agrees(source)) accepted++;
    }), { numRuns: 3000 });
    // The generator must reach the fast path often (about one text in seven), or the property proves little.
    expect(accepted).toBeGreaterThan(300);
  });

  it("takes only plain words YAML's core schema reads as strings", () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z_/][A-Za-z0-9_./-]{0,8}$/), (word) => {
      const simple = parseSimpleRights(`READ:\n  include: [${word}]\n`, FILE, "plant");
      if (simple !== null) expect(parseYamlValue(`[${word}]`, { version: "1.2", schema: "core" })).toEqual([word]);
    }));
  });

  it("accepts the files the benchmarks and the test trees write", () => {
    const spec = generateTree({ dirs: 2000, seed: 7 });
    for (const file of spec.files) expect(parseSimpleRights(rightsYaml(file), FILE, "plant"), rightsYaml(file)).not.toBeNull();
    for (const file of spec.files.slice(0, 200)) {
      for (const style of ["flow", "scalar"] as const) agrees(toYaml(file, style));
    }
  });

  it("leaves every file with a problem, a pattern rule or another layout to the full parser", () => {
    const declined = [
      "", "# only a comment\n", "READ:\n", "READ:\n  include: [a]\nREAD:\n  include: [b]\n", "READ:\n  include: [a]\n  include: [b]\n",
      "READ:\n  override: [a]\n  include: [b]\n", "READ:\n  include: [a]\n  exclude: [a]\n", "READ:\n  include: [123]\n",
      "READ:\n  include: [\" a\"]\n", "READ:\n  include: a\n    exclude: b\n", "READ: {include: [a]}\n", "patterns: []\n",
      "READ:\n  include: [a]\r\n", "READ:\n  include: &x [a]\nWRITE:\n  include: *x\n", "READ:\n  include:\n    - a\n",
      "%YAML 1.2\n---\nREAD:\n  include: [a]\n", "READ:\n  include: [a] # why\n", "\uFEFFREAD:\n  include: [a]\n",
    ];
    for (const source of declined) expect(parseSimpleRights(source, FILE, "plant"), JSON.stringify(source)).toBeNull();
  });

  it("is what parseRights uses, with the same result", () => {
    const source = "# north\nREAD:\n  include: [operators, \"/ops/shift-a\"]\n  exclude: contractors\nWRITE:\n  override: []\n";
    const parsed = parseRights(Buffer.from(source), FILE);
    expect(parsed).toEqual({ ...parseRightsYaml(source, FILE), problems: [] });
    expect(parsed.places?.READ?.groups.include).toEqual([{ line: 3, column: 13 }, { line: 3, column: 24 }]);
  });
});
