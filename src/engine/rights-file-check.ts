/** Checking and freezing the rights files handed to the engine. */
import { TreeRightsError } from "./errors.js";
import { compareCodeUnits } from "./group-set.js";
import { contentHash } from "./hash.js";
import { normalizePath } from "./path.js";
import type { Steps } from "./steps.js";
import { sortSteps } from "./steps.js";
import type { LevelRule, PatternRule, RightsFile } from "./types.js";
import { ACCESS_LEVELS } from "./types.js";

/** A checked file in canonical form with its directory's segments. */
export interface CheckedFile {
  readonly file: RightsFile;
  readonly segments: readonly string[];
}

/**
 * Checks `given` against SPEC 1.1 and returns a frozen copy in canonical form
 * (dir without leading `/`, key order fixed), so later changes to the
 * caller's objects cannot reach an index. Throws `invalid_rights`.
 */
export function checkedFile(given: RightsFile): CheckedFile {
  const segments = dirSegments(given);
  return { file: frozenCopy(given, segments), segments };
}

/** The segments of a directory named in `IndexChanges.remove`; throws `invalid_rights` on a bad path. */
export function removedDir(dir: string): string[] {
  return dirSegments({ dir });
}

/**
 * Parents first, so every node's inherited sets are final when it is reached;
 * then by path, so the order (and the revision) does not depend on the caller's.
 */
export function sortedFiles(files: Iterable<CheckedFile>): CheckedFile[] {
  return [...files].sort(parentsFirst);
}

/** `sortedFiles`, in steps. */
export function sortedFilesSteps(files: Iterable<CheckedFile>): Steps<CheckedFile[]> {
  return sortSteps(files, parentsFirst);
}

function parentsFirst(a: CheckedFile, b: CheckedFile): number {
  return a.segments.length - b.segments.length || compareCodeUnits(a.file.dir, b.file.dir);
}

/** The default revision: a content hash of the files in canonical order. */
export function revisionOf(files: readonly RightsFile[]): string {
  return contentHash(files.map((f) => JSON.stringify([f.dir, f.READ, f.WRITE, f.patterns])));
}

function dirSegments(file: RightsFile): string[] {
  if (!isObject(file)) {
    throw new TreeRightsError("invalid_rights", "a rights file must be an object");
  }
  try {
    return normalizePath(file.dir);
  } catch (err) {
    const reason = err instanceof Error ? err.message : "not a string";
    throw new TreeRightsError("invalid_rights", `rights file directory is not a valid path: ${reason}`, { cause: err });
  }
}

/**
 * A checked, frozen copy in canonical form (dir without leading `/`, key
 * order fixed), so later changes to the caller's objects cannot reach the index.
 */
function frozenCopy(given: RightsFile, segments: readonly string[]): RightsFile {
  const dir = segments.join("/");
  const file = given.file ?? (dir === "" ? "access.rights" : `${dir}/access.rights`);
  const copy: { -readonly [K in keyof RightsFile]: RightsFile[K] } = { dir, file };
  for (const access of ACCESS_LEVELS) {
    const rule = given[access];
    if (rule !== undefined) copy[access] = frozenLevel(rule, `${access} of \`${file}\``);
  }
  if (given.patterns !== undefined) {
    const patterns: unknown = given.patterns;
    if (!isList(patterns)) throw new TreeRightsError("invalid_rights", `patterns of \`${file}\` must be a list`);
    copy.patterns = Object.freeze(patterns.map((p, i) => frozenPattern(p as PatternRule, `pattern ${i + 1} of \`${file}\``)));
  }
  return Object.freeze(copy);
}

function frozenPattern(given: PatternRule, where: string): PatternRule {
  if (!isObject(given) || typeof given.match !== "string" || given.match === "") {
    throw new TreeRightsError("invalid_rights", `${where} needs a non-empty \`match\` glob`);
  }
  const copy: { -readonly [K in keyof PatternRule]: PatternRule[K] } = { match: given.match };
  for (const access of ACCESS_LEVELS) {
    const rule = given[access];
    if (rule !== undefined) copy[access] = frozenLevel(rule, `${access} of ${where}`);
  }
  if (given.at !== undefined) copy.at = Object.freeze({ line: given.at.line, column: given.at.column });
  return Object.freeze(copy);
}

function frozenLevel(rule: LevelRule, where: string): LevelRule {
  if (!isObject(rule)) {
    throw new TreeRightsError("invalid_rights", `${where} must be an object with \`override\`, \`include\` or \`exclude\``);
  }
  const { override, include, exclude, at } = rule;
  if (override === undefined && include === undefined && exclude === undefined) {
    throw new TreeRightsError("invalid_rights", `${where} has no keyword; use \`override\`, \`include\` or \`exclude\``);
  }
  if (override !== undefined && (include !== undefined || exclude !== undefined)) {
    throw new TreeRightsError("invalid_rights", `${where} combines \`override\` with \`include\` or \`exclude\``);
  }
  const copy: { -readonly [K in keyof LevelRule]: LevelRule[K] } = {};
  for (const keyword of ["override", "include", "exclude"] as const) {
    const list = rule[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every(isGroupName)) {
      throw new TreeRightsError("invalid_rights", `${where} has a group that is not a non-empty string without surrounding whitespace`);
    }
    copy[keyword] = Object.freeze([...list]);
  }
  const excluded = new Set(exclude);
  const both = include?.find((g) => excluded.has(g));
  if (both !== undefined) {
    throw new TreeRightsError("invalid_rights", `${where} both includes and excludes \`${both}\``);
  }
  if (at !== undefined) copy.at = Object.freeze({ line: at.line, column: at.column });
  return Object.freeze(copy);
}

/** A group name is a non-empty string without leading or trailing whitespace (SPEC 1.1). */
export function isGroupName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.trim() === value;
}

// Callers from plain JavaScript may hand anything to compile: check at runtime.
function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}
