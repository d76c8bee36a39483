/** A small pure content hash for revisions of trees compiled without the loader. */

/** 64-bit FNV-1a over the UTF-16 units of `parts` (each part delimited), as 16 hex digits. */
export function contentHash(parts: Iterable<string>): string {
  // Two 32-bit lanes with different offsets stand in for one 64-bit state.
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (const part of parts) {
    for (let i = 0; i <= part.length; i++) {
      const c = i < part.length ? part.charCodeAt(i) : 0xffff;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c ^ (h1 >>> 16), 0x01000193);
    }
  }
  return hex32(h1) + hex32(h2);
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}
