/**
 * The shape of a tree at a git revision, from one `git ls-tree -r -t -l -z`:
 * every directory, and every entry named `access.rights` with what it is.
 */
import type { Problem } from "../../engine/index.js";
import { git } from "./git-run.js";
import { ignoreMatcher } from "../read/ignore.js";
import { CONFIG_FILE } from "../parse/config.js";
import { RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { MAX_RIGHTS_BYTES } from "../read/read-rights-file.js";
import { NOWHERE, compareStrings, problem, quote } from "../parse/problems.js";

/** An entry named `access.rights`: a blob to read, or the problem that stops it being read. */
export interface GitEntry {
  /** Relative to the tree root. */
  readonly path: string;
  readonly oid: string;
  readonly problem: Problem | null;
}

/** What the listing found. */
export interface GitListing {
  readonly rights: readonly GitEntry[];
  /** Relative to the tree root, `""` first, sorted. */
  readonly directories: readonly string[];
  /** Symbolic links (warnings). */
  readonly problems: readonly Problem[];
}

const SYMLINK_MODE = "120000";

/** One line of `git ls-tree -l`. */
export interface RawEntry {
  readonly mode: string;
  /** `blob`, `tree` or `commit` (a submodule). */
  readonly type: string;
  readonly oid: string;
  /** Bytes of a blob; `-` for anything else. */
  readonly size: string;
  /** Relative to the listed tree. */
  readonly path: string;
}

/**
 * The entries of the tree object `treeish` (`<tree>` or `<tree>:<subdir>`)
 * of `repo` that matter to a rights tree, directories before their contents:
 * directories, submodules, symbolic links, and files named `access.rights`
 * or `treerights.yaml`. Rejects with `GitFailure`.
 */
export async function lsTree(repo: string, treeish: string): Promise<RawEntry[]> {
  // --full-tree: paths relative to `treeish`, whatever directory of the work tree `repo` names.
  const out = await git(repo, ["ls-tree", "-r", "-t", "-l", "-z", "--full-tree", treeish]);
  const entries: RawEntry[] = [];
  for (let start = 0; start < out.length;) {
    let end = out.indexOf(0, start);
    if (end < 0) end = out.length;
    const tab = out.indexOf(0x09, start);
    const record = start;
    start = end + 1;
    if (tab < 0 || tab > end) continue;
    // Most entries of a large tree are plain files that matter to nobody: skip them before decoding anything.
    if (isPlainFile(out, record) && !namesKeptFile(out, tab + 1, end)) continue;
    const [mode = "", type = "", oid = "", size = ""] = out.toString("latin1", record, tab).split(" ").filter((f) => f !== "");
    entries.push({ mode, type, oid, size, path: out.toString("utf8", tab + 1, end) });
  }
  return entries;
}

const RIGHTS_NAME = Buffer.from(RIGHTS_FILE_NAME);
const CONFIG_NAME = Buffer.from(CONFIG_FILE);

// `100644 blob …` or `100755 blob …`: a regular file (symbolic links are `120000`).
function isPlainFile(out: Buffer, record: number): boolean {
  return out[record] === 0x31 && out[record + 1] === 0x30 && out[record + 7] === 0x62;
}

// A path ending in `access.rights` as a whole name, or `treerights.yaml` at the top.
function namesKeptFile(out: Buffer, from: number, end: number): boolean {
  const nameStart = end - RIGHTS_NAME.length;
  if (nameStart >= from && (nameStart === from || out[nameStart - 1] === 0x2f) && out.compare(RIGHTS_NAME, 0, RIGHTS_NAME.length, nameStart, end) === 0) return true;
  return end - from === CONFIG_NAME.length && out.compare(CONFIG_NAME, 0, CONFIG_NAME.length, from, end) === 0;
}

/**
 * The directories and `access.rights` entries of a listing, leaving out
 * `.git`, `node_modules` and paths matching the `ignore` globs (and all
 * below them), as the disk walk does; other symbolic links are warnings.
 */
export function selectEntries(raw: readonly RawEntry[], ignore: readonly string[]): GitListing {
  const skip = ignoreMatcher(ignore);
  const rights: GitEntry[] = [];
  const directories: string[] = [""];
  const problems: Problem[] = [];
  const skipped = new Set<string>();
  for (const { mode, type, oid, size, path } of raw) {
    const slash = path.lastIndexOf("/");
    const name = path.slice(slash + 1);
    const isDirectory = type === "tree";
    // ls-tree lists a directory before its contents, so a skipped parent is known by now.
    if ((slash >= 0 && skipped.has(path.slice(0, slash))) || skip(path, isDirectory)) {
      if (isDirectory) skipped.add(path);
      continue;
    }
    if (isDirectory) directories.push(path);
    if (name === RIGHTS_FILE_NAME) rights.push({ path, oid, problem: entryProblem(path, mode, type, size) });
    else if (mode === SYMLINK_MODE) {
      problems.push(problem("symlink", path, NOWHERE, `symbolic link ${quote(path)} is not followed; rights files behind it are never read`));
    }
  }
  directories.sort(compareStrings);
  rights.sort((a, b) => compareStrings(a.path, b.path));
  return { rights, directories, problems };
}

/** What keeps an entry (`access.rights`, `treerights.yaml`) from being read as a file, worded as the disk loader words it. */
export function entryProblem(path: string, mode: string, type: string, size: string): Problem | null {
  const notRegular = (kind: string): Problem =>
    problem("not_regular_file", path, NOWHERE, `${quote(path)} is ${kind}, not a regular file; replace it with a regular file`);
  if (type === "tree") return notRegular("a directory");
  if (type === "commit") return notRegular("a submodule");
  if (mode === SYMLINK_MODE) return notRegular("a symbolic link (links are not followed)");
  const bytes = Number(size);
  if (Number.isFinite(bytes) && bytes > MAX_RIGHTS_BYTES) {
    return problem("file_too_large", path, NOWHERE,
      `file is ${bytes} bytes, over the 1 MiB (${MAX_RIGHTS_BYTES} bytes) limit; split its rules across subdirectories`);
  }
  return null;
}
