import { describe, expect, it } from "vitest";
import { compile, namedGroups, unnamedGroups } from "../../src/engine/index.js";

// The globs never match: only the groups the rules name matter here.
const options = { matcher: () => () => false };

const files = [
  { dir: "/", READ: { include: ["ops"] }, WRITE: { override: ["admin"] } },
  { dir: "/plant", READ: { exclude: ["contractors"] }, patterns: [{ match: "**/*.script", WRITE: { include: ["script-admins"] } }] },
];

describe("namedGroups", () => {
  it("gathers every group of every level, keyword and pattern rule", () => {
    expect([...namedGroups(compile(files, options))].sort()).toEqual(["admin", "contractors", "ops", "script-admins"]);
  });

  it("is computed once per index", () => {
    const index = compile(files, options);
    expect(namedGroups(index)).toBe(namedGroups(index));
  });

  it("follows an update: a group no file names any more is unknown to the new index", () => {
    const index = compile(files, options);
    const next = index.update({ upsert: [{ dir: "/plant", READ: { include: ["auditors"] } }] });
    expect(unnamedGroups(next, ["contractors", "auditors", "script-admins"])).toEqual(["contractors", "script-admins"]);
    expect(unnamedGroups(index, ["contractors", "auditors"])).toEqual(["auditors"]);
  });

  it("lists each unknown group once, in the order given, and works for Object.prototype names", () => {
    const index = compile([{ dir: "/", READ: { include: ["constructor"] } }]);
    expect(unnamedGroups(index, ["b", "__proto__", "b", "constructor", "a"])).toEqual(["b", "__proto__", "a"]);
  });
});
