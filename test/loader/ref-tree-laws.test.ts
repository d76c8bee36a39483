/**
 * The law of ref mode: after any sequence of commits (and moves back to
 * older ones), the served index answers as the tree `readGitTree` reads at
 * the ref's commit, compiled from scratch, and has its revision.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Access } from "../../src/engine/index.js";
import { readGitTree } from "../../src/loader/git/git-tree.js";
import { openRefTree } from "../../src/loader/live/ref-tree.js";
import { compileSnapshot } from "../../src/loader/read/compile-snapshot.js";
import { TestRepo } from "../diff/git-repo.js";

const DIRS = ["", "a", "a/b", "a/b/c", "d", "d/e", "x/access.rights"];
const GROUPS = ["g1", "g2", "g3"];

/** One file's content: a valid rule, a broken one, or removal. */
const content = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom("include", "exclude", "override"), fc.subarray(GROUPS)).map(([k, gs]) => `READ:\n  ${k}: [${gs.join(", ")}]\nWRITE:\n  include: [${gs[0] ?? "g1"}]\n`) },
  { weight: 1, arbitrary: fc.constant("READ:\n  Include: [g1]\n") },
  { weight: 2, arbitrary: fc.constant(null) },
);

/** A step: commit edits to some files (the root's file is kept valid most of the time), or move the ref back. */
const step = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("commit" as const), edits: fc.array(fc.tuple(fc.constantFrom(...DIRS), content), { minLength: 1, maxLength: 3 }), config: fc.constantFrom("keep", "ignore", "remove") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("back" as const), by: fc.integer({ min: 1, max: 3 }) }) },
);

const QUERIES: [string[], Access, string][] = DIRS.flatMap((d) => GROUPS.flatMap((g) => [[[g], "READ", `/${d}/q`], [[g], "WRITE", `/${d}`]] as [string[], Access, string][]));

describe("ref mode against readGitTree", () => {
  let repo: TestRepo;
  beforeAll(async () => {
    repo = await TestRepo.create();
  });
  afterAll(() => repo.remove());

  it("serves what a full read of the ref's commit compiles to, with its revision", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        await repo.git("checkout", "-q", "--orphan", `run-${Date.now()}-${Math.random().toString(36).slice(2)}`);
        await repo.git("rm", "-rfq", "--ignore-unmatch", ".");
        await repo.write({ "access.rights": "READ:\n  include: [g1]\n" });
        const commits = [await repo.commit("start")];
        const branch = (await repo.git("rev-parse", "--abbrev-ref", "HEAD")).trim();
        const handle = await openRefTree(repo.dir, { ref: branch }, { noWatch: true, pollMs: 60_000 });
        try {
          for (const s of steps) {
            if (s.kind === "commit") {
              const files: Record<string, string | null> = {};
              for (const [dir, text] of s.edits) files[dir === "" ? "access.rights" : `${dir}/access.rights`] = dir === "" && text === null ? "" : text;
              if (s.config !== "keep") files["treerights.yaml"] = s.config === "ignore" ? "ignore: [\"d/**\"]\n" : null;
              await repo.write(files);
              commits.push(await repo.commit("step"));
            } else {
              const target = commits[Math.max(0, commits.length - 1 - s.by)] as string;
              await repo.git("update-ref", `refs/heads/${branch}`, target);
              commits.push(target);
            }
            await handle.reload();
            const commit = commits[commits.length - 1] as string;
            const snapshot = await readGitTree(repo.dir, commit);
            const { index } = compileSnapshot(snapshot);
            if (index === null) {
              // Rejected: the last good index answers, and the status names the rejected revision.
              expect(handle.status.rejected?.revision).toBe(snapshot.revision);
              continue;
            }
            expect(handle.status.commit).toBe(commit);
            expect(handle.index.revision).toBe(snapshot.revision);
            for (const [groups, access, path] of QUERIES) expect(handle.index.check(groups, access, path)).toBe(index.check(groups, access, path));
          }
        } finally {
          await handle.close();
        }
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 120_000);
});
