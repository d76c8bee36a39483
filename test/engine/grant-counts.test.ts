import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compile, runSteps } from "../../src/engine/index.js";
import { STEP_SIZE } from "../../src/engine/steps.js";
import type { EffectiveChange, RightsFile, RightsIndex } from "../../src/engine/index.js";
import { generateTree } from "../../bench/workload.js";
import { treeArb } from "../support/arbitraries.js";
import { naiveGroupsFor, naiveSegments, naiveTree } from "../support/naive.js";

/** What `grantCountsSince` must give: the sizes of the lists `changesSince` gives. */
function counted(changes: readonly EffectiveChange[]): { added: number; removed: number } {
  return {
    added: changes.reduce((n, c) => n + c.added.length, 0),
    removed: changes.reduce((n, c) => n + c.removed.length, 0),
  };
}

/**
 * The same counts by the naive resolver, sharing no code with the engine:
 * every directory indexed on either side (each file's directory and its
 * ancestors), each level's groups before and after.
 */
function naiveCounts(next: RightsIndex, previous: RightsIndex): { added: number; removed: number } {
  const before = naiveTree(previous.files);
  const after = naiveTree(next.files);
  const dirs = new Set<string>();
  for (const file of [...previous.files, ...next.files]) {
    const segments = naiveSegments(file.dir);
    for (let depth = 0; depth <= segments.length; depth++) dirs.add(`/${segments.slice(0, depth).join("/")}`);
  }
  const counts = { added: 0, removed: 0 };
  for (const dir of dirs) {
    for (const access of ["READ", "WRITE"] as const) {
      const had = new Set(naiveGroupsFor(before, access, dir));
      const has = new Set(naiveGroupsFor(after, access, dir));
      counts.added += [...has].filter((g) => !had.has(g)).length;
      counts.removed += [...had].filter((g) => !has.has(g)).length;
    }
  }
  return counts;
}

function expectCounts(next: RightsIndex, previous: RightsIndex): void {
  expect(next.grantCountsSince(previous)).toEqual(counted(next.changesSince(previous)));
}

/** `expectCounts`, and the naive count too (small trees: it resolves every directory from the files). */
function expectNaiveCounts(next: RightsIndex, previous: RightsIndex): void {
  expectCounts(next, previous);
  expect(next.grantCountsSince(previous)).toEqual(naiveCounts(next, previous));
}

describe("grantCountsSince", () => {
  test("counts what changesSince lists and the naive resolver counts, for indexes that share nothing (different group ids)", () => {
    fc.assert(fc.property(treeArb(), treeArb(), (a, b) => {
      expectNaiveCounts(compile(b.files), compile(a.files));
    }), { numRuns: 300 });
  });

  test("counts what changesSince lists and the naive resolver counts after updates: incremental, and rebuilds over the same group ids", () => {
    fc.assert(fc.property(treeArb(), fc.array(treeArb(), { minLength: 1, maxLength: 4 }), (start, edits) => {
      let index = compile(start.files);
      for (const edit of edits) {
        // Upsert every file of another tree (the root's among them: a rebuild), remove the start's others.
        const keep = new Set(edit.files.map((f) => f.dir));
        const remove = start.files.map((f) => f.dir).filter((dir) => dir !== "" && !keep.has(dir));
        const next = index.update({ upsert: edit.files.slice(0, 1 + (edit.files.length >> 1)), remove });
        expectNaiveCounts(next, index);
        expectNaiveCounts(index, next);
        index = next;
      }
    }), { numRuns: 200 });
  });

  test("counts what changesSince lists over generated trees of 2,000 directories, across sequences of root and one-file edits", () => {
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
        // Against the last index and every earlier one: subtrees shared across generations, under the same or different root sets.
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
  });
});
