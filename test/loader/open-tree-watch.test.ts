import { mkdir, rm, symlink, unlink } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openTree } from "../../src/loader/live/open-tree.js";
import type { TreeHandle } from "../../src/loader/types.js";
import type { Recorder } from "./open-tree-harness.js";
import { makeTree, pause, put, record, removeTree, renameOver, rights, WAIT } from "./open-tree-harness.js";

let root = "";
let handle: TreeHandle;
let events: Recorder;

// Every behaviour holds with chokidar in its own thread (the default) and in the calling thread.
describe.each([{ watchThread: true }, { watchThread: false }])("watchThread: $watchThread", ({ watchThread }) => {
  beforeEach(async () => {
    root = await makeTree({
      "access.rights": rights(["ops"]),
      "plant/access.rights": rights(["eng"], ["eng"]),
      "plant/north/access.rights": rights(["north"]),
      "plant/north/values/temp.json": "{}",
    });
    handle = await openTree(root, { watch: true, watchThread });
    events = record(handle);
  });

  afterEach(async () => {
    await handle.close();
    await removeTree(root);
  });

  /** Waits for the `n`th reload event and returns it. */
  async function reloadNumber(n: number) {
    await vi.waitFor(() => {
      expect(events.reloads.length).toBeGreaterThanOrEqual(n);
    }, WAIT);
    return events.reloads[n - 1]!;
  }

  describe("openTree with watch: true", () => {
    it("reports the watcher in status", () => {
      expect(handle.status.watch).toEqual({ state: "watching" });
    });

    it("reloads an edited file", async () => {
      await put(root, "plant/access.rights", rights(["qa"], ["eng"]));
      const event = await reloadNumber(1);
      expect(event.changedFiles).toEqual(["plant/access.rights"]);
      expect(handle.index).toBe(event.index);
      expect(handle.index.check(["qa"], "READ", "/plant/a")).toBe(true);
      expect(handle.status.reloads).toBe(1);
    });

    it("reloads a file an editor saves by renaming over it", async () => {
      await renameOver(root, "plant/north/access.rights", rights(["south"]));
      const event = await reloadNumber(1);
      expect(event.changedFiles).toEqual(["plant/north/access.rights"]);
      expect(handle.index.check(["south"], "READ", "/plant/north/values/temp")).toBe(true);
      expect(handle.index.check(["north"], "READ", "/plant/north/values/temp")).toBe(false);
    });

    it("reloads when a non-root file is deleted", async () => {
      await unlink(path.join(root, "plant/north/access.rights"));
      const event = await reloadNumber(1);
      expect(event.changedFiles).toEqual(["plant/north/access.rights"]);
      expect(handle.index.check(["north"], "READ", "/plant/north")).toBe(false);
      expect(handle.status.fileCount).toBe(2);
    });

    it("reloads a new file in a new directory", async () => {
      await put(root, "site/east/line-1/access.rights", rights(["east"]));
      const event = await reloadNumber(1);
      expect(event.changedFiles).toEqual(["site/east/line-1/access.rights"]);
      expect(handle.index.check(["east"], "READ", "/site/east/line-1/pump")).toBe(true);
    });

    it("reloads when a directory holding rights files is removed", async () => {
      await rm(path.join(root, "plant/north"), { recursive: true });
      const event = await reloadNumber(1);
      expect(event.changedFiles).toEqual(["plant/north/access.rights"]);
    });

    it("rejects a broken edit while the old revision keeps answering, then takes the fix", async () => {
      const good = handle.index;
      await put(root, "plant/access.rights", "READ:\n  include: [qa]\nWrite:\n  override: [eng]\n");
      await vi.waitFor(() => {
        expect(events.rejected).toHaveLength(1);
      }, WAIT);
      expect(handle.index).toBe(good);
      expect(handle.index.check(["eng"], "READ", "/plant/x")).toBe(true);
      expect(handle.index.check(["qa"], "READ", "/plant/x")).toBe(false);
      const status = handle.status;
      expect(status.revision).toBe(good.revision);
      expect(status.rejectedReloads).toBe(1);
      expect(status.rejected?.problems).toContainEqual(expect.objectContaining({ severity: "error", file: "plant/access.rights", line: 3, column: 1 }));

      await put(root, "plant/access.rights", rights(["qa"], ["eng"]));
      const event = await reloadNumber(1);
      expect(event.previous).toBe(good);
      expect(handle.index.check(["qa"], "READ", "/plant/x")).toBe(true);
      expect(handle.status.rejected).toBeNull();
      expect(handle.status.rejectedReloads).toBe(1);
    });

    it("rejects the tree when the root rights file is deleted, and keeps answering", async () => {
      const good = handle.index;
      await unlink(path.join(root, "access.rights"));
      await vi.waitFor(() => {
        expect(events.rejected).toHaveLength(1);
      }, WAIT);
      expect(events.rejected[0]?.problems).toContainEqual(expect.objectContaining({ code: "missing_root_rights", severity: "error" }));
      expect(handle.index).toBe(good);
      expect(handle.index.check(["ops"], "READ", "/plant")).toBe(true);

      await put(root, "access.rights", rights(["ops2"]));
      await reloadNumber(1);
      expect(handle.index.check(["ops2"], "READ", "/plant")).toBe(true);
      expect(handle.status.rejected).toBeNull();
    });

    it("lists only rights files as changed when other files change too", async () => {
      await put(root, "plant/north/values/level.json", "{}");
      await put(root, "plant/access.rights", rights(["qa"], ["eng"]));
      const event = await reloadNumber(1);
      expect(event.changedFiles).toEqual(["plant/access.rights"]);
    });

    it("close() stops events and is idempotent", async () => {
      await Promise.all([handle.close(), handle.close()]);
      expect(handle.status.watch).toEqual({ state: "off" });
      await put(root, "plant/access.rights", rights(["qa"]));
      await mkdir(path.join(root, "later"));
      await pause(300);
      expect(events.reloads).toHaveLength(0);
      expect(handle.index.check(["eng"], "READ", "/plant")).toBe(true);
      await handle.close();
    });
  });
});

describe("a root that is a symbolic link", () => {
  it("watches the directory the link points at", async () => {
    const base = await makeTree({ "real/access.rights": rights(["ops"]) });
    const link = path.join(base, "current");
    await symlink(path.join(base, "real"), link);
    const linked = await openTree(link, { watch: true });
    try {
      const linkedEvents = record(linked);
      await put(base, "real/plant/access.rights", rights(["eng"]));
      await vi.waitFor(() => {
        expect(linkedEvents.reloads).toHaveLength(1);
      }, WAIT);
      expect(linked.index.check(["eng"], "READ", "/plant")).toBe(true);
      expect(linked.status.root).toBe(link);
    } finally {
      await linked.close();
      await removeTree(base);
    }
  });
});
