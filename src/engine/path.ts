/** Path normalization (SPEC 1.4): errors, never silent denies. */
import { PathError } from "./errors.js";

/** The longest path accepted, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 4096;

export const SLASH = 0x2f;
const DOT = 0x2e;
/** FNV-1a offset basis and prime of `segmentHash`. */
export const HASH_SEED = 0x811c9dc5;
export const HASH_PRIME = 0x01000193;

/** The hash the trie keys a segment by (see `deepestIndexed`): 32-bit FNV-1a over its UTF-16 units. */
export function segmentHash(segment: string): number {
  let hash = HASH_SEED;
  for (let i = 0; i < segment.length; i++) hash = Math.imul(hash ^ segment.charCodeAt(i), HASH_PRIME);
  return hash;
}

/**
 * Splits a tree path into its segments: a leading `/` is optional, `//`
 * collapses, a trailing `/` and `.` segments are dropped. Throws `PathError`
 * for a `..` segment, a control character or a path over 4096 bytes.
 */
export function normalizePath(path: string): string[] {
  validatePath(path);
  const segments: string[] = [];
  const n = path.length;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    if (i < n && path.charCodeAt(i) !== SLASH) continue;
    if (i > start && !isDot(path, start, i)) segments.push(path.slice(start, i));
    start = i + 1;
  }
  return segments;
}

// C0 controls, DEL and C1 controls, as `isControl`.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Throws `PathError` for anything SPEC 1.4 refuses in `path` (see
 * `normalizePath`), with the first problem's place. Two native scans decide
 * most paths (one for a control character, one for `..`); only a path that
 * holds either is then walked character by character, to report exactly
 * what a left-to-right reading meets first (`a..b` is a fine name). After
 * this, a walk over the path only needs to skip `.` segments.
 */
export function validatePath(path: string): void {
  checkPath(path);
  if (CONTROL.test(path) || path.includes("..")) readPath(path);
}

/** `path.slice(start, end)` is `.`, for a path `validatePath` accepted. */
export function isDot(path: string, start: number, end: number): boolean {
  return end - start === 1 && path.charCodeAt(start) === DOT;
}

/**
 * Reads `path` character by character, left to right, and throws for the
 * first control character or `..` segment it meets: what `validatePath`
 * falls back to once its scans found either.
 */
export function readPath(path: string): void {
  const n = path.length;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? path.charCodeAt(i) : SLASH;
    // Most characters of a path: printable ASCII above `/`.
    if (c > SLASH && c < 0x7f) continue;
    if (c === SLASH) {
      if (i > start && path.charCodeAt(start) === DOT) isDotSegment(path, start, i);
      start = i + 1;
    } else if (isControl(c)) {
      throw controlCharacter(path, i);
    }
  }
}

/** The display form of a normalized path: `/` for the root, `/a/b` below it. */
export function formatPath(segments: readonly string[]): string {
  return `/${segments.join("/")}`;
}

/** Normalizes any spelling of a path into its display form. */
export function canonicalPath(path: string): string {
  return formatPath(normalizePath(path));
}

/** The error for a control character at `offset` in `path`. */
function controlCharacter(path: string, offset: number): PathError {
  return new PathError(`path \`${printable(path)}\` has a control character at offset ${offset}`);
}

/** `path.slice(start, end)` is `.` (dropped); throws if it is `..`, which is never resolved. */
function isDotSegment(path: string, start: number, end: number): boolean {
  if (path.charCodeAt(start) !== DOT) return false;
  const len = end - start;
  if (len === 1) return true;
  if (len === 2 && path.charCodeAt(start + 1) === DOT) {
    throw new PathError(`path \`${printable(path)}\` has a \`..\` segment; paths are never resolved upward`);
  }
  return false;
}

/** C0 controls, DEL and C1 controls. */
function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/** Throws `PathError` for a non-string or a path over `MAX_PATH_BYTES`. */
export function checkPath(path: string): void {
  if (typeof path !== "string") throw new PathError("path must be a string");
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short strings need no count.
  if (path.length * 3 <= MAX_PATH_BYTES) return;
  if (path.length > MAX_PATH_BYTES || utf8Length(path) > MAX_PATH_BYTES) {
    throw new PathError(`path is longer than ${MAX_PATH_BYTES} bytes`);
  }
}

function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3; // a lone surrogate is written as U+FFFD: 3 bytes
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

// Error messages show the path without raw control characters and cut long ones.
function printable(path: string): string {
  const shown = path.length > 120 ? `${path.slice(0, 117)}...` : path;
  return JSON.stringify(shown).slice(1, -1).replace(/`/g, "\\`");
}
