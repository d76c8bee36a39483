/**
 * The optimized index against the plain reference of the benchmarks (a `Map`
 * of effective sets per rights-file directory, walked up per query), on
 * generated trees of up to 100,000 directories: the same workloads the
 * performance figures are taken on, so a speed-up can never buy a wrong answer.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { RightsFile } from "../../src/engine/index.js";
import { buildReference } from "../../bench/reference.js";
import { allQueries, generateQueries, generateTree } from "../../bench/workload.js";

const QUERIES = 2_048;

function answer(run: () => boolean): string {
  try {
    return String(run());
  } catch (err) {
    return `error: ${(err as Error).name}`;
  }
}

describe("the compiled index and the plain reference", () => {
  it("agree on every query of generated trees of 1 to 100,000 directories", () => {
    const shape = fc.record({
      dirs: fc.integer({ min: 1, max: 100_000 }),
      seed: fc.nat(),
      maxDepth: fc.integer({ min: 1, max: 12 }),
      rightsFraction: fc.double({ min: 0.01, max: 0.6, noNaN: true }),
      groups: fc.integer({ min: 1, max: 50 }),
    });
    fc.assert(
      fc.property(shape, ({ seed, ...options }) => {
        const spec = generateTree({ ...options, seed });
        const index = compile(spec.files);
        const reference = buildReference(spec.files);
        const queries = allQueries(generateQueries(spec, { count: QUERIES, seed: seed + 1, chunkSize: 1_024 }));
        for (const q of queries) {
          const got = answer(() => index.check(q.groups, q.access, q.path));
          const want = answer(() => reference.check(q.groups, q.access, q.path));
          if (got !== want) expect({ path: q.path, groups: q.groups, access: q.access, got }).toEqual({ path: q.path, groups: q.groups, access: q.access, got: want });
        }
      }),
      // Bounded: ten trees, the largest size always among them.
      { numRuns: 10, examples: [[{ dirs: 100_000, seed: 1, maxDepth: 10, rightsFraction: 0.1, groups: 50 }]] },
    );
  }, 120_000);

  it("agree after updates that rebuild the whole trie and a deep subtree", () => {
    const spec = generateTree({ dirs: 30_000, seed: 11 });
    const root = spec.files[0] as RightsFile;
    const deep = spec.files[spec.files.length - 1] as RightsFile;
    const edited = spec.files.map((f) => f === root ? { ...root, READ: { override: ["g1", "g2"] } } : f === deep ? { ...deep, WRITE: { exclude: ["g3"] } } : f);
    const updated = compile(spec.files).update({ upsert: [edited[0] as RightsFile, edited[edited.length - 1] as RightsFile] });
    const reference = buildReference(edited);
    for (const q of allQueries(generateQueries({ ...spec, files: edited }, { count: QUERIES, seed: 12, chunkSize: 1_024 }))) {
      expect(answer(() => updated.check(q.groups, q.access, q.path))).toBe(answer(() => reference.check(q.groups, q.access, q.path)));
    }
  });
});
