/**
 * The `treerights` command line: one program, a file per command. `run` takes
 * argv and streams and returns the exit code, so tests run it in-process.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { addCheckCommand } from "./commands/check.js";
import { addConfigCommand } from "./commands/config.js";
import { addDiffCommand } from "./commands/diff.js";
import { addExplainCommand } from "./commands/explain.js";
import { addKeysCommand } from "./commands/keys.js";
import { addLintCommand } from "./commands/lint.js";
import { addServeCommand } from "./commands/serve.js";
import { addUsersCommand } from "./commands/users.js";
import { addWhereCommand } from "./commands/where.js";
import { addWhoCommand } from "./commands/who.js";
import type { CommandContext } from "./context.js";
import { EXIT_ERROR, EXIT_OK } from "./exit-codes.js";
import type { CliIo, OutputStream } from "./io.js";
import { processIo, writeLines } from "./io.js";

/** Runs the CLI on `argv` (without `node` and the script) and resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT_OK };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    // exitOverride turns help, --version and every usage error into a throw;
    // commander has already printed its message through configureOutput
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    writeLines(io.stderr, [`error: ${error instanceof Error ? error.message : String(error)}`]);
    return EXIT_ERROR;
  }
}

/** The program with every command; settings given here are inherited by each command. */
function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command("treerights")
    .description("may a holder of these groups READ or WRITE this path? answered from a tree of access.rights files")
    .version(packageVersion(), "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => widthOf(io.stdout),
      getErrHelpWidth: () => widthOf(io.stderr),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showHelpAfterError("(add --help for usage)")
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, allowed or no change; 1 lint found errors, diff found changes, or\n" +
        "serve's shutdown failed; 2 usage or load error; 3 denied; 4 diff --fail-on found a risky change.",
    );
  addServeCommand(program, ctx);
  addCheckCommand(program, ctx);
  addExplainCommand(program, ctx);
  addWhoCommand(program, ctx);
  addWhereCommand(program, ctx);
  addLintCommand(program, ctx);
  addDiffCommand(program, ctx);
  addConfigCommand(program, ctx);
  addKeysCommand(program, ctx);
  addUsersCommand(program, ctx);
  return program;
}

function widthOf(stream: OutputStream): number {
  return stream.columns ?? 80;
}

/** The version from package.json, two levels up from both `src/cli` and `dist/cli`. */
function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  const pkg: unknown = JSON.parse(text);
  if (typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string") {
    return pkg.version;
  }
  return "0.0.0";
}
