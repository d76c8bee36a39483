/**
 * The revision of a tree: a content hash of every rights file and
 * `treerights.yaml` (SPEC: "a content hash of all rights files"), kept so
 * that one changed file costs a few microseconds, not a pass over the tree.
 *
 * Each file's digest is sha256 over its path and bytes (length-prefixed, so
 * no two trees collide by moving bytes between files), or over its path and
 * the problem that kept it from being read. Files fall into `BUCKETS`
 * buckets by a hash of their path; a bucket's digest is sha256 over its
 * files in path order; the revision is sha256 over the file count and the
 * digests of the non-empty buckets, first 16 hex digits. A change rehashes
 * one bucket (a handful of digests) and the top (at most `BUCKETS` digests).
 * Every step is sha256 over an unambiguous framing, so the revision is as
 * collision-resistant as sha256 truncated to 64 bits, whatever the order the
 * files were added in.
 */
import { createHash } from "node:crypto";
import type { Steps } from "../../engine/index.js";
import { runSteps } from "../../engine/index.js";
import { compareStrings } from "../parse/problems.js";

/** Buckets of the top-level hash: the top rehashes at most this many 32-byte digests per change. */
const BUCKETS = 1024;

/** Files entered or rehashed between two yields of the steps (about 0.1 ms of work). */
const FILES_PER_STEP = 256;

/** What one file contributes: sha256 over `path \0 length \0 bytes`, or `path \0 ! code \0` when it could not be read. */
export function fileDigest(path: string, bytes: Uint8Array | null, problemCode: string): Buffer {
  const hash = createHash("sha256");
  if (bytes === null) hash.update(`${path}\0!${problemCode}\0`);
  else hash.update(`${path}\0${bytes.length}\0`).update(bytes);
  return hash.digest();
}

/** The revision of a tree whose files have these digests, by path. */
export function revisionOf(digests: Iterable<readonly [string, Buffer]>): string {
  return runSteps(revisionOfSteps(digests));
}

/** `revisionOf` in steps. */
export function* revisionOfSteps(digests: Iterable<readonly [string, Buffer]>): Steps<string> {
  const revision = new TreeRevision();
  let entered = 0;
  for (const [path, digest] of digests) {
    if (++entered % FILES_PER_STEP === 0) yield;
    revision.set(path, digest);
  }
  return yield* revision.revisionSteps();
}

/** A tree's revision, updated file by file. */
export class TreeRevision {
  readonly #buckets: (Map<string, Buffer> | undefined)[] = Array.from({ length: BUCKETS }, () => undefined);
  /** Each bucket's digest; null when it must be recomputed (or the bucket is empty). */
  readonly #bucketDigests: (Buffer | null)[] = Array.from({ length: BUCKETS }, () => null);
  readonly #dirty = new Set<number>();
  #count = 0;
  #revision: string | null = null;

  /** Adds `path` with `digest`, or replaces its digest. */
  set(path: string, digest: Buffer): void {
    const b = bucketOf(path);
    let bucket = this.#buckets[b];
    if (bucket === undefined) {
      bucket = new Map();
      this.#buckets[b] = bucket;
    }
    if (!bucket.has(path)) this.#count++;
    bucket.set(path, digest);
    this.#touch(b);
  }

  /** Removes `path`, if present. */
  delete(path: string): void {
    const b = bucketOf(path);
    if (this.#buckets[b]?.delete(path) !== true) return;
    this.#count--;
    this.#touch(b);
  }

  /** The digest `path` entered with, if any. */
  get(path: string): Buffer | undefined {
    return this.#buckets[bucketOf(path)]?.get(path);
  }

  /** The revision: 16 hex digits. After changes to many files (a full load), prefer `revisionSteps`. */
  get revision(): string {
    return runSteps(this.revisionSteps());
  }

  /**
   * The revision, rehashing the buckets changed since it was last computed,
   * yielding after every `FILES_PER_STEP` files rehashed: after a full load
   * that is every bucket (15–20 ms at 10,000 files), after one file's change
   * one bucket. A bucket stays dirty until it is rehashed, so steps stopped
   * midway, or a change between two steps, leave nothing stale.
   */
  *revisionSteps(): Steps<string> {
    while (this.#revision === null) {
      let hashed = 0;
      for (const b of [...this.#dirty]) {
        if (hashed >= FILES_PER_STEP) {
          yield;
          hashed = 0;
          // Another caller may have finished the work meanwhile.
          if (!this.#dirty.has(b)) continue;
        }
        const bucket = this.#buckets[b];
        this.#bucketDigests[b] = bucketDigest(bucket);
        this.#dirty.delete(b);
        hashed += bucket?.size ?? 0;
      }
      if (this.#dirty.size > 0) continue; // changed between two steps: those buckets again
      const top = createHash("sha256").update(`treerights revision\0${this.#count}\0`);
      for (let b = 0; b < BUCKETS; b++) {
        const digest = this.#bucketDigests[b];
        if (digest !== null && digest !== undefined) top.update(`${b}\0`).update(digest);
      }
      this.#revision = top.digest("hex").slice(0, 16);
    }
    return this.#revision;
  }

  #touch(b: number): void {
    this.#dirty.add(b);
    this.#revision = null;
  }
}

/** sha256 over a bucket's files in path order (each `path \0 digest`), or null when it has none. */
function bucketDigest(bucket: Map<string, Buffer> | undefined): Buffer | null {
  if (bucket === undefined || bucket.size === 0) return null;
  const hash = createHash("sha256");
  for (const path of [...bucket.keys()].sort(compareStrings)) hash.update(`${path}\0`).update(bucket.get(path) as Buffer);
  return hash.digest();
}

/** FNV-1a of the path's UTF-16 code units, folded onto the buckets. */
function bucketOf(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return (h >>> 0) % BUCKETS;
}
