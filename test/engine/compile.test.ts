/** `compile` and the index it builds, by example: misuse, awkward names, immutability, revisions, explain. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TreeRightsError, compile } from "../../src/engine/index.js";
import type { Access, LevelRule, RightsFile } from "../../src/engine/index.js";
import { keyOf, treeArb } from "../support/arbitraries.js";
import { naiveSegments } from "../support/naive.js";

/** Expects `f` to throw a `TreeRightsError` with `code`. */
function expectCode(f: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    f();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(TreeRightsError);
  expect(thrown).toMatchObject({ code });
}

const ROOT: RightsFile = { dir: "", READ: { include: ["user"] } };

describe("compile rejects files that break SPEC 1.1 with `invalid_rights`", () => {
  const cases: [string, RightsFile[]][] = [
    ["override with include", [{ dir: "", READ: { override: ["a"], include: ["b"] } }]],
    ["override with exclude", [ROOT, { dir: "x", WRITE: { override: [], exclude: ["b"] } }]],
    ["a level with no keyword", [{ dir: "", WRITE: {} }]],
    ["a level with only a position", [ROOT, { dir: "x", READ: { at: { line: 1, column: 1 } } }]],
    ["a group both included and excluded", [ROOT, { dir: "x", READ: { include: ["a", "b"], exclude: ["c", "b"] } }]],
    ["no root file", [{ dir: "plant", READ: { include: ["a"] } }]],
    ["no files at all", []],
    ["two files for one directory", [ROOT, { dir: "a/b" }, { dir: "/a//b/" }]],
    ["two files for the root", [ROOT, { dir: "/", WRITE: { include: ["admin"] } }]],
    ["a number as group", [{ dir: "", READ: { include: [1 as unknown as string] } }]],
    ["null as group", [{ dir: "", READ: { override: [null as unknown as string] } }]],
    ["an empty group name", [{ dir: "", READ: { exclude: [""] } }]],
    ["a group name with surrounding whitespace", [{ dir: "", READ: { include: [" ops"] } }]],
    ["a string instead of a list", [{ dir: "", READ: { include: "ops" as unknown as string[] } }]],
    ["a level that is null", [{ dir: "", READ: null as unknown as LevelRule }]],
    ["a directory with a `..` segment", [ROOT, { dir: "a/../b" }]],
    ["a directory with a control character", [ROOT, { dir: "a\nb" }]],
  ];

  it.each(cases)("%s", (_, files) => {
    expectCode(() => compile(files), "invalid_rights");
  });
});

describe("names that collide with object properties", () => {
  const index = compile([
    { dir: "", READ: { include: ["__proto__", "ops"] }, WRITE: { override: ["constructor"] } },
    { dir: "__proto__", READ: { exclude: ["__proto__"] }, WRITE: { include: ["toString"] } },
    { dir: "constructor/hasOwnProperty", READ: { override: ["constructor", "valueOf"] } },
  ]);

  it("work as group names", () => {
    expect(index.check(["__proto__"], "READ", "/x")).toBe(true);
    expect(index.check(["constructor"], "READ", "/x")).toBe(false);
    expect(index.check(["constructor"], "WRITE", "/x")).toBe(true);
    expect(index.check(["toString", "hasOwnProperty"], "WRITE", "/x")).toBe(false);
    expect(index.groupsFor("READ", "/")).toEqual(["__proto__", "ops"]);
  });

  it("work as directory names", () => {
    expect(index.groupsFor("READ", "/__proto__/v")).toEqual(["ops"]);
    expect(index.check(["__proto__"], "READ", "/__proto__")).toBe(false);
    expect(index.groupsFor("WRITE", "/__proto__")).toEqual(["constructor", "toString"]);
    expect(index.groupsFor("READ", "/constructor/hasOwnProperty/x")).toEqual(["constructor", "valueOf"]);
    expect(index.groupsFor("READ", "/constructor")).toEqual(["__proto__", "ops"]);
    expect(index.groupsFor("READ", "/toString/valueOf")).toEqual(["__proto__", "ops"]);
  });
});

