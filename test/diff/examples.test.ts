/** `diffIndexes`, `findRisks` and the formats on hand-written trees whose answers are known. */
import { describe, expect, it } from "vitest";
import type { RightsFile } from "../../src/engine/index.js";
import { TreeRightsError, compile } from "../../src/engine/index.js";
import { diffIndexes } from "../../src/engine/diff.js";
import { findRisks } from "../../src/engine/diff-risk.js";
import { formatDiffText } from "../../src/cli/format-diff.js";
import { testMatcher } from "../support/matcher.js";

const ROOT: RightsFile = { dir: "", READ: { override: ["staff"] }, WRITE: { override: ["admins"] } };
const lines = (n: number, under: string): string[] => Array.from({ length: n }, (_, i) => `${under}/line-${i}`);

function run(from: RightsFile[], to: RightsFile[], dirs: string[] = []) {
  const a = compile(from, { matcher: testMatcher });
  const b = compile(to, { matcher: testMatcher });
  return diffIndexes(a, b, { dirs });
}

describe("diffIndexes", () => {
  it("reads a change that cascades to 500 subdirectories as one entry with a count", () => {
    const dirs = lines(500, "plant/north");
    const diff = run([ROOT], [ROOT, { dir: "plant/north", WRITE: { include: ["contractors"] } }], dirs);
    expect(diff.entries).toHaveLength(1);
    expect(diff.entries[0]).toMatchObject({
      access: "WRITE", path: "/plant/north", added: ["contractors"], removed: [], count: 501, nested: true,
      cause: { file: "plant/north/access.rights", dir: "/plant/north", keyword: "include", side: "to", change: "added" },
    });
    expect(diff.summary).toEqual({ entries: 1, paths: 501, grants: 501, revocations: 0, examined: 503 });
    expect(diff.files).toEqual([{ file: "plant/north/access.rights", change: "added" }]);
  });

  it("splits one path's change by cause: a root grant and a deeper revocation are two entries", () => {
    const from = [ROOT, { dir: "a", READ: { include: ["eng"] } }];
    const to = [{ ...ROOT, READ: { override: ["staff", "guests"] } }, { dir: "a", READ: { include: ["eng"], exclude: ["staff"] } }];
    const diff = run(from, to, ["a/b"]);
    expect(diff.entries.map((e) => [e.path, e.added, e.removed, e.cause.file, e.cause.keyword, e.count])).toEqual([
      ["/", ["guests"], [], "access.rights", "override", 3],
      ["/a", [], ["staff"], "a/access.rights", "exclude", 2],
    ]);
  });

  it("blames the rule that is gone when a group comes back", () => {
    const from = [ROOT, { dir: "x", READ: { exclude: ["staff"] } }, { dir: "x/y", WRITE: { include: ["ops"] } }];
    const to = [ROOT, { dir: "x/y", WRITE: { include: ["ops"] } }];
    const diff = run(from, to);
    expect(diff.entries).toEqual([
      expect.objectContaining({
        access: "READ", path: "/x", added: ["staff"], count: 2,
        cause: { file: "x/access.rights", dir: "/x", keyword: "exclude", side: "from", change: "removed" },
      }),
    ]);
    expect(formatDiffText({ from: { ref: "a", revision: "1" }, to: { ref: "b", revision: "2" }, diff, risks: [] })[0])
      .toBe("+staff READ /x (x/access.rights, deleted: exclude) [+1 below]");
  });

  it("names the pattern rule that caused a change, and counts paths not below one another", () => {
    const to: RightsFile[] = [{ ...ROOT, patterns: [{ match: "*/reports", READ: { include: ["auditors"] } }] }];
    const diff = run([ROOT], to, ["a/reports", "b/reports", "b/other"]);
    expect(diff.entries).toHaveLength(1);
    expect(diff.entries[0]).toMatchObject({
      path: "/a/reports", paths: ["/a/reports", "/b/reports"], count: 2, nested: false,
      cause: { file: "access.rights", dir: "/", keyword: "include", side: "to", change: "changed", match: "*/reports" },
    });
    expect(formatDiffText({ from: { ref: "a", revision: "1" }, to: { ref: "b", revision: "2" }, diff, risks: [] })[0])
      .toBe("+auditors READ /a/reports (access.rights pattern \"*/reports\": include) [+1 more]");
  });

  it("counts a file whose rules mean the same as unchanged, and skips paths no tree path can spell", () => {
    const from: RightsFile[] = [ROOT, { dir: "a", READ: { include: ["x", "y"] } }];
    const to: RightsFile[] = [ROOT, { dir: "/a/", READ: { include: ["y", "x", "y"], at: { line: 4, column: 1 } } }];
    const diff = run(from, to, ["a/../b", "bad\u0001name", "a/b"]);
    expect(diff.entries).toEqual([]);
    expect(diff.files).toEqual([]);
    expect(diff.summary.examined).toBe(3);
  });

  it("handles groups named like object properties", () => {
    const diff = run([ROOT], [{ ...ROOT, READ: { override: ["__proto__", "constructor"] } }]);
    expect(diff.entries[0]).toMatchObject({ added: ["__proto__", "constructor"], removed: ["staff"] });
  });
});

describe("findRisks", () => {
  const diff = run(
    [ROOT],
    [{ ...ROOT, READ: { override: ["staff", "everyone"] } }, { dir: "a/b", WRITE: { include: ["contractors"] } }, { dir: "c", WRITE: { exclude: ["admins"] } }],
  );

  it("flags new WRITE grants, grants near the root, and grants to broad groups, never removals", () => {
    expect(findRisks(diff, { rules: ["write-grant"] }).map((r) => [r.rule, r.path, r.groups])).toEqual([["write-grant", "/a/b", ["contractors"]]]);
    expect(findRisks(diff, { rules: ["near-root"] }).map((r) => [r.path, r.groups])).toEqual([["/", ["everyone"]]]);
    expect(findRisks(diff, { rules: ["near-root"], depth: 2 }).map((r) => r.path)).toEqual(["/", "/a/b"]);
    expect(findRisks(diff, { rules: ["broad"], broad: ["everyone", "staff"] }).map((r) => [r.path, r.groups, r.message])).toEqual([
      ["/", ["everyone"], "new READ grant to broad group `everyone` on `/`"],
    ]);
    expect(findRisks(diff, { rules: [] })).toEqual([]);
  });

  it("rejects an unknown check, a bad depth and `broad` without groups", () => {
    expect(() => findRisks(diff, { rules: ["nope" as never] })).toThrow(TreeRightsError);
    expect(() => findRisks(diff, { rules: ["near-root"], depth: -1 })).toThrow(/depth `-1`/);
    expect(() => findRisks(diff, { rules: ["near-root"], depth: 1.5 })).toThrow(TreeRightsError);
    expect(() => findRisks(diff, { rules: ["broad"] })).toThrow(/needs a list of broad groups/);
  });
});
