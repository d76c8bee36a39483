/** Strict UTF-8 decoding that can say where the first bad byte is. */
import type { Position } from "../../engine/index.js";

/** The decoded text, or where decoding failed and the offending byte. */
export type Decoded =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly at: Position; readonly byte: number };

// Stateless for whole-buffer decodes (no `stream` option), so one decoder serves every call.
const STRICT = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes `bytes` as UTF-8 with a fatal decoder (a leading BOM is dropped).
 * On failure, reports the 1-based line and column (in UTF-16 units, as for
 * YAML positions) of the first byte that is not part of valid UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { ok: true, text: STRICT.decode(bytes) };
  } catch {
    const offset = firstInvalidByte(bytes);
    // lastIndexOf with a negative start would search from the end.
    const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1;
    const line = countNewlines(bytes, lineStart) + 1;
    const before = new TextDecoder("utf-8").decode(bytes.subarray(lineStart, offset));
    return { ok: false, at: { line, column: before.length + 1 }, byte: bytes[offset] ?? 0 };
  }
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

/** Offset of the first byte that starts no valid UTF-8 sequence (RFC 3629), or `bytes.length`. */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return bytes.length;
}

// The length of the valid sequence at `i`, or 0. Excludes overlongs, surrogates and values over U+10FFFF.
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return 1;
  let length: number;
  let min = 0x80;
  let max = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) length = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    if (b0 === 0xe0) min = 0xa0;
    if (b0 === 0xed) max = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    if (b0 === 0xf0) min = 0x90;
    if (b0 === 0xf4) max = 0x8f;
  } else return 0;
  for (let k = 1; k < length; k++) {
    const b = bytes[i + k];
    if (b === undefined) return 0;
    const lo = k === 1 ? min : 0x80;
    const hi = k === 1 ? max : 0xbf;
    if (b < lo || b > hi) return 0;
  }
  return length;
}
