/** The HEAD commit of the git work tree holding a rights tree, for status, reload events and history. */
import type { Stats } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { git, GitFailure } from "./git-run.js";

const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * `git rev-parse --verify HEAD` run in `dir` (through `execFile`, never a
 * shell): the commit hash, or null outside a git work tree, before the first
 * commit, or when git cannot run.
 */
export async function headCommit(dir: string): Promise<string | null> {
  try {
    const out = (await git(dir, ["rev-parse", "--verify", "--quiet", "HEAD"])).toString("utf8").trim();
    return COMMIT.test(out) ? out : null;
  } catch (err) {
    if (err instanceof GitFailure) return null;
    throw err;
  }
}

/** The git directory of the work tree holding `dir` (the nearest `.git` of it and its ancestors), or null outside git. */
export async function findGitDir(dir: string): Promise<string | null> {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const dotGit = path.join(at, ".git");
    const info = await stat(dotGit).catch(() => null);
    if (info?.isDirectory() === true) return dotGit;
    if (info?.isFile() === true) {
      // A linked work tree or a submodule: `.git` is a file naming the git directory.
      const text = await readFile(dotGit, "utf8").catch(() => "");
      const gitDir = /^gitdir:[ \t]*(.+)$/m.exec(text)?.[1]?.trim();
      return gitDir === undefined ? null : path.resolve(at, gitDir);
    }
    if (path.dirname(at) === at) return null;
  }
}

/**
 * Reads the HEAD commit of the work tree holding a root, cheaply enough to do
 * on every reload: starting a process can hold the event loop for
 * milliseconds, so git runs only when the files git rewrites to move HEAD
 * (`HEAD`, its reflog, the branch's ref, `packed-refs`) look different from
 * the last time. Outside git, nothing runs at all.
 */
export class HeadCommit {
  readonly #root: string;
  #last: { readonly print: string; readonly commit: string | null } | null = null;

  constructor(root: string) {
    this.#root = root;
  }

  /** The commit, or null outside git, before the first commit, or without git. Never throws. */
  async read(): Promise<string | null> {
    try {
      const print = await headPrint(this.#root);
      if (print === null) return null;
      if (this.#last?.print === print) return this.#last.commit;
      const commit = await headCommit(this.#root);
      this.#last = { print, commit };
      return commit;
    } catch {
      return null;
    }
  }
}

/** A fingerprint of what HEAD resolves through, or null outside git. */
async function headPrint(root: string): Promise<string | null> {
  const gitDir = await findGitDir(root);
  if (gitDir === null) return null;
  const common = await commonDir(gitDir);
  const head = await readFile(path.join(gitDir, "HEAD"), "utf8").catch(() => "");
  const ref = /^ref:\s*(\S+)/.exec(head)?.[1];
  const files = [path.join(gitDir, "HEAD"), path.join(gitDir, "logs", "HEAD"), path.join(common, "packed-refs")];
  if (ref !== undefined && !ref.split("/").includes("..")) files.push(path.join(common, ...ref.split("/")));
  const stats = await Promise.all(files.map((file) => stat(file).catch(() => null)));
  return JSON.stringify([gitDir, head, ...stats.map(statPrint)]);
}

/** The shared git directory of a linked work tree (named by its `commondir` file), or `gitDir` itself. */
async function commonDir(gitDir: string): Promise<string> {
  const text = await readFile(path.join(gitDir, "commondir"), "utf8").catch(() => null);
  return text === null ? gitDir : path.resolve(gitDir, text.trim());
}

function statPrint(info: Stats | null): string {
  return info === null ? "-" : `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}
