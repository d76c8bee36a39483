/**
 * Running git for reading objects: argument arrays (never a shell), output as
 * bytes, and one streamed `git cat-file --batch` for many blobs.
 */
import { execFile, spawn } from "node:child_process";
import { TreeRightsError } from "../../engine/index.js";
import { quote } from "../parse/problems.js";

/** Largest output read from one git command: a listing of a very large tree fits. */
export const GIT_MAX_BUFFER = 1024 * 1024 * 1024;

/** A git command that failed: its exit code (null when git could not start) and stderr. */
export class GitFailure extends Error {
  constructor(readonly exitCode: number | null, readonly stderr: string, readonly spawnCode: string | null) {
    super(stderr.trim().split("\n")[0] ?? "git failed");
    this.name = "GitFailure";
  }
}

// Git's messages are parsed only to tell the usual failures apart; keep them in English.
const GIT_ENV = { ...process.env, LC_ALL: "C", LANG: "C", GIT_TERMINAL_PROMPT: "0" };

/** Runs `git -C repo …args` and resolves to its stdout; rejects with `GitFailure`. */
export function git(repo: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile("git", ["-C", repo, ...args], { encoding: "buffer", maxBuffer: GIT_MAX_BUFFER, env: GIT_ENV, windowsHide: true }, (err, stdout, stderr) => {
      if (err === null) {
        resolve(stdout);
        return;
      }
      const spawnCode = typeof err.code === "string" ? err.code : null;
      const exitCode = typeof err.code === "number" ? err.code : null;
      reject(new GitFailure(exitCode, stderr.toString("utf8"), spawnCode));
    });
  });
}

/**
 * The contents of each blob in `oids`, read by one `git cat-file --batch`
 * fed and drained as streams; `null` for an object git does not have.
 */
export function readBlobs(repo: string, oids: readonly string[]): Promise<Map<string, Buffer | null>> {
  const wanted = [...new Set(oids)];
  const blobs = new Map<string, Buffer | null>();
  if (wanted.length === 0) return Promise.resolve(blobs);
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-C", repo, "cat-file", "--batch"], { env: GIT_ENV, stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    const parser = new BatchParser(blobs);
    let stderr = "";
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      child.kill();
      reject(err);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    // git exiting early closes its stdin; the exit code tells why.
    child.stdin.on("error", () => undefined);
    child.on("error", (err: NodeJS.ErrnoException) => {
      fail(new GitFailure(null, err.message, err.code ?? "error"));
    });
    child.on("close", (code) => {
      if (failed) return;
      if (code !== 0) fail(new GitFailure(code, stderr, null));
      else if (blobs.size < wanted.length) fail(new GitFailure(code, "git cat-file ended early", null));
      else resolve(blobs);
    });
    child.stdin.end(`${wanted.join("\n")}\n`);
  });
}

/** Reads `<oid> <type> <size>\n<bytes>\n` records (or `<oid> missing\n`) as they stream in. */
class BatchParser {
  #buffer: Buffer = Buffer.alloc(0);
  #pending: { oid: string; size: number } | null = null;

  constructor(private readonly blobs: Map<string, Buffer | null>) {}

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#pending === null) {
        const end = this.#buffer.indexOf(0x0a);
        if (end < 0) return;
        const header = this.#buffer.toString("latin1", 0, end).split(" ");
        this.#buffer = this.#buffer.subarray(end + 1);
        const [oid = "", type = "", size = ""] = header;
        if (type === "missing" || type === "ambiguous") this.blobs.set(oid, null);
        else if (/^\d+$/.test(size)) this.#pending = { oid, size: Number(size) };
        else throw new Error(`unexpected git cat-file output ${quote(header.join(" "))}`);
      } else {
        const { oid, size } = this.#pending;
        if (this.#buffer.length < size + 1) return;
        // A copy, so the blob does not keep the whole chunk it arrived in alive.
        this.blobs.set(oid, Buffer.from(this.#buffer.subarray(0, size)));
        this.#buffer = this.#buffer.subarray(size + 1);
        this.#pending = null;
      }
    }
  }
}

/** A `GitFailure` (or anything thrown while running git) as a `TreeRightsError` with a clear message. */
export function gitError(err: unknown, repo: string, rev: string): TreeRightsError {
  if (!(err instanceof GitFailure)) return new TreeRightsError("git_failed", `cannot read ${quote(repo)} with git: ${String(err)}`, { cause: err });
  const text = err.stderr;
  let message: string;
  if (err.spawnCode === "ENOENT") message = "git is not installed or not on the `PATH`; install git to read revisions";
  else if (err.spawnCode !== null) message = `cannot run git (${err.spawnCode})`;
  else if (/cannot change to/i.test(text)) message = `repository ${quote(repo)} does not exist`;
  else if (/not a git repository/i.test(text)) message = `${quote(repo)} is not a git repository`;
  else if (/dubious ownership/i.test(text)) message = `git refuses ${quote(repo)} (owned by another user); add it to git's \`safe.directory\``;
  else if (err.exitCode === 1 || /unknown revision|bad revision|not a valid object|invalid object name|needed a single revision/i.test(text)) {
    message = `unknown revision ${quote(rev)} in ${quote(repo)}; fetch it or check its spelling`;
  } else message = `git failed on ${quote(repo)}: ${err.message.toLowerCase()}`;
  return new TreeRightsError("git_failed", message, { cause: err });
}
