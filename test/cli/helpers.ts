/** Shared helpers for CLI tests: run in-process with captured streams, write temp trees. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { run } from "../../src/cli/run.js";

/** What one CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `treerights …argv` in-process. */
export async function runCli(...argv: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

/** Writes `files` (path relative to the tree → content) into a fresh temp directory. */
export async function writeTree(files: Readonly<Record<string, string>>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "treerights-cli-"));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  return root;
}

/** Removes temp trees. */
export async function removeTrees(roots: readonly string[]): Promise<void> {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
}

/** A small valid tree using all three keywords. */
export const VALID_TREE: Readonly<Record<string, string>> = {
  "access.rights": "READ:\n  override: [administrator, user]\nWRITE:\n  override: [administrator]\n",
  "plant/access.rights": "READ:\n  include: [operators, supervisor]\n  exclude: [user]\nWRITE:\n  include: [supervisor]\n",
  "plant/north/access.rights": "WRITE:\n  override: []\n",
};

/** A tree with errors in three files. */
export const BROKEN_TREE: Readonly<Record<string, string>> = {
  "access.rights": "READ:\n  override: [administrator]\nWrite:\n  override: [administrator]\n",
  "plant/access.rights": "READ:\n  override: [a]\n  include: [b]\n",
  "plant/north/access.rights": "WRITE:\n",
};
