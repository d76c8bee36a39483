/** Work in steps: the same results as the one-call forms, in bounded pieces. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Access, RightsFile, RightsIndex, Steps } from "../../src/engine/index.js";
import { compile, compileSteps, runSteps } from "../../src/engine/index.js";
import { ENTRIES_PER_STEP, STEP_SIZE, sortSteps } from "../../src/engine/steps.js";
import { generateTree } from "../../bench/workload.js";
import { treeArb } from "../support/arbitraries.js";

/** Runs `steps` to the end, counting the yields between steps. */
function count<T>(steps: Steps<T>): { value: T; yields: number } {
  let yields = 0;
  for (;;) {
    const step = steps.next();
    if (step.done === true) return { value: step.value, yields };
    yields++;
  }
}

function answers(index: RightsIndex, dirs: readonly (readonly string[])[]): string[] {
  return dirs.flatMap((d) => (["READ", "WRITE"] as Access[]).map((a) => `${a} /${d.join("/")}: ${index.groupsFor(a, `/${d.join("/")}`).join(",")}`));
}

/** A compiled 5,000-directory tree, every `every`-th directory as a probe with its answers, and the root's file. */
function fixture(seed: number, every: number) {
  const spec = generateTree({ dirs: 5_000, seed });
  const index = compile(spec.files);
  const probes = spec.dirs.filter((_, i) => i % every === 0).map((d) => d.split("/").filter((s) => s !== ""));
  const root = spec.files.find((f) => f.dir === "" || f.dir === "/") as RightsFile;
  return { spec, index, probes, before: answers(index, probes), root };
}

describe("sortSteps", () => {
  it("sorts like Array.prototype.sort (stable), however it is cut into steps", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.integer({ min: 0, max: 20 }), at: fc.nat() }), { maxLength: 300 }), (items) => {
        const byKey = (a: { key: number }, b: { key: number }): number => a.key - b.key;
        expect(runSteps(sortSteps(items, byKey))).toEqual([...items].sort(byKey));
      }),
    );
  });

  it("yields while merging long runs and leaves its input alone", () => {
    const items = Array.from({ length: STEP_SIZE * 64 }, (_, i) => (i * 7919) % 1000);
    const before = [...items];
    const { value, yields } = count(sortSteps(items, (a, b) => a - b));
    expect(value).toEqual([...items].sort((a, b) => a - b));
    expect(items).toEqual(before);
    // One pass of every item per doubling of the run width, one yield per STEP_SIZE * 16 moves.
    const passes = Math.ceil(Math.log2(items.length));
    expect(yields).toBe(Math.floor((passes * items.length) / (STEP_SIZE * 16)));
  });
});

