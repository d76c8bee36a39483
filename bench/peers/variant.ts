/**
 * The peer workload variant: the generated tree rewritten so that a
 * permit/forbid engine with deny-overrides (Cedar) gives the same answers as
 * SPEC 1.2. Such an engine cannot let a deeper `include` give back a group an
 * ancestor's `exclude` took away (a forbid always wins), nor let a deeper
 * `override` forget inherited groups. So the variant keeps `override` at the
 * root only, and per level and path: include above, exclude below, never a
 * re-include.
 */
import type { Access, LevelRule, RightsFile } from "../../src/engine/index.js";
import type { TreeSpec } from "../workload.js";

type Banned = Readonly<Record<Access, ReadonlySet<string>>>;

const NONE: Banned = { READ: new Set(), WRITE: new Set() };

/**
 * Rewrites every non-root file of `spec`: `override: S` becomes `include: S`,
 * and an include drops every group an ancestor (or the same file) excludes.
 * A level left with no groups is dropped, and a file left with no level is
 * dropped; the directories (and so any query set of `spec`) are unchanged.
 */
export function peerVariant(spec: TreeSpec): TreeSpec {
  const banned = new Map<string, Banned>();
  const files: RightsFile[] = [];
  const fileDirs: number[] = [];
  spec.files.forEach((file, i) => {
    const dirIndex = spec.fileDirs[i] as number;
    if (dirIndex === 0) {
      files.push(file);
      fileDirs.push(0);
      banned.set("", NONE);
      return;
    }
    const above = nearestAbove(banned, file.dir);
    const read = rewrite(file.READ, above.READ);
    const write = rewrite(file.WRITE, above.WRITE);
    if (read.rule === undefined && write.rule === undefined) return;
    banned.set(file.dir, { READ: read.banned, WRITE: write.banned });
    files.push({
      dir: file.dir,
      ...(read.rule === undefined ? {} : { READ: read.rule }),
      ...(write.rule === undefined ? {} : { WRITE: write.rule }),
    });
    fileDirs.push(dirIndex);
  });
  return { ...spec, files, fileDirs: Int32Array.from(fileDirs) };
}

function nearestAbove(banned: ReadonlyMap<string, Banned>, dir: string): Banned {
  for (let at = dir.lastIndexOf("/"); at > 0; at = dir.lastIndexOf("/", at - 1)) {
    const found = banned.get(dir.slice(0, at));
    if (found !== undefined) return found;
  }
  return banned.get("") ?? NONE;
}

function rewrite(rule: LevelRule | undefined, banned: ReadonlySet<string>): { rule: LevelRule | undefined; banned: ReadonlySet<string> } {
  if (rule === undefined) return { rule, banned };
  const include = (rule.override ?? rule.include ?? []).filter((g) => !banned.has(g));
  const exclude = rule.exclude ?? [];
  if (include.length === 0 && exclude.length === 0) return { rule: undefined, banned };
  const next = exclude.length === 0 ? banned : new Set([...banned, ...exclude]);
  return {
    rule: { ...(include.length === 0 ? {} : { include }), ...(exclude.length === 0 ? {} : { exclude }) },
    banned: next,
  };
}

/**
 * Whether `files` (parents first) has no re-include: per level, no group is
 * included (or overridden in) below a directory that excluded it or
 * overrode it away. The test of the variant, and a guard in the peers bench.
 */
export function hasNoReinclude(files: readonly RightsFile[], groups: readonly string[]): boolean {
  const removed = new Map<string, Banned>();
  for (const file of files) {
    const above = file.dir === "" ? NONE : nearestAbove(removed, file.dir);
    const next: Record<Access, ReadonlySet<string>> = { READ: above.READ, WRITE: above.WRITE };
    for (const access of ["READ", "WRITE"] as const) {
      const rule = file[access];
      if (rule === undefined) continue;
      const granted = rule.override ?? rule.include ?? [];
      if (granted.some((g) => above[access].has(g))) return false;
      const taken = rule.override !== undefined && file.dir !== ""
        ? groups.filter((g) => !(rule.override ?? []).includes(g))
        : rule.exclude ?? [];
      if (taken.length > 0) next[access] = new Set([...above[access], ...taken]);
    }
    removed.set(file.dir, next);
  }
  return true;
}
