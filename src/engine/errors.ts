/**
 * The registry of thrown errors: every misuse or configuration error carries
 * a stable snake_case code, documented in docs/errors.md (a test keeps the two
 * in step). Load problems are data (`Problem`), thrown once as `LoadError`.
 */
import type { Problem } from "./types.js";

/** Every code a thrown treerights error may carry, with a one-line meaning. */
export const ERROR_CODES = Object.freeze({
  invalid_path: "a path has a `..` segment, a control character, or is over 4096 bytes",
  invalid_access: "an access level is not `READ` or `WRITE`",
  invalid_groups: "groups are not a list of strings",
  invalid_rights: "data handed to `compile` breaks the rights file rules",
  load_failed: "a rights tree did not load; `problems` lists every reason",
  not_ready: "no valid rights tree has been loaded yet",
  invalid_option: "an option passed to a treerights function or command is not valid",
  git_failed: "git could not read a repository or revision (not a repository, unknown revision, git missing)",
} as const);

/** A code from the registry. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Base class of every error treerights throws on purpose. */
export class TreeRightsError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TreeRightsError";
    this.code = code;
  }
}

/** A path that SPEC 1.4 rejects. */
export class PathError extends TreeRightsError {
  constructor(message: string) {
    super("invalid_path", message);
    this.name = "PathError";
  }
}

/** A rights tree that did not load: every problem from every file. */
export class LoadError extends TreeRightsError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === "error");
    const first = errors[0];
    const where = first ? `: ${formatProblem(first)}` : "";
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    super("load_failed", `rights tree did not load${where}${more}`);
    this.name = "LoadError";
    this.problems = Object.freeze([...problems]);
  }
}

/** `file:line:column: severity: message [code]`, the one-line form used by the CLI and logs. */
export function formatProblem(p: Problem): string {
  const place = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file || ".";
  return `${place}: ${p.severity}: ${p.message} [${p.code}]`;
}
