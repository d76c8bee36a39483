/** Turns a failure into lines on stderr and the exit code. */
import { formatProblem, LoadError } from "../engine/index.js";
import { EXIT_ERROR } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { writeLines } from "./io.js";
import { plural } from "./plural.js";

/**
 * Reports an error from a command: a tree that did not load lists every
 * problem; anything else is one `error: …` line. Returns the exit code (2).
 */
export function reportError(io: CliIo, dir: string, error: unknown, what = "rights tree"): number {
  if (error instanceof LoadError) {
    const errors = error.problems.filter((p) => p.severity === "error").length;
    writeLines(io.stderr, [
      `error: ${what} \`${dir}\` did not load (${plural(errors, "error")})`,
      ...error.problems.map(formatProblem),
    ]);
  } else {
    writeLines(io.stderr, [`error: ${messageOf(error)}`]);
  }
  return EXIT_ERROR;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
