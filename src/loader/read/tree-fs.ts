/**
 * The file system calls the loader makes to read a tree, behind one small
 * seam so tests can inject the failures a root user never sees (`EACCES`,
 * `EIO`), and the time slicing that keeps synchronous reading from blocking
 * the event loop for long.
 */
import type { Dirent, Stats } from "node:fs";
import { closeSync, fstatSync, lstatSync, openSync, readSync, readdir, readdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Steps } from "../../engine/index.js";

/**
 * The synchronous calls used to walk and read a tree. Synchronous calls in
 * short slices are several times faster than a promise per call (no thread
 * pool hop, no promise per directory), and the slices keep the event loop
 * answering in between.
 */
export interface TreeFs {
  readdir(path: string): Dirent[];
  /** The same listing on the libuv thread pool, so the kernel's work can run on another core. */
  readdirAsync(path: string, done: (err: NodeJS.ErrnoException | null, entries: Dirent[]) => void): void;
  lstat(path: string): Stats;
  /** Opens for reading; `flags` are `O_*` constants. */
  open(path: string, flags: number): number;
  fstat(fd: number): Stats;
  /** Reads into `buffer` at `offset`, at most `length` bytes from file position `position`. */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  close(fd: number): void;
}

/** The real file system. */
export const nodeFs: TreeFs = Object.freeze({
  readdir: (path: string) => readdirSync(path, { withFileTypes: true }),
  readdirAsync: (path: string, done: (err: NodeJS.ErrnoException | null, entries: Dirent[]) => void) => {
    readdir(path, { withFileTypes: true }, done);
  },
  lstat: (path: string) => lstatSync(path),
  open: (path: string, flags: number) => openSync(path, flags),
  fstat: (fd: number) => fstatSync(fd),
  read: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => readSync(fd, buffer, offset, length, position),
  close: (fd: number) => {
    closeSync(fd);
  },
});

/** The longest stretch of synchronous work before the event loop gets a turn, in ms. */
export const SLICE_MS = 5;

/**
 * Splits synchronous work into slices: `due()` says when the current slice
 * has run its time, `pause()` lets the event loop run (timers, sockets,
 * other requests) and starts a new slice.
 */
export class TimeSlicer {
  /**
   * When the current slice began; null until the first pause, so that the
   * first `due()` is true: a slicer's work starts on a turn of its own and
   * never adds its slice to one the code before it was running.
   */
  #start: number | null = null;

  constructor(private readonly budgetMs: number = SLICE_MS) {}

  /** True once the current slice has run for its budget (and before the first pause). */
  due(): boolean {
    if (this.#start === null) return this.budgetMs !== Number.POSITIVE_INFINITY;
    return performance.now() - this.#start >= this.budgetMs;
  }

  /** Yields to the event loop (after pending I/O callbacks) and starts a new slice. */
  async pause(): Promise<void> {
    await nextTurn();
    this.#start = performance.now();
  }

  /** Runs engine `steps` to the end, pausing whenever a slice has run for its budget. */
  async run<T>(steps: Steps<T>): Promise<T> {
    for (;;) {
      // Looked at before every step, the first included: the slice may be spent already.
      if (this.due()) await this.pause();
      const step = steps.next();
      if (step.done === true) return step.value;
    }
  }
}

/** True iff `dir` exists and is a directory (following a symbolic link). */
export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
