/** Where a live tree stands in its git repository, and which revisions that repository knows: for diffs of the served tree. */
import type { TreeHandle } from "../types.js";
import { git, GitFailure } from "./git-run.js";

/** A repository (any directory inside it) and the tree's root inside it (`config/rights`, `""` for the top). */
export interface TreeInRepository {
  readonly repo: string;
  readonly tree: string;
}

/**
 * Where `tree` stands in git: in ref mode, what it serves; in the work tree,
 * the repository holding its root. Null outside git, or without git.
 */
export async function treeInRepository(tree: TreeHandle): Promise<TreeInRepository | null> {
  const { root, source } = tree.status;
  if (source?.mode === "ref") return { repo: root, tree: source.path ?? "" };
  try {
    const prefix = (await git(root, ["rev-parse", "--show-prefix"])).toString("utf8").trim();
    return { repo: root, tree: prefix.replace(/\/+$/, "") };
  } catch (err) {
    if (err instanceof GitFailure) return null;
    throw err;
  }
}

/**
 * True when `rev` names a commit or tree of the repository holding `repo`;
 * false for an unknown or malformed revision (one that would read as an
 * option, or holds a control character), or when git cannot run.
 */
export async function knowsRevision(repo: string, rev: string): Promise<boolean> {
  if (rev === "" || rev.startsWith("-") || /[\u0000-\u001f\u007f]/.test(rev)) return false;
  try {
    await git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{tree}`]);
    return true;
  } catch (err) {
    if (err instanceof GitFailure) return false;
    throw err;
  }
}
