/** `treerights who <dir> --access L <path>`: the groups holding a level on a path. */
import type { Command } from "commander";
import type { Access, RightsIndex } from "../../engine/index.js";
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
  readonly implied?: true;
  readonly ignore?: readonly string[];
}

/** A group that holds a level only through groups it implies (SPEC 1.5), with the chain to one that holds it. */
interface ImpliedHolder {
  readonly group: string;
  readonly chain: readonly string[];
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
    .option("--implied", "also list the groups that hold it through `implies` in treerights.yaml, each with its chain")
    .addOption(ignoreOption())
    .addHelpText("after", `
Prints one group per line (with --json, an array). With --implied, then one
line per group that holds the level through the groups it implies, as its
chain: \`administrator → configuration-management\` (with --json, an object
{"groups": [...], "implied": [{"group", "chain"}]}). Exit codes: 0 done, 2 error.`)
    .action(async (dir: string, path: string, opts: WhoOptions) => {
      ctx.exitCode = await who(ctx, dir, path, opts);
    });
}

async function who(ctx: CommandContext, dir: string, path: string, opts: WhoOptions): Promise<number> {
  const { io } = ctx;
  try {
    const index = await loadTree(dir, loadOptions(opts.ignore));
    const groups = index.groupsFor(opts.access, path);
    const implied = opts.implied === true ? impliedHolders(index, groups) : null;
    if (opts.json === true) {
      writeJson(io.stdout, implied === null ? groups : { groups, implied });
    } else {
      writeLines(io.stdout, groups);
      if (implied !== null) writeLines(io.stdout, implied.map((h) => h.chain.join(" → ")));
      // stdout stays empty for scripts; the note is for a person at a terminal
      if (groups.length === 0) writeLines(io.stderr, [`nobody holds ${opts.access} on \`${canonicalPath(path)}\``]);
    }
    return EXIT_OK;
  } catch (error) {
    return reportError(io, dir, error);
  }
}

/** The groups that reach `groups` (a path's holders) through implication, sorted, each with its shortest chain. */
function impliedHolders(index: RightsIndex, groups: readonly string[]): ImpliedHolder[] {
  const holders = new Set(groups);
  return index.implications.reaching(groups).map((group) => ({ group, chain: index.implications.chain(group, holders) ?? [group] }));
}
