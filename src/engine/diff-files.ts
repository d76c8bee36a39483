/** Which rights files differ between two trees, by their rules rather than their bytes. */
import { compareCodeUnits } from "./group-set.js";
import type { FileChange } from "./diff-types.js";
import type { LevelRule, RightsFile } from "./types.js";

/**
 * Files added, removed, or whose rules differ, sorted by file. Positions,
 * comments, list order and repeated names do not count as a change: only
 * what the file means.
 */
export function fileChanges(from: readonly RightsFile[], to: readonly RightsFile[]): readonly FileChange[] {
  const before = new Map(from.map((f) => [nameOf(f), meaning(f)]));
  const after = new Map(to.map((f) => [nameOf(f), meaning(f)]));
  const changes: FileChange[] = [];
  for (const [file, rules] of after) {
    const old = before.get(file);
    if (old === undefined) changes.push({ file, change: "added" });
    else if (old !== rules) changes.push({ file, change: "changed" });
  }
  for (const file of before.keys()) if (!after.has(file)) changes.push({ file, change: "removed" });
  return Object.freeze(changes.sort((a, b) => compareCodeUnits(a.file, b.file)).map((c) => Object.freeze(c)));
}

function nameOf(file: RightsFile): string {
  return file.file ?? (file.dir === "" ? "access.rights" : `${file.dir}/access.rights`);
}

/** A canonical text of what the file says. */
function meaning(file: RightsFile): string {
  return JSON.stringify([
    level(file.READ),
    level(file.WRITE),
    (file.patterns ?? []).map((p) => [p.match, level(p.READ), level(p.WRITE)]),
  ]);
}

function level(rule: LevelRule | undefined): unknown {
  if (rule === undefined) return null;
  return [set(rule.override), set(rule.include), set(rule.exclude)];
}

function set(list: readonly string[] | undefined): readonly string[] | null {
  return list === undefined ? null : [...new Set(list)].sort(compareCodeUnits);
}
