/**
 * Reading a rights tree from disk without compiling it: every `access.rights`
 * found, parsed and checked, every problem collected, and a content revision.
 */
import { stat } from "node:fs/promises";
import type { Problem, RightsFile } from "../../engine/index.js";
import { PathError, TreeRightsError, normalizePath } from "../../engine/index.js";
import type { TreeConfig } from "../parse/config.js";
import { CONFIG_FILE, readConfig } from "../parse/config.js";
import { ignoreMatcher } from "./ignore.js";
import { RIGHTS_FILE_NAME, dirOf } from "../parse/parse-rights.js";
import type { RightsFileRead } from "./read-rights-file.js";
import { readRights } from "./read-rights-file.js";
import { NOWHERE, compareStrings, problem, quote, sortProblems } from "../parse/problems.js";
import { fileDigest, revisionOf, revisionOfSteps } from "./revision.js";
import type { FilePlaces, TreePlaces } from "../parse/rights-places.js";
import type { TreeFs } from "./tree-fs.js";
import { TimeSlicer, nodeFs } from "./tree-fs.js";
import type { LoadOptions } from "../types.js";
import { walkTree } from "./walk.js";

export { MAX_RIGHTS_BYTES } from "./read-rights-file.js";
export type { RightsFileRead } from "./read-rights-file.js";

/** The name of a rights file. */
export const RIGHTS_FILE = RIGHTS_FILE_NAME;

/** A tree as read from disk: what parsed, what did not, and the revision of it all. */
export interface TreeSnapshot {
  /** Files that parsed without errors, in `rightsPaths` order, with `LevelRule.at` positions. */
  readonly files: readonly RightsFile[];
  /** Errors and warnings from every file, sorted by file, line and column. */
  readonly problems: readonly Problem[];
  /**
   * A content hash (16 hex digits, `TreeRevision`) of the path and bytes of
   * every rights file found, problems or not, and of `treerights.yaml` when
   * there is one.
   */
  readonly revision: string;
  /** Relative paths of every `access.rights` found, sorted. */
  readonly rightsPaths: readonly string[];
  /** The tree's `treerights.yaml`, or the defaults; absent in snapshots made elsewhere (a git revision). */
  readonly config?: TreeConfig;
  /** Where the parts of each parsed file stand, by file path; lint places its findings with it. */
  readonly places?: TreePlaces;
  /** Every directory of the tree relative to its root (`""` is the root), sorted, ignored ones left out. */
  readonly directories?: readonly string[];
}

/**
 * Walks the tree at `root`, reads `treerights.yaml` and every
 * `access.rights`, and collects every problem. Never throws for a bad tree:
 * a missing root, a missing root file and unreadable files are problems.
 * Throws `TreeRightsError` (`invalid_option`) for bad options. Reads
 * synchronously in slices of a few milliseconds, giving the event loop a
 * turn between slices.
 */
export async function readTree(root: string, options: LoadOptions = {}): Promise<TreeSnapshot> {
  return readTreeWith(nodeFs, root, options);
}

/** `readTree` through the file system seam `fs`, so tests can inject failures. */
export async function readTreeWith(fs: TreeFs, root: string, options: LoadOptions = {}): Promise<TreeSnapshot> {
  ignoreMatcher(options.ignore); // throws `invalid_option` before anything is read
  const rootProblem = await checkRoot(root);
  if (rootProblem !== null) return snapshot([], [rootProblem], [], revisionOf([]), new Map());

  const slicer = new TimeSlicer();
  const configRead = readConfig(root, fs);
  const { config } = configRead;
  const walk = await walkTree(root, ignoreMatcher([...(options.ignore ?? []), ...config.ignore]), fs, slicer);
  const problems = [...configRead.problems, ...walk.problems];
  const files: RightsFile[] = [];
  const found: string[] = [];
  const places = new Map<string, FilePlaces>();
  const hashed: [string, Buffer][] = configRead.found ? [[CONFIG_FILE, fileDigest(CONFIG_FILE, configRead.bytes, configRead.problems[0]?.code ?? "")]] : [];
  for (const rel of walk.rightsPaths) {
    const read = readRights(root, rel, walk.regular.has(rel), fs);
    if (slicer.due()) await slicer.pause();
    // Gone between the walk and the read: the tree is changing, and it is read as it now is.
    if (read.bytes === null && read.file === null && read.problems.length === 0) continue;
    found.push(rel);
    hashed.push([rel, fileDigest(rel, read.bytes, read.problems[0]?.code ?? "")]);
    problems.push(...read.problems);
    const unaddressable = checkDirName(rel);
    if (unaddressable !== null) problems.push(unaddressable);
    else if (read.file !== null) {
      files.push(read.file);
      if (read.places !== undefined) places.set(rel, read.places);
    }
  }
  if (!found.includes(RIGHTS_FILE)) {
    problems.push(problem("missing_root_rights", RIGHTS_FILE, NOWHERE,
      "the tree root has no `access.rights`; create one (an empty file grants nothing)"));
  }
  return snapshot(files, problems, found, await slicer.run(revisionOfSteps(hashed)), places, config, walk.directories);
}

/**
 * Reads and checks the rights file at `relPath` (relative to `root`), for
 * incremental reloads. Never follows a symbolic link and never reads more
 * than 1 MiB. A file that does not exist gives no file, no problems and no bytes.
 */
export function readRightsFile(root: string, relPath: string): Promise<RightsFileRead> {
  try {
    return Promise.resolve(readRights(root, relPath));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/** A problem for a rights file whose directory no tree path can spell (SPEC 1.4): its rules would never apply. */
export function checkDirName(rel: string): Problem | null {
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

function snapshot(
  files: RightsFile[], problems: Problem[], rightsPaths: string[], revision: string, places: TreePlaces, config?: TreeConfig, directories?: string[],
): TreeSnapshot {
  return Object.freeze({
    files: Object.freeze(files),
    problems: Object.freeze(sortProblems(problems)),
    revision,
    rightsPaths: Object.freeze(rightsPaths),
    places,
    ...(config === undefined ? {} : { config }),
    ...(directories === undefined ? {} : { directories: Object.freeze(["", ...directories.sort(compareStrings)]) }),
  });
}

