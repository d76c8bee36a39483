/**
 * Turning one revision's listing and blobs into a `TreeSnapshot` the way
 * `readTree` turns a directory into one: the same problems, the same
 * configuration handling, the same revision hash for the same files.
 */
import type { Problem, RightsFile } from "../../engine/index.js";
import type { TreeConfig } from "../parse/config.js";
import { CONFIG_FILE, DEFAULT_CONFIG, parseConfig } from "../parse/config.js";
import type { GitEntry, GitListing, RawEntry } from "./git-entries.js";
import { entryProblem } from "./git-entries.js";
import type { ParsedRights } from "../parse/parse-rights.js";
import { parseRights } from "../parse/parse-rights.js";
import { NOWHERE, problem, quote, sortProblems } from "../parse/problems.js";
import type { TreeSnapshot } from "../read/read-tree.js";
import { RIGHTS_FILE, checkDirName } from "../read/read-tree.js";
import { fileDigest, revisionOf as treeRevisionOf } from "../read/revision.js";
import type { FilePlaces } from "../parse/rights-places.js";

/** A tree read from a git revision: a `TreeSnapshot` plus the commit and every directory. */
export interface GitTreeSnapshot extends TreeSnapshot {
  /** The full commit id the revision resolved to; null for a revision naming a tree (`git write-tree`'s output). */
  readonly commit: string | null;
  /** Every directory of the tree relative to its root (`""` is the root), sorted, ignored ones left out. */
  readonly directories: readonly string[];
}

/** Blob contents by object id; `null` for an object git does not have. */
export type Blobs = ReadonlyMap<string, Buffer | null>;

/**
 * Parses of rights files by object id and path, shared by the revisions of
 * one read: a file unchanged between two revisions is parsed once.
 */
export type ParseCache = Map<string, ParsedRights>;

/** One hashed file: path, bytes (null when it could not be read), and the first problem's code. */
type Hashed = readonly [string, Buffer | null, string];

/** `treerights.yaml` at the tree's root, read from its blob like the disk loader reads the file. */
export interface ConfigEntryRead {
  readonly config: TreeConfig;
  readonly problems: readonly Problem[];
  readonly hashed: Hashed | null;
}

/** The configuration entry of a listing, if any. */
export function configEntry(raw: readonly RawEntry[]): RawEntry | undefined {
  return raw.find((e) => e.path === CONFIG_FILE);
}

/** The oid to read for a configuration entry, or null when it cannot be read as a file. */
export function configOid(entry: RawEntry | undefined): string | null {
  if (entry === undefined || entryProblem(CONFIG_FILE, entry.mode, entry.type, entry.size) !== null) return null;
  return entry.oid;
}

/** Reads the configuration from its blob; no entry gives the defaults and no problems. */
export function readConfigEntry(entry: RawEntry | undefined, blobs: Blobs): ConfigEntryRead {
  if (entry === undefined) return { config: DEFAULT_CONFIG, problems: [], hashed: null };
  const stop = entryProblem(CONFIG_FILE, entry.mode, entry.type, entry.size);
  const bytes = stop === null ? (blobs.get(entry.oid) ?? null) : null;
  if (bytes === null) {
    const why = stop ?? missingObject(CONFIG_FILE);
    return { config: DEFAULT_CONFIG, problems: [why], hashed: [CONFIG_FILE, null, why.code] };
  }
  const parsed = parseConfig(bytes);
  return { config: parsed.config ?? DEFAULT_CONFIG, problems: parsed.problems, hashed: [CONFIG_FILE, bytes, ""] };
}

/**
 * The snapshot of one revision: every `access.rights` of `listing` parsed
 * (through `cache`) and checked, the configuration's problems, and the
 * revision hash `readTree` gives the same files on disk.
 */
export function gitSnapshot(
  rev: string, commit: string | null, listing: GitListing, config: ConfigEntryRead, blobs: Blobs, cache: ParseCache,
): GitTreeSnapshot {
  const problems: Problem[] = [...config.problems, ...listing.problems];
  const files: RightsFile[] = [];
  const hashed: Hashed[] = config.hashed === null ? [] : [config.hashed];
  const places = new Map<string, FilePlaces>();
  for (const entry of listing.rights) {
    const bytes = blobs.get(entry.oid) ?? null;
    const read = readEntry(entry, bytes, cache);
    problems.push(...read.problems);
    hashed.push([entry.path, entry.problem === null ? bytes : null, read.problems[0]?.code ?? ""]);
    const unaddressable = checkDirName(entry.path);
    if (unaddressable !== null) problems.push(unaddressable);
    else if (read.file !== null) {
      files.push(read.file);
      if (read.places !== undefined) places.set(entry.path, read.places);
    }
  }
  if (!listing.rights.some((e) => e.path === RIGHTS_FILE)) {
    problems.push(problem("missing_root_rights", RIGHTS_FILE, NOWHERE,
      `the tree root has no \`access.rights\` at revision ${quote(rev)}; create one (an empty file grants nothing)`));
  }
  return Object.freeze({
    files: Object.freeze(files),
    problems: Object.freeze(sortProblems(problems)),
    revision: revisionOf(hashed),
    rightsPaths: Object.freeze(listing.rights.map((e) => e.path)),
    places,
    config: config.config,
    commit,
    directories: Object.freeze([...listing.directories]),
  });
}

/** The snapshot of a revision that has no tree at the asked subdirectory. */
export function missingTree(rev: string, commit: string | null, subdir: string, why: string): GitTreeSnapshot {
  const missing = problem("root_not_found", "", NOWHERE,
    `tree root ${quote(subdir)} ${why} at revision ${quote(rev)}; pass a directory of the repository with its rights tree`);
  return Object.freeze({
    files: Object.freeze([]), problems: Object.freeze([missing]), revision: revisionOf([]), rightsPaths: Object.freeze([]),
    commit, directories: Object.freeze([]),
  });
}

function readEntry(entry: GitEntry, bytes: Buffer | null, cache: ParseCache): ParsedRights {
  if (entry.problem !== null) return { file: null, problems: [entry.problem] };
  if (bytes === null) return { file: null, problems: [missingObject(entry.path)] };
  // Same bytes at the same path parse the same: the key needs both (problems and `dir` name the path).
  const key = `${entry.oid}\u0000${entry.path}`;
  let parsed = cache.get(key);
  if (parsed === undefined) {
    parsed = parseRights(bytes, entry.path);
    cache.set(key, parsed);
  }
  return parsed;
}

/** The problem of an entry whose object git does not have. */
export function missingObject(path: string): Problem {
  return problem("unreadable", path, NOWHERE, `git has no object for ${quote(path)}; the repository may be partial or damaged`);
}

/** The revision `readTree` computes for the same files on disk (`TreeRevision`). */
function revisionOf(reads: readonly Hashed[]): string {
  return treeRevisionOf(reads.map(([path, bytes, code]) => [path, fileDigest(path, bytes, code)] as const));
}