describe("deciding", () => {
  const index = compile([
    { dir: "", READ: { include: ["ops"] }, WRITE: { include: ["admin"] } },
    { dir: "vault", READ: { override: [] }, WRITE: { override: [] } },
  ]);

  it("denies a caller without groups", () => {
    expect(index.check([], "READ", "/")).toBe(false);
    expect(index.explain([], "READ", "/")).toMatchObject({ allowed: false, deciding: [], effective: ["ops"] });
  });

  it("denies everyone below `override: []`", () => {
    expect(index.groupsFor("READ", "/vault/x")).toEqual([]);
    expect(index.check(["ops", "admin", "nobody"], "READ", "/vault/x")).toBe(false);
    expect(index.check(["ops", "admin"], "WRITE", "/vault")).toBe(false);
  });

  it("does not let WRITE imply READ", () => {
    expect(index.check(["admin"], "WRITE", "/a")).toBe(true);
    expect(index.check(["admin"], "READ", "/a")).toBe(false);
  });

  it("counts a repeated group once", () => {
    expect(index.explain(["ops", "ops", "x"], "READ", "/a").deciding).toEqual(["ops"]);
  });

  it.each(["read", "", "READ ", "EXECUTE", undefined, null, 1])("rejects access %j with `invalid_access`", (access) => {
    const a = access as unknown as Access;
    expectCode(() => index.check(["ops"], a, "/"), "invalid_access");
    expectCode(() => index.check([], a, "/"), "invalid_access");
    expectCode(() => index.groupsFor(a, "/"), "invalid_access");
    expectCode(() => index.explain(["ops"], a, "/"), "invalid_access");
  });

  it.each(["ops", null, undefined, { 0: "ops", length: 1 }, new Set(["ops"])])("rejects groups %j with `invalid_groups`", (groups) => {
    const gs = groups as unknown as string[];
    expectCode(() => index.check(gs, "READ", "/"), "invalid_groups");
    expectCode(() => index.explain(gs, "READ", "/"), "invalid_groups");
  });

  it.each([[[1, "ops"]], [["nobody", null]], [["ops", 1]], [["ops", undefined]]])(
    "rejects a list %j holding a non-string with `invalid_groups`, whatever the decision",
    (groups) => {
      const gs = groups as unknown as string[];
      expectCode(() => index.check(gs, "READ", "/"), "invalid_groups");
      expectCode(() => index.explain(gs, "READ", "/"), "invalid_groups");
    },
  );
});

describe("immutability", () => {
  const files: RightsFile[] = [
    { dir: "", READ: { include: ["ops"] }, WRITE: { override: ["admin"] } },
    { dir: "plant", READ: { exclude: ["ops"], include: ["eng"] } },
  ];
  const index = compile(files);

  it("freezes the index, its files and every answer", () => {
    expect(Object.isFrozen(index)).toBe(true);
    expect(Object.isFrozen(index.files)).toBe(true);
    expect(Object.isFrozen(index.groupsFor("READ", "/plant"))).toBe(true);
    const e = index.explain(["eng"], "READ", "/plant/x");
    const parts = { e, groups: e.groups, steps: e.steps, effective: e.effective, deciding: e.deciding };
    e.steps.forEach((s, i) => Object.assign(parts, { [`step ${i}`]: s, [`step ${i} before`]: s.before, [`step ${i} after`]: s.after, [`step ${i} keywords`]: s.keywords }));
    for (const [name, part] of Object.entries(parts)) expect(Object.isFrozen(part), name).toBe(true);
    expect(() => {
      (index as { revision: string }).revision = "x";
    }).toThrow(TypeError);
    expect(() => {
      (index.groupsFor("READ", "/") as string[]).push("intruder");
    }).toThrow(TypeError);
    expect(index.groupsFor("READ", "/")).toEqual(["ops"]);
  });

  it("does not change when the caller mutates the files it compiled", () => {
    const mine = structuredClone(files) as { dir: string; READ?: { include?: string[]; exclude?: string[] } }[];
    const own = compile(mine as RightsFile[]);
    const snapshot = () => ({
      groupsFor: own.groupsFor("READ", "/plant/x"),
      explain: own.explain(["eng"], "READ", "/plant/x"),
      files: JSON.parse(JSON.stringify(own.files)),
    });
    const before = structuredClone(snapshot());
    mine[1]!.READ!.include!.push("intruder");
    mine[0]!.READ = { include: ["someone-else"] };
    mine[1]!.dir = "elsewhere";
    const after = snapshot();
    expect(after.groupsFor).toEqual(before.groupsFor);
    expect(after.explain).toEqual(before.explain);
    expect(after.files).toEqual(before.files);
  });
});

