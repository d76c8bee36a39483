/**
 * `treerights keys create|list|revoke|rotate`: the API keys of an `apiKeys`
 * realm (SPEC 4). A new key is printed once on stdout; the keys file holds
 * only its SHA-256. Every write is validated and atomic.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import type { Problem } from "../../engine/index.js";
import { formatProblem } from "../../engine/index.js";
import { formatDuration, parseDuration } from "../../server/config/duration.js";
import { loadServerConfig } from "../../server/config/load-server-config.js";
import { generateApiKey } from "../../server/identity/api-keys/api-key.js";
import type { ApiKeyEntry, KeysFile } from "../../server/identity/api-keys/keys-file.js";
import { readKeysFile, writeKeysFile } from "../../server/identity/api-keys/keys-file.js";
import type { CommandContext } from "../context.js";
import { EXIT_ERROR, EXIT_OK } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { writeJson, writeLines } from "../io.js";
import { collect, collectGroups } from "../options.js";
import { plural } from "../plural.js";

/** Where the keys file is named: `--file`, or `--config` with `--realm`. */
interface TargetOptions {
  readonly file?: string;
  readonly config?: string;
  readonly realm?: string;
}

interface CreateOptions extends TargetOptions {
  readonly owner: string;
  readonly group: readonly string[];
  readonly scope?: readonly string[];
  readonly expires?: string;
  readonly comment?: string;
}

interface ListOptions extends TargetOptions {
  readonly format: "text" | "json";
}

interface RotateOptions extends TargetOptions {
  readonly overlap: number;
  readonly expires?: string;
}

/** The default `--overlap` of `keys rotate`: the old key keeps working this long. */
export const DEFAULT_OVERLAP_MS = 24 * 3_600_000;

const EXIT_HELP = "Exit codes: 0 done, 2 error (bad options, a config or keys file that does not load, an unknown key id).";

const WRITE_HELP = [
  "",
  "The keys file is rewritten atomically (validated, temp file, fsync, rename; its mode is kept,",
  "a new file gets 0600). Comments in it are not kept. A running server applies the change within 2 s.",
].join("\n");

/** A refusal of the command itself: one line on stderr, exit 2. */
class KeysCommandError extends Error {}

/** A keys file (or server config) that does not load: every problem on stderr, exit 2. */
class ProblemsError extends Error {
  constructor(readonly what: string, readonly problems: readonly Problem[]) {
    super(what);
  }
}

