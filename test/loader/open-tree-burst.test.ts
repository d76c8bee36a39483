import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openTree } from "../../src/loader/live/open-tree.js";
import type { TreeHandle } from "../../src/loader/types.js";
import { makeTree, pause, put, record, removeTree, rights, WAIT } from "./open-tree-harness.js";

const run = promisify(execFile);
const FILES = 300;

/** Where the `i`th rights file of the burst lives. */
function dirOf(i: number): string {
  return `site-${i % 10}/line-${i}`;
}

async function git(root: string, ...args: string[]): Promise<void> {
  await run("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", ...args], { cwd: root });
}

/** After the first reload, how long nothing more may happen. */
const SETTLE_MS = 1500;

let root = "";
let handle: TreeHandle | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
  await removeTree(root);
});

describe("a burst of changes", () => {
  it("a git checkout changing 300 rights files is exactly one swap", async () => {
    const files: Record<string, string> = { "access.rights": rights(["ops"]) };
    for (let i = 0; i < FILES; i++) files[`${dirOf(i)}/access.rights`] = rights([`a-${i}`]);
    root = await makeTree(files);
    await git(root, "init", "-q", "-b", "main");
    await git(root, "add", "-A");
    await git(root, "commit", "-q", "-m", "branch a");
    await git(root, "checkout", "-q", "-b", "other");
    for (let i = 0; i < FILES; i++) await put(root, `${dirOf(i)}/access.rights`, rights([`b-${i}`]));
    await git(root, "commit", "-q", "-am", "branch b");
    await git(root, "checkout", "-q", "main");

    handle = await openTree(root, { watch: true });
    const events = record(handle);
    const before = handle.index;
    expect(before.check(["a-7"], "READ", `/${dirOf(7)}/pump`)).toBe(true);

    await git(root, "checkout", "-q", "other");
    await vi.waitFor(() => {
      expect(events.reloads.length).toBeGreaterThanOrEqual(1);
    }, WAIT);
    await pause(SETTLE_MS);

    expect(events.reloads).toHaveLength(1);
    expect(events.rejected).toHaveLength(0);
    const [event] = events.reloads;
    expect(event?.previous).toBe(before);
    expect(event?.changedFiles).toHaveLength(FILES);
    for (let i = 0; i < FILES; i += 37) {
      expect(handle.index.check([`b-${i}`], "READ", `/${dirOf(i)}/pump`)).toBe(true);
      expect(handle.index.check([`a-${i}`], "READ", `/${dirOf(i)}/pump`)).toBe(false);
    }
    expect(handle.status).toMatchObject({ reloads: 1, fileCount: FILES + 1 });
  });

  it("300 rights files rewritten at once are exactly one swap", async () => {
    const files: Record<string, string> = { "access.rights": rights(["ops"]) };
    for (let i = 0; i < FILES; i++) files[`${dirOf(i)}/access.rights`] = rights([`a-${i}`]);
    root = await makeTree(files);
    handle = await openTree(root, { watch: true });
    const events = record(handle);

    await Promise.all(Array.from({ length: FILES }, (_, i) => writeFile(path.join(root, dirOf(i), "access.rights"), rights([`b-${i}`]))));
    await vi.waitFor(() => {
      expect(events.reloads.length).toBeGreaterThanOrEqual(1);
    }, WAIT);
    await pause(SETTLE_MS);

    expect(events.reloads).toHaveLength(1);
    expect(events.reloads[0]?.changedFiles).toHaveLength(FILES);
  });
});
