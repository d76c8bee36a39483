/** Path helpers: ancestry and where-region membership. */

/** True when `path` is `base` or below it. */
export function isWithin(path: string, base: string): boolean {
  if (base === "/") return true;
  return path === base || path.startsWith(`${base}/`);
}

/** `/a/b/c` → `["/", "/a", "/a/b", "/a/b/c"]`. */
export function ancestry(path: string): string[] {
  const out = ["/"];
  let current = "";
  for (const part of path.split("/").filter((p) => p !== "")) {
    current += `/${part}`;
    out.push(current);
  }
  return out;
}

/** The directory of a rights file path relative to the root: `sites/lyon/access.rights` → `/sites/lyon`. */
export function fileDir(file: string): string {
  const i = file.lastIndexOf("/");
  return i < 0 ? "/" : `/${file.slice(0, i)}`;
}

/**
 * Whether the `/v1/where` regions cover a path: inside a region and not in one
 * of its holes; a deeper region inside a hole covers again.
 */
export function covered(regions: readonly { readonly path: string; readonly holes: readonly string[] }[], path: string): boolean {
  return regions.some((r) => isWithin(path, r.path) && !r.holes.some((h) => isWithin(path, h)));
}
