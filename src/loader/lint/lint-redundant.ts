/**
 * The lint rules `redundant_include`, `redundant_exclude` and
 * `redundant_override`: keywords that change nothing where they stand.
 */
import type { Access, Keyword, LevelRule, Position, Problem, RightsFile } from "../../engine/index.js";
import { ACCESS_LEVELS, formatPath, normalizePath } from "../../engine/index.js";
import type { InheritedSets } from "./lint-inherited.js";
import { LevelUses, mayAdd, mayRemove } from "./lint-scope.js";
import { NOWHERE, problem, quote } from "../parse/problems.js";
import type { TreePlaces } from "../parse/rights-places.js";
import { groupPlace } from "../parse/rights-places.js";

/** A keyword, or one group of it, that changes nothing: removing it leaves every decision as it is. */
export interface RedundantKeyword {
  readonly code: "redundant_include" | "redundant_exclude" | "redundant_override";
  readonly file: RightsFile;
  /** Index of the pattern rule in `file.patterns`, or `-1` for the file's own level. */
  readonly pattern: number;
  readonly access: Access;
  readonly keyword: Keyword;
  /** Index of the group in the keyword's list; `-1` for a whole `override`. */
  readonly index: number;
}

/**
 * Every keyword of every file that changes nothing. Exact for a file's own
 * levels: they apply once, to one inherited set. A pattern rule applies at
 * every matching path below its directory, where the inherited set may
 * differ from one path to the next; it is flagged only when it is certain:
 * the group is (or is not) held at the rule's directory and no other rule
 * that could act below (a file below, a pattern rule of this file, of a file
 * above or below) could take it away (or give it). A pattern rule that is
 * redundant only at some of its paths is not reported.
 */
export function redundantKeywords(files: readonly RightsFile[], sets: InheritedSets): RedundantKeyword[] {
  const found: RedundantKeyword[] = [];
  const uses = sets.hasPatterns ? { READ: new LevelUses(files, "READ"), WRITE: new LevelUses(files, "WRITE") } : null;
  for (const file of files) {
    for (const access of ACCESS_LEVELS) {
      const rule = file[access];
      if (rule !== undefined) check(found, { file, pattern: -1, access }, rule, sets.inherited(file, access), () => true);
    }
    if (uses === null) continue;
    const dir = normalizePath(file.dir);
    file.patterns?.forEach((pattern, i) => {
      for (const access of ACCESS_LEVELS) {
        const rule = pattern[access];
        if (rule === undefined) continue;
        const sure = (test: (other: LevelRule) => boolean) => !uses[access].anyBelow({ dir, pattern: i }, test);
        check(found, { file, pattern: i, access }, rule, sets.effective(formatPath(dir), access), sure);
      }
    });
  }
  return found;
}

/** The findings of `redundantKeywords` as problems, each on its group or keyword. */
export function redundantRules(files: readonly RightsFile[], sets: InheritedSets, places: TreePlaces | undefined): Problem[] {
  return redundantKeywords(files, sets).map((found) => {
    const { file, pattern, access, keyword, index } = found;
    const name = file.file ?? "";
    const filePlaces = places?.get(name);
    const levelPlaces = pattern < 0 ? filePlaces?.[access] : filePlaces?.patterns[pattern]?.[access];
    const rule = pattern < 0 ? file[access] : file.patterns?.[pattern]?.[access];
    const at: Position = (index < 0 ? levelPlaces?.keywords[keyword] : groupPlace(levelPlaces, keyword, index)) ?? levelPlaces?.at ?? rule?.at ?? NOWHERE;
    const dir = quote(formatPath(normalizePath(file.dir)));
    const where = pattern < 0 ? `at ${dir}` : `in pattern ${quote(file.patterns?.[pattern]?.match ?? "")} of ${dir}`;
    const group = quote(rule?.[keyword]?.[index] ?? "");
    return problem(found.code, name, at, found.code === "redundant_include"
      ? `group ${group} is already inherited for \`${access}\` ${where}; remove it from \`include\``
      : found.code === "redundant_exclude"
        ? `group ${group} is not inherited for \`${access}\` ${where}, so excluding it changes nothing; remove it from \`exclude\``
        : `\`override\` of \`${access}\` ${where} equals what is inherited there and changes nothing; remove it, or list only what should change with \`include\`/\`exclude\``);
  });
}

/**
 * Adds the findings for one level against `inherited`; `sure(test)` says
 * whether no other rule satisfying `test` could act where the level does
 * (always true for a file's own level).
 */
function check(
  found: RedundantKeyword[], subject: Pick<RedundantKeyword, "file" | "pattern" | "access">, rule: LevelRule,
  inherited: ReadonlySet<string>, sure: (test: (other: LevelRule) => boolean) => boolean,
): void {
  rule.include?.forEach((group, index) => {
    if (inherited.has(group) && sure((other) => mayRemove(other, group))) found.push({ ...subject, code: "redundant_include", keyword: "include", index });
  });
  rule.exclude?.forEach((group, index) => {
    if (!inherited.has(group) && sure((other) => mayAdd(other, group))) found.push({ ...subject, code: "redundant_exclude", keyword: "exclude", index });
  });
  const override = rule.override;
  if (override !== undefined && sameSet(override, inherited) && sure(() => true)) {
    found.push({ ...subject, code: "redundant_override", keyword: "override", index: -1 });
  }
}

function sameSet(list: readonly string[], set: ReadonlySet<string>): boolean {
  const listed = new Set(list);
  return listed.size === set.size && [...listed].every((g) => set.has(g));
}
