/** Which paths of a tree are never read: `.git`, `node_modules` and the caller's ignore globs. */
import micromatch from "micromatch";
import { TreeRightsError } from "../../engine/index.js";

/** Directory names skipped wherever they stand; their contents are never read. */
export const ALWAYS_SKIPPED: ReadonlySet<string> = new Set([".git", "node_modules"]);

/** Decides whether a path (relative to the root, `/`-separated) is skipped. */
export type IgnoreMatcher = (relPath: string, isDirectory: boolean) => boolean;

/**
 * A matcher for `globs` (micromatch, `dot: true`, relative to the root) plus
 * the names in `ALWAYS_SKIPPED`. A directory also matches a glob written
 * with a trailing `/` (`archive/`). Throws `invalid_option` for globs that
 * are not a list of non-empty strings.
 */
export function ignoreMatcher(globs: readonly string[] = []): IgnoreMatcher {
  if (!isGlobList(globs)) {
    throw new TreeRightsError("invalid_option", "`ignore` must be a list of non-empty glob strings");
  }
  const matchers = globs.map((glob) => micromatch.matcher(glob, { dot: true }));
  return (relPath, isDirectory) => {
    const name = relPath.slice(relPath.lastIndexOf("/") + 1);
    if (ALWAYS_SKIPPED.has(name)) return true;
    return matchers.some((match) => match(relPath) || (isDirectory && match(`${relPath}/`)));
  };
}

function isGlobList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((g) => typeof g === "string" && g !== "");
}
