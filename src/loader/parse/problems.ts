/**
 * The registry of load problem codes: each stable snake_case code with its
 * severity and a one-line meaning, and the helpers that build and order
 * `Problem`s. Problems are data; `loadTree` throws them once as `LoadError`.
 */
import type { Position, Problem, Severity } from "../../engine/index.js";

interface CodeInfo {
  readonly severity: Severity;
  readonly meaning: string;
}

/** Every problem code the loader reports, with its severity and meaning. */
export const PROBLEM_CODES = Object.freeze({
  root_not_found: { severity: "error", meaning: "the tree root does not exist or is not a directory" },
  missing_root_rights: { severity: "error", meaning: "the tree root has no `access.rights`" },
  invalid_dir_name: { severity: "error", meaning: "a rights file stands in a directory no tree path can name (a control character in its name, or a path over 4096 bytes)" },
  not_regular_file: { severity: "error", meaning: "an `access.rights` is a directory, a symbolic link or another non-regular file" },
  unreadable: { severity: "error", meaning: "an `access.rights` or a directory of the tree cannot be read" },
  file_too_large: { severity: "error", meaning: "an `access.rights` is over 1 MiB" },
  not_utf8: { severity: "error", meaning: "an `access.rights` is not valid UTF-8" },
  yaml_syntax: { severity: "error", meaning: "an `access.rights` is not valid YAML, or holds more than one document" },
  yaml_directive: { severity: "error", meaning: "a `%YAML` or `%TAG` directive (YAML 1.1 would read `no` as false)" },
  duplicate_key: { severity: "error", meaning: "a key appears twice in one mapping" },
  merge_key: { severity: "error", meaning: "a `<<` merge key" },
  alias_bomb: { severity: "error", meaning: "aliases expand to too much data (a billion-laughs attack)" },
  not_a_mapping: { severity: "error", meaning: "the file or a level is not a mapping" },
  unknown_key: { severity: "error", meaning: "a key other than `READ`/`WRITE`, or a keyword other than `override`/`include`/`exclude`" },
  empty_level: { severity: "error", meaning: "a level with no keyword under it" },
  override_with_include: { severity: "error", meaning: "`override` combined with `include` or `exclude` in one level" },
  include_exclude_overlap: { severity: "error", meaning: "the same group in `include` and `exclude` of one level" },
  non_string_group: { severity: "error", meaning: "a group YAML reads as null, a boolean or a number; it must be quoted" },
  invalid_group_name: { severity: "error", meaning: "an empty group name, or one with leading or trailing whitespace" },
  invalid_group_list: { severity: "error", meaning: "a keyword's value is not a group name or a list of group names" },
  invalid_rights: { severity: "error", meaning: "the parsed files did not compile (reported by the engine)" },
  yaml_warning: { severity: "warning", meaning: "a YAML warning, such as an unresolved tag" },
  empty_file: { severity: "warning", meaning: "an `access.rights` without rules; it changes nothing" },
  symlink: { severity: "warning", meaning: "a symbolic link in the tree; it is not followed" },
  write_without_read: { severity: "warning", meaning: "a group may write a directory but not read it" },
  invalid_pattern: { severity: "error", meaning: "`patterns` is not a list, or an item is not a mapping with a non-empty `match` glob" },
  invalid_glob: { severity: "error", meaning: "a glob micromatch cannot parse, or one that starts with `/` or has a `..` segment" },
  empty_pattern: { severity: "warning", meaning: "a pattern rule without `READ` or `WRITE`; it changes nothing" },
  invalid_config: { severity: "error", meaning: "`treerights.yaml` breaks its schema (a key of the wrong type, an exclusive set of fewer than two groups or with a group twice)" },
  unknown_group: { severity: "warning", meaning: "a group that is not in the `groups` list of `treerights.yaml`" },
  redundant_include: { severity: "warning", meaning: "an `include` of a group that is already inherited" },
  redundant_exclude: { severity: "warning", meaning: "an `exclude` of a group that is not inherited" },
  redundant_override: { severity: "warning", meaning: "an `override` equal to what is inherited" },
  exclusive_write: { severity: "error", meaning: "two groups declared mutually exclusive in `treerights.yaml` both hold WRITE on a path; rejects a load" },
  implies_cycle: { severity: "error", meaning: "groups of `implies` in `treerights.yaml` imply each other in a cycle" },
  implies_exclusive: { severity: "error", meaning: "a group of `implies` in `treerights.yaml` implies two groups of one `exclusive` set (or one, being in the set itself)" },
  schema_violation: { severity: "error", meaning: "a server config, keys file or users file breaks its schema (a missing or unknown key, a value of the wrong type or out of range)" },
  file_unreadable: { severity: "error", meaning: "a server config, keys file, users file or a file one names cannot be read, or is not valid UTF-8" },
  invalid_secret: { severity: "error", meaning: "a signing key or other secret the server config names is missing, empty, or not the kind of key asked for" },
} as const satisfies Record<string, CodeInfo>);

/** A code from the registry. */
export type ProblemCode = keyof typeof PROBLEM_CODES;

/** Where a problem stands when it is not tied to a place in a file. */
export const NOWHERE: Position = Object.freeze({ line: 0, column: 0 });

/** A problem with the registry's severity for `code`. */
export function problem(code: ProblemCode, file: string, at: Position, message: string): Problem {
  return { code, severity: PROBLEM_CODES[code].severity, file, line: at.line, column: at.column, message };
}

/** True iff any problem is an error. */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === "error");
}

/** A sorted copy: by file, then line, then column; ties keep their order. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => compareStrings(a.file, b.file) || a.line - b.line || a.column - b.column);
}

/** Code-unit order, the same on every platform and locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** User input for a message: in backticks, on one line, cut when long. */
export function quote(text: string): string {
  const oneLine = JSON.stringify(text).slice(1, -1).replace(/`/g, "'");
  return `\`${oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine}\``;
}
