import { describe, expect, it } from "vitest";
import { compile, namedGroups, namedGroupsSteps, unnamedGroups } from "../../src/engine/index.js";

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

  it("can be gathered in steps, for a live tree to do after a swap; then it is ready for the first request", () => {
    const many = [{ dir: "/", READ: { include: ["ops"] } }, ...Array.from({ length: 3000 }, (_, i) => ({ dir: `/d${i}`, READ: { include: [`g${i}`] } }))];
    const index = compile(many, options);
    const steps = namedGroupsSteps(index);
    let count = 0;
    let step = steps.next();
    while (step.done !== true) {
      count++;
      step = steps.next();
    }
    expect(count).toBeGreaterThan(1);
    expect(step.value.size).toBe(3001);
    expect(namedGroups(index)).toBe(step.value);
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