describe("revision", () => {
  const files: RightsFile[] = [
    { dir: "", READ: { include: ["ops"] } },
    { dir: "a", WRITE: { override: ["admin"] } },
    { dir: "b", READ: { exclude: ["ops"] } },
  ];

  it("is a non-empty string, and the option wins", () => {
    expect(compile(files).revision).toMatch(/^\S+$/);
    expect(compile(files, { revision: "git:abc123" }).revision).toBe("git:abc123");
  });

  it("is stable for the same input, however the directories are spelled", () => {
    const respelled = files.map((f) => ({ ...structuredClone(f), dir: `./${f.dir}/` }));
    expect(compile(structuredClone(files)).revision).toBe(compile(files).revision);
    expect(compile(respelled).revision).toBe(compile(files).revision);
  });

  it("does not depend on the order the files are given in", () => {
    const [root, a, b] = files as [RightsFile, RightsFile, RightsFile];
    expect(compile([root, b, a]).revision).toBe(compile([root, a, b]).revision);
    expect(compile([b, a, root]).revision).toBe(compile([root, a, b]).revision);
  });

  it.each<[string, RightsFile[]]>([
    ["another group", [{ dir: "", READ: { include: ["eng"] } }, files[1]!, files[2]!]],
    ["another keyword", [{ dir: "", READ: { override: ["ops"] } }, files[1]!, files[2]!]],
    ["another level", [{ dir: "", WRITE: { include: ["ops"] } }, files[1]!, files[2]!]],
    ["another directory", [files[0]!, { ...files[1]!, dir: "c" }, files[2]!]],
    ["one more file", [...files, { dir: "a/b" }]],
    ["one file less", files.slice(0, 2)],
  ])("differs for different input: %s", (_, other) => {
    expect(compile(other).revision).not.toBe(compile(files).revision);
  });

  it("differs between generated trees with different content", () => {
    const content = (files: readonly RightsFile[]): string =>
      JSON.stringify(files.map((f) => [keyOf(naiveSegments(f.dir)), f.READ ?? null, f.WRITE ?? null]).sort((x, y) => (x[0]! < y[0]! ? -1 : 1)));
    fc.assert(
      fc.property(treeArb(), treeArb(), (t1, t2) => {
        fc.pre(content(t1.files) !== content(t2.files));
        expect(compile(t1.files).revision).not.toBe(compile(t2.files).revision);
      }),
      { numRuns: 300 },
    );
  });
});

describe("explain, pinned on a path through three rights files", () => {
  const index = compile(
    [
      { dir: "", READ: { include: ["user", "contractors"] }, WRITE: { override: ["administrator"] } },
      { dir: "plant", READ: { include: ["operators"], exclude: ["contractors"], at: { line: 1, column: 1 } } },
      { dir: "plant/north", file: "plant/north/access.rights", WRITE: { override: ["supervisor"] } },
      { dir: "plant/south", READ: { override: ["nobody-here"] } },
    ],
    { revision: "r1" },
  );

  it("WRITE: an override, a file silent on WRITE, an override", () => {
    expect(index.explain(["supervisor", "contractors", "supervisor"], "WRITE", "plant//north/line-1/./value/")).toEqual({
      allowed: true,
      access: "WRITE",
      path: "/plant/north/line-1/value",
      groups: ["supervisor", "contractors", "supervisor"],
      steps: [
        { dir: "/", file: "access.rights", keywords: ["override"], override: ["administrator"], before: [], after: ["administrator"] },
        { dir: "/plant", file: "plant/access.rights", keywords: [], before: ["administrator"], after: ["administrator"] },
        {
          dir: "/plant/north",
          file: "plant/north/access.rights",
          keywords: ["override"],
          override: ["supervisor"],
          before: ["administrator"],
          after: ["supervisor"],
        },
      ],
      effective: ["supervisor"],
      deciding: ["supervisor"],
      revision: "r1",
    });
  });

  it("READ: include, include with exclude, a file silent on READ", () => {
    expect(index.explain(["contractors"], "READ", "/plant/north/line-1/value")).toEqual({
      allowed: false,
      access: "READ",
      path: "/plant/north/line-1/value",
      groups: ["contractors"],
      steps: [
        { dir: "/", file: "access.rights", keywords: ["include"], include: ["user", "contractors"], before: [], after: ["contractors", "user"] },
        {
          dir: "/plant",
          file: "plant/access.rights",
          keywords: ["include", "exclude"],
          include: ["operators"],
          exclude: ["contractors"],
          at: { line: 1, column: 1 },
          before: ["contractors", "user"],
          after: ["operators", "user"],
        },
        { dir: "/plant/north", file: "plant/north/access.rights", keywords: [], before: ["operators", "user"], after: ["operators", "user"] },
      ],
      effective: ["operators", "user"],
      deciding: [],
      revision: "r1",
    });
  });
});
