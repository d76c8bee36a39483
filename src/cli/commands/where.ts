/** `treerights where <dir> --group g --access L`: every subtree where a group holds a level, and the holes in it. */
import type { Command } from "commander";
import { Option } from "commander";
import type { Access, WhereResult } from "../../engine/index.js";
import { whereAmong } from "../../engine/index.js";
import { loadTreeWithConfig } from "../../loader/index.js";
import type { CommandContext } from "../context.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeJson, writeLines } from "../io.js";
import { accessOption, ignoreOption, jsonOption, loadOptions, parseGroup } from "../options.js";
import { unknownGroupWarnings } from "../unknown-groups.js";
import { reportError } from "../report-error.js";

interface WhereOptions {
  readonly group: string;
  readonly access: Access;
  readonly json?: true;
  readonly ignore?: readonly string[];
}

/** Adds the `where` command. */
export function addWhereCommand(program: Command, ctx: CommandContext): void {
  program
    .command("where")
    .description("list every subtree where a group holds READ or WRITE, with the subtrees cut out of it")
    .argument("<dir>", "root of the rights tree")
    .addOption(new Option("--group <group>", "the group to look for").argParser(parseGroup).makeOptionMandatory())
    .addOption(accessOption())
    .addOption(jsonOption())
    .addOption(ignoreOption())
    .addHelpText(
      "after",
      "\nPrints each subtree root, then `  except <path>` for each subtree below it where the group\n" +
        "loses the level (a deeper line may grant it again), over every directory of the tree on disk,\n" +
        "pattern rules included, as `check` answers; then the pattern rules that may change the answer\n" +
        "on other paths they match (files, resources). Complete, never truncated. Exit codes: 0 done, 2 error.",
    )
    .action(async (dir: string, opts: WhereOptions) => {
      ctx.exitCode = await where(ctx, dir, opts);
    });
}

async function where(ctx: CommandContext, dir: string, opts: WhereOptions): Promise<number> {
  const { io } = ctx;
  try {
    const { index, config, directories } = await loadTreeWithConfig(dir, loadOptions(opts.ignore));
    // Answered over the directories on disk by the decision itself: pattern rules count where they match one.
    const result = whereAmong(index, opts.group, opts.access, directories.map((d) => `/${d}`));
    writeLines(io.stderr, unknownGroupWarnings([opts.group], index, config));
    if (opts.json === true) {
      writeJson(io.stdout, result);
    } else {
      writeLines(io.stdout, formatWhere(result));
      // stdout stays empty for scripts; the note is for a person at a terminal
      if (result.regions.length === 0) writeLines(io.stderr, [nowhereNote(result)]);
    }
    return EXIT_OK;
  } catch (error) {
    return reportError(io, dir, error);
  }
}

/** What to tell a person when the group holds the level in no directory: nowhere at all, or only where pattern rules match. */
function nowhereNote(result: WhereResult): string {
  const held = `\`${result.group}\` holds ${result.access}`;
  return result.patterns.some((p) => p.effect === "grant")
    ? `${held} in none of the tree's directories; only on paths the pattern rules above grant it on`
    : `${held} nowhere in the tree's directories`;
}

/** The text form: each region and its holes, then the pattern rules that concern the group. */
export function formatWhere(result: WhereResult): string[] {
  const lines: string[] = [];
  for (const region of result.regions) {
    lines.push(region.path);
    for (const hole of region.holes) lines.push(`  except ${hole}`);
  }
  if (result.patterns.length > 0) {
    lines.push(`pattern rules that ${result.regions.length > 0 ? "change this on the paths they match" : "grant or revoke it on the paths they match"}:`);
    for (const p of result.patterns) {
      const below = p.dir === "/" ? "" : ` below ${p.dir}`;
      lines.push(`  ${p.effect === "grant" ? "grant " : "revoke"} \`${p.match}\`${below} (${p.file})`);
    }
  }
  return lines;
}
