/**
 * Reading a rights tree from disk without compiling it: every `access.rights`
 * found, parsed and checked, every problem collected, and a content revision.
 */
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import type { Problem, RightsFile } from "../engine/index.js";
import { PathError, TreeRightsError, normalizePath } from "../engine/index.js";
import { mapBounded } from "./bounded.js";
import { ignoreMatcher } from "./ignore.js";
import { RIGHTS_FILE_NAME, dirOf } from "./parse-rights.js";
import type { RightsFileRead } from "./read-rights-file.js";
import { readRights } from "./read-rights-file.js";
import { NOWHERE, problem, quote, sortProblems } from "./problems.js";
import type { LoadOptions } from "./types.js";
import { walkTree } from "./walk.js";

export { MAX_RIGHTS_BYTES } from "./read-rights-file.js";
export type { RightsFileRead } from "./read-rights-file.js";

/** The name of a rights file. */
export const RIGHTS_FILE = RIGHTS_FILE_NAME;

/** How many rights files are read at once. */
const READ_CONCURRENCY = 16;

/** A tree as read from disk: what parsed, what did not, and the revision of it all. */
export interface TreeSnapshot {
  /** Files that parsed without errors, in `rightsPaths` order, with `LevelRule.at` positions. */
  readonly files: readonly RightsFile[];
  /** Errors and warnings from every file, sorted by file, line and column. */
  readonly problems: readonly Problem[];
  /** sha256 (first 16 hex digits) over the path and bytes of every rights file found, problems or not. */
  readonly revision: string;
  /** Relative paths of every `access.rights` found, sorted. */
  readonly rightsPaths: readonly string[];
}

/**
 * Walks the tree at `root`, reads and checks every `access.rights`, and
 * collects every problem. Never throws for a bad tree: a missing root, a
 * missing root file and unreadable files are problems. Throws
 * `TreeRightsError` (`invalid_option`) for bad options.
 */
export async function readTree(root: string, options: LoadOptions = {}): Promise<TreeSnapshot> {
  const ignore = ignoreMatcher(options.ignore);
  const rootProblem = await checkRoot(root);
  if (rootProblem !== null) return snapshot([], [rootProblem], [], []);

  const walk = await walkTree(root, ignore);
  const reads = await mapBounded(walk.rightsPaths, READ_CONCURRENCY, (rel) => readRights(root, rel, walk.regular.has(rel)));
  const problems = [...walk.problems];
  const files: RightsFile[] = [];
  const found: string[] = [];
  const hashed: [string, RightsFileRead][] = [];
  reads.forEach((read, i) => {
    const rel = walk.rightsPaths[i] ?? "";
    // Gone between the walk and the read: the tree is changing, and it is read as it now is.
    if (read.bytes === null && read.file === null && read.problems.length === 0) return;
    found.push(rel);
    hashed.push([rel, read]);
    problems.push(...read.problems);
    const unaddressable = checkDirName(rel);
    if (unaddressable !== null) problems.push(unaddressable);
    else if (read.file !== null) files.push(read.file);
  });
  if (!found.includes(RIGHTS_FILE)) {
    problems.push(problem("missing_root_rights", RIGHTS_FILE, NOWHERE,
      "the tree root has no `access.rights`; create one (an empty file grants nothing)"));
  }
  return snapshot(files, problems, found, hashed);
}

/**
 * Reads and checks the rights file at `relPath` (relative to `root`), for
 * incremental reloads. Never follows a symbolic link and never reads more
 * than 1 MiB. A file that does not exist gives no file, no problems and no bytes.
 */
export async function readRightsFile(root: string, relPath: string): Promise<RightsFileRead> {
  return readRights(root, relPath);
}

// A directory whose name no tree path can spell (SPEC 1.4) would hold rules that never apply.
function checkDirName(rel: string): Problem | null {
  try {
    normalizePath(dirOf(rel));
    return null;
  } catch (err) {
    const why = err instanceof PathError ? err.message : String(err);
    return problem("invalid_dir_name", rel, NOWHERE, `its directory cannot be named by a tree path (${why}); rename the directory`);
  }
}

async function checkRoot(root: string): Promise<Problem | null> {
  if (typeof root !== "string" || root === "") throw new TreeRightsError("invalid_option", "the tree root must be a non-empty directory path");
  try {
    // The root itself may be a symbolic link (a deploy path pointing at a checkout); links below it are not followed.
    if ((await stat(root)).isDirectory()) return null;
    return problem("root_not_found", "", NOWHERE, `tree root ${quote(root)} is not a directory; pass the directory holding the root \`access.rights\``);
  } catch (err) {
    return problem("root_not_found", "", NOWHERE, `tree root ${quote(root)} cannot be read (${errorCode(err)}); pass an existing directory`);
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? "error";
}

function snapshot(files: RightsFile[], problems: Problem[], rightsPaths: string[], reads: [string, RightsFileRead][]): TreeSnapshot {
  return Object.freeze({
    files: Object.freeze(files),
    problems: Object.freeze(sortProblems(problems)),
    revision: revisionOf(reads),
    rightsPaths: Object.freeze(rightsPaths),
  });
}

/**
 * sha256 over each (path, bytes) in path order, length-prefixed so no two
 * trees collide by shifting bytes between files; a file that could not be
 * read counts by its path and first problem code.
 */
function revisionOf(reads: readonly [string, RightsFileRead][]): string {
  const hash = createHash("sha256");
  for (const [rel, read] of reads) {
    if (read.bytes === null) hash.update(`${rel}\0!${read.problems[0]?.code ?? ""}\0`);
    else hash.update(`${rel}\0${read.bytes.length}\0`).update(read.bytes);
  }
  return hash.digest("hex").slice(0, 16);
}
