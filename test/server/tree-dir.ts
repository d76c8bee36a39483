/** Rights trees on disk, in temp directories removed after each test. */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp directory holding `files` (relative path → content); removed after the test. */
export function treeDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "treerights-server-"));
  dirs.push(dir);
  writeFiles(dir, files);
  return dir;
}

/** Writes each file the way editors save: a temp file renamed over the target. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(dir, name);
    mkdirSync(path.dirname(target), { recursive: true });
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
    writeFileSync(temp, content);
    renameSync(temp, target);
  }
}
