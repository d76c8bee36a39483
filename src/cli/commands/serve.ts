/** `treerights serve [dir]`: the HTTP decision service, until SIGTERM or SIGINT. */
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { MAX_WORKERS, serve } from "../../server/index.js";
import { loadServerConfig } from "../../server/config/load-server-config.js";
import type { ServerConfig } from "../../server/config/server-config.js";
import type { CommandContext } from "../context.js";
import { EXIT_ERROR, EXIT_OK } from "../exit-codes.js";
import { writeLines } from "../io.js";
import { ignoreOption, parsePort } from "../options.js";
import { reportError } from "../report-error.js";

/** Levels `--log-level` accepts (pino's). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

type LogLevel = (typeof LOG_LEVELS)[number];

interface ServeOptions {
  readonly config?: string;
  readonly host: string;
  readonly port: number;
  readonly watch: boolean;
  readonly ref?: string;
  readonly ignore?: readonly string[];
  readonly logLevel: LogLevel;
  readonly workers: number;
  readonly ui?: boolean;
}

/** Parses `--workers`: an integer from 1 to `MAX_WORKERS`, or `auto` for one per CPU the process may use (at most `MAX_WORKERS`). */
export function parseWorkers(value: string): number {
  if (value === "auto") return Math.min(availableParallelism(), MAX_WORKERS);
  const workers = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(workers >= 1 && workers <= MAX_WORKERS)) {
    throw new InvalidArgumentError(`workers must be an integer from 1 to ${String(MAX_WORKERS)}, or \`auto\``);
  }
  return workers;
}

/** Adds the `serve` command. */
export function addServeCommand(program: Command, ctx: CommandContext): void {
  program
    .command("serve")
    .description("serve decisions over HTTP, reloading the tree when its rights files change")
    .argument("[dir]", "root of the rights tree (default: the config's `tree`, else .)")
    .option("--config <file>", "server config (treerights.server.yaml): realms, API protection, tokens, decision log; flags given here win over it")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .addOption(new Option("--port <port>", "port to listen on (0: any free port)").argParser(parsePort).default(8080))
    .option("--no-watch", "load the tree once; do not reload on changes")
    .option("--ref <ref>", "serve the commit this git ref names (main, origin/main, a tag), read from git, never from the work tree; follows the ref as it moves (recommended in production)")
    .addOption(ignoreOption())
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .addOption(
      new Option("--workers <n>", `server processes sharing the port, each with its own copy of the tree: 1-${String(MAX_WORKERS)}, or auto (one per CPU)`)
        .argParser(parseWorkers)
        .default(1),
    )
    .option("--ui", "serve the rights explorer page at /ui/ (read-only; its data comes from the API, protected as configured)")
    .option("--no-ui", "do not serve the explorer page, even if the config says `ui: true`")
    .addHelpText(
      "after",
      "\nPrints the listening URL, then runs until SIGTERM or SIGINT (graceful shutdown).\n" +
        "A tree that does not load at startup lists every problem and exits 2.\n" +
        "With --ref, [dir] may be any directory of the repository: the tree at that path in each commit is served,\n" +
        "uncommitted edits are ignored, and a commit, merge, reset or fetch that moves the ref swaps the index.\n" +
        "With --workers above 1, a worker that dies is restarted; see docs/cluster.md.\n" +
        "Exit codes: 0 stopped by SIGTERM or SIGINT, 1 shutdown failed or timed out,\n" +
        "2 error (a tree that does not load, an address that cannot be listened on).",
    )
    .action(async (dir: string | undefined, opts: ServeOptions, command: Command) => {
      const merged = opts.config === undefined ? { dir: dir ?? ".", opts } : await withConfig(ctx, dir, opts, opts.config, command);
      ctx.exitCode = merged === null ? EXIT_ERROR : await start(ctx, merged.dir, merged.opts);
    });
}

/**
 * The options of `serve` with the server config's values where no flag was
 * given (a flag given on the command line wins over the file); null, after
 * reporting, when the config does not load.
 */
async function withConfig(ctx: CommandContext, dir: string | undefined, opts: ServeOptions, file: string, command: Command): Promise<{ dir: string; opts: ServeOptions } | null> {
  let config: ServerConfig;
  try {
    config = await loadServerConfig(file);
  } catch (error) {
    reportError(ctx.io, file, error, "server config");
    return null;
  }
  const fromCli = (name: keyof ServeOptions): boolean => command.getOptionValueSource(name) === "cli";
  const pick = <K extends keyof ServeOptions>(name: K, value: ServeOptions[K] | undefined): Partial<ServeOptions> =>
    fromCli(name) || value === undefined ? {} : { [name]: value };
  return {
    dir: dir ?? config.tree ?? ".",
    opts: {
      ...opts,
      ...pick("host", config.host),
      ...pick("port", config.port),
      ...pick("watch", config.watch),
      ...pick("ref", config.ref),
      ...pick("ignore", config.ignore),
      ...pick("logLevel", config.logLevel),
      ...pick("workers", config.workers === "auto" ? parseWorkers("auto") : config.workers),
      ...pick("ui", config.ui),
    },
  };
}

async function start(ctx: CommandContext, dir: string, opts: ServeOptions): Promise<number> {
  const { io } = ctx;
  try {
    const server = await serve(dir, {
      host: opts.host,
      port: opts.port,
      watch: opts.watch,
      ...(opts.ref === undefined ? {} : { ref: opts.ref }),
      ...(opts.ignore === undefined ? {} : { ignore: opts.ignore }),
      handleSignals: true,
      logger: { level: opts.logLevel },
      workers: opts.workers,
      ...(opts.config === undefined ? {} : { configFile: opts.config }),
      ...(opts.ui === undefined ? {} : { ui: opts.ui }),
    });
    const workers = "workerCount" in server ? ` with ${String(server.workerCount)} workers` : "";
    const at = opts.ref === undefined ? "" : ` at ref \`${opts.ref}\``;
    writeLines(io.stdout, [`treerights: serving \`${dir}\`${at} on ${server.url}${workers}`]);
    if (opts.ui === true) writeLines(io.stdout, [`treerights: rights explorer at ${server.url}/ui/`]);
    // The server's handles keep the process alive; its signal handlers close it.
    return EXIT_OK;
  } catch (error) {
    const hint = listenHint(error, opts);
    if (hint !== undefined) {
      writeLines(io.stderr, [`error: ${hint}`]);
      return EXIT_ERROR;
    }
    return reportError(io, dir, error);
  }
}

/**
 * What to do when the address cannot be listened on, for the system codes a
 * person can fix with `--port` or `--host` (Node's message names only the code).
 */
function listenHint(error: unknown, opts: ServeOptions): string | undefined {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  const address = `\`${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${String(opts.port)}\``;
  switch (code) {
    case "EADDRINUSE":
      return `address ${address} is already in use; choose another port with \`--port\` or another address with \`--host\``;
    case "EACCES":
      return `no permission to listen on ${address} (ports below 1024 need privileges); choose another with \`--port\``;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${address}: \`${opts.host}\` is not an address of this machine; choose another with \`--host\``;
    default:
      return undefined;
  }
}
