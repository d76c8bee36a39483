/** Temporary rights trees on disk for loader tests: created per test, removed after. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";

/** File contents by path relative to the tree root. */
export type TreeFiles = Readonly<Record<string, string | Uint8Array>>;

const made: string[] = [];

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temporary directory holding `files`, removed after the current test. */
export async function makeTree(files: TreeFiles = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "treerights-loader-"));
  made.push(root);
  await writeFiles(root, files);
  return root;
}

/** Writes `files` below `root`, creating directories as needed. */
export async function writeFiles(root: string, files: TreeFiles): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, ...rel.split("/"));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}
