/** SPEC 1.5 in the engine: the closure, its chains and cycles, and what an index does with them. */
import { describe, expect, it } from "vitest";
import { compile, diffIndexes, implications, impliesCycles } from "../../src/engine/index.js";
import type { RightsFile } from "../../src/engine/index.js";

const files: RightsFile[] = [
  { dir: "", READ: { include: ["user"] }, WRITE: { include: ["administrator"] } },
  { dir: "system", READ: { override: ["configuration-management"] }, WRITE: { override: ["configuration-management"] } },
  { dir: "system/users", WRITE: { override: ["user-management"] } },
];
const implies = new Map([
  ["administrator", ["configuration-management", "user-management"]],
  ["shift-lead", ["administrator"]],
]);

describe("implications", () => {
  it("close transitively, and chain by the shortest way", () => {
    const closure = implications(implies);
    expect(closure.implied("shift-lead")).toEqual(["administrator", "configuration-management", "user-management"]);
    expect(closure.expand(["shift-lead", "user"])).toEqual(["shift-lead", "user", "administrator", "configuration-management", "user-management"]);
    expect(closure.reaching(["configuration-management"])).toEqual(["administrator", "shift-lead"]);
    expect(closure.chain("shift-lead", new Set(["user-management"]))).toEqual(["shift-lead", "administrator", "user-management"]);
    expect(closure.chain("user", new Set(["user-management"]))).toBeNull();
  });

  it("work with any group name as a key", () => {
    const closure = implications(new Map([["__proto__", ["constructor"]], ["constructor", ["toString"]]]));
    expect(closure.implied("__proto__")).toEqual(["constructor", "toString"]);
    expect(closure.implied("hasOwnProperty")).toEqual([]);
  });

  it("refuse what is not a map of group names", () => {
    expect(() => implications({ a: ["b"] } as unknown as Map<string, string[]>)).toThrow(/must be a `Map`/);
    expect(() => implications(new Map([[" a", ["b"]]]))).toThrow(/not a group name/);
    expect(() => implications(new Map([["a", [""]]]))).toThrow(/list of group names/);
  });

  it("find cycles, each once from its first group", () => {
    expect(impliesCycles(implies)).toEqual([]);
    expect(impliesCycles(new Map([["b", ["c"]], ["c", ["a", "b"]], ["a", ["a"]]]))).toEqual([["a", "a"], ["b", "c", "b"]]);
    // A cycle keeps the closure finite: its groups imply each other.
    expect(implications(new Map([["a", ["b"]], ["b", ["a"]]])).implied("a")).toEqual(["b"]);
  });
});

describe("an index with implications", () => {
  const index = compile(files, { implies });

  it("decides by expand(G), lists eff in groupsFor, and keeps them through update", () => {
    expect(index.check(["administrator"], "WRITE", "/system/connectors")).toBe(true);
    expect(index.check(["shift-lead"], "WRITE", "/system/users/list")).toBe(true);
    expect(index.check(["user"], "WRITE", "/system")).toBe(false);
    expect(index.checker(["administrator"], "READ")("/system/users")).toBe(true);
    expect(index.groupsFor("WRITE", "/system")).toEqual(["configuration-management"]);
    const updated = index.update({ remove: ["system/users"] });
    expect(updated.check(["administrator"], "WRITE", "/system/users")).toBe(true);
    expect(updated.implications).toBe(index.implications);
  });

  it("explains with the chain", () => {
    const e = index.explain(["shift-lead", "user"], "WRITE", "/system/users");
    expect(e.allowed).toBe(true);
    expect(e.deciding).toEqual(["shift-lead"]);
    expect(e.chains).toEqual([["shift-lead", "administrator", "user-management"]]);
    expect(compile(files).explain(["user"], "READ", "/").chains).toBeUndefined();
  });

  it("answers where through the groups a group implies", () => {
    expect(index.where("administrator", "WRITE").regions).toEqual([{ path: "/", holes: [] }]);
    expect(index.where("user-management", "WRITE").regions).toEqual([{ path: "/system/users", holes: [] }]);
  });

  it("makes a change of implies a diff entry naming the implication", () => {
    const before = compile(files, { implies: new Map([["administrator", ["configuration-management"]]]) });
    const diff = diffIndexes(before, index);
    const causes = diff.entries.map((e) => [e.access, e.path, e.added, e.cause.keyword, e.cause.chain]);
    expect(causes).toContainEqual(["WRITE", "/system/users", ["administrator"], "implies", ["administrator", "user-management"]]);
    expect(causes).toContainEqual(["WRITE", "/", ["shift-lead"], "implies", ["shift-lead", "administrator"]]);
    expect(causes).toContainEqual(["WRITE", "/system", ["shift-lead"], "implies", ["shift-lead", "administrator", "configuration-management"]]);
    expect(diff.entries.every((e) => e.removed.length === 0)).toBe(true);
    const lost = diffIndexes(index, before).entries.filter((e) => e.path === "/system/users" && e.access === "WRITE");
    expect(lost.flatMap((e) => e.removed).sort()).toEqual(["administrator", "shift-lead"]);
    expect(lost.every((e) => e.cause.keyword === "implies" && e.cause.side === "from")).toBe(true);
  });

  it("names the rule and the chain when a rule changes what an implying group holds", () => {
    const changed = compile([...files.slice(0, 2), { dir: "system/users", WRITE: { override: ["auditors"] } }], { implies });
    const entry = diffIndexes(index, changed).entries.find((e) => e.removed.includes("administrator"));
    expect(entry?.cause).toMatchObject({ file: "system/users/access.rights", keyword: "override", chain: ["administrator", "user-management"] });
    expect(diffIndexes(index, index).entries).toEqual([]);
  });
});
