/**
 * `DiffReport`: the effective diff between two trees as `treerights diff`
 * and `GET /v1/diff` give it, its JSON form, and `diffRevisions`, the diff
 * of two git revisions read straight from git objects.
 */
import type { RightsIndex } from "../engine/index.js";
import { LoadError } from "../engine/index.js";
import { diffIndexes } from "../engine/diff.js";
import type { Risk, RiskOptions } from "../engine/diff-risk.js";
import { findRisks } from "../engine/diff-risk.js";
import type { RightsDiff } from "../engine/diff-types.js";
import { readGitTrees } from "./git/git-tree.js";
import type { GitTreeOptions } from "./git/git-tree.js";
import { compileSnapshot } from "./read/compile-snapshot.js";
import type { TreeSnapshot } from "./read/read-tree.js";

/** One side of a diff as the user named it. */
export interface DiffSideInfo {
  /** The directory or revision given. */
  readonly ref: string;
  readonly revision: string;
  /** The commit a revision resolved to. */
  readonly commit?: string;
}

/** Both sides, the diff, and the risky changes among it. */
export interface DiffReport {
  readonly from: DiffSideInfo;
  readonly to: DiffSideInfo;
  readonly diff: RightsDiff;
  readonly risks: readonly Risk[];
}

/** One side read and compiled, with every directory it has (so cascades are counted where no rights file stands). */
export interface LoadedSide {
  readonly index: RightsIndex;
  readonly directories: readonly string[];
  readonly info: DiffSideInfo;
}

/** A side that did not load, named as the user gave it. */
export class SideError extends Error {
  constructor(readonly ref: string, override readonly cause: LoadError) {
    super(cause.message);
    this.name = "SideError";
  }
}

/** Compiles one side; a tree with errors throws a `SideError` naming it as `label`. */
export function compileSide(ref: string, label: string, snapshot: TreeSnapshot, directories: readonly string[], commit: string | null): LoadedSide {
  const { index, problems } = compileSnapshot(snapshot);
  if (index === null) throw new SideError(label, new LoadError(problems));
  return { index, directories, info: { ref, revision: index.revision, ...(commit === null ? {} : { commit }) } };
}

/** The diff of two loaded sides, with the risks `risks` asks for (none without it). */
export function diffSides(a: LoadedSide, b: LoadedSide, risks?: RiskOptions): DiffReport {
  const diff = diffIndexes(a.index, b.index, { dirs: [...a.directories, ...b.directories] });
  return { from: a.info, to: b.info, diff, risks: risks === undefined ? [] : findRisks(diff, risks) };
}

/**
 * Reads revisions `from` and `to` of the git repository holding `repo` (one
 * pass over git, no checkout) and diffs them. Throws `SideError` for a side
 * whose tree does not load, and `TreeRightsError` (`git_failed`,
 * `invalid_option`) as `readGitTrees` does.
 */
export async function diffRevisions(repo: string, from: string, to: string, options: GitTreeOptions & { readonly risks?: RiskOptions } = {}): Promise<DiffReport> {
  const { risks, ...read } = options;
  const [a, b] = await readGitTrees(repo, [from, to], read);
  // INVARIANT: one snapshot per revision asked.
  if (a === undefined || b === undefined) throw new Error("git read fewer revisions than asked");
  return diffSides(compileSide(from, from, a, a.directories, a.commit), compileSide(to, to, b, b.directories, b.commit), risks);
}

/** The JSON form: both sides, whether anything changed, the summary, every entry with its paths, files and risks. */
export function diffReportJson(report: DiffReport): DiffReportJson {
  const { diff } = report;
  return {
    from: report.from,
    to: report.to,
    changed: diff.entries.length > 0,
    summary: diff.summary,
    entries: diff.entries,
    files: diff.files,
    risks: report.risks,
  };
}

/** What `diffReportJson` gives (`treerights diff --format json`, `GET /v1/diff`). */
export interface DiffReportJson {
  readonly from: DiffSideInfo;
  readonly to: DiffSideInfo;
  readonly changed: boolean;
  readonly summary: RightsDiff["summary"];
  readonly entries: RightsDiff["entries"];
  readonly files: RightsDiff["files"];
  readonly risks: readonly Risk[];
}
