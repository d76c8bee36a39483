/**
 * `WatchedFile`: a small YAML file of the server's (API keys, users) kept
 * loaded and re-read when it changes. Unlike the rights tree, a version that
 * does not load is NOT kept as last good (SPEC 4): the state becomes
 * `failed` and the realm refuses its credentials until a good version loads,
 * so a revocation can never silently fail to apply.
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { Problem } from "../../../engine/index.js";
import type { RealmFileStatus } from "../identity.js";

/** The most bytes a keys or users file may hold. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** How often the file's metadata is looked at, ms: an edit is in force within about this (SPEC 4: 2 s). */
export const POLL_MS = 500;

/** What a parse of the file's bytes gives: a value, or the problems that stop it loading. */
export type ParseResult<T> = { readonly value: T } | { readonly problems: readonly Problem[] };

/** The file as last read. */
export type FileState<T> =
  | { readonly kind: "loaded"; readonly value: T; readonly revision: string; readonly loadedAt: Date }
  | { readonly kind: "failed"; readonly problems: readonly Problem[] };

/** Options of `WatchedFile.open`. */
export interface WatchedFileOptions {
  /** Metadata polling interval, ms (default `POLL_MS`); 0 reads once and never again. */
  readonly pollMs?: number;
}

/** A file re-read whenever its size, times or inode change. */
export class WatchedFile<T> {
  readonly path: string;
  readonly #parse: (bytes: Uint8Array, file: string) => ParseResult<T>;
  readonly #listeners = new Set<(state: FileState<T>) => void>();
  #state: FileState<T>;
  #stamp = "";
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;

  private constructor(path: string, parse: (bytes: Uint8Array, file: string) => ParseResult<T>) {
    this.path = path;
    this.#parse = parse;
    this.#state = { kind: "failed", problems: [] };
  }

  /** Reads `path` now and then watches it; never throws for a missing or bad file (the state says why). */
  static async open<T>(path: string, parse: (bytes: Uint8Array, file: string) => ParseResult<T>, options: WatchedFileOptions = {}): Promise<WatchedFile<T>> {
    const file = new WatchedFile(path, parse);
    await file.poll();
    const pollMs = options.pollMs ?? POLL_MS;
    if (pollMs > 0) {
      file.#timer = setInterval(() => { void file.poll(); }, pollMs);
      file.#timer.unref();
    }
    return file;
  }

  /** The state as of the last read. */
  get state(): FileState<T> {
    return this.#state;
  }

  /** Calls `listener` after every read that changed the state (a new revision, or a new failure). */
  onChange(listener: (state: FileState<T>) => void): void {
    this.#listeners.add(listener);
  }

  /** Looks at the file now and re-reads it when it changed; concurrent calls share one look. */
  poll(): Promise<void> {
    this.#polling ??= this.#look().finally(() => { this.#polling = undefined; });
    return this.#polling;
  }

  /** What `/v1/status` reports of the file. */
  status(): RealmFileStatus {
    const state = this.#state;
    return state.kind === "loaded"
      ? { path: this.path, revision: state.revision, problems: [], loadedAt: state.loadedAt.toISOString() }
      : { path: this.path, revision: null, problems: state.problems.map(({ file, line, column, message, code }) => ({ file, line, column, message, code })), loadedAt: null };
  }

  /** Stops polling. */
  close(): void {
    clearInterval(this.#timer);
    this.#listeners.clear();
  }

  async #look(): Promise<void> {
    let stamp: string;
    try {
      // stat follows symbolic links: a Kubernetes secret volume swaps its `..data` link on update.
      const s = await stat(this.path);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch (error) {
      this.#set({ kind: "failed", problems: [unreadable(this.path, error)] }, `error:${codeOf(error)}`);
      return;
    }
    if (stamp === this.#stamp) return;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (error) {
      this.#set({ kind: "failed", problems: [unreadable(this.path, error)] }, `error:${codeOf(error)}`);
      return;
    }
    if (bytes.length > MAX_FILE_BYTES) {
      this.#set({ kind: "failed", problems: [fileProblem(this.path, `the file is over ${String(MAX_FILE_BYTES / 1024 / 1024)} MiB`)] }, stamp);
      return;
    }
    const revision = createHash("sha256").update(bytes).digest("hex");
    if (this.#state.kind === "loaded" && this.#state.revision === revision) {
      this.#stamp = stamp;
      return;
    }
    const parsed = this.#parse(bytes, this.path);
    this.#set("value" in parsed ? { kind: "loaded", value: parsed.value, revision, loadedAt: new Date() } : { kind: "failed", problems: parsed.problems }, stamp);
  }

  #set(state: FileState<T>, stamp: string): void {
    const unchanged = stamp === this.#stamp && state.kind === "failed" && this.#state.kind === "failed";
    this.#stamp = stamp;
    if (unchanged) return;
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }
}

function codeOf(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unknown";
}

function unreadable(path: string, error: unknown): Problem {
  const code = codeOf(error);
  const why = code === "ENOENT" ? "the file does not exist" : code === "EACCES" ? "no permission to read the file" : code === "EISDIR" ? "it is a directory" : `it cannot be read (${code})`;
  return fileProblem(path, why);
}

function fileProblem(path: string, message: string): Problem {
  return { code: "file_unreadable", severity: "error", file: path, line: 0, column: 0, message };
}
