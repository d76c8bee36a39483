/**
 * `diff main handover` without `--repo`: the arguments read as directories
 * that do not exist. When one is no directory but names a commit of the git
 * repository here, say to add `--repo`.
 */
import { stat } from "node:fs/promises";
import { git } from "../loader/git/git-run.js";

/**
 * A hint line for `ref`, given as a tree directory that could not be read,
 * when it is not a directory but names a commit of the repository holding
 * `cwd`; `undefined` otherwise (git missing or not a repository included).
 */
export async function revisionHint(ref: string, cwd: string = process.cwd()): Promise<string | undefined> {
  if (ref === "" || ref.startsWith("-") || (await isDirectory(ref))) return undefined;
  try {
    await git(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    return undefined;
  }
  return `hint: \`${ref}\` is not a directory but a git revision here; to compare two revisions, add \`--repo .\` (and \`--tree <subdir>\` when the tree is not at the top)`;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
