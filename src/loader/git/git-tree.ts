/**
 * Reading rights trees straight from git objects: one `git ls-tree` per
 * revision for the shape, one `git cat-file --batch` for the rights files of
 * every revision read together. No checkout: the work tree and the index are
 * never touched.
 */
import { PathError, TreeRightsError, normalizePath } from "../../engine/index.js";
import type { RawEntry } from "./git-entries.js";
import { lsTree, selectEntries } from "./git-entries.js";
import { git, gitError, readBlobs } from "./git-run.js";
import type { GitTreeSnapshot, ParseCache } from "./git-snapshot.js";
import { configEntry, configOid, gitSnapshot, missingTree, readConfigEntry } from "./git-snapshot.js";
import { quote } from "../parse/problems.js";
import type { LoadOptions } from "../types.js";

export type { GitTreeSnapshot } from "./git-snapshot.js";

/** Options of `readGitTree` and `readGitTrees`. */
export interface GitTreeOptions extends LoadOptions {
  /** The rights tree's root inside the repository (`config/rights`); default the repository's top. */
  readonly tree?: string;
}

/**
 * Reads the rights tree at `rev` (a commit, branch, tag, or a tree such as
 * `git write-tree` prints for the staged files) of the git repository `repo`
 * (any directory inside it) from git objects. Like `readTree`, never throws
 * for a bad tree: a missing subdirectory or root file, symbolic links and
 * broken files are problems, and the revision is the hash `readTree` gives
 * the same files on disk. Throws `TreeRightsError` (`git_failed` when git cannot read the repository or revision, `invalid_option`) for bad
 * options, an unknown revision, a directory that is not a git repository, or
 * git missing.
 */
export async function readGitTree(repo: string, rev: string, options: GitTreeOptions = {}): Promise<GitTreeSnapshot> {
  const [snapshot] = await readGitTrees(repo, [rev], options);
  // INVARIANT: one snapshot per revision asked.
  if (snapshot === undefined) throw new TreeRightsError("invalid_option", "no revision was read");
  return snapshot;
}

/**
 * `readGitTree` for several revisions at once, in order: the listings run
 * side by side, every rights file of every revision comes through one
 * `git cat-file --batch`, and a file unchanged between revisions is parsed
 * once. This is what `treerights diff --repo` uses.
 */
export async function readGitTrees(repo: string, revs: readonly string[], options: GitTreeOptions = {}): Promise<GitTreeSnapshot[]> {
  checkRepo(repo);
  for (const rev of revs) checkRev(rev);
  const subdir = treePath(options.tree);
  const listed = await Promise.all(revs.map((rev) => listRevision(repo, rev, subdir)));
  try {
    const configs = await readBlobs(repo, listed.flatMap((l) => configOid(configEntry(l.raw ?? [])) ?? []));
    const sides = listed.map((l) => {
      const entry = l.raw === null ? undefined : configEntry(l.raw);
      const config = readConfigEntry(entry, configs);
      return { ...l, config, listing: selectEntries(l.raw ?? [], [...(options.ignore ?? []), ...config.config.ignore]) };
    });
    const blobs = await readBlobs(repo, sides.flatMap((s) => s.listing.rights.filter((e) => e.problem === null).map((e) => e.oid)));
    const cache: ParseCache = new Map();
    return sides.map((s) =>
      s.raw === null ? missingTree(s.rev, s.commit, subdir, s.missing) : gitSnapshot(s.rev, s.commit, s.listing, s.config, blobs, cache),
    );
  } catch (err) {
    if (err instanceof TreeRightsError) throw err;
    throw gitError(err, repo, revs.join(" "));
  }
}

/** One revision resolved and listed; `raw` is null when the subdirectory is not a directory there. */
interface Listed {
  readonly rev: string;
  readonly commit: string | null;
  readonly raw: RawEntry[] | null;
  /** Why `raw` is null. */
  readonly missing: string;
}

async function listRevision(repo: string, rev: string, subdir: string): Promise<Listed> {
  let tree: string;
  try {
    tree = await revParse(repo, `${rev}^{tree}`);
  } catch (err) {
    throw gitError(err, repo, rev);
  }
  const commit = await revParse(repo, `${rev}^{commit}`).catch(() => null);
  try {
    if (subdir !== "") {
      const kind = await objectType(repo, `${tree}:${subdir}`);
      if (kind !== "tree") return { rev, commit, raw: null, missing: kind === null ? "does not exist" : "is not a directory" };
    }
    return { rev, commit, raw: await lsTree(repo, subdir === "" ? tree : `${tree}:${subdir}`), missing: "" };
  } catch (err) {
    throw gitError(err, repo, rev);
  }
}

async function revParse(repo: string, spec: string): Promise<string> {
  return (await git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", spec])).toString("utf8").trim();
}

/** `tree`, `blob`, ... or null when `object` (`<tree>:<path>`, of a tree or commit that exists) does not exist. */
export async function objectType(repo: string, object: string): Promise<string | null> {
  // The tree or commit was resolved already, so a failure here means the path is not in it.
  const out = await git(repo, ["cat-file", "-t", object]).catch(() => null);
  return out === null ? null : out.toString("utf8").trim();
}

function checkRepo(repo: unknown): void {
  if (typeof repo !== "string" || repo === "") throw new TreeRightsError("invalid_option", "the repository must be a non-empty directory path");
}

function checkRev(rev: unknown): void {
  // A revision starting with `-` would read as an option; a line break would split cat-file's input.
  if (typeof rev !== "string" || rev === "" || rev.startsWith("-") || /[\u0000-\u001f]/.test(rev)) {
    throw new TreeRightsError("invalid_option", `revision ${quote(String(rev))} is not a valid git revision`);
  }
}

/** The subdirectory as a repository path without leading or trailing `/`; `""` for the top. */
function treePath(tree: string | undefined): string {
  if (tree === undefined) return "";
  try {
    return normalizePath(tree).join("/");
  } catch (err) {
    const why = err instanceof PathError ? err.message : String(err);
    throw new TreeRightsError("invalid_option", `tree ${quote(tree)} is not a path inside the repository (${why})`, { cause: err });
  }
}
