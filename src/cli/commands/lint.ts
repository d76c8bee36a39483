/** `treerights lint <dir>`: every problem in the tree, as text, JSON or GitHub annotations. */
import type { Command } from "commander";
import type { Problem } from "../../engine/index.js";
import { LoadError } from "../../engine/index.js";
import { readConfig } from "../../loader/parse/config.js";
import { unknownConfigGroups } from "../../server/config/config-lint.js";
import { checkServerConfig } from "../../server/config/load-server-config.js";
import type { ServerConfigCheck } from "../../server/config/load-server-config.js";
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
  readonly config?: string;
  readonly format: LintFormat;
  readonly ignore?: readonly string[];
  readonly strict?: boolean;
}

/** Adds the `lint` command. */
export function addLintCommand(program: Command, ctx: CommandContext): void {
  program
    .command("lint")
    .description("validate every access.rights file and report all problems")
    .argument("[dir]", "root of the rights tree (with --config, default: the config's `tree`)")
    .option("--config <file>", "also check a server config: its problems, and groups its realms map to or its `api` names that treerights.yaml does not list")
    .addOption(new Option("--format <format>", "output format").choices(LINT_FORMATS).default("text"))
    .addOption(ignoreOption())
    .addOption(new Option("--strict", "report every warning as an error (redundant keywords, unknown groups, ...)"))
    .addHelpText("after", [
      "",
      "Deep lint, warnings unless --strict: write_without_read, redundant_include,",
      "redundant_exclude, redundant_override, empty_file, empty_pattern, unknown_group.",
      "exclusive_write is always an error. An optional treerights.yaml at the tree",
      "root lists the known groups, mutually exclusive groups and ignore globs.",
      "With --config, the server config's problems are reported too (see `config check`).",
      "",
      "Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 lint could not run.",
    ].join("\n"))
    .action(async (dir: string | undefined, opts: LintOptions) => {
      ctx.exitCode = await lint(ctx, dir, opts);
    });
}

async function lint(ctx: CommandContext, given: string | undefined, opts: LintOptions): Promise<number> {
  const { io } = ctx;
  const checked = opts.config === undefined ? null : await checkServerConfig(opts.config);
  const dir = given ?? checked?.config?.tree;
  if (dir === undefined) {
    if (checked !== null && checked.config === null) return reportError(io, opts.config ?? "", new LoadError(checked.problems), "server config");
    writeLines(io.stderr, ["error: name the tree to lint, or a `--config` whose `tree` names it"]);
    return EXIT_ERROR;
  }
  let problems: readonly Problem[];
  let fileCount: number;
  try {
    ({ problems, fileCount } = await lintTree(dir, { ...loadOptions(opts.ignore), strict: opts.strict === true }));
  } catch (error) {
    return reportError(io, dir, error);
  }
  if (checked !== null) problems = [...problems, ...configProblems(checked, dir, opts.strict === true)];
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

/** The server config's own problems, and its groups the tree's `treerights.yaml` does not list (warnings, errors with `strict`). */
function configProblems(checked: ServerConfigCheck, dir: string, strict: boolean): Problem[] {
  if (checked.config === null) return [...checked.problems];
  const { config: treeConfig } = readConfig(dir);
  const found = [...checked.problems, ...unknownConfigGroups(checked.config, treeConfig.groups, (path) => checked.at(path))];
  return strict ? found.map((p) => ({ ...p, severity: "error" })) : found;
}