/** Adds the `keys` command and its subcommands. */
export function addKeysCommand(program: Command, ctx: CommandContext): void {
  const keys = program
    .command("keys")
    .description("create, list, revoke and rotate the API keys of an apiKeys realm")
    .addHelpText("after", [
      "",
      "Name the keys file with --config <server config> --realm <name> (an apiKeys realm;",
      "--realm may be left out when the config has one), or directly with --file <keys.yaml>.",
      EXIT_HELP,
    ].join("\n"));

  targetOptions(keys.command("create"))
    .description("create a key; prints it once on stdout (the file keeps only its SHA-256)")
    .requiredOption("--owner <owner>", "who holds the key (the identity's subject)", parseOwner)
    .addOption(new Option("--group <group>", "a group the key holds (repeat for several)").argParser(collectGroups).makeOptionMandatory())
    .addOption(new Option("--scope <scope>", "narrow the key to READ:/glob or WRITE:/glob, such as READ:/plant/** (repeatable)").argParser(collectScopes))
    .option("--expires <when>", "when the key stops working: a date (2026-01-31, midnight UTC), a date-time with zone, or a duration from now (90d, 12h)")
    .option("--comment <text>", "a note kept with the key")
    .addHelpText("after", `${WRITE_HELP}\n${EXIT_HELP}`)
    .action(async (opts: CreateOptions) => {
      ctx.exitCode = await guarded(ctx.io, () => create(ctx.io, opts));
    });

  targetOptions(keys.command("list"))
    .description("list the keys: id, owner, groups, scopes, expires, revoked, created (never a key or hash)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText("after", `\n${EXIT_HELP}`)
    .action(async (opts: ListOptions) => {
      ctx.exitCode = await guarded(ctx.io, () => list(ctx.io, opts));
    });

  targetOptions(keys.command("revoke"))
    .description("revoke a key: refused from the next request on")
    .argument("<id>", "the key's id (the 12 hex characters after trk_)")
    .addHelpText("after", `${WRITE_HELP}\n${EXIT_HELP}`)
    .action(async (id: string, opts: TargetOptions) => {
      ctx.exitCode = await guarded(ctx.io, () => revoke(ctx.io, id, opts));
    });

  targetOptions(keys.command("rotate"))
    .description("create a new key with the same owner, groups and scopes, print it once, and let the old key expire after an overlap")
    .argument("<id>", "the id of the key to replace")
    .addOption(new Option("--overlap <duration>", "how long the old key keeps working (30m, 24h, 7d; 0s: stop now); an earlier expiry is kept")
      .argParser(parseOverlap).default(DEFAULT_OVERLAP_MS, "24h"))
    .option("--expires <when>", "when the new key stops working (as for create); without it the new key does not expire")
    .addHelpText("after", `${WRITE_HELP}\n${EXIT_HELP}`)
    .action(async (id: string, opts: RotateOptions) => {
      ctx.exitCode = await guarded(ctx.io, () => rotate(ctx.io, id, opts));
    });
}

function targetOptions(command: Command): Command {
  return command
    .option("--config <file>", "the server config naming the keys file")
    .option("--realm <name>", "the apiKeys realm of --config")
    .option("--file <keys.yaml>", "the keys file itself, instead of --config and --realm");
}

async function create(io: CliIo, opts: CreateOptions): Promise<void> {
  const path = await keysFilePath(opts);
  const { file, revision } = await load(path, true);
  const now = Date.now();
  const expires = opts.expires === undefined ? undefined : parseExpiry(opts.expires, now);
  const fresh = newKey(file);
  const entry: ApiKeyEntry = {
    id: fresh.id,
    hash: fresh.hash,
    owner: opts.owner,
    groups: [...new Set(opts.group)],
    ...(opts.scope === undefined ? {} : { scopes: [...new Set(opts.scope)] }),
    ...(expires === undefined ? {} : { expires }),
    created: new Date(now).toISOString(),
    ...(opts.comment === undefined ? {} : { comment: opts.comment }),
  };
  await writeKeysFile(path, [...file.keys, entry], revision);
  writeLines(io.stdout, [fresh.key]);
  writeLines(io.stderr, [`created key \`${fresh.id}\` for \`${opts.owner}\` in \`${path}\`${expires === undefined ? "" : `, expires ${expires}`}; the key above is shown only once, store it now`]);
}

async function list(io: CliIo, opts: ListOptions): Promise<void> {
  const path = await keysFilePath(opts);
  const { file } = await load(path, false);
  const rows = file.keys.map((k) => ({
    id: k.id,
    owner: k.owner,
    groups: k.groups,
    scopes: k.scopes ?? null,
    expires: k.expires ?? null,
    revoked: k.revoked === true,
    created: k.created ?? null,
    comment: k.comment ?? null,
  }));
  if (opts.format === "json") {
    writeJson(io.stdout, { file: path, keys: rows });
    return;
  }
  if (rows.length === 0) {
    writeLines(io.stdout, [`no keys in \`${path}\``]);
    return;
  }
  const table = [
    ["ID", "OWNER", "GROUPS", "SCOPES", "EXPIRES", "REVOKED", "CREATED"],
    ...rows.map((r) => [r.id, r.owner, r.groups.join(",") || "-", r.scopes?.join(",") ?? "-", r.expires ?? "never", r.revoked ? "yes" : "no", r.created ?? "-"]),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length))) ?? [];
  writeLines(io.stdout, table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")));
}

