/**
 * What git's index says about a work tree's rights files, for the reload
 * gate: whether git is rewriting the tree right now, a stamp that changes
 * whenever git writes its index, the blob id git recorded for each rights
 * file, and the blob id of the bytes on disk.
 */
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { CONFIG_FILE } from "../parse/config.js";
import { RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { findGitDir } from "./git-commit.js";
import { git } from "./git-run.js";

/** Longest a lock is taken as git at work; a lock left by a crashed git must not stop reloads for good. */
export const GIT_LOCK_MAX_HOLD_MS = 10_000;

/** Blob ids of the tracked rights files (and `treerights.yaml`) by path relative to the tree root. */
export type IndexEntries = ReadonlyMap<string, string>;

/** The state of git's index at one moment: `busy` while git holds its lock, else a stamp of the index file. */
export type IndexState = { readonly busy: true } | { readonly busy: false; readonly stamp: string };

/**
 * The git index of the work tree holding one rights tree root. Git takes
 * `index.lock` before it writes the first file of a checkout, merge or
 * reset and renames it over `index` after the last: while the lock exists
 * the tree is half written, and once the index has a new stamp every file
 * git meant to write is on disk.
 */
export class WorkTreeIndex {
  readonly #root: string;
  readonly #index: string;
  readonly #lock: string;

  private constructor(root: string, gitDir: string) {
    this.#root = root;
    this.#index = path.join(gitDir, "index");
    this.#lock = path.join(gitDir, "index.lock");
  }

  /** The index of the work tree holding `root`, or null outside git. */
  static async locate(root: string): Promise<WorkTreeIndex | null> {
    const gitDir = await findGitDir(root);
    return gitDir === null ? null : new WorkTreeIndex(root, gitDir);
  }

  /**
   * Busy while the lock exists and is younger than `GIT_LOCK_MAX_HOLD_MS`
   * (by its own modification time: an older lock is taken as left by a
   * crashed git); otherwise the index file's identity, size and times, which
   * change with every write of the index.
   */
  async state(now = Date.now()): Promise<IndexState> {
    const lock = await stat(this.#lock).catch(() => null);
    // Within the bound either side of now: a lock dated a little ahead of the clock is git at work too.
    if (lock !== null && Math.abs(now - lock.mtimeMs) < GIT_LOCK_MAX_HOLD_MS) return { busy: true };
    const index = await stat(this.#index).catch(() => null);
    return { busy: false, stamp: index === null ? "-" : `${index.ino}:${index.size}:${index.mtimeMs}:${index.ctimeMs}` };
  }

  /**
   * The blob id git's index records for every `access.rights` below the root
   * and the root's `treerights.yaml` (conflicted paths, with several stages,
   * are left out: git wrote no single version of them). Null when git cannot tell.
   */
  async entries(): Promise<IndexEntries | null> {
    let out: Buffer;
    try {
      out = await git(this.#root, ["ls-files", "--stage", "-z", "--", `:(glob)**/${RIGHTS_FILE_NAME}`, `:(top,glob)${RIGHTS_FILE_NAME}`, CONFIG_FILE]);
    } catch {
      return null;
    }
    const entries = new Map<string, string>();
    const conflicted = new Set<string>();
    for (const record of out.toString("utf8").split("\0")) {
      // `<mode> <oid> <stage>\t<path>`, the path relative to the root (git's cwd).
      const tab = record.indexOf("\t");
      if (tab < 0) continue;
      const [, oid = "", stage = ""] = record.slice(0, tab).split(" ");
      const rel = record.slice(tab + 1);
      if (rel.startsWith("../")) continue;
      if (stage !== "0") conflicted.add(rel);
      else entries.set(rel, oid);
    }
    for (const rel of conflicted) entries.delete(rel);
    return entries;
  }
}

/** The paths whose blob id differs between two readings of the index (added, changed or removed). */
export function changedEntries(before: IndexEntries, after: IndexEntries): string[] {
  const changed: string[] = [];
  for (const [rel, oid] of after) if (before.get(rel) !== oid) changed.push(rel);
  for (const rel of before.keys()) if (!after.has(rel)) changed.push(rel);
  return changed;
}

/** The id git gives a blob of `bytes`, in the hash of `likeOid` (SHA-1, or SHA-256 for a 64-digit id). */
export function blobId(bytes: Buffer, likeOid: string): string {
  const hash = createHash(likeOid.length === 64 ? "sha256" : "sha1");
  hash.update(`blob ${bytes.length}\0`);
  hash.update(bytes);
  return hash.digest("hex");
}
