/**
 * `treerights diff <from> <to>`: the effective rights changes between two
 * trees, two directories or (with `--repo`) two git revisions read straight
 * from git objects.
 */
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import type { RiskRule } from "../../engine/diff-risk.js";
import { RISK_RULES } from "../../engine/diff-risk.js";
import { readTree } from "../../loader/index.js";
import type { LoadedSide } from "../../loader/diff-report.js";
import { SideError, compileSide, diffRevisions, diffSides } from "../../loader/diff-report.js";
import { ignoreMatcher } from "../../loader/read/ignore.js";
import type { CommandContext } from "../context.js";
import { EXIT_CHANGED, EXIT_OK, EXIT_RISKY } from "../exit-codes.js";
import type { DiffFormat, DiffReport } from "../format-diff.js";
import { DIFF_FORMATS, formatDiffJson, formatDiffMarkdown, formatDiffText } from "../format-diff.js";
import { writeJson, writeLines } from "../io.js";
import { ignoreOption } from "../options.js";
import { reportError } from "../report-error.js";
import { revisionHint } from "../revision-hint.js";

interface DiffCliOptions {
  readonly repo?: string;
  readonly tree?: string;
  readonly format: DiffFormat;
  readonly failOn?: readonly RiskRule[];
  readonly depth: number;
  readonly broad?: readonly string[];
  readonly ignore?: readonly string[];
}

const HELP = `
<from> and <to> are two tree directories, or with --repo two git revisions
(branches, tags, commits: \`origin/main HEAD\`) read from git objects without
a checkout. Each line is one change with its cause and how many paths it
reaches: \`+contractors WRITE /plant/north (plant/north/access.rights: include) [+499 below]\`.

--fail-on checks (comma-separated):
  write-grant  any new WRITE grant
  near-root    any new grant on a path at depth <= --depth (/ is 0, /plant is 1)
  broad        any new grant to one of the --broad groups

Exit codes: 0 no effective change, 1 effective changes, 2 error,
4 a --fail-on check found a risky change.`;

/** Adds the `diff` command. */
export function addDiffCommand(program: Command, ctx: CommandContext): void {
  program
    .command("diff")
    .description("show the effective rights changes between two trees or two git revisions")
    .argument("<from>", "the old tree: a directory, or a git revision with --repo")
    .argument("<to>", "the new tree: a directory, or a git revision with --repo")
    .option("--repo <dir>", "read <from> and <to> as revisions of this git repository")
    .option("--tree <subdir>", "the rights tree's root inside each side (default: the top)")
    .addOption(new Option("--format <format>", "output format").choices(DIFF_FORMATS).default("text"))
    .addOption(new Option("--fail-on <checks>", "exit 4 on risky changes: write-grant, near-root, broad").argParser(parseChecks))
    .addOption(new Option("--depth <n>", "deepest path near-root flags").argParser(parseDepth).default(1))
    .addOption(new Option("--broad <groups>", "broad groups for the broad check, comma-separated").argParser(parseGroups))
    .addOption(ignoreOption())
    .addHelpText("after", HELP)
    .action(async (from: string, to: string, opts: DiffCliOptions) => {
      ctx.exitCode = await diff(ctx, from, to, opts);
    });
}

async function diff(ctx: CommandContext, from: string, to: string, opts: DiffCliOptions): Promise<number> {
  const { io } = ctx;
  let report: DiffReport;
  try {
    const risks = opts.failOn === undefined ? undefined : { rules: opts.failOn, depth: opts.depth, broad: opts.broad ?? [] };
    report = opts.repo !== undefined
      ? await diffRevisions(opts.repo, from, to, {
        ...(opts.ignore === undefined ? {} : { ignore: opts.ignore }),
        ...(opts.tree === undefined ? {} : { tree: opts.tree }),
        ...(risks === undefined ? {} : { risks }),
      })
      : diffSides(...await loadDirectories(from, to, opts), risks);
  } catch (error) {
    if (error instanceof SideError) {
      const code = reportError(io, error.ref, error.cause);
      const rootMissing = error.cause.problems.some((p) => p.code === "root_not_found");
      // The label names the directory read (with `--tree` below it); the hint is about the argument.
      const given = error.ref === from || error.ref === join(from, opts.tree ?? "") ? from : to;
      const hint = opts.repo === undefined && rootMissing ? await revisionHint(given) : undefined;
      if (hint !== undefined) writeLines(io.stderr, [hint]);
      return code;
    }
    return reportError(io, opts.repo ?? from, error);
  }
  switch (opts.format) {
    case "json":
      writeJson(io.stdout, formatDiffJson(report));
      break;
    case "markdown":
      writeLines(io.stdout, formatDiffMarkdown(report));
      break;
    case "text":
      writeLines(io.stdout, formatDiffText(report));
      break;
  }
  if (report.risks.length > 0) return EXIT_RISKY;
  return report.diff.entries.length > 0 ? EXIT_CHANGED : EXIT_OK;
}

/** Reads two tree directories and compiles them. */
async function loadDirectories(from: string, to: string, opts: DiffCliOptions): Promise<[LoadedSide, LoadedSide]> {
  const ignore = opts.ignore === undefined ? {} : { ignore: opts.ignore };
  const read = async (ref: string): Promise<LoadedSide> => {
    const root = opts.tree === undefined ? ref : join(ref, opts.tree);
    const snapshot = await readTree(root, ignore);
    const ignored = [...(opts.ignore ?? []), ...(snapshot.config?.ignore ?? [])];
    const directories = snapshot.problems.some((p) => p.code === "root_not_found") ? [] : await listDirectories(root, ignored);
    return compileSide(ref, root, snapshot, directories, null);
  };
  return Promise.all([read(from), read(to)]);
}

/**
 * Every directory of the tree on disk, relative to `root`, so that cascades
 * are counted where no rights file stands; links are not followed and
 * `.git`, `node_modules` and ignored paths are skipped, as the loader does.
 */
async function listDirectories(root: string, ignore: readonly string[]): Promise<string[]> {
  const skip = ignoreMatcher(ignore);
  const found = [""];
  for (let i = 0; i < found.length; i++) {
    const dir = found[i] ?? "";
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, dir), { withFileTypes: true });
    } catch {
      // The loader already reported an unreadable directory; it holds no rights to count.
      continue;
    }
    for (const entry of entries) {
      const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory() && !skip(rel, true)) found.push(rel);
    }
  }
  return found;
}

function parseChecks(value: string, previous: readonly RiskRule[] | undefined): RiskRule[] {
  const checks = [...(previous ?? [])];
  for (const name of value.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const rule = RISK_RULES.find((r) => r === name);
    if (rule === undefined) throw new InvalidArgumentError(`unknown check \`${name}\`; use ${RISK_RULES.map((r) => `\`${r}\``).join(", ")}`);
    if (!checks.includes(rule)) checks.push(rule);
  }
  return checks;
}

function parseDepth(value: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new InvalidArgumentError("depth must be a whole number from 0 (`/` itself)");
  return Number(value);
}

function parseGroups(value: string, previous: readonly string[] | undefined): string[] {
  const groups = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (groups.length === 0) throw new InvalidArgumentError("give at least one group, comma-separated");
  return [...(previous ?? []), ...groups];
}
