import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compile, runSteps } from "../../src/engine/index.js";
import { STEP_SIZE } from "../../src/engine/steps.js";
import type { EffectiveChange, RightsFile, RightsIndex } from "../../src/engine/index.js";
import { generateTree } from "../../bench/workload.js";
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

  test("counts what changesSince lists over generated trees large enough to keep censuses, across sequences of root and one-file edits", () => {
    // Kinds of edit: the root's READ or WRITE (every set below may change), one file's level, one file removed.
    const editArb = fc.tuple(fc.constantFrom("root-read", "root-write", "file", "remove"), fc.nat(), fc.constantFrom("ops", "team-3", "fresh-a", "fresh-b"));
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.array(editArb, { minLength: 2, maxLength: 7 }), (seed, edits) => {
      const spec = generateTree({ dirs: 2_000, seed });
      const history: RightsIndex[] = [compile(spec.files)];
      let files = new Map(spec.files.map((f) => [f.dir, f]));
      for (const [kind, pick, group] of edits) {
        const index = history[history.length - 1] as RightsIndex;
        const root = files.get("") as RightsFile;
        const others = [...files.keys()].filter((dir) => dir !== "");
        const dir = others[pick % Math.max(1, others.length)];
        let next: RightsIndex;
        if (kind === "root-read" || kind === "root-write") {
          const edited: RightsFile = { ...root, [kind === "root-read" ? "READ" : "WRITE"]: { override: [group] } };
          next = index.update({ upsert: [edited] });
          files.set("", edited);
        } else if (kind === "remove" && dir !== undefined) {
          next = index.update({ remove: [dir] });
          files = new Map([...files].filter(([d]) => d !== dir));
        } else if (dir !== undefined) {
          const edited: RightsFile = { ...(files.get(dir) as RightsFile), READ: { include: [group] } };
          next = index.update({ upsert: [edited] });
          files.set(dir, edited);
        } else continue;
        // Against the last index and every earlier one: shared subtrees, with and without a kept census, across generations.
        for (const earlier of history) {
          expectCounts(next, earlier);
          expectCounts(earlier, next);
        }
        history.push(next);
      }
    }), { numRuns: 25 });
  });

  test("an index against itself counts nothing", () => {
    const index = compile([{ dir: "", READ: { include: ["ops"] } }, { dir: "a", READ: { exclude: ["ops"] } }]);
    expect(index.grantCountsSince(index)).toEqual({ added: 0, removed: 0 });
  });
});

/** Runs `steps` to the end, counting the yields between steps. */
function yieldsOf<T>(steps: Generator<void, T, void>): { value: T; yields: number } {
  let yields = 0;
  for (;;) {
    const step = steps.next();
    if (step.done === true) return { value: step.value, yields };
    yields++;
  }
}

/** An edit of the root's READ level: every set below may change, every subtree below is shared. */
function rootEdited(index: RightsIndex, group: string): RightsIndex {
  const root = index.files.find((f) => f.dir === "") as RightsFile;
  return index.update({ upsert: [{ ...root, READ: { override: [group] } }] });
}

describe("grantCountsSince after an edit of the root's levels: pacing and depth", () => {
  test("a flat root of 10,000 leaves yields once per STEP_SIZE of them", () => {
    const files: RightsFile[] = [{ dir: "", READ: { override: ["ops"] } }];
    for (let i = 0; i < 10_000; i++) files.push({ dir: `leaf-${i}`, READ: { include: [`g-${i % 7}`] } });
    const index = compile(files);
    const edited = rootEdited(index, "eng");
    const counted = yieldsOf(edited.grantCountsSinceSteps(index));
    expect(counted.value).toEqual(compile(edited.files).grantCountsSince(index));
    expect(counted.yields).toBeGreaterThanOrEqual(Math.floor(10_000 / STEP_SIZE) - 1);
  });

  test("a second edit of the root counts from the kept censuses, in a few steps", () => {
    const files: RightsFile[] = [{ dir: "", READ: { override: ["ops"] } }];
    for (let i = 0; i < 200; i++) {
      files.push({ dir: `d-${i}`, READ: { include: [`g-${i}`] }, WRITE: { include: [`w-${i}`] } });
      for (let j = 0; j < 100; j++) files.push({ dir: `d-${i}/l-${j}`, READ: { include: ["x"] } });
    }
    const index = compile(files);
    const first = yieldsOf(rootEdited(index, "eng").grantCountsSinceSteps(index));
    // The first count kept a census on each d-*: the second visits 200 subtree tops and applies their censuses.
    const again = rootEdited(index, "qa");
    const counted = yieldsOf(again.grantCountsSinceSteps(index));
    expect(counted.value).toEqual(compile(again.files).grantCountsSince(index));
    expect(counted.yields).toBeGreaterThanOrEqual(Math.floor(200 / STEP_SIZE));
    expect(counted.yields).toBeLessThan(first.yields / 10);
  });

  test("merging kept censuses into a subtree made since yields, entry by entry", () => {
    const files: RightsFile[] = [{ dir: "", READ: { override: ["ops"] } }, { dir: "hub", READ: { include: ["hub"] } }];
    for (let i = 0; i < 150; i++) {
      for (let j = 0; j < 70; j++) files.push({ dir: `hub/c-${i}/l-${j}`, READ: { include: [`g-${j % 40}`] } });
    }
    const index = compile(files);
    runSteps(rootEdited(index, "eng").grantCountsSinceSteps(index));
    // A one-file edit below the hub makes a new hub node, without a census, over 149 children that keep theirs.
    const edited = index.update({ upsert: [{ dir: "hub/c-0/l-0", READ: { include: ["changed"] } }] });
    const next = rootEdited(edited, "qa");
    const counted = yieldsOf(next.grantCountsSinceSteps(edited));
    expect(counted.value).toEqual(compile(next.files).grantCountsSince(edited));
    // About 40 groups per child census, merged one entry per unit of work.
    expect(counted.yields).toBeGreaterThanOrEqual(Math.floor((149 * 40) / STEP_SIZE));
  });

  test("a tree 2,000 levels deep is counted without running out of stack", () => {
    const files: RightsFile[] = [{ dir: "", READ: { override: ["ops"] } }];
    let dir = "";
    for (let depth = 1; depth <= 2_000; depth++) {
      dir = dir === "" ? "x" : `${dir}/x`;
      if (depth % 10 === 0) files.push({ dir, READ: { include: [`g-${depth}`] } });
    }
    const index = compile(files);
    const edited = rootEdited(index, "eng");
    expect(runSteps(edited.grantCountsSinceSteps(index))).toEqual(compile(edited.files).grantCountsSince(index));
    // And again, from the censuses the first count kept.
    const again = rootEdited(index, "qa");
    expect(runSteps(again.grantCountsSinceSteps(index))).toEqual(compile(again.files).grantCountsSince(index));
  });
});
