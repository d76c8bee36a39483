/**
 * `treerights users add|passwd|disable|enable|list`: edit the users file of a
 * `basic:` realm, named by `--config <f> --realm <r>` or directly by
 * `--file <users.yaml>`. Every write is validated and atomic; the file holds
 * scrypt hashes only, and a generated password is printed once.
 */
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { formatProblem, LoadError } from "../../engine/index.js";
import { loadServerConfig } from "../../server/config/load-server-config.js";
import { hashPassword } from "../../server/identity/basic/password-hash.js";
import type { UserChange, Users, UsersFileSnapshot } from "../../server/identity/basic/users-file.js";
import { editUser, readUsersFile, userNameProblem, writeUsersFile } from "../../server/identity/basic/users-file.js";
import type { CommandContext } from "../context.js";
import { EXIT_ERROR, EXIT_OK } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { writeJson, writeLines } from "../io.js";
import { plural } from "../plural.js";

/** The longest password read from stdin, bytes. */
export const MAX_PASSWORD_BYTES = 1024;

/** Random bytes in a generated password (192 bits, 32 base64url characters). */
const GENERATED_PASSWORD_BYTES = 24;

interface FileOptions {
  readonly config?: string;
  readonly realm?: string;
  readonly file?: string;
}

interface EditOptions extends FileOptions {
  readonly group?: readonly string[];
  readonly passwordStdin?: boolean;
}

interface ListOptions extends FileOptions {
  readonly json?: boolean;
}

/** Adds the `users` command and its subcommands. */
export function addUsersCommand(program: Command, ctx: CommandContext): void {
  const users = program
    .command("users")
    .description("add users, set passwords, disable users of a basic realm's users file")
    .addHelpText("after", [
      "",
      "Name the users file with --config <server config> --realm <basic realm>,",
      "or with --file <users.yaml>. Every write is checked and atomic (temporary",
      "file, fsync, rename; the file keeps its mode, a new one gets 0600); a running",
      "server applies it within 2 s. The file holds scrypt hashes, never a password.",
      "A generated password is printed once, alone on stdout; messages go to stderr.",
      "",
      "Exit codes: 0 done, 2 error (bad options, a file that does not load, an unknown user).",
    ].join("\n"));

  users
    .command("add")
    .description("add a user; without --password-stdin, a random password is generated and printed once")
    .argument("<user>", "the user name (no `:`, no control characters)", parseUserName)
    .addOption(groupsOption())
    .addOption(passwordStdinOption())
    .addOption(configOption()).addOption(realmOption()).addOption(fileOption())
    .action(async (user: string, opts: EditOptions) => {
      ctx.exitCode = await edit(ctx, "add", user, opts);
    });

  users
    .command("passwd")
    .description("set a new password; without --password-stdin, a random one is generated and printed once")
    .argument("<user>", "the user name", parseUserName)
    .addOption(passwordStdinOption())
    .addOption(configOption()).addOption(realmOption()).addOption(fileOption())
    .action(async (user: string, opts: EditOptions) => {
      ctx.exitCode = await edit(ctx, "passwd", user, opts);
    });

  users
    .command("disable")
    .description("refuse a user (401 credential_disabled) and every token issued for them, keeping the entry")
    .argument("<user>", "the user name", parseUserName)
    .addOption(configOption()).addOption(realmOption()).addOption(fileOption())
    .action(async (user: string, opts: EditOptions) => {
      ctx.exitCode = await edit(ctx, "disable", user, opts);
    });

  users
    .command("enable")
    .description("accept a disabled user again")
    .argument("<user>", "the user name", parseUserName)
    .addOption(configOption()).addOption(realmOption()).addOption(fileOption())
    .action(async (user: string, opts: EditOptions) => {
      ctx.exitCode = await edit(ctx, "enable", user, opts);
    });

  users
    .command("list")
    .description("list the users with their groups and whether they are disabled (never a hash)")
    .addOption(configOption()).addOption(realmOption()).addOption(fileOption())
    .addOption(new Option("--json", "print JSON instead of text"))
    .action(async (opts: ListOptions) => {
      ctx.exitCode = await list(ctx, opts);
    });
}

