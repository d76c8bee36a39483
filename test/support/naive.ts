/**
 * A deliberately naive reference resolver for SPEC 1.2 to 1.5: no trie, no
 * interning, no shared code with the engine. Tests hold the real index to it.
 */
import micromatch from "micromatch";
import type { Access, LevelRule, RightsFile } from "../../src/engine/index.js";

/** Rights files keyed by their directory as `naiveSegments(dir).join("/")` (`""` is the root). */
export type NaiveTree = ReadonlyMap<string, RightsFile>;

/** What the naive resolver throws for a path SPEC 1.4 rejects. */
export class NaivePathError extends Error {
  readonly code = "invalid_path";
}

/** SPEC 1.4, spelled out: split on `/`, drop empty and `.`, reject `..`, controls and > 4096 UTF-8 bytes. */
export function naiveSegments(path: string): string[] {
  if (new TextEncoder().encode(path).length > 4096) throw new NaivePathError("too long");
  for (const ch of path) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) throw new NaivePathError("control character");
  }
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw new NaivePathError("`..` segment");
  return segments;
}

/** Keys files by their naive-normalized directory. */
export function naiveTree(files: Iterable<RightsFile>): NaiveTree {
  return new Map([...files].map((f) => [naiveSegments(f.dir).join("/"), f]));
}

/** SPEC 1.2 `apply`, literally. */
function apply(rule: LevelRule | undefined, inherited: Set<string>): Set<string> {
  if (rule === undefined) return inherited;
  if (rule.override !== undefined) return new Set(rule.override);
  const out = new Set([...inherited, ...(rule.include ?? [])]);
  for (const g of rule.exclude ?? []) out.delete(g);
  return out;
}

/**
 * `eff(p, L)`: walk every prefix from the root; at each, first every strict
 * ancestor's pattern rules whose glob matches (SPEC 1.3, micromatch with
 * `dot: true`), root down and in file order, then the prefix's own file.
 * Sorted by code unit.
 */
export function naiveGroupsFor(tree: NaiveTree, access: Access, path: string): string[] {
  const segments = naiveSegments(path);
  let groups = new Set<string>();
  for (let depth = 0; depth <= segments.length; depth++) {
    for (let above = 0; above < depth; above++) {
      const relative = segments.slice(above, depth).join("/");
      for (const rule of tree.get(segments.slice(0, above).join("/"))?.patterns ?? []) {
        if (micromatch.isMatch(relative, rule.match, { dot: true })) groups = apply(rule[access], groups);
      }
    }
    const file = tree.get(segments.slice(0, depth).join("/"));
    if (file !== undefined) groups = apply(file[access], groups);
  }
  return [...groups].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** SPEC 1.5 `expand(groups)`: add what each group implies until nothing new comes. */
export function naiveExpand(implies: ReadonlyMap<string, readonly string[]>, groups: readonly string[]): Set<string> {
  const out = new Set(groups);
  for (let grew = true; grew; ) {
    grew = false;
    for (const g of [...out]) {
      for (const h of implies.get(g) ?? []) {
        if (out.has(h)) continue;
        out.add(h);
        grew = true;
      }
    }
  }
  return out;
}

/** `check(groups, L, p)`: true iff the caller holds, itself or through `implies`, one of the effective groups. */
export function naiveCheck(
  tree: NaiveTree, groups: readonly string[], access: Access, path: string, implies: ReadonlyMap<string, readonly string[]> = new Map(),
): boolean {
  const holders = new Set(naiveGroupsFor(tree, access, path));
  return [...naiveExpand(implies, groups)].some((g) => holders.has(g));
}
