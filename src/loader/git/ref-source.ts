/**
 * The git side of serving a ref (`openTree(dir, { ref })`): where the
 * repository and its git directories are, which commit the ref names now,
 * and what changed under the rights tree between two commits, read from
 * git's object store (never from the work tree).
 */
import path from "node:path";
import { TreeRightsError } from "../../engine/index.js";
import { CONFIG_FILE } from "../parse/config.js";
import { RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { quote } from "../parse/problems.js";
import { git, gitError, GitFailure } from "./git-run.js";

/** A tree entry as one side of a diff names it: what it is and its object. */
export interface RefEntry {
  /** Octal mode as git prints it: `100644`, `100755`, `120000` (a symbolic link), `160000` (a submodule), `040000` (a tree). */
  readonly mode: string;
  readonly oid: string;
}

/** What changed below the rights tree's root between two commits, paths relative to that root. */
export interface RefChanges {
  /** Every changed entry named `access.rights` (any kind), and its entry at the newer commit (null when gone). */
  readonly rights: ReadonlyMap<string, RefEntry | null>;
  /** Other changed entries that are symbolic links on either side: true when one is there at the newer commit. */
  readonly links: ReadonlyMap<string, boolean>;
  /**
   * The change cannot be applied entry by entry: `treerights.yaml` changed
   * (its ignore globs decide what is read), or the root directory is not a
   * directory in one of the commits. Read the newer commit in full.
   */
  readonly full: boolean;
}

const ZERO_MODE = "000000";
const TREE_MODE = "040000";
const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * A ref of the repository holding `dir`, and where the tree inside it
 * stands. Every git command runs with argument arrays, never a shell.
 */
export class RefSource {
  private constructor(
    /** The directory given, resolved: the tree's root in the work tree (it need not exist later). */
    readonly root: string,
    readonly ref: string,
    /** The tree's root inside the repository (`config/rights`), `""` for the top. */
    readonly prefix: string,
    /** The git directory of `dir`'s work tree (`HEAD` lives here; a linked work tree has its own). */
    readonly gitDir: string,
    /** The git directory shared by every work tree of the repository (`refs/`, `packed-refs`). */
    readonly commonDir: string,
  ) {}

  /**
   * Where git runs: the git directory, not the work tree, so a work tree
   * whose directories come and go (a checkout, a reset) never stops it.
   */
  get repo(): string {
    return this.gitDir;
  }

  /**
   * Finds the repository holding `dir` and checks that `ref` names a commit.
   * Throws `TreeRightsError`: `invalid_option` for a malformed ref,
   * `git_failed` for a directory outside git, an unknown ref, or no git.
   */
  static async open(dir: string, ref: string): Promise<{ source: RefSource; commit: string }> {
    checkRef(ref);
    const at = path.resolve(dir);
    let lines: string[];
    try {
      const out = await git(at, ["rev-parse", "--show-prefix", "--absolute-git-dir", "--git-common-dir"]);
      lines = out.toString("utf8").split("\n");
    } catch (err) {
      throw gitError(err, dir, ref);
    }
    const [prefix = "", gitDir = "", common = ""] = lines;
    const source = new RefSource(at, ref, prefix.replace(/\/+$/, ""), gitDir, path.resolve(at, common || gitDir));
    const commit = await source.resolve();
    if (commit === null) {
      throw new TreeRightsError("git_failed", `unknown ref ${quote(ref)} in ${quote(dir)}: it names no commit; fetch it or check its spelling`);
    }
    return { source, commit };
  }

  /**
   * The commit the ref names now, or null when it names none (deleted, or
   * not a commit). Rejects with `TreeRightsError` (`git_failed`) when git
   * cannot run or the repository is gone.
   */
  async resolve(): Promise<string | null> {
    try {
      const out = (await git(this.repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${this.ref}^{commit}`])).toString("utf8").trim();
      return COMMIT.test(out) ? out : null;
    } catch (err) {
      // `--verify --quiet` exits 1 without a word for a name that resolves to nothing.
      if (err instanceof GitFailure && err.exitCode === 1 && err.stderr.trim() === "") return null;
      throw gitError(err, this.root, this.ref);
    }
  }

  /** `<commit>:<prefix>`: the tree object of the tree's root at `commit` (`<commit>:` is the commit's top tree). */
  rootObject(commit: string): string {
    return `${commit}:${this.prefix}`;
  }

  /**
   * What changed under the tree's root from commit `from` to commit `to`:
   * one `git diff-tree -r -t` of the root's two tree objects. When the root
   * is not a directory in one of them, or git cannot compare them, the
   * change is `full`: the caller reads `to` in full, which reports why.
   */
  async changes(from: string, to: string): Promise<RefChanges> {
    let out: Buffer;
    try {
      out = await git(this.repo, ["diff-tree", "-r", "-t", "-z", "--no-renames", this.rootObject(from), this.rootObject(to)]);
    } catch {
      return FULL;
    }
    return parseDiff(out);
  }
}

/** A change to read in full. */
const FULL: RefChanges = Object.freeze({ rights: new Map(), links: new Map(), full: true });

/**
 * Reads `git diff-tree -r -t -z` raw output of two root trees (`:<mode>
 * <mode> <oid> <oid> <status>\0<path>\0` per entry) into the changes that
 * matter to a rights tree.
 */
export function parseDiff(out: Buffer): RefChanges {
  const fields = out.toString("utf8").split("\0");
  const rights = new Map<string, RefEntry | null>();
  const links = new Map<string, boolean>();
  let full = false;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [srcMode = "", dstMode = "", , dstOid = ""] = (fields[i] as string).replace(/^:/, "").split(" ");
    const rel = fields[i + 1] as string;
    if (rel === CONFIG_FILE) full = true;
    const name = rel.slice(rel.lastIndexOf("/") + 1);
    // A type change lists the old entry's removal and the new one's addition: the one with a new side wins.
    if (name === RIGHTS_FILE_NAME) {
      if (dstMode !== ZERO_MODE) rights.set(rel, { mode: dstMode, oid: dstOid });
      else if (!rights.has(rel)) rights.set(rel, null);
    } else if (srcMode === "120000" || dstMode === "120000") {
      links.set(rel, dstMode === "120000" || links.get(rel) === true);
    }
  }
  return { rights, links, full };
}

/** The kind `git ls-tree` prints for a mode: `tree`, `commit` (a submodule) or `blob`. */
export function entryType(mode: string): string {
  if (mode === TREE_MODE) return "tree";
  if (mode === "160000") return "commit";
  return "blob";
}

function checkRef(ref: unknown): asserts ref is string {
  // A ref starting with `-` would read as an option; a line break would split git's input.
  if (typeof ref !== "string" || ref === "" || ref.startsWith("-") || /[\u0000-\u001f]/.test(ref)) {
    throw new TreeRightsError("invalid_option", `ref ${quote(String(ref))} is not a valid git ref`);
  }
}