type EditKind = "add" | "passwd" | "disable" | "enable";

async function edit(ctx: CommandContext, kind: EditKind, user: string, opts: EditOptions): Promise<number> {
  const { io } = ctx;
  try {
    const path = await usersFilePath(opts);
    const snapshot = await readUsersFile(path);
    const entry = snapshot.users.get(user);
    if (kind === "add" && entry !== undefined) {
      throw new Error(`user \`${user}\` already exists in \`${path}\`; set a new password with \`treerights users passwd\``);
    }
    if (kind !== "add" && entry === undefined) throw new Error(`no user \`${user}\` in \`${path}\`${known(snapshot.users)}`);
    let change: UserChange;
    let generated: string | undefined;
    if (kind === "add" || kind === "passwd") {
      let password: string;
      if (opts.passwordStdin === true) {
        password = await readPassword(stdinOf(io));
      } else {
        generated = randomBytes(GENERATED_PASSWORD_BYTES).toString("base64url");
        password = generated;
      }
      const hash = await hashPassword(password);
      change = kind === "add" ? { hash, groups: opts.group ?? [] } : { hash };
    } else {
      change = { disabled: kind === "disable" };
    }
    await writeUsersFile(snapshot, editUser(snapshot.text, user, change));
    writeLines(io.stderr, [done(kind, user, snapshot, opts.group ?? [])]);
    // Alone on stdout, so a script can capture it; it is never stored or shown again.
    if (generated !== undefined) writeLines(io.stdout, [generated]);
    return EXIT_OK;
  } catch (error) {
    return report(io, error);
  }
}

async function list(ctx: CommandContext, opts: ListOptions): Promise<number> {
  const { io } = ctx;
  try {
    const path = await usersFilePath(opts);
    const { users } = await readUsersFile(path);
    const rows = [...users].map(([name, entry]) => ({ name, groups: entry.groups, disabled: entry.disabled }));
    if (opts.json === true) {
      writeJson(io.stdout, { file: path, users: rows });
    } else {
      writeLines(io.stdout, rows.map((r) => `${r.name}\t${r.groups.length > 0 ? r.groups.join(",") : "-"}${r.disabled ? "\tdisabled" : ""}`));
      writeLines(io.stderr, [`${plural(rows.length, "user")} in \`${path}\``]);
    }
    return EXIT_OK;
  } catch (error) {
    return report(io, error);
  }
}

function done(kind: EditKind, user: string, snapshot: UsersFileSnapshot, groups: readonly string[]): string {
  const where = `\`${snapshot.path}\``;
  switch (kind) {
    case "add":
      return `added user \`${user}\` to ${where}${snapshot.exists ? "" : " (new file, mode 0600)"} with ${groups.length > 0 ? `groups ${groups.map((g) => `\`${g}\``).join(", ")}` : "no groups"}`;
    case "passwd":
      return `set a new password for \`${user}\` in ${where}`;
    case "disable":
      return `disabled user \`${user}\` in ${where}`;
    case "enable":
      return `enabled user \`${user}\` in ${where}`;
  }
}

/** The users file the options name: `--file`, or the file of `--realm` in `--config`. */
async function usersFilePath(opts: FileOptions): Promise<string> {
  if (opts.file !== undefined) {
    if (opts.config !== undefined || opts.realm !== undefined) throw new Error("give either --file, or --config with --realm, not both");
    return opts.file;
  }
  if (opts.config === undefined || opts.realm === undefined) throw new Error("name the users file: --config <server config> --realm <basic realm>, or --file <users.yaml>");
  const config = await loadServerConfig(opts.config).catch((error: unknown) => {
    throw error instanceof LoadError ? new ConfigError(opts.config ?? "", error) : error;
  });
  const realm = config.realms.find((r) => r.name === opts.realm);
  if (realm === undefined) {
    const names = config.realms.map((r) => `\`${r.name}\``).join(", ");
    throw new Error(`no realm \`${opts.realm}\` in \`${opts.config}\`${names === "" ? " (it has no realms)" : `; its realms: ${names}`}`);
  }
  if (realm.kind !== "basic") throw new Error(`realm \`${realm.name}\` in \`${opts.config}\` is a \`${realm.kind}\` realm; users belong to a \`basic\` realm`);
  return realm.basic.file;
}

