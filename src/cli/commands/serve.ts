/** `treerights serve [dir]`: the HTTP decision service, until SIGTERM or SIGINT. */
import type { Command } from "commander";
import { Option } from "commander";
import { serve } from "../../server/index.js";
import type { CommandContext } from "../context.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeLines } from "../io.js";
import { ignoreOption, parsePort } from "../options.js";
import { reportError } from "../report-error.js";

/** Levels `--log-level` accepts (pino's). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

type LogLevel = (typeof LOG_LEVELS)[number];

interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly watch: boolean;
  readonly ignore?: readonly string[];
  readonly logLevel: LogLevel;
}

/** Adds the `serve` command. */
export function addServeCommand(program: Command, ctx: CommandContext): void {
  program
    .command("serve")
    .description("serve decisions over HTTP, reloading the tree when its rights files change")
    .argument("[dir]", "root of the rights tree", ".")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .addOption(new Option("--port <port>", "port to listen on (0: any free port)").argParser(parsePort).default(8080))
    .option("--no-watch", "load the tree once; do not reload on changes")
    .addOption(ignoreOption())
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .addHelpText(
      "after",
      "\nPrints the listening URL, then runs until SIGTERM or SIGINT (graceful shutdown).\n" +
        "A tree that does not load at startup lists every problem and exits 2.",
    )
    .action(async (dir: string, opts: ServeOptions) => {
      ctx.exitCode = await start(ctx, dir, opts);
    });
}

async function start(ctx: CommandContext, dir: string, opts: ServeOptions): Promise<number> {
  const { io } = ctx;
  try {
    const server = await serve(dir, {
      host: opts.host,
      port: opts.port,
      watch: opts.watch,
      ...(opts.ignore === undefined ? {} : { ignore: opts.ignore }),
      handleSignals: true,
      logger: { level: opts.logLevel },
    });
    writeLines(io.stdout, [`treerights: serving \`${dir}\` on ${server.url}`]);
    // The server's handles keep the process alive; its signal handlers close it.
    return EXIT_OK;
  } catch (error) {
    return reportError(io, dir, error);
  }
}
