import { rename } from "node:fs/promises";
import { watch } from "chokidar";
import type { FSWatcher } from "chokidar";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openTree, openTreeWith } from "../../src/loader/live/open-tree.js";
import { ROOT_CHECK_MS } from "../../src/loader/watch/watch-supervisor.js";
import type { TreeHandle } from "../../src/loader/types.js";
import { makeTree, pause, put, record, removeTree, rights, WAIT } from "./open-tree-harness.js";

let roots: string[] = [];
let handle: TreeHandle | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
  await Promise.all(roots.map(removeTree));
  roots = [];
});

async function tree(files: Record<string, string>): Promise<string> {
  const root = await makeTree(files);
  roots.push(root);
  return root;
}

/** A chokidar watcher that sees nothing: only the supervisor's own look at the root can notice anything. */
const blind = { createWatcher: (dir: string, options: Parameters<typeof watch>[1]) => watch(dir, { ...options, ignored: () => true }) };

describe("the root itself watched", () => {
  it("a root removed while nothing else happens is reported by the root check alone, once", async () => {
    const root = await tree({ "access.rights": rights(["ops"]) });
    handle = await openTreeWith(root, { watch: true }, blind);
    const events = record(handle);
    await removeTree(root);
    await vi.waitFor(() => {
      expect(handle?.status.watch).toEqual({ state: "failed", error: `root directory \`${root}\` was removed` });
    }, { timeout: ROOT_CHECK_MS * 10, interval: 20 });
    await pause(ROOT_CHECK_MS * 2);
    expect(events.watchErrors).toHaveLength(1);
    expect(events.rejected).toHaveLength(0);
  });

  it("a root replaced by rename is followed to the new directory, and the old one's content is never served again", async () => {
    const root = await tree({ "access.rights": rights(["old"]) });
    const next = await tree({ "access.rights": rights(["new"]) });
    handle = await openTreeWith(root, { watch: true }, { recoveryPollMs: 50 });
    const events = record(handle);
    await rename(root, `${root}.old`);
    roots.push(`${root}.old`);
    await rename(next, root);
    await vi.waitFor(() => {
      expect(handle?.index.check(["new"], "READ", "/")).toBe(true);
      expect(handle?.status.watch.state).toBe("watching");
    }, WAIT);
    // Between the two renames the root path named nothing for a moment: either word is right, once.
    expect(events.watchErrors).toHaveLength(1);
    expect(events.watchErrors[0]?.message).toMatch(new RegExp(`^root directory \`${root}\` (now names another directory \\(renamed or replaced\\)|was removed)$`));
    // An edit in the old directory is nobody's business now; a reload reads the directory at the root's path.
    await put(`${root}.old`, "access.rights", rights(["stale"]));
    await pause(300);
    await handle.reload();
    expect(handle.index.check(["new"], "READ", "/")).toBe(true);
    expect(handle.index.check(["stale"], "READ", "/")).toBe(false);
    await put(root, "access.rights", rights(["newer"]));
    await vi.waitFor(() => {
      expect(handle?.index.check(["newer"], "READ", "/")).toBe(true);
    }, WAIT);
  });
});

