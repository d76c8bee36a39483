/** `treerights check <dir> --group g --access L <path>`: allowed or denied, as an exit code. */
import type { Command } from "commander";
import type { Access } from "../../engine/index.js";
import { loadTreeWithConfig } from "../../loader/index.js";
import type { CommandContext } from "../context.js";
import { EXIT_DENIED, EXIT_OK } from "../exit-codes.js";
import { writeJson, writeLines } from "../io.js";
import { accessOption, groupOption, ignoreOption, jsonOption, loadOptions } from "../options.js";
import { reportError } from "../report-error.js";
import { unknownGroupWarnings } from "../unknown-groups.js";

interface CheckOptions {
  readonly group: readonly string[];
  readonly access: Access;
  readonly json?: true;
  readonly ignore?: readonly string[];
}

/** Adds the `check` command. */
export function addCheckCommand(program: Command, ctx: CommandContext): void {
  program
    .command("check")
    .description("decide whether a holder of the groups may READ or WRITE the path")
    .argument("<dir>", "root of the rights tree")
    .argument("<path>", "resource path, relative to the tree root")
    .addOption(groupOption())
    .addOption(accessOption())
    .addOption(jsonOption())
    .addOption(ignoreOption())
    .addHelpText("after", "\nPrints `allowed` or `denied`. Exit codes: 0 allowed, 3 denied, 2 error.")
    .action(async (dir: string, path: string, opts: CheckOptions) => {
      ctx.exitCode = await check(ctx, dir, path, opts);
    });
}

async function check(ctx: CommandContext, dir: string, path: string, opts: CheckOptions): Promise<number> {
  const { io } = ctx;
  try {
    const { index, config } = await loadTreeWithConfig(dir, loadOptions(opts.ignore));
    const allowed = index.check(opts.group, opts.access, path);
    writeLines(io.stderr, unknownGroupWarnings(opts.group, index, config));
    if (opts.json === true) writeJson(io.stdout, { allowed, revision: index.revision });
    else writeLines(io.stdout, [allowed ? "allowed" : "denied"]);
    return allowed ? EXIT_OK : EXIT_DENIED;
  } catch (error) {
    return reportError(io, dir, error);
  }
}
