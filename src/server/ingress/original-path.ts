/**
 * `originalPath`: the path of the URL a gateway was asked for, read as SPEC 5
 * says, so that treerights and the backend can never read one URL as two
 * different paths. Anything that could be read two ways is refused (403),
 * never guessed at: a raw or encoded `\`, an encoded `/`, `;` parameters,
 * a `%` left after decoding once (double encoding), control characters, a
 * `..` segment, bytes that are not UTF-8.
 */

/** The URL path as segments (SPEC 1.4: `//` collapsed, `.` dropped, a trailing `/` dropped), or why it is refused. */
export type OriginalPath = { readonly ok: true; readonly segments: readonly string[] } | { readonly ok: false; readonly reason: string };

const MAX_URI_BYTES = 8192;
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The path of `uri` as it arrived in a header or a request line: Node hands
 * both over as latin1, one char per byte, so the bytes are read back as UTF-8.
 */
export function originalPath(uri: string): OriginalPath {
  if (uri.length > MAX_URI_BYTES) return refused("the URI is too long");
  // The header's bytes, read as UTF-8.
  let text: string;
  try {
    text = UTF8.decode(Buffer.from(uri, "latin1"));
  } catch {
    return refused("the URI is not valid UTF-8");
  }
  if (text.includes("\\")) return refused("the URI has a `\\`");
  // Query and fragment are cut before decoding: an encoded `?` or `#` stays part of the path.
  const end = firstOf(text, "?#");
  const raw = end === -1 ? text : text.slice(0, end);
  if (!raw.startsWith("/")) return refused("the URI's path does not start with `/`");
  // A request target never holds a raw space or control character (RFC 9112), query included: a header
  // of two URIs joined by a proxy (`/a?x, /b`) is one of these, and so is anything not sent on a request line.
  if (hasControlOrSpace(text)) return refused("the URI has a raw space or control character");
  if (raw.includes(";")) return refused("the URI has `;` parameters");
  const decoded = decodeOnce(raw);
  if (typeof decoded !== "string") return decoded;
  if (decoded.includes("%")) return refused("the URI has a `%` left after decoding (encoded twice)");
  if (decoded.includes(";")) return refused("the URI has an encoded `;`");
  if (hasControl(decoded)) return refused("the URI has a control character");
  const segments: string[] = [];
  for (const segment of decoded.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") return refused("the URI has a `..` segment");
    segments.push(segment);
  }
  return { ok: true, segments };
}

function refused(reason: string): OriginalPath {
  return { ok: false, reason };
}

function firstOf(text: string, chars: string): number {
  for (let i = 0; i < text.length; i++) if (chars.includes(text.charAt(i))) return i;
  return -1;
}

/** Percent-decodes `raw` exactly once; an encoded `/` or `\`, a malformed escape or non-UTF-8 bytes are refused. */
function decodeOnce(raw: string): string | OriginalPath {
  if (!raw.includes("%")) return raw;
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  // Odd parts are the escapes themselves; a `%` left in an even part is a malformed escape.
  const pieces = raw.split(/(%[0-9A-Fa-f]{2})/);
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] ?? "";
    if (i % 2 === 0) {
      if (piece.includes("%")) return refused("the URI has a malformed `%` escape");
      parts.push(encoder.encode(piece));
      continue;
    }
    const byte = Number.parseInt(piece.slice(1), 16);
    if (byte === 0x2f) return refused("the URI has an encoded `/`");
    if (byte === 0x5c) return refused("the URI has an encoded `\\`");
    parts.push(Uint8Array.of(byte));
  }
  try {
    return UTF8.decode(Buffer.concat(parts));
  } catch {
    return refused("the URI's decoded bytes are not valid UTF-8");
  }
}

/** A space, C0, DEL or C1 control. */
function hasControlOrSpace(text: string): boolean {
  return text.includes(" ") || hasControl(text);
}

/** C0, DEL and C1 controls. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