describe("watch failures", () => {
  it("reports a removed root, keeps answering, and recovers when it returns", async () => {
    const root = await tree({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"]) });
    handle = await openTree(root, { watch: true });
    const events = record(handle);
    const good = handle.index;

    await removeTree(root);
    await vi.waitFor(() => {
      expect(events.watchErrors.length).toBeGreaterThanOrEqual(1);
    }, WAIT);
    expect(handle.status.watch.state).toBe("failed");
    expect(handle.status.watch.error).toContain("removed");
    expect(handle.index).toBe(good);
    expect(handle.index.check(["eng"], "READ", "/plant")).toBe(true);

    // The tree comes back whole (written aside, renamed into place): a recovery
    // poll landing between two separate writes would reload twice.
    const staged = await tree({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["qa"]) });
    await rename(staged, root);
    await vi.waitFor(() => {
      expect(handle?.status.watch).toEqual({ state: "watching" });
      expect(events.reloads).toHaveLength(1);
    }, WAIT);
    expect(handle.index.check(["qa"], "READ", "/plant")).toBe(true);

    // The restarted watcher sees later edits.
    await put(root, "plant/access.rights", rights(["qa2"]));
    await vi.waitFor(() => {
      expect(events.reloads).toHaveLength(2);
    }, WAIT);
    expect(handle.index.check(["qa2"], "READ", "/plant")).toBe(true);
    expect(events.watchErrors).toHaveLength(1);
  });

  it("reports a root moved away, and recovers when it is moved back", async () => {
    const root = await tree({ "access.rights": rights(["ops"]) });
    handle = await openTree(root, { watch: true });
    const events = record(handle);
    await rename(root, `${root}.away`);
    roots.push(`${root}.away`);
    await vi.waitFor(() => {
      expect(handle?.status.watch.state).toBe("failed");
    }, WAIT);
    expect(events.watchErrors).toHaveLength(1);
    expect(events.rejected).toHaveLength(0);

    await rename(`${root}.away`, root);
    await put(root, "access.rights", rights(["back"]));
    // A reload the old watcher asked for may read the returned tree before the watcher recovers: either order is fine.
    await vi.waitFor(() => {
      expect(handle?.index.check(["back"], "READ", "/")).toBe(true);
      expect(handle?.status.watch.state).toBe("watching");
    }, WAIT);
  });

  it("a reload that finds the root gone reports a watch failure, not a rejected tree", async () => {
    const root = await tree({ "access.rights": rights(["ops"]) });
    // A watcher that sees nothing, so only the reload can notice.
    handle = await openTreeWith(root, { watch: true }, { createWatcher: (dir, options) => watch(dir, { ...options, ignored: () => true }) });
    const events = record(handle);
    await removeTree(root);
    await handle.reload();
    expect(handle.status.watch).toEqual({ state: "failed", error: `root directory \`${root}\` was removed` });
    expect(events.watchErrors).toHaveLength(1);
    expect(events.rejected).toHaveLength(0);
    await handle.reload();
    expect(events.watchErrors).toHaveLength(1);
    expect(handle.index.check(["ops"], "READ", "/")).toBe(true);
  });

  it("reports a watcher error such as the inotify limit, and restarts the watcher", async () => {
    const root = await tree({ "access.rights": rights(["ops"]) });
    const watchers: FSWatcher[] = [];
    handle = await openTreeWith(root, { watch: true }, {
      recoveryPollMs: 20,
      createWatcher: (dir, options) => {
        const watcher = watch(dir, options);
        watchers.push(watcher);
        return watcher;
      },
    });
    const events = record(handle);
    const limit = Object.assign(new Error("ENOSPC: System limit for number of file watchers reached, watch '/x'"), { code: "ENOSPC" });
    watchers[0]?.emit("error", limit);

    expect(events.watchErrors).toHaveLength(1);
    expect(events.watchErrors[0]?.message).toContain("ENOSPC");
    expect(handle.status.watch).toEqual({ state: "failed", error: events.watchErrors[0]?.message });
    expect(handle.index.check(["ops"], "READ", "/")).toBe(true);

    await vi.waitFor(() => {
      expect(handle?.status.watch.state).toBe("watching");
    }, WAIT);
    expect(watchers).toHaveLength(2);
    expect(watchers[0]?.closed).toBe(true);
    await put(root, "access.rights", rights(["after"]));
    await vi.waitFor(() => {
      expect(handle?.index.check(["after"], "READ", "/")).toBe(true);
    }, WAIT);
  });

  it("close() during a failed watch stops the recovery", async () => {
    const root = await tree({ "access.rights": rights(["ops"]) });
    handle = await openTree(root, { watch: true });
    const events = record(handle);
    await removeTree(root);
    await vi.waitFor(() => {
      expect(events.watchErrors.length).toBeGreaterThanOrEqual(1);
    }, WAIT);
    await handle.close();
    await put(root, "access.rights", rights(["later"]));
    await pause(800);
    expect(handle.status.watch.state).toBe("off");
    expect(events.reloads).toHaveLength(0);
  });
});
