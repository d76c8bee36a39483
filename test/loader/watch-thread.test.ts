import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TreeChange } from "../../src/loader/live/watch-changes.js";
import { CLOSE_TIMEOUT_MS, SYNC_TIMEOUT_MS, watchTreeInThread } from "../../src/loader/watch/watch-thread.js";
import type { TreeWatcher } from "../../src/loader/watch/watch-tree.js";
import { makeTree, removeTree, rights, WAIT } from "./open-tree-harness.js";

/** What a listener heard. */
interface Heard {
  readonly changes: TreeChange[];
  readonly failures: Error[];
}

function listener(): Heard & { change(c: TreeChange): void; failed(e: Error): void } {
  const heard: Heard = { changes: [], failures: [] };
  return { ...heard, change: (c) => heard.changes.push(c), failed: (e) => heard.failures.push(e) };
}

const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

let root = "";
let watcher: TreeWatcher | null = null;

beforeEach(async () => {
  root = await makeTree({ "access.rights": rights(["ops"]), "plant/access.rights": rights(["eng"]) });
});

afterEach(async () => {
  await watcher?.close();
  watcher = null;
  await removeTree(root);
});

describe("watchTreeInThread", () => {
  it("relays a rights file change, and nothing for other files", async () => {
    const heard = listener();
    watcher = await watchTreeInThread(root, heard);
    await writeFile(path.join(root, "plant", "notes.txt"), "not rights");
    await writeFile(path.join(root, "plant", "access.rights"), rights(["qa"]));
    await vi.waitFor(() => {
      expect(heard.changes).toContainEqual({ kind: "file", path: "plant/access.rights", removed: false });
    }, WAIT);
    expect(heard.changes.every((c) => c.path === "plant/access.rights")).toBe(true);
    expect(heard.failures).toEqual([]);
  });

  it("refuses bad ignore globs before starting a thread", async () => {
    await expect(watchTreeInThread(root, listener(), { ignore: [""] })).rejects.toMatchObject({ code: "invalid_option" });
  });

  it("reports a thread that ends on its own as a failure", async () => {
    const heard = listener();
    watcher = await watchTreeInThread(root, heard, { entry: fixture("exiting-watch-thread.mjs") });
    await vi.waitFor(() => {
      expect(heard.failures).toHaveLength(1);
    }, WAIT);
    expect(heard.failures[0]?.message).toMatch(/the watch thread stopped \(exit code 3\)/);
  });

  it("reports a thread that throws before it is ready, and resolves", async () => {
    const heard = listener();
    watcher = await watchTreeInThread(root, heard, { entry: fixture("throwing-watch-thread.mjs") });
    expect(heard.failures).toHaveLength(1);
    expect(heard.failures[0]?.message).toMatch(/the watch thread failed: no inotify for you/);
  });

  it("sync resolves only after the changes the thread posted before answering", async () => {
    const heard = listener();
    watcher = await watchTreeInThread(root, heard, { entry: fixture("echo-watch-thread.mjs") });
    expect(heard.changes).toEqual([]);
    await watcher.sync();
    expect(heard.changes).toEqual([{ kind: "file", path: "seen/access.rights", removed: false }]);
  });

  it("sync gives up on a thread that does not answer, and resolves at once once the thread has ended", async () => {
    const heard = listener();
    watcher = await watchTreeInThread(root, heard, { entry: fixture("deaf-watch-thread.mjs") });
    const started = performance.now();
    await watcher.sync();
    expect(performance.now() - started).toBeGreaterThanOrEqual(SYNC_TIMEOUT_MS - 50);
    await watcher.close();
    const after = performance.now();
    await watcher.sync();
    expect(performance.now() - after).toBeLessThan(100);
    expect(heard.failures).toEqual([]);
  });

  it("close ends the thread on its own (no terminate), reports nothing more, and is idempotent", async () => {
    const heard = listener();
    const running = await watchTreeInThread(root, heard);
    const started = performance.now();
    const first = running.close();
    expect(running.close()).toBe(first);
    // `close` resolves when the thread has exited; before the deadline, it ended by itself.
    await first;
    expect(performance.now() - started).toBeLessThan(CLOSE_TIMEOUT_MS);
    await writeFile(path.join(root, "plant", "access.rights"), rights(["late"]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard.changes).toEqual([]);
    expect(heard.failures).toEqual([]);
  });
});
