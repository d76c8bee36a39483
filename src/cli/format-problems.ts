/** The three forms `treerights lint` prints problems in: text, JSON, GitHub annotations. */
import { join } from "node:path";
import type { Problem } from "../engine/index.js";
import { formatProblem } from "../engine/index.js";
import { plural } from "./plural.js";

/** The output formats of `lint`. */
export const LINT_FORMATS = ["text", "json", "github"] as const;

/** One of `LINT_FORMATS`. */
export type LintFormat = (typeof LINT_FORMATS)[number];

/** Errors and warnings among the problems. */
export interface ProblemCounts {
  readonly errors: number;
  readonly warnings: number;
}

/** Counts errors and warnings. */
export function countProblems(problems: readonly Problem[]): ProblemCounts {
  const errors = problems.filter((p) => p.severity === "error").length;
  return { errors, warnings: problems.length - errors };
}

/** One `formatProblem` line per problem, then `2 errors, 1 warning in 14 files`. */
export function formatText(problems: readonly Problem[], fileCount: number): string[] {
  const { errors, warnings } = countProblems(problems);
  const summary = `${plural(errors, "error")}, ${plural(warnings, "warning")} in ${plural(fileCount, "file")}`;
  return [...problems.map(formatProblem), summary];
}

/** `{"problems":[…],"errors":n,"warnings":n,"files":n}`. */
export function formatJson(problems: readonly Problem[], fileCount: number): object {
  return { problems, ...countProblems(problems), files: fileCount };
}

/**
 * GitHub Actions workflow commands, one per problem:
 * `::error file=<dir>/<file>,line=L,col=C,title=<code>::<message>`. The file is
 * joined with `dir` as given, so running from the repository root yields
 * repository-relative paths that GitHub attaches to the diff.
 */
export function formatGithub(problems: readonly Problem[], dir: string): string[] {
  return problems.map((p) => {
    const props: string[] = [];
    if (p.file !== "") props.push(`file=${escapeProperty(toPosix(join(dir, p.file)))}`);
    if (p.line > 0) props.push(`line=${p.line}`, `col=${p.column}`);
    props.push(`title=${escapeProperty(p.code)}`);
    return `::${p.severity} ${props.join(",")}::${escapeData(p.message)}`;
  });
}

function toPosix(path: string): string {
  return path.split("\\").join("/");
}

// Escapes per the runner's workflow-command parser (actions/toolkit `command.ts`).
function escapeData(s: string): string {
  return s.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(":", "%3A").replaceAll(",", "%2C");
}
