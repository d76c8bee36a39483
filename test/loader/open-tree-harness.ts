/** Shared fixtures of the live-tree tests: temp trees on disk and event recorders. */
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RejectedLoad, ReloadEvent, TreeHandle } from "../../src/loader/types.js";

/** Rights file content giving READ (and optionally WRITE) by `include`. */
export function rights(read: readonly string[], write?: readonly string[]): string {
  const lines = [`READ:\n  include: [${read.join(", ")}]\n`];
  if (write !== undefined) lines.push(`WRITE:\n  override: [${write.join(", ")}]\n`);
  return lines.join("");
}

/** Creates a temp tree from `relative path → content`; returns its absolute root. */
export async function makeTree(files: Readonly<Record<string, string>>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), "treerights-open-"));
  for (const [rel, content] of Object.entries(files)) await put(root, rel, content);
  return root;
}

/** Writes one file in place, creating its directories. */
export async function put(root: string, rel: string, content: string): Promise<void> {
  const file = path.join(root, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

/** Saves as editors do: write a temp file beside it, then rename it over the target. */
export async function renameOver(root: string, rel: string, content: string): Promise<void> {
  const file = path.join(root, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, content);
  await rename(`${file}.tmp`, file);
}

/** Removes a temp tree. */
export async function removeTree(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

/** Every event a handle emitted, in order. */
export interface Recorder {
  readonly reloads: ReloadEvent[];
  readonly rejected: RejectedLoad[];
  readonly watchErrors: Error[];
}

/** Records the events of `handle` from now on. */
export function record(handle: TreeHandle): Recorder {
  const recorder: Recorder = { reloads: [], rejected: [], watchErrors: [] };
  handle.on("reload", (event) => recorder.reloads.push(event));
  handle.on("rejected", (rejected) => recorder.rejected.push(rejected));
  handle.on("watch-error", (error) => recorder.watchErrors.push(error));
  return recorder;
}

/** Generous waits: the watcher tests share a 2-core machine with other suites. */
export const WAIT = { timeout: 15_000, interval: 20 } as const;

/** Resolves after `ms`; only used to leave a window in which nothing may happen. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
