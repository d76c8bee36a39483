/**
 * The laws of `diffIndexes` over generated trees: diff(A, A) is empty,
 * applying the entries to A gives B, every change is real and tied to a rule
 * that decides it, and the same holds with pattern rules.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, compile } from "../../src/engine/index.js";
import type { Access } from "../../src/engine/index.js";
import { diffIndexes } from "../../src/engine/diff.js";
import { GROUPS, impliesArb, treeArb } from "../support/arbitraries.js";
import { testMatcher } from "../support/matcher.js";
import { naiveExpand, naiveGroupsFor, naiveTree } from "../support/naive.js";
import { treeWithPatternsArb } from "../support/pattern-arbitraries.js";
import type { TreePair } from "./support.js";
import { editedPairArb, examinedPaths, expectDiffLaws, independentPairArb } from "./support.js";

const RUNS = 200;
const options = { matcher: testMatcher };

function diffPair(pair: TreePair) {
  const a = compile(pair.a.files, options);
  const b = compile(pair.b.files, options);
  const paths = examinedPaths(pair);
  return { a, b, paths, diff: diffIndexes(a, b, { dirs: paths }) };
}

describe("diffIndexes laws", () => {
  it("diff(A, A) is empty, with or without pattern rules", () => {
    fc.assert(
      fc.property(fc.oneof(treeArb(), treeWithPatternsArb()), (tree) => {
        const a = compile(tree.files, options);
        const again = compile([...tree.files].reverse(), options);
        const paths = examinedPaths({ a: tree, b: tree });
        for (const diff of [diffIndexes(a, a, { dirs: paths }), diffIndexes(a, again, { dirs: paths })]) {
          expect(diff.entries).toEqual([]);
          expect(diff.files).toEqual([]);
          expect(diff.summary).toMatchObject({ entries: 0, paths: 0, grants: 0, revocations: 0 });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("applying the entries to A gives B, and every change is real, on edited trees", () => {
    fc.assert(
      fc.property(editedPairArb(), (pair) => {
        const { a, b, paths, diff } = diffPair(pair);
        expectDiffLaws(diff, a, b, paths);
      }),
      { numRuns: RUNS },
    );
  });

  it("holds on unrelated trees", () => {
    fc.assert(
      fc.property(independentPairArb(), (pair) => {
        const { a, b, paths, diff } = diffPair(pair);
        expectDiffLaws(diff, a, b, paths);
      }),
      { numRuns: RUNS },
    );
  });

  it("holds with pattern rules, edited and unrelated", () => {
    fc.assert(
      fc.property(fc.oneof(editedPairArb({ patterns: true }), independentPairArb({ patterns: true })), (pair) => {
        const { a, b, paths, diff } = diffPair(pair);
        expectDiffLaws(diff, a, b, paths);
      }),
      { numRuns: RUNS },
    );
  });

  it("reports exactly the (path, level) pairs where the naive resolver differs", () => {
    fc.assert(
      fc.property(fc.oneof(editedPairArb(), editedPairArb({ patterns: true })), (pair) => {
        const { paths, diff } = diffPair(pair);
        const naiveA = naiveTree(pair.a.files);
        const naiveB = naiveTree(pair.b.files);
        const expected = new Set<string>();
        for (const path of paths) {
          for (const access of ACCESS_LEVELS) {
            if (JSON.stringify(naiveGroupsFor(naiveA, access, path)) !== JSON.stringify(naiveGroupsFor(naiveB, access, path))) {
              expected.add(`${access} ${path}`);
            }
          }
        }
        const reported = new Set(diff.entries.flatMap((e) => e.paths.map((p) => `${e.access} ${p}`)));
        expect(reported).toEqual(expected);
        expect(diff.summary.paths).toBe(new Set([...expected].map((k) => k.slice(k.indexOf(" ") + 1))).size);
      }),
      { numRuns: RUNS },
    );
  });

  it("is antisymmetric: diff(B, A) undoes diff(A, B)", () => {
    fc.assert(
      fc.property(editedPairArb({ patterns: true }), (pair) => {
        const forward = diffPair(pair).diff;
        const backward = diffPair({ a: pair.b, b: pair.a }).diff;
        const triples = (d: typeof forward, flip: boolean): string[] =>
          d.entries.flatMap((e) => e.paths.flatMap((p) => [
            ...e.added.map((g) => `${e.access} ${p} ${flip ? "-" : "+"}${g}`),
            ...e.removed.map((g) => `${e.access} ${p} ${flip ? "+" : "-"}${g}`),
          ])).sort();
        expect(triples(backward, true)).toEqual(triples(forward, false));
        expect(backward.summary.grants).toBe(forward.summary.revocations);
      }),
      { numRuns: RUNS },
    );
  });

  it("with implications (SPEC 1.5), applying the entries to A's holders gives B's, each change with a cause in its tree", () => {
    fc.assert(
      fc.property(editedPairArb(), impliesArb(), impliesArb(), fc.boolean(), (pair, impliesA, impliesB, same) => {
        const onB = same ? impliesA : impliesB;
        const a = compile(pair.a.files, { implies: impliesA });
        const b = compile(pair.b.files, { implies: onB });
        const paths = examinedPaths(pair);
        const diff = diffIndexes(a, b, { dirs: paths });
        const holders = (files: typeof pair.a.files, implies: ReadonlyMap<string, readonly string[]>, access: Access, path: string): string[] => {
          const eff = new Set(naiveGroupsFor(naiveTree(files), access, path));
          return [...new Set([...GROUPS, ...eff])].filter((g) => [...naiveExpand(implies, [g])].some((h) => eff.has(h))).sort();
        };
        const applied = new Map<string, Set<string>>();
        for (const entry of diff.entries) {
          const implies = entry.cause.side === "to" ? onB : impliesA;
          if (entry.cause.keyword === "implies") {
            const chain = entry.cause.chain ?? [];
            chain.slice(1).forEach((g, i) => { expect(implies.get(chain[i] as string)).toContain(g); });
          }
          for (const path of entry.paths) {
            const key = `${entry.access} ${path}`;
            const set = applied.get(key) ?? new Set(holders(pair.a.files, impliesA, entry.access, path));
            for (const g of entry.added) set.add(g);
            for (const g of entry.removed) set.delete(g);
            applied.set(key, set);
          }
        }
        for (const path of paths) {
          for (const access of ACCESS_LEVELS) {
            const expected = holders(pair.b.files, onB, access, path);
            const got = applied.get(`${access} ${path}`) ?? new Set(holders(pair.a.files, impliesA, access, path));
            expect([...got].sort(), `${access} ${path}`).toEqual(expected);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