describe("compileSteps and updateSteps", () => {
  it("give the index compile and update give, on generated trees", () => {
    fc.assert(
      fc.property(treeArb({ maxPaths: 8 }), fc.nat(), (tree, pick) => {
        const stepped = runSteps(compileSteps(tree.files));
        const whole = compile(tree.files);
        expect(stepped.revision).toBe(whole.revision);
        expect(answers(stepped, tree.dirs)).toEqual(answers(whole, tree.dirs));
        const file = tree.files[pick % tree.files.length] as RightsFile;
        const changes = { upsert: [{ ...file, READ: { override: ["edited"] } }] };
        const updated = runSteps(whole.updateSteps(changes));
        expect(updated.revision).toBe(whole.update(changes).revision);
        expect(answers(updated, tree.dirs)).toEqual(answers(whole.update(changes), tree.dirs));
        expect(runSteps(updated.changesSinceSteps(whole))).toEqual(updated.changesSince(whole));
      }),
      { numRuns: 200 },
    );
  });

  it("cut a root-file rebuild of a large tree into many bounded steps", () => {
    const spec = generateTree({ dirs: 20_000, seed: 3 });
    // A matcher as simple as can be: only a change to the root's pattern rules rebuilds the whole trie.
    const matcher = (glob: string) => (relative: string): boolean => relative === glob;
    const compiled = count(compileSteps(spec.files, { matcher }));
    // Checking, sorting, placing and computing each yield at least once per STEP_SIZE files or directories.
    expect(compiled.yields).toBeGreaterThan((3 * spec.files.length) / STEP_SIZE);
    const root = spec.files.find((f) => f.dir === "" || f.dir === "/") as RightsFile;
    const patterns = [{ match: "no/such", READ: { override: ["pattern-only"] } }];
    const rebuilt = count(compiled.value.updateSteps({ upsert: [{ ...root, READ: { override: ["only-this"] }, patterns }] }));
    expect(rebuilt.yields).toBeGreaterThan((2 * spec.files.length) / STEP_SIZE);
    expect(rebuilt.value.groupsFor("READ", "/no/such/dir")).toEqual(["pattern-only"]);
    expect(rebuilt.value.groupsFor("READ", "/no/other")).toEqual(["only-this"]);
    const changes = count(rebuilt.value.changesSinceSteps(compiled.value));
    expect(changes.yields).toBeGreaterThan(spec.files.length / STEP_SIZE);
    expect(changes.value).toEqual(rebuilt.value.changesSince(compiled.value));
  });

  it("make a change to the root's levels alone without touching the trie, and compare it in steps", () => {
    const spec = generateTree({ dirs: 20_000, seed: 3 });
    const compiled = compile(spec.files);
    const root = spec.files.find((f) => f.dir === "" || f.dir === "/") as RightsFile;
    const upsert = [{ ...root, READ: { override: ["only-this"] } }];
    // Every directory keeps its transfer, and the trie is the map of files: no work per directory.
    const edited = count(compiled.updateSteps({ upsert }, { revision: "edited" }));
    expect(edited.yields).toBe(0);
    // Only the default revision reads every file, in steps.
    const hashed = count(compiled.updateSteps({ upsert }));
    expect(hashed.yields).toBeGreaterThan(spec.files.length / ENTRIES_PER_STEP);
    expect(hashed.value.revision).toBe(compile(hashed.value.files).revision);
    expect(edited.value.groupsFor("READ", "/no/such/dir")).toEqual(["only-this"]);
    expect(edited.value.directories()).toEqual(compile(edited.value.files).directories());
    // But every set below the root may have changed: the comparison walks the whole tree, in steps.
    const changes = count(edited.value.changesSinceSteps(compiled));
    expect(changes.yields).toBeGreaterThan(spec.files.length / STEP_SIZE);
    expect(changes.value).toEqual(compile(edited.value.files).changesSince(compiled));
    // So do the grant counts: every node of the shared trie, yielding at least once per STEP_SIZE of them.
    const counted = count(edited.value.grantCountsSinceSteps(compiled));
    expect(counted.value).toEqual(compile(edited.value.files).grantCountsSince(compiled));
    expect(counted.yields).toBeGreaterThanOrEqual(Math.floor([...edited.value.directories()].length / STEP_SIZE));
  });

  it("leave the old index answering as before at every step, however updates interleave", () => {
    const { spec, index, probes, before, root } = fixture(5, 7);
    const inner = spec.files[spec.files.length >> 1] as RightsFile;
    const a = index.updateSteps({ upsert: [{ ...root, WRITE: { override: ["root-edit"] } }] });
    const b = index.updateSteps({ upsert: [{ ...inner, READ: { override: ["inner-edit"] } }] });
    let doneA: RightsIndex | null = null;
    let doneB: RightsIndex | null = null;
    for (let step = 0; doneA === null || doneB === null; step++) {
      if (doneA === null) {
        const next = a.next();
        if (next.done === true) doneA = next.value;
      }
      if (doneB === null && step % 3 === 0) {
        const next = b.next();
        if (next.done === true) doneB = next.value;
      }
      if (step % 16 === 0) expect(answers(index, probes)).toEqual(before);
    }
    expect(answers(index, probes)).toEqual(before);
    expect(answers(doneA, probes)).toEqual(answers(index.update({ upsert: [{ ...root, WRITE: { override: ["root-edit"] } }] }), probes));
    expect(doneB.groupsFor("READ", `/${inner.dir}`)).toEqual(["inner-edit"]);
  });

  it("fail midway without touching the old index", () => {
    const { index, probes, before, root } = fixture(6, 5);
    // Pattern rules need a matcher, which this index has not: the rebuild fails once it reaches them.
    const withRule = { ...root, patterns: [{ match: "**/*.script", WRITE: { include: ["late"] } }] };
    const steps = index.updateSteps({ upsert: [withRule] });
    let taken = 0;
    expect(() => {
      for (let next = steps.next(); next.done !== true; next = steps.next()) taken++;
    }).toThrow(/matcher/);
    expect(taken).toBeGreaterThan(0);
    expect(answers(index, probes)).toEqual(before);
  });

  it("throw a compile error from the step that meets it, and leave the old index answering", () => {
    const index = compile([{ dir: "/", READ: { include: ["ops"] } }]);
    expect(() => runSteps(compileSteps([{ dir: "/a" }]))).toThrow(/root has no rights file/);
    expect(() => runSteps(index.updateSteps({ remove: ["/"] }))).toThrow(/root/);
    expect(index.check(["ops"], "READ", "/a")).toBe(true);
  });
});
