/**
 * Differential test: thousands of generated trees written to disk as real
 * `access.rights` YAML files, loaded by the real loader, and every query held
 * against the naive resolver (and the explanation against an in-memory compile),
 * with and without `implies` in a `treerights.yaml`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../src/engine/index.js";
import type { Explanation } from "../src/engine/index.js";
import { loadTree } from "../src/loader/index.js";
import { caseArb, impliesArb } from "./support/arbitraries.js";
import { naiveCheck, naiveGroupsFor, naiveTree } from "./support/naive.js";
import { fitsOnDisk, writeTree } from "./support/write-tree.js";

const TREES = 2000;

/** What an explanation says regardless of where its files came from (positions, file names, revision). */
function walk(e: Explanation): unknown {
  return {
    effective: e.effective,
    deciding: e.deciding,
    steps: e.steps.map((s) => ({ dir: s.dir, keywords: s.keywords, before: s.before, after: s.after })),
  };
}

describe("loadTree agrees with the naive resolver", () => {
  let root = "";
  let next = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "treerights-differential-"));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it(`over ${TREES} generated trees written to disk`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(), async ({ tree, queries }) => {
        fc.pre(fitsOnDisk(tree));
        // A fresh subdirectory per run (shrinking included), all under one temp root removed at the end.
        const dir = join(root, String(next++));
        const written = await writeTree(dir, tree);
        const index = await loadTree(dir);
        const naive = naiveTree(tree.files);
        const compiled = compile(tree.files);
        expect(index.fileCount).toBe(tree.files.length);
        const onDisk = [...written].map(([rel, text]) => `# ${rel}\n${text}`).join("");
        for (const q of queries) {
          const expected = naiveGroupsFor(naive, q.access, q.path);
          expect(index.groupsFor(q.access, q.path), `groupsFor ${q.access} ${q.path} over\n${onDisk}`).toEqual(expected);
          expect(index.check(q.groups, q.access, q.path), `check ${q.groups.join(",")} ${q.access} ${q.path} over\n${onDisk}`).toBe(naiveCheck(naive, q.groups, q.access, q.path));
          const e = index.explain(q.groups, q.access, q.path);
          expect(e.effective).toEqual(expected);
          expect(walk(e)).toEqual(walk(compiled.explain(q.groups, q.access, q.path)));
        }
      }),
      { numRuns: TREES },
    );
  }, 180_000);

  it(`over ${TREES / 4} generated trees with \`implies\` in their treerights.yaml (SPEC 1.5)`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(), impliesArb(), async ({ tree, queries }, implies) => {
        fc.pre(fitsOnDisk(tree));
        const dir = join(root, String(next++));
        await writeTree(dir, tree);
        // JSON is YAML, and `Object.fromEntries` makes `__proto__` an own key.
        await writeFile(join(dir, "treerights.yaml"), JSON.stringify({ implies: Object.fromEntries(implies) }));
        const index = await loadTree(dir);
        const naive = naiveTree(tree.files);
        for (const q of queries) {
          expect(index.groupsFor(q.access, q.path)).toEqual(naiveGroupsFor(naive, q.access, q.path));
          expect(index.check(q.groups, q.access, q.path), `check ${q.groups.join(",")} ${q.access} ${q.path} with ${JSON.stringify([...implies])}`)
            .toBe(naiveCheck(naive, q.groups, q.access, q.path, implies));
        }
      }),
      { numRuns: TREES / 4 },
    );
  }, 180_000);
});
