import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { NodeFsHandler } from "chokidar/handler.js";
import { describe, expect, it, vi } from "vitest";
import { openTree } from "../../src/loader/live/open-tree.js";
import { fullLoad, START } from "./incremental-edits.js";
import { makeTree, pause, put, record, removeTree, rights, WAIT } from "./open-tree-harness.js";

// chokidar lists a new directory, then watches it (paulmillr/chokidar#1112): a loaded machine can stretch
// that gap past a reload. Stretch it on purpose so a file written meanwhile is never reported.
const handler = NodeFsHandler.prototype as unknown as { _handleRead: (...args: unknown[]) => Promise<void> | undefined };
const handleRead = handler._handleRead;
handler._handleRead = function (this: unknown, ...args: unknown[]) {
  return handleRead.apply(this, args)?.then(() => pause(150));
};

describe("a directory created while the tree is watched", () => {
  it("finds a rights file written into it while chokidar was not watching it yet", async () => {
    const root = await makeTree(START);
    const handle = await openTree(root, { watch: true });
    try {
      await mkdir(path.join(root, "a/y"));
      await pause(60); // after the reload for the new directory has walked it, before chokidar watches it
      await writeFile(path.join(root, "a/y/access.rights"), "WRITE:\n  exclude: [ops]\n");
      const full = await fullLoad(root);
      await vi.waitFor(() => {
        expect(handle.index.revision).toBe(full.revision);
      }, WAIT);
    } finally {
      await handle.close();
      await removeTree(root);
    }
  });

  it("goes live once, complete: a change elsewhere meanwhile waits for the new directory's second walk", async () => {
    const root = await makeTree(START);
    const handle = await openTree(root, { watch: true });
    const events = record(handle);
    try {
      await mkdir(path.join(root, "a/y"));
      await pause(60);
      await writeFile(path.join(root, "a/y/access.rights"), "WRITE:\n  exclude: [ops]\n");
      // Reported at once; without the wait its reload would go live without a/y's file.
      await put(root, "b/access.rights", rights(["b-edit"]));
      const full = await fullLoad(root);
      await vi.waitFor(() => {
        expect(handle.index.revision).toBe(full.revision);
      }, WAIT);
      await pause(300);
      expect(events.reloads.map((r) => r.changedFiles)).toEqual([["a/y/access.rights", "b/access.rights"]]);
    } finally {
      await handle.close();
      await removeTree(root);
    }
  });
});
