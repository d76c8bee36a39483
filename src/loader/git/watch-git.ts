/** Holding reloads while git rewrites the working tree (checkout, merge, reset). */
import { stat } from "node:fs/promises";
import path from "node:path";
import { findGitDir } from "./git-commit.js";

/** Longest a reload waits for git's index lock to go; a lock left by a crashed git must not stop reloads. */
export const GIT_LOCK_MAX_HOLD_MS = 10_000;

/**
 * How long after git last wrote its index a reload still waits. A checkout
 * writes the index last, once every file is written; the watcher may report
 * the last files later than that when the machine is busy, and a reload of
 * a partial list would swap in a half-applied checkout, then the rest.
 */
export const GIT_SETTLE_MS = 150;

/**
 * The `index.lock` path of the git work tree holding `root` (the nearest of
 * `root` and its ancestors with a `.git`), or null outside git. Git holds that
 * lock while it rewrites files, so a reload then would read a half-applied tree.
 */
export async function findGitIndexLock(root: string): Promise<string | null> {
  const gitDir = await findGitDir(root);
  return gitDir === null ? null : path.join(gitDir, "index.lock");
}

/**
 * Tells reloads to wait while git rewrites the tree: busy while the index
 * lock exists, for at most `GIT_LOCK_MAX_HOLD_MS` (a lock older than that is
 * taken as left by a crashed git and ignored until it goes), and for
 * `GIT_SETTLE_MS` after git last wrote its index.
 */
export class GitLockGate {
  #lock: string | null = null;
  /** The index beside the lock (`index.lock` → `index`). */
  #index = "";
  #heldSince: number | null = null;

  /** Finds the lock of the work tree holding `root` (call again when the root may have changed). */
  async locate(root: string): Promise<void> {
    this.#lock = await findGitIndexLock(root);
    this.#index = this.#lock?.slice(0, -".lock".length) ?? "";
  }

  /** True while reloads should wait for git. */
  async busy(): Promise<boolean> {
    const lock = this.#lock;
    if (lock === null) return false;
    if (!(await exists(lock))) {
      this.#heldSince = null;
      // An index dated ahead of the clock does not hold reloads.
      const age = Date.now() - ((await modifiedMs(this.#index)) ?? Number.NEGATIVE_INFINITY);
      return age >= 0 && age < GIT_SETTLE_MS;
    }
    this.#heldSince ??= Date.now();
    return Date.now() - this.#heldSince < GIT_LOCK_MAX_HOLD_MS;
  }
}

async function exists(file: string): Promise<boolean> {
  return (await modifiedMs(file)) !== null;
}

/** When `file` was last modified (ms since the epoch), or null if it cannot be read. */
async function modifiedMs(file: string): Promise<number | null> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return null;
  }
}