async function revoke(io: CliIo, id: string, opts: TargetOptions): Promise<void> {
  const path = await keysFilePath(opts);
  const { file, revision } = await load(path, false);
  const old = known(file, id, path);
  if (old.revoked === true) {
    writeLines(io.stdout, [`key \`${id}\` of \`${old.owner}\` was already revoked`]);
    return;
  }
  await writeKeysFile(path, file.keys.map((k) => (k.id === id ? { ...k, revoked: true } : k)), revision);
  writeLines(io.stdout, [`revoked key \`${id}\` of \`${old.owner}\``]);
}

async function rotate(io: CliIo, id: string, opts: RotateOptions): Promise<void> {
  const path = await keysFilePath(opts);
  const { file, revision } = await load(path, false);
  const old = known(file, id, path);
  if (old.revoked === true) throw new KeysCommandError(`key \`${id}\` is revoked; create a new key instead of rotating it`);
  const now = Date.now();
  const expires = opts.expires === undefined ? undefined : parseExpiry(opts.expires, now);
  const overlapEnd = now + opts.overlap;
  // The overlap only ever shortens the old key's life.
  const oldExpires = old.expires !== undefined && Date.parse(old.expires) <= overlapEnd ? old.expires : new Date(overlapEnd).toISOString();
  const fresh = newKey(file);
  const entry: ApiKeyEntry = {
    id: fresh.id,
    hash: fresh.hash,
    owner: old.owner,
    groups: old.groups,
    ...(old.scopes === undefined ? {} : { scopes: old.scopes }),
    ...(expires === undefined ? {} : { expires }),
    created: new Date(now).toISOString(),
    comment: `rotated from ${id}${old.comment === undefined ? "" : `; ${old.comment}`}`,
  };
  const keys = file.keys.flatMap((k) => (k.id === id ? [{ ...k, expires: oldExpires }, entry] : [k]));
  await writeKeysFile(path, keys, revision);
  writeLines(io.stdout, [fresh.key]);
  const lines = [`rotated key \`${id}\` of \`${old.owner}\` to \`${fresh.id}\` in \`${path}\`; \`${id}\` expires ${oldExpires}; the key above is shown only once, store it now`];
  if (expires === undefined && old.expires !== undefined) lines.push(`note: \`${id}\` had an expiry, the new key has none; give it one with --expires`);
  writeLines(io.stderr, lines);
}

/** Runs a subcommand; a refusal or a file that does not load is reported on stderr with exit 2. */
async function guarded(io: CliIo, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return EXIT_OK;
  } catch (error) {
    if (error instanceof ProblemsError) {
      const errors = error.problems.filter((p) => p.severity === "error").length;
      writeLines(io.stderr, [`error: ${error.what} does not load (${plural(errors, "error")})`, ...error.problems.map(formatProblem)]);
    } else if (isLoadError(error)) {
      const errors = error.problems.filter((p) => p.severity === "error").length;
      writeLines(io.stderr, [`error: the server config does not load (${plural(errors, "error")})`, ...error.problems.map(formatProblem)]);
    } else {
      writeLines(io.stderr, [`error: ${error instanceof Error ? error.message : String(error)}`]);
    }
    return EXIT_ERROR;
  }
}

function isLoadError(error: unknown): error is { problems: readonly Problem[] } {
  return error instanceof Error && "problems" in error && Array.isArray(error.problems);
}

