/** Holding reloads while git rewrites the working tree (checkout, merge, reset). */
import { stat } from "node:fs/promises";
import path from "node:path";
import { findGitDir } from "./git-commit.js";

/** Longest a reload waits for git's index lock to go; a lock left by a crashed git must not stop reloads. */
export const GIT_LOCK_MAX_HOLD_MS = 10_000;

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
 * lock exists, for at most `GIT_LOCK_MAX_HOLD_MS`; a lock older than that is
 * taken as left by a crashed git and ignored until it goes.
 */
export class GitLockGate {
  #lock: string | null = null;
  #heldSince: number | null = null;

  /** Finds the lock of the work tree holding `root` (call again when the root may have changed). */
  async locate(root: string): Promise<void> {
    this.#lock = await findGitIndexLock(root);
  }

  /** True while reloads should wait for git. */
  async busy(): Promise<boolean> {
    if (this.#lock === null || !(await exists(this.#lock))) {
      this.#heldSince = null;
      return false;
    }
    this.#heldSince ??= Date.now();
    return Date.now() - this.#heldSince < GIT_LOCK_MAX_HOLD_MS;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
