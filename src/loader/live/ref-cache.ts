/**
 * The rights files of one commit as a `RightsCache`: read in full from a
 * `git ls-tree` listing, or moved to another commit by applying what
 * `git diff-tree` says changed, re-reading only those blobs. The cache then
 * judges and hashes the tree exactly as `readGitTree` does the same commit.
 */
import type { Problem } from "../../engine/index.js";
import type { ConfigRead } from "../parse/config.js";
import { lsTree, entryProblem, selectEntries } from "../git/git-entries.js";
import { readBlobs } from "../git/git-run.js";
import { objectType } from "../git/git-tree.js";
import type { Blobs } from "../git/git-snapshot.js";
import { configEntry, configOid, missingObject, missingTree, readConfigEntry } from "../git/git-snapshot.js";
import type { RefChanges, RefSource } from "../git/ref-source.js";
import { entryType } from "../git/ref-source.js";
import { ignoreMatcher } from "../read/ignore.js";
import type { IgnoreMatcher } from "../read/ignore.js";
import { parseRights } from "../parse/parse-rights.js";
import { NOWHERE, problem, quote } from "../parse/problems.js";
import type { RightsFileRead } from "../read/read-rights-file.js";
import type { TimeSlicer } from "../read/tree-fs.js";
import type { LoadOptions } from "../types.js";
import { cachedFile, RightsCache } from "./incremental-cache.js";

/** A commit's rights files, and what made them so. */
export class CommitRights {
  private constructor(
    /** The commit the cache mirrors. */
    public commit: string,
    readonly cache: RightsCache,
    /** Symbolic links found (warnings), by path. */
    readonly links: Map<string, Problem>,
    /** The root directory is not a tree at `commit`: every change needs a full read. */
    readonly rootMissing: boolean,
  ) {}

  /**
   * Reads every rights file of the tree at `commit`: one `ls-tree` for the
   * shape, one `cat-file --batch` for the blobs, parsed in slices. Rejects
   * with `TreeRightsError` (`git_failed`) when git cannot read the commit.
   */
  static async read(source: RefSource, commit: string, options: LoadOptions, slicer: TimeSlicer): Promise<CommitRights> {
    const given = options.ignore ?? [];
    const kind = await objectType(source.repo, source.rootObject(commit));
    if (kind !== "tree") {
      const cache = new RightsCache(ignoreMatcher(given));
      const why = kind === null ? "does not exist" : "is not a directory";
      cache.setRootProblems(missingTree(commit, commit, source.prefix, why).problems);
      return new CommitRights(commit, cache, new Map(), true);
    }
    const raw = await lsTree(source.repo, source.rootObject(commit));
    const entry = configEntry(raw);
    const config = readConfigEntry(entry, await readBlobs(source.repo, [configOid(entry) ?? []].flat()));
    const ignore = [...given, ...config.config.ignore];
    const listing = selectEntries(raw, ignore);
    const cache = new RightsCache(ignoreMatcher(ignore));
    cache.setConfig(configRead(entry !== undefined, config));
    const links = new Map(listing.problems.map((p) => [p.file, p]));
    cache.setWalkProblems([...links.values()]);
    const blobs = await readBlobs(source.repo, listing.rights.filter((e) => e.problem === null).map((e) => e.oid));
    for (const e of listing.rights) {
      setEntry(cache, e.path, e.problem, blobs.get(e.oid));
      if (slicer.due()) await slicer.pause();
    }
    return new CommitRights(commit, cache, links, false);
  }

  /**
   * Moves the cache to commit `to` by applying `changes` (from this commit
   * to `to`), which must not be `full`. Returns the rights paths re-read or
   * forgotten. Until it resolves, the cache may be half moved: on a
   * rejection, throw it away.
   */
  async apply(source: RefSource, to: string, changes: RefChanges, slicer: TimeSlicer): Promise<string[]> {
    const { cache } = this;
    const kept = [...changes.rights].filter(([rel]) => !ignoredPath(cache.ignore, rel, false));
    const wanted = kept.flatMap(([, e]) => (e !== null && entryType(e.mode) === "blob" && e.mode !== "120000" ? [e.oid] : []));
    const blobs = await readBlobs(source.repo, wanted);
    for (const [rel, entry] of kept) {
      if (entry === null) cache.delete(rel);
      else setEntry(cache, rel, entryProblem(rel, entry.mode, entryType(entry.mode), sizeOf(blobs, entry.oid)), blobs.get(entry.oid));
      if (slicer.due()) await slicer.pause();
    }
    for (const [rel, present] of changes.links) {
      if (!present || ignoredPath(cache.ignore, rel, false)) this.links.delete(rel);
      else this.links.set(rel, problem("symlink", rel, NOWHERE, `symbolic link ${quote(rel)} is not followed; rights files behind it are never read`));
    }
    if (changes.links.size > 0) cache.setWalkProblems([...this.links.values()]);
    this.commit = to;
    return kept.map(([rel]) => rel);
  }
}

/** Enters what reading the entry at `rel` gives: its problem, or its blob parsed. */
function setEntry(cache: RightsCache, rel: string, stop: Problem | null, bytes: Buffer | null | undefined): void {
  const entry = cachedFile(rel, blobRead(rel, stop, bytes ?? null));
  if (entry !== null) cache.set(entry);
}

/** A rights file read from git as the disk loader reports a read, so its digest and problems match. */
function blobRead(rel: string, stop: Problem | null, bytes: Buffer | null): RightsFileRead {
  if (stop !== null) return { file: null, problems: [stop], bytes: null };
  if (bytes === null) return { file: null, problems: [missingObject(rel)], bytes: null };
  const parsed = parseRights(bytes, rel);
  return { file: parsed.file, problems: [...parsed.problems], bytes, ...(parsed.places === undefined ? {} : { places: parsed.places }) };
}

function configRead(found: boolean, read: ReturnType<typeof readConfigEntry>): ConfigRead {
  return { config: read.config, problems: read.problems, bytes: read.hashed?.[1] ?? null, found };
}

/** The size `entryProblem` checks: the blob's length once read (`-` when git has no such blob). */
function sizeOf(blobs: Blobs, oid: string): string {
  const bytes = blobs.get(oid);
  return bytes == null ? "-" : String(bytes.length);
}

/** True when `rel` or one of its directories is never read (`.git`, `node_modules`, ignore globs), as `selectEntries` decides. */
export function ignoredPath(ignore: IgnoreMatcher, rel: string, isDirectory: boolean): boolean {
  for (let at = rel.indexOf("/"); at >= 0; at = rel.indexOf("/", at + 1)) {
    if (ignore(rel.slice(0, at), true)) return true;
  }
  return ignore(rel, isDirectory);
}
