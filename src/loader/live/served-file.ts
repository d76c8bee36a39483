/**
 * `readServedFile`: the text of one directory's `access.rights` where a live
 * tree reads it from: the work tree on disk (through the loader's safe
 * reader: no symbolic link, no device, at most 1 MiB), or, when serving a
 * git ref, the blob at the served commit.
 */
import { lstatSync } from "node:fs";
import { join } from "node:path";
import type { Problem, RightsFile } from "../../engine/index.js";
import { normalizePath } from "../../engine/index.js";
import { parseRights, RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { readSafely } from "../read/read-rights-file.js";
import { entryProblem } from "../git/git-entries.js";
import { git, gitError, GitFailure, readBlobs } from "../git/git-run.js";
import { NOWHERE, problem, quote } from "../parse/problems.js";
import type { TreeHandle } from "../types.js";

/** What reading a directory's rights file gave. */
export type ServedFile =
  | {
    readonly kind: "file";
    /** Relative to the tree root: `sites/lyon/access.rights`. */
    readonly file: string;
    readonly text: string;
    /** The rules the text parses to (null when it does not parse), to compare with the served index's. */
    readonly rules: RightsFile | null;
    /** The commit read, when serving a git ref. */
    readonly commit?: string;
  }
  | { readonly kind: "missing"; readonly file: string; readonly commit?: string }
  /** Not readable as a regular file (a symbolic link, a directory, over 1 MiB): never read, as the loader never reads it. */
  | { readonly kind: "unreadable"; readonly file: string; readonly problem: Problem; readonly commit?: string };

const DECODER = new TextDecoder("utf-8");

/**
 * Reads the rights file of directory `dir` (a tree path; throws `PathError`
 * on an invalid one) from where `tree` reads its files: the work tree, or
 * the commit it serves in ref mode (`commit`, default `tree.status.commit`).
 */
export async function readServedFile(tree: TreeHandle, dir: string, commit?: string): Promise<ServedFile> {
  const segments = normalizePath(dir);
  const file = [...segments, RIGHTS_FILE_NAME].join("/");
  const { root, source } = tree.status;
  if (source?.mode !== "ref") {
    // The walk never enters a symbolic link to a directory: a file below one is not in the tree.
    if (!realDirectories(root, segments)) return { kind: "missing", file };
    const read = readSafely(root, file);
    if (read === null) return { kind: "missing", file };
    if ("problem" in read) return { kind: "unreadable", file, problem: read.problem };
    return { kind: "file", file, text: DECODER.decode(read.bytes), rules: parseRights(read.bytes, file).file };
  }
  const at = commit ?? tree.status.commit ?? undefined;
  if (at === undefined) return { kind: "missing", file };
  return readAtCommit(root, [source.path ?? "", ...segments].filter((s) => s !== "").join("/"), file, at);
}

async function readAtCommit(repo: string, dirInRepo: string, file: string, commit: string): Promise<ServedFile> {
  let entry: { mode: string; type: string; oid: string; size: string } | undefined;
  try {
    // `<commit>:<dir>` names the directory's tree object (its path taken literally, not as a pathspec); one level only.
    const out = await git(repo, ["ls-tree", "-l", "-z", "--full-tree", `${commit}:${dirInRepo}`]);
    entry = findEntry(out, RIGHTS_FILE_NAME);
  } catch (err) {
    // The directory is not in that commit, or is not a directory there: no file.
    if (err instanceof GitFailure && err.spawnCode === null && /not a valid object name|not a tree object|does not exist/i.test(err.stderr)) {
      return { kind: "missing", file, commit };
    }
    throw gitError(err, repo, commit);
  }
  if (entry === undefined) return { kind: "missing", file, commit };
  const stop = entryProblem(file, entry.mode, entry.type, entry.size);
  if (stop !== null) return { kind: "unreadable", file, problem: stop, commit };
  const bytes = (await readBlobs(repo, [entry.oid])).get(entry.oid);
  if (bytes === undefined || bytes === null) {
    return { kind: "unreadable", file, commit, problem: problem("unreadable", file, NOWHERE, `git has no object for ${quote(file)} at commit \`${commit}\``) };
  }
  return { kind: "file", file, text: DECODER.decode(bytes), rules: parseRights(bytes, file).file, commit };
}

/** The entry named `name` in `git ls-tree -l -z` output: `<mode> <type> <oid> <size>\t<name>\0`… */
function findEntry(out: Buffer, name: string): { mode: string; type: string; oid: string; size: string } | undefined {
  for (const record of out.toString("utf8").split("\0")) {
    const tab = record.indexOf("\t");
    if (tab < 0 || record.slice(tab + 1) !== name) continue;
    const [mode = "", type = "", oid = "", size = ""] = record.slice(0, tab).split(" ").filter((f) => f !== "");
    return { mode, type, oid, size };
  }
  return undefined;
}

/** True when every directory from `root` down to `segments` is a real directory (no symbolic link on the way). */
function realDirectories(root: string, segments: readonly string[]): boolean {
  for (let i = 1; i <= segments.length; i++) {
    try {
      if (!lstatSync(join(root, ...segments.slice(0, i))).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}
