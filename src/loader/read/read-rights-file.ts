/**
 * Reading one file of a tree safely (an `access.rights` or
 * `treerights.yaml`): never through a symbolic link, never blocking on a
 * pipe, never more than 1 MiB, and never a non-regular file read as empty.
 */
import { constants } from "node:fs";
import type { Stats } from "node:fs";
import { join } from "node:path";
import type { Problem, RightsFile } from "../../engine/index.js";
import { parseRights } from "../parse/parse-rights.js";
import type { ProblemCode } from "../parse/problems.js";
import { NOWHERE, problem, quote } from "../parse/problems.js";
import type { FilePlaces } from "../parse/rights-places.js";
import type { TreeFs } from "./tree-fs.js";
import { nodeFs } from "./tree-fs.js";

/** The largest rights file read, in bytes (1 MiB). */
export const MAX_RIGHTS_BYTES = 1024 * 1024;

/** What reading one rights file gave: the parsed file (`null` on errors), its problems, and the raw bytes when read. */
export interface RightsFileRead {
  file: RightsFile | null;
  problems: Problem[];
  bytes: Buffer | null;
  /** Where the parts of the file stand, with the file. */
  places?: FilePlaces;
}

/** The bytes of a file, a problem that stopped the read, or nothing when the file does not exist. */
export type SafeRead = { readonly bytes: Buffer } | { readonly problem: Problem } | null;

// O_NOFOLLOW: a symbolic link fails with ELOOP; O_NONBLOCK: opening a FIFO does not wait for a writer.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** A read that stopped: which problem it is, or `null` when the file is gone. Never escapes this module. */
class Stop extends Error {
  constructor(readonly code: ProblemCode | null, message: string) {
    super(message);
  }
}

/**
 * Reads and checks the rights file at `relPath` (relative to `root`). A file
 * that does not exist gives no file, no problems and no bytes. With
 * `knownRegular` (the walk saw a regular file), the `lstat` that keeps
 * devices from being opened is skipped; `fstat` on the open file still checks.
 */
export function readRights(root: string, relPath: string, knownRegular = false, fs: TreeFs = nodeFs): RightsFileRead {
  const read = readSafely(root, relPath, knownRegular, fs);
  if (read === null) return { file: null, problems: [], bytes: null };
  if ("problem" in read) return { file: null, problems: [read.problem], bytes: null };
  return { ...parseRights(read.bytes, relPath), bytes: read.bytes };
}

/** The bytes of the regular file at `relPath`, or the problem that kept it from being read, or `null` when it does not exist. */
export function readSafely(root: string, relPath: string, knownRegular = false, fs: TreeFs = nodeFs): SafeRead {
  const absolute = join(root, ...relPath.split("/"));
  try {
    if (!knownRegular) checkStats(lstatOrStop(fs, absolute, relPath), relPath);
    return { bytes: readRegular(fs, absolute, relPath) };
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    if (err.code === null) return null;
    return { problem: problem(err.code, relPath, NOWHERE, err.message) };
  }
}

function lstatOrStop(fs: TreeFs, absolute: string, relPath: string): Stats {
  try {
    return fs.lstat(absolute);
  } catch (err) {
    return stop(err, relPath, false);
  }
}

function readRegular(fs: TreeFs, absolute: string, relPath: string): Buffer {
  let fd: number;
  try {
    fd = fs.open(absolute, OPEN_FLAGS);
  } catch (err) {
    return stop(err, relPath, true);
  }
  try {
    const info = fs.fstat(fd);
    checkStats(info, relPath);
    // Read as much as the stat said: a file growing meanwhile is read as it was, and the watcher sees the change.
    const buffer = Buffer.allocUnsafe(info.size);
    let length = 0;
    while (length < buffer.length) {
      const bytesRead = fs.read(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } catch (err) {
    return stop(err, relPath, false);
  } finally {
    fs.close(fd);
  }
}

function checkStats(info: Stats, relPath: string): void {
  const kind = notRegular(info);
  if (kind !== null) throw new Stop("not_regular_file", `${quote(relPath)} is ${kind}, not a regular file; replace it with a regular file`);
  if (info.size > MAX_RIGHTS_BYTES) {
    throw new Stop("file_too_large", `file is ${info.size} bytes, over the 1 MiB (${MAX_RIGHTS_BYTES} bytes) limit; split its rules across subdirectories`);
  }
}

function notRegular(info: Stats): string | null {
  if (info.isFile()) return null;
  if (info.isSymbolicLink()) return "a symbolic link (links are not followed)";
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a named pipe";
  if (info.isSocket()) return "a socket";
  return "a device";
}

// A file system error as a stop; a Stop passes through. Opening with O_NOFOLLOW fails with ELOOP on a symbolic link.
function stop(err: unknown, relPath: string, opening: boolean): never {
  if (err instanceof Stop) throw err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "error";
  if (code === "ENOENT") throw new Stop(null, "");
  if (code === "ELOOP" && opening) {
    throw new Stop("not_regular_file", `${quote(relPath)} is a symbolic link (links are not followed), not a regular file; replace it with a regular file`);
  }
  throw new Stop("unreadable", `cannot read ${quote(relPath)} (${code}); make it a readable regular file`);
}
