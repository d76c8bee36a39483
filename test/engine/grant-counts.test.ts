import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { EffectiveChange, RightsIndex } from "../../src/engine/index.js";
import { treeArb } from "../support/arbitraries.js";

/** What `grantCountsSince` must give: the sizes of the lists `changesSince` gives. */
function counted(changes: readonly EffectiveChange[]): { added: number; removed: number } {
  return {
    added: changes.reduce((n, c) => n + c.added.length, 0),
    removed: changes.reduce((n, c) => n + c.removed.length, 0),
  };
}

function expectCounts(next: RightsIndex, previous: RightsIndex): void {
  expect(next.grantCountsSince(previous)).toEqual(counted(next.changesSince(previous)));
}

describe("grantCountsSince", () => {
  test("counts what changesSince lists, for indexes that share nothing (different group ids)", () => {
    fc.assert(fc.property(treeArb(), treeArb(), (a, b) => {
      expectCounts(compile(b.files), compile(a.files));
    }), { numRuns: 300 });
  });

  test("counts what changesSince lists after updates: incremental, and rebuilds over the same group ids", () => {
    fc.assert(fc.property(treeArb(), fc.array(treeArb(), { minLength: 1, maxLength: 4 }), (start, edits) => {
      let index = compile(start.files);
      for (const edit of edits) {
        // Upsert every file of another tree (the root's among them: a rebuild), remove the start's others.
        const keep = new Set(edit.files.map((f) => f.dir));
        const remove = start.files.map((f) => f.dir).filter((dir) => dir !== "" && !keep.has(dir));
        const next = index.update({ upsert: edit.files.slice(0, 1 + (edit.files.length >> 1)), remove });
        expectCounts(next, index);
        expectCounts(index, next);
        index = next;
      }
    }), { numRuns: 200 });
  });

  test("an index against itself counts nothing", () => {
    const index = compile([{ dir: "", READ: { include: ["ops"] } }, { dir: "a", READ: { exclude: ["ops"] } }]);
    expect(index.grantCountsSince(index)).toEqual({ added: 0, removed: 0 });
  });
});