/** The absolute path of the keys file the options name. */
async function keysFilePath(opts: TargetOptions): Promise<string> {
  if (opts.file !== undefined) {
    if (opts.config !== undefined || opts.realm !== undefined) throw new KeysCommandError("give either --file, or --config with --realm, not both");
    return resolve(opts.file);
  }
  if (opts.config === undefined) {
    throw new KeysCommandError(opts.realm === undefined ? "name the keys file: --config <file> --realm <name>, or --file <keys.yaml>" : "--realm needs --config <file>");
  }
  const config = await loadServerConfig(opts.config);
  const apiKeys = config.realms.flatMap((r) => (r.kind === "apiKeys" ? [r] : []));
  const names = apiKeys.length === 0 ? "it has none" : `its apiKeys realms: ${apiKeys.map((r) => `\`${r.name}\``).join(", ")}`;
  if (opts.realm === undefined) {
    const [only, ...more] = apiKeys;
    if (only === undefined || more.length > 0) throw new KeysCommandError(`give --realm: \`${opts.config}\` needs a realm named (${names})`);
    return only.apiKeys.file;
  }
  const realm = config.realms.find((r) => r.name === opts.realm);
  if (realm === undefined) throw new KeysCommandError(`no realm \`${opts.realm}\` in \`${opts.config}\` (${names})`);
  if (realm.kind !== "apiKeys") throw new KeysCommandError(`realm \`${opts.realm}\` of \`${opts.config}\` is a \`${realm.kind}\` realm, not \`apiKeys\` (${names})`);
  return realm.apiKeys.file;
}

/** The keys file and its revision; a missing file is an empty one only when `mayBeNew` (create), its revision null. */
async function load(path: string, mayBeNew: boolean): Promise<{ file: KeysFile; revision: string | null }> {
  const read = await readKeysFile(path);
  switch (read.kind) {
    case "loaded":
      return { file: read.file, revision: read.revision };
    case "failed":
      throw new ProblemsError(`keys file \`${path}\``, read.problems);
    case "missing":
      if (!mayBeNew) throw new KeysCommandError(`keys file \`${path}\` does not exist`);
      return { file: { keys: [], byId: new Map() }, revision: null };
  }
}

function known(file: KeysFile, id: string, path: string): ApiKeyEntry {
  const entry = file.byId.get(id);
  if (entry === undefined) throw new KeysCommandError(`unknown key id \`${id}\` in \`${path}\``);
  return entry;
}

/** A new key whose id is not in `file` yet (48-bit ids: a clash is rare, and retried). */
function newKey(file: KeysFile): ReturnType<typeof generateApiKey> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const fresh = generateApiKey();
    if (!file.byId.has(fresh.id)) return fresh;
  }
  throw new KeysCommandError("could not find a free key id; try again");
}

/**
 * `--expires`: a duration from `now` (`90d`), a date (`2026-01-31`,
 * midnight UTC) or a date-time with zone; the instant as ISO 8601 UTC. It
 * must lie in the future.
 */
export function parseExpiry(text: string, now: number): string {
  const duration = parseDuration(text);
  let at: number;
  if (duration !== null) at = now + duration;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) at = Date.parse(`${text}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) at = Date.parse(text);
  else at = Number.NaN;
  if (Number.isNaN(at)) {
    throw new KeysCommandError(`--expires \`${text}\` is not a date (2026-01-31), a date-time with zone (2026-01-31T12:00:00Z) or a duration (90d, 12h)`);
  }
  if (at <= now) throw new KeysCommandError(`--expires \`${text}\` is not in the future`);
  return new Date(at).toISOString();
}

function parseOverlap(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new InvalidArgumentError("overlap must be a duration such as 30m, 24h or 7d");
  if (ms > 366 * 86_400_000) throw new InvalidArgumentError(`overlap must be at most 366d, not ${formatDuration(ms)}`);
  return ms;
}

function parseOwner(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("owner must not be empty");
  if (value.trim() !== value) throw new InvalidArgumentError("owner must not start or end with whitespace");
  return value;
}

function collectScopes(value: string, previous: readonly string[] | undefined): string[] {
  if (!/^(READ|WRITE):\/\S*$/.test(value)) throw new InvalidArgumentError("scope must be READ:/glob or WRITE:/glob, such as READ:/plant/**");
  return collect(value, previous);
}
