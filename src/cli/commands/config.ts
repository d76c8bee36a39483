/** `treerights config check <file>`: is this server config one `serve --config` would start with? */
import type { Command } from "commander";
import { Option } from "commander";
import { formatProblem } from "../../engine/index.js";
import type { Problem } from "../../engine/index.js";
import { checkServerConfig } from "../../server/config/load-server-config.js";
import { realmFileProblems } from "../../server/identity/realm-files.js";
import type { CommandContext } from "../context.js";
import { EXIT_ERROR, EXIT_OK } from "../exit-codes.js";
import { writeJson, writeLines } from "../io.js";
import { plural } from "../plural.js";

/** Adds the `config` command and its `check` subcommand. */
export function addConfigCommand(program: Command, ctx: CommandContext): void {
  const config = program
    .command("config")
    .description("work with the server config (treerights.server.yaml)")
    .addHelpText("after", "\nExit codes: 0 the config would start a server (warnings allowed), 2 it has errors.");
  config
    .command("check")
    .description("validate a server config without serving: its schema, its realms, signing keys, and the keys and users files it names")
    .argument("<file>", "the server config")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText("after", [
      "",
      "Signing keys named by environment variable are read from this shell's environment.",
      "",
      "Exit codes: 0 the config would start a server (warnings allowed), 2 it has errors.",
    ].join("\n"))
    .action(async (file: string, opts: { readonly format: "text" | "json" }) => {
      ctx.exitCode = await check(ctx, file, opts.format);
    });
}

async function check(ctx: CommandContext, file: string, format: "text" | "json"): Promise<number> {
  const { io } = ctx;
  const checked = await checkServerConfig(file);
  const problems: Problem[] = [...checked.problems];
  if (checked.config !== null) problems.push(...(await realmFileProblems(checked.config)));
  const errors = problems.filter((p) => p.severity === "error").length;
  if (format === "json") {
    writeJson(io.stdout, { valid: errors === 0, problems });
  } else if (errors === 0) {
    const realms = checked.config?.realms.length ?? 0;
    writeLines(io.stdout, [...problems.map(formatProblem), `${file}: ok (${plural(realms, "realm")})`]);
  } else {
    writeLines(io.stderr, [`error: server config \`${file}\` has ${plural(errors, "error")}`, ...problems.map(formatProblem)]);
  }
  return errors === 0 ? EXIT_OK : EXIT_ERROR;
}
