/** `treerights explain <dir> --group g --access L <path>`: why a decision comes out as it does. */
import type { Command } from "commander";
import type { Access } from "../../engine/index.js";
import { loadTreeWithConfig } from "../../loader/index.js";
import type { CommandContext } from "../context.js";
import { EXIT_DENIED, EXIT_OK } from "../exit-codes.js";
import { formatExplanation } from "../format-explanation.js";
import { writeJson, writeLines } from "../io.js";
import { accessOption, groupOption, ignoreOption, jsonOption, loadOptions } from "../options.js";
import { reportError } from "../report-error.js";
import { unknownGroupWarnings } from "../unknown-groups.js";

interface ExplainOptions {
  readonly group: readonly string[];
  readonly access: Access;
  readonly json?: true;
  readonly ignore?: readonly string[];
}

/** Adds the `explain` command. */
export function addExplainCommand(program: Command, ctx: CommandContext): void {
  program
    .command("explain")
    .description("trace a decision: each rights file on the path and the groups it adds or removes")
    .argument("<dir>", "root of the rights tree")
    .argument("<path>", "resource path, relative to the tree root")
    .addOption(groupOption())
    .addOption(accessOption())
    .addOption(jsonOption())
    .addOption(ignoreOption())
    .addHelpText("after", "\nExit codes: 0 allowed, 3 denied, 2 error.")
    .action(async (dir: string, path: string, opts: ExplainOptions) => {
      ctx.exitCode = await explain(ctx, dir, path, opts);
    });
}

async function explain(ctx: CommandContext, dir: string, path: string, opts: ExplainOptions): Promise<number> {
  const { io } = ctx;
  try {
    const { index, config } = await loadTreeWithConfig(dir, loadOptions(opts.ignore));
    const explanation = index.explain(opts.group, opts.access, path);
    writeLines(io.stderr, unknownGroupWarnings(opts.group, index, config));
    if (opts.json === true) writeJson(io.stdout, explanation);
    else writeLines(io.stdout, formatExplanation(explanation, index.files));
    return explanation.allowed ? EXIT_OK : EXIT_DENIED;
  } catch (error) {
    return reportError(io, dir, error);
  }
}
