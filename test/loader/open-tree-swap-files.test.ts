import { mkdir, rename, rm, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readTree } from "../../src/loader/read-tree.js";
import type * as ReadTreeModule from "../../src/loader/read-tree.js";
import { openTree } from "../../src/loader/open-tree.js";
import type { TreeHandle } from "../../src/loader/types.js";
import type { Recorder } from "./open-tree-harness.js";
import { makeTree, pause, put, record, removeTree, rights, WAIT } from "./open-tree-harness.js";

// Count tree reads: a reload that finds the same revision emits nothing, so reads are what show a trigger.
vi.mock("../../src/loader/read-tree.js", async (importOriginal) => {
  const actual = await importOriginal<typeof ReadTreeModule>();
  return { ...actual, readTree: vi.fn(actual.readTree) };
});

/** Long enough for a debounced reload to have started had anything triggered one. */
const QUIET_WINDOW_MS = 500;

let root = "";
let handle: TreeHandle;
let events: Recorder;

beforeEach(async () => {
  root = await makeTree({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"]) });
  handle = await openTree(root, { watch: true, ignore: ["drafts/**"] });
  events = record(handle);
  // A known-good event first, so the watcher is proven live before the window starts.
  await put(root, "plant/access.rights", rights(["eng", "qa"]));
  await vi.waitFor(() => {
    expect(events.reloads).toHaveLength(1);
  }, WAIT);
  vi.mocked(readTree).mockClear();
});

afterEach(async () => {
  await handle.close();
  await removeTree(root);
});

describe("files that are not rights files", () => {
  it("editor swap, backup and probe files never trigger a reload", async () => {
    const plant = path.join(root, "plant");
    // vim: probe file, swap files, backup; emacs: lock and autosave; a temp file that is written and dropped
    await writeFile(path.join(plant, "4913"), "");
    await unlink(path.join(plant, "4913"));
    await writeFile(path.join(plant, ".access.rights.swp"), "swap");
    await writeFile(path.join(plant, ".access.rights.swp"), "swap 2");
    await writeFile(path.join(plant, ".access.rights.swx"), "swap");
    await writeFile(path.join(plant, "access.rights~"), rights(["backup"]));
    await writeFile(path.join(plant, "#access.rights#"), "autosave");
    await writeFile(path.join(plant, "access.rights.tmp"), rights(["tmp"]));
    await rename(path.join(plant, "access.rights.tmp"), path.join(plant, "access.rights.bak"));
    await unlink(path.join(plant, ".access.rights.swp"));
    await pause(QUIET_WINDOW_MS);
    expect(readTree).not.toHaveBeenCalled();
    expect(events.reloads).toHaveLength(1);
    expect(events.rejected).toHaveLength(0);
  });

  it("rights files under ignored globs, .git and node_modules never trigger a reload", async () => {
    await mkdir(path.join(root, ".git", "refs"), { recursive: true });
    await writeFile(path.join(root, ".git", "access.rights"), "READ: {include: [git]}\n");
    await put(root, "node_modules/pkg/access.rights", "READ: {include: [npm]}\n");
    await put(root, "drafts/access.rights", "READ: {include: [draft]}\n");
    await rm(path.join(root, "drafts"), { recursive: true });
    await pause(QUIET_WINDOW_MS);
    expect(readTree).not.toHaveBeenCalled();
    expect(handle.index.check(["git", "npm"], "READ", "/.git")).toBe(false);
  });
});
