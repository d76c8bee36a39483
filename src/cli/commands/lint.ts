/** `treerights lint <dir>`: every problem in the tree, as text, JSON or GitHub annotations. */
import type { Command } from "commander";
import type { Problem } from "../../engine/index.js";
import { Option } from "commander";
import { lintTree } from "../../loader/index.js";
import type { CommandContext } from "../context.js";
import { EXIT_ERROR, EXIT_LINT_ERRORS, EXIT_OK } from "../exit-codes.js";
import type { LintFormat } from "../format-problems.js";
import { countProblems, formatGithub, formatJson, formatText, LINT_FORMATS } from "../format-problems.js";
import { writeJson, writeLines } from "../io.js";
import { ignoreOption, loadOptions } from "../options.js";
import { reportError } from "../report-error.js";

interface LintOptions {
  readonly format: LintFormat;
  readonly ignore?: readonly string[];
  readonly strict?: boolean;
}

/** Adds the `lint` command. */
export function addLintCommand(program: Command, ctx: CommandContext): void {
  program
    .command("lint")
    .description("validate every access.rights file and report all problems")
    .argument("<dir>", "root of the rights tree")
    .addOption(new Option("--format <format>", "output format").choices(LINT_FORMATS).default("text"))
    .addOption(ignoreOption())
    .addOption(new Option("--strict", "report every warning as an error (redundant keywords, unknown groups, ...)"))
    .addHelpText("after", [
      "",
      "Deep lint, warnings unless --strict: write_without_read, redundant_include,",
      "redundant_exclude, redundant_override, empty_file, empty_pattern, unknown_group.",
      "exclusive_write is always an error. An optional treerights.yaml at the tree",
      "root lists the known groups, mutually exclusive groups and ignore globs.",
      "",
      "Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 lint could not run.",
    ].join("\n"))
    .action(async (dir: string, opts: LintOptions) => {
      ctx.exitCode = await lint(ctx, dir, opts);
    });
}

async function lint(ctx: CommandContext, dir: string, opts: LintOptions): Promise<number> {
  const { io } = ctx;
  let problems: readonly Problem[];
  let fileCount: number;
  try {
    ({ problems, fileCount } = await lintTree(dir, { ...loadOptions(opts.ignore), strict: opts.strict === true }));
  } catch (error) {
    return reportError(io, dir, error);
  }
  switch (opts.format) {
    case "json":
      writeJson(io.stdout, formatJson(problems, fileCount));
      break;
    case "github":
      writeLines(io.stdout, formatGithub(problems, dir));
      break;
    case "text":
      writeLines(io.stdout, formatText(problems, fileCount));
      break;
  }
  // No tree to lint is lint that could not run, as the help says, not a tree with errors.
  if (problems.some((p) => p.code === "root_not_found")) return EXIT_ERROR;
  return countProblems(problems).errors > 0 ? EXIT_LINT_ERRORS : EXIT_OK;
}