/** A server config that did not load, with its problems. */
class ConfigError extends Error {
  readonly problems: LoadError["problems"];

  constructor(file: string, cause: LoadError) {
    super(`server config \`${file}\` did not load`);
    this.problems = cause.problems;
  }
}

function report(io: CliIo, error: unknown): number {
  if (error instanceof ConfigError || error instanceof LoadError) {
    const errors = error.problems.filter((p) => p.severity === "error").length;
    const what = error instanceof ConfigError ? error.message : "the users file did not load";
    writeLines(io.stderr, [`error: ${what} (${plural(errors, "error")})`, ...error.problems.map(formatProblem)]);
  } else {
    writeLines(io.stderr, [`error: ${error instanceof Error ? error.message : String(error)}`]);
  }
  return EXIT_ERROR;
}

function known(users: Users): string {
  if (users.size === 0) return " (it has no users)";
  const names = [...users.keys()];
  return `; it has ${names.slice(0, 5).map((n) => `\`${n}\``).join(", ")}${names.length > 5 ? ", ..." : ""}`;
}

/** Parses the `<user>` argument: what the users file may hold and Basic can send. */
export function parseUserName(value: string): string {
  const problem = userNameProblem(value);
  if (problem !== null) throw new InvalidArgumentError(`the user name ${problem}`);
  return value;
}

function parseGroupName(value: string, previous: readonly string[] | undefined): string[] {
  if (value.trim() === "" || value.trim() !== value) throw new InvalidArgumentError("a group is not empty and has no leading or trailing whitespace");
  return previous?.includes(value) === true ? [...previous] : [...(previous ?? []), value];
}

function groupsOption(): Option {
  return new Option("--group <group>", "a group the user holds (repeat for several)").argParser(parseGroupName);
}

function passwordStdinOption(): Option {
  return new Option("--password-stdin", `read the password from stdin (up to ${String(MAX_PASSWORD_BYTES)} bytes; one final newline is dropped)`);
}

function configOption(): Option {
  return new Option("--config <file>", "the server config naming the realm");
}

function realmOption(): Option {
  return new Option("--realm <name>", "a basic realm of --config");
}

function fileOption(): Option {
  return new Option("--file <users.yaml>", "the users file itself, instead of --config and --realm");
}

/** The stream a password is read from: a test's `stdin` on the io when it gives one, else the process's. */
function stdinOf(io: CliIo): AsyncIterable<unknown> {
  if ("stdin" in io && typeof io.stdin === "object" && io.stdin !== null && Symbol.asyncIterator in io.stdin) {
    return io.stdin as AsyncIterable<unknown>;
  }
  return process.stdin;
}

/** Reads the whole of `stream` as one password: UTF-8, one final newline dropped, not empty. */
async function readPassword(stream: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk as Uint8Array);
    size += bytes.length;
    if (size > MAX_PASSWORD_BYTES + 2) throw new Error(`the password on stdin is over ${String(MAX_PASSWORD_BYTES)} bytes`);
    chunks.push(bytes);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new Error("the password on stdin is not valid utf-8");
  }
  const password = text.replace(/\r?\n$/, "");
  if (password === "") throw new Error("the password on stdin is empty");
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) throw new Error(`the password on stdin is over ${String(MAX_PASSWORD_BYTES)} bytes`);
  return password;
}
