import { mkdir, rename, rm, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readRights } from "../../src/loader/read/read-rights-file.js";
import type * as ReadRightsModule from "../../src/loader/read/read-rights-file.js";
import { walkTree } from "../../src/loader/read/walk.js";
import type * as WalkModule from "../../src/loader/read/walk.js";
import { openTree } from "../../src/loader/live/open-tree.js";
import type { TreeHandle } from "../../src/loader/types.js";
import type { Recorder } from "./open-tree-harness.js";
import { makeTree, pause, put, record, removeTree, rights, WAIT } from "./open-tree-harness.js";

// Count file reads and walks: a reload that finds the same revision emits nothing, so reads are what show a trigger.
vi.mock("../../src/loader/read/read-rights-file.js", async (importOriginal) => {
  const actual = await importOriginal<typeof ReadRightsModule>();
  return { ...actual, readRights: vi.fn(actual.readRights) };
});
vi.mock("../../src/loader/read/walk.js", async (importOriginal) => {
  const actual = await importOriginal<typeof WalkModule>();
  return { ...actual, walkTree: vi.fn(actual.walkTree) };
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
  // The counters see the reload's reads (so their silence below means something), and only the changed file was read.
  expect(vi.mocked(readRights).mock.calls.at(-1)?.[1]).toBe("plant/access.rights");
  vi.mocked(readRights).mockClear();
  vi.mocked(walkTree).mockClear();
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
    expect(readRights).not.toHaveBeenCalled();
    expect(walkTree).not.toHaveBeenCalled();
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
    expect(readRights).not.toHaveBeenCalled();
    expect(walkTree).not.toHaveBeenCalled();
    expect(handle.index.check(["git", "npm"], "READ", "/.git")).toBe(false);
  });
});
