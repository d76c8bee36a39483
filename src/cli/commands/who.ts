/** `treerights who <dir> --access L <path>`: the groups holding a level on a path. */
import type { Command } from "commander";
import type { Access } from "../../engine/index.js";
import { canonicalPath } from "../../engine/index.js";
import { loadTree } from "../../loader/index.js";
import type { CommandContext } from "../context.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeJson, writeLines } from "../io.js";
import { accessOption, ignoreOption, jsonOption, loadOptions } from "../options.js";
import { reportError } from "../report-error.js";

interface WhoOptions {
  readonly access: Access;
  readonly json?: true;
  readonly ignore?: readonly string[];
}

/** Adds the `who` command. */
export function addWhoCommand(program: Command, ctx: CommandContext): void {
  program
    .command("who")
    .description("list the groups holding READ or WRITE on the path")
    .argument("<dir>", "root of the rights tree")
    .argument("<path>", "resource path, relative to the tree root")
    .addOption(accessOption())
    .addOption(jsonOption())
    .addOption(ignoreOption())
    .addHelpText("after", "\nPrints one group per line (with --json, an array). Exit codes: 0 done, 2 error.")
    .action(async (dir: string, path: string, opts: WhoOptions) => {
      ctx.exitCode = await who(ctx, dir, path, opts);
    });
}

async function who(ctx: CommandContext, dir: string, path: string, opts: WhoOptions): Promise<number> {
  const { io } = ctx;
  try {
    const index = await loadTree(dir, loadOptions(opts.ignore));
    const groups = index.groupsFor(opts.access, path);
    if (opts.json === true) {
      writeJson(io.stdout, groups);
    } else {
      writeLines(io.stdout, groups);
      // stdout stays empty for scripts; the note is for a person at a terminal
      if (groups.length === 0) writeLines(io.stderr, [`nobody holds ${opts.access} on \`${canonicalPath(path)}\``]);
    }
    return EXIT_OK;
  } catch (error) {
    return reportError(io, dir, error);
  }
}
