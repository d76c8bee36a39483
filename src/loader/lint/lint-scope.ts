/**
 * Which rules could change a group's level somewhere below a directory: what
 * the pattern-rule lint findings need to be certain. A pattern rule acts at
 * every matching path below its directory, where the inherited set varies
 * with the files and rules between; a finding about it is made only when no
 * other rule could make it wrong at any path.
 */
import type { Access, LevelRule, RightsFile } from "../../engine/index.js";
import { normalizePath } from "../../engine/index.js";

/** One rule's level: the directory of its file and which pattern it is (`-1` for the file's own level). */
interface Use {
  readonly dir: readonly string[];
  readonly pattern: number;
  readonly rule: LevelRule;
}

/** A pattern rule, by the directory of its file and its index there. */
export interface RuleRef {
  readonly dir: readonly string[];
  readonly pattern: number;
}

/** Every level of every rule (files and their patterns) that sets `access`, for subtree queries. */
export class LevelUses {
  readonly #uses: Use[] = [];

  constructor(files: readonly RightsFile[], access: Access) {
    for (const file of files) {
      const dir = normalizePath(file.dir);
      const own = file[access];
      if (own !== undefined) this.#uses.push({ dir, pattern: -1, rule: own });
      file.patterns?.forEach((pattern, i) => {
        const level = pattern[access];
        if (level !== undefined) this.#uses.push({ dir, pattern: i, rule: level });
      });
    }
  }

  /**
   * True when a rule other than `self` could act on a path strictly below
   * `self.dir` and satisfy `test`: a file level or pattern rule of a file
   * strictly below, or a pattern rule of the same file or of an ancestor's.
   */
  anyBelow(self: RuleRef, test: (rule: LevelRule) => boolean): boolean {
    return this.#uses.some((use) => acts(use, self) && test(use.rule));
  }
}

function acts(use: Use, self: RuleRef): boolean {
  if (isStrictlyBelow(use.dir, self.dir)) return true;
  if (use.pattern < 0) return false; // a file level at or above `self.dir` is already in its inherited set
  if (use.pattern === self.pattern && sameDir(use.dir, self.dir)) return false;
  return isAtOrAbove(use.dir, self.dir);
}

function isStrictlyBelow(dir: readonly string[], base: readonly string[]): boolean {
  return dir.length > base.length && isAtOrAbove(base, dir);
}

function isAtOrAbove(dir: readonly string[], of: readonly string[]): boolean {
  return dir.length <= of.length && dir.every((segment, i) => of[i] === segment);
}

function sameDir(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && isAtOrAbove(a, b);
}

/** True when `rule` may take `group` away: an `exclude` of it, or an `override` without it. */
export function mayRemove(rule: LevelRule, group: string): boolean {
  return rule.exclude?.includes(group) === true || (rule.override !== undefined && !rule.override.includes(group));
}

/** True when `rule` may give `group`: an `include` or `override` with it. */
export function mayAdd(rule: LevelRule, group: string): boolean {
  return rule.include?.includes(group) === true || rule.override?.includes(group) === true;
}
