/**
 * `confusableSegment` (SPEC 5 `denyConfusableSegments`): for backends that
 * fold case or normalise Unicode, a path segment that such a backend could
 * read as another existing directory, or as a separator, is denied:
 * `SECRET` beside `secret`, `ｓｅｃｒｅｔ` (fullwidth), a fullwidth solidus
 * `／` or reverse solidus `＼`, a segment that normalises to `.` or `..`.
 */
import type { RightsIndex } from "../../engine/index.js";

// Characters normalisers drop: soft hyphen, zero-width and other default-ignorable code points.
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The form a folding backend would see: NFKC, case-folded both ways (so that
 * `ß` is `ss`, and `ı`, `İ` and `K` (Kelvin) meet `i` and `k` as Java's
 * `equalsIgnoreCase` has them), default-ignorable code points removed, and
 * trailing dots and spaces dropped (as Windows and IIS drop them).
 */
export function folded(segment: string): string {
  const upperLower = segment.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC").replace(IGNORABLE, "");
  const dotless = upperLower.replace(/\u0131/g, "i").replace(/i\u0307/g, "i");
  const trimmed = dotless.replace(/[. ]+$/, "");
  return trimmed === "" ? dotless : trimmed;
}

// Per index: each directory's children by folded name (built on first use, dropped with the index).
const childrenByIndex = new WeakMap<RightsIndex, Map<string, Map<string, string[]>>>();

/** The first segment of `segments` (a tree path) a folding backend could misread, or null. */
export function confusableSegment(index: RightsIndex, segments: readonly string[]): string | null {
  const children = childrenOf(index);
  let parent = "";
  for (const segment of segments) {
    const fold = folded(segment);
    // A separator, a dot segment, or an NTFS stream name (`name::$DATA`) once folded.
    if (fold.includes("/") || fold.includes("\\") || fold.includes(":") || fold === "." || fold === "..") return segment;
    if (fold !== segment) {
      // Another spelling of an existing sibling: the backend may serve the sibling.
      const siblings = children.get(parent)?.get(fold) ?? [];
      if (siblings.some((s) => s !== segment)) return segment;
    }
    parent = `${parent}/${segment}`;
  }
  return null;
}

function childrenOf(index: RightsIndex): Map<string, Map<string, string[]>> {
  let children = childrenByIndex.get(index);
  if (children === undefined) {
    children = new Map();
    for (const dir of index.directories()) {
      if (dir.path === "/") continue;
      const slash = dir.path.lastIndexOf("/");
      const parent = dir.path.slice(0, slash);
      const name = dir.path.slice(slash + 1);
      let byFold = children.get(parent);
      if (byFold === undefined) children.set(parent, (byFold = new Map<string, string[]>()));
      const fold = folded(name);
      byFold.set(fold, [...(byFold.get(fold) ?? []), name]);
    }
    childrenByIndex.set(index, children);
  }
  return children;
}
