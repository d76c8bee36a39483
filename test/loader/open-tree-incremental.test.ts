import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { openTree, openTreeWith } from "../../src/loader/live/open-tree.js";
import { readRights } from "../../src/loader/read/read-rights-file.js";
import type * as ReadRightsModule from "../../src/loader/read/read-rights-file.js";
import { applyEdit, editArb, expectSameAnswers, fullLoad, START } from "./incremental-edits.js";
import { makeTree, pause, put, record, removeTree, rights, WAIT } from "./open-tree-harness.js";

vi.mock("../../src/loader/read/read-rights-file.js", async (importOriginal) => {
  const actual = await importOriginal<typeof ReadRightsModule>();
  return { ...actual, readRights: vi.fn(actual.readRights) };
});

describe("a watched tree reloaded incrementally", () => {
  it("ends up where a full reload does after any sequence of edits", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(editArb, { minLength: 1, maxLength: 6 }), async (edits) => {
        const root = await makeTree(START);
        const handle = await openTree(root, { watch: true });
        try {
          for (const edit of edits) {
            await applyEdit(root, edit);
            const full = await fullLoad(root);
            // Settled when the handle answers with the full load's index, or has rejected the same content.
            await vi.waitFor(() => {
              if (full.index === null) expect(handle.status.rejected?.revision).toBe(full.revision);
              else expect(handle.index.revision).toBe(full.revision);
            }, WAIT);
            if (full.index !== null) expectSameAnswers(handle.index, full.index);
            else expect(handle.status.rejected?.problems).toEqual(full.problems);
          }
        } finally {
          await handle.close();
          await removeTree(root);
        }
      }),
      { numRuns: 15 },
    );
  }, 60_000);
});

describe("full reloads of a watched tree", () => {
  it("a change to treerights.yaml reads the whole tree again under the new configuration", async () => {
    const root = await makeTree(START);
    const handle = await openTree(root, { watch: true });
    const events = record(handle);
    try {
      expect(handle.index.check(["eng"], "READ", "/a")).toBe(true);
      await put(root, "treerights.yaml", "ignore: [\"a/**\"]\n");
      const full = await fullLoad(root);
      await vi.waitFor(() => {
        expect(handle.index.revision).toBe(full.revision);
      }, WAIT);
      expect(handle.index.check(["eng"], "READ", "/a")).toBe(false);
      expect(handle.status.fileCount).toBe(2);
      expect(events.reloads.at(-1)?.changedFiles).toEqual(["a/access.rights", "a/x/access.rights", "treerights.yaml"]);
      expect(handle.status.history?.at(-1)).toMatchObject({ filesChanged: 3 });
    } finally {
      await handle.close();
      await removeTree(root);
    }
  });

  it("a burst over the batch limit reads the whole tree, in one swap", async () => {
    const root = await makeTree(START);
    const handle = await openTreeWith(root, { watch: true }, { maxBatch: 2 });
    const events = record(handle);
    try {
      vi.mocked(readRights).mockClear();
      await Promise.all(["d1", "d2", "d3", "d4"].map((d) => put(root, `${d}/access.rights`, rights([d]))));
      await vi.waitFor(() => {
        expect(events.reloads.length).toBeGreaterThanOrEqual(1);
      }, WAIT);
      await pause(300);
      expect(events.reloads).toHaveLength(1);
      expect(events.reloads[0]?.changedFiles).toEqual(["d1/access.rights", "d2/access.rights", "d3/access.rights", "d4/access.rights"]);
      // Files nobody touched were read too.
      expect(vi.mocked(readRights).mock.calls.map((c) => c[1])).toContain("b/access.rights");
      expect(handle.index.revision).toBe((await fullLoad(root)).revision);
    } finally {
      await handle.close();
      await removeTree(root);
    }
  });
});
