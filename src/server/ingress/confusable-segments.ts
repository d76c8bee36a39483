/**
 * `confusableSegment` (SPEC 5 `denyConfusableSegments`): for backends that
 * fold case or normalise Unicode, a path segment that such a backend could
 * read as another existing directory, or as a separator, is denied:
 * `SECRET` beside `secret`, `ｓｅｃｒｅｔ` (fullwidth), a fullwidth solidus
 * `／` or reverse solidus `＼`, a segment that normalises to `.` or `..`.
 */
import type { RightsIndex } from "../../engine/index.js";

/** The NFKC, case-folded form a folding backend would see. */
export function folded(segment: string): string {
  return segment.normalize("NFKC").toLowerCase().normalize("NFKC");
}

// Per index: each directory's children by folded name (built on first use, dropped with the index).
const childrenByIndex = new WeakMap<RightsIndex, Map<string, Map<string, string[]>>>();

/** The first segment of `segments` (a tree path) a folding backend could misread, or null. */
export function confusableSegment(index: RightsIndex, segments: readonly string[]): string | null {
  const children = childrenOf(index);
  let parent = "";
  for (const segment of segments) {
    const fold = folded(segment);
    if (fold.includes("/") || fold.includes("\\") || fold === "." || fold === "..") return segment;
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
