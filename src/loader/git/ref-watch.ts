/**
 * Noticing that a ref may have moved: file watches on the git directories
 * (`HEAD`, `packed-refs`, everything under `refs/`), and a poll at a modest
 * interval as a bounded safety net for what a watch misses (a network file
 * system, a watch limit reached, a ref directory created after the watch).
 */
import type { FSWatcher } from "node:fs";
import { readdirSync, watch } from "node:fs";
import path from "node:path";

/** How often a ref is looked at whatever the watches say, in ms. */
export const REF_POLL_MS = 2000;

/** What a `RefWatch` tells its owner. */
export interface RefWatchEvents {
  /** Something under the git directories changed, or the poll came round: look at the ref. */
  readonly look: () => void;
  /** A watch could not start or failed; polling goes on. */
  readonly failed: (error: Error) => void;
}

// Written by every `git add` and by git's object store, never by a ref move.
const NOT_REFS = new Set(["index", "index.lock", "objects", "logs", "COMMIT_EDITMSG", "hooks", "info", "config", "description"]);

/** Most directories under `refs/` watched; beyond them, the poll notices moves. */
export const MAX_REF_DIRS = 256;

/**
 * Watches the git directory of a work tree and the repository's common git
 * directory for anything that can move a ref, and polls every `pollMs`.
 * A look is only a hint: the owner resolves the ref and decides.
 */
export class RefWatch {
  readonly #dirs: readonly string[];
  readonly #refs: string;
  readonly #pollMs: number;
  readonly #events: RefWatchEvents;
  /** Watched directories, by path. */
  readonly #watchers = new Map<string, FSWatcher>();
  #timer: NodeJS.Timeout | null = null;
  #error: Error | null = null;
  #closed = false;

  /** `gitDir` holds the work tree's `HEAD`; `commonDir` the shared `refs/` and `packed-refs` (the same directory outside linked work trees). */
  constructor(gitDir: string, commonDir: string, events: RefWatchEvents, pollMs = REF_POLL_MS) {
    this.#dirs = gitDir === commonDir ? [gitDir] : [gitDir, commonDir];
    this.#refs = path.join(commonDir, "refs");
    this.#pollMs = pollMs;
    this.#events = events;
  }

  /** The first watch failure, if any (polling still runs). */
  get error(): Error | null {
    return this.#error;
  }

  /** Starts the watches and the poll; a watch that cannot start is reported through `failed`, never thrown. */
  start(): void {
    for (const dir of this.#dirs) this.#watch(dir, (name) => !NOT_REFS.has(name));
    this.#watchRefs();
    this.#timer = setInterval(() => { this.#events.look(); }, this.#pollMs);
    this.#timer.unref();
  }

  /** Stops watching and polling. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  /**
   * Watches `refs/` and every directory below it, one non-recursive watch
   * each: git writes a ref as `<name>.lock` renamed over `<name>`, which a
   * directory's watch always sees (a recursive watch on Linux follows
   * files, and loses one once it is renamed over). Called again on every
   * event there, to pick up new directories (a new remote, a `feature/` namespace).
   */
  #watchRefs(): void {
    const pending = [this.#refs];
    for (let dir = pending.pop(); dir !== undefined && this.#watchers.size < this.#dirs.length + MAX_REF_DIRS; dir = pending.pop()) {
      if (!this.#watchers.has(dir)) {
        this.#watch(dir, () => true, () => {
          this.#watchRefs();
        });
      }
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // gone meanwhile: its parent's watch tells when it is back
      }
      for (const entry of entries) if (entry.isDirectory()) pending.push(path.join(dir, entry.name));
    }
  }

  #watch(dir: string, matters: (name: string) => boolean, then?: () => void): void {
    if (this.#closed) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        // No name means "look anyway".
        if (name === null || matters(name)) {
          then?.();
          this.#events.look();
        }
      });
    } catch (err) {
      // A directory below `refs/` removed before its watch started is no failure.
      if (dir !== this.#refs && this.#dirs.every((d) => d !== dir) && (err as NodeJS.ErrnoException).code === "ENOENT") return;
      this.#fail(err);
      return;
    }
    watcher.on("error", (err) => {
      watcher.close();
      this.#watchers.delete(dir);
      // A removed directory's watch ends; one of its parent's events re-adds it if it comes back.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" && (err as NodeJS.ErrnoException).code !== "EPERM") this.#fail(err);
    });
    this.#watchers.set(dir, watcher);
  }

  #fail(err: unknown): void {
    if (this.#closed) return;
    const error = new Error(`cannot watch the git directory (${describe(err)}); the ref is polled every ${this.#pollMs} ms instead`, { cause: err });
    this.#error ??= error;
    this.#events.failed(error);
  }
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : err instanceof Error ? err.message : String(err);
}
