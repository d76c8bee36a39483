/**
 * Globs of pattern rules and ignore lists: the matcher handed to `compile`
 * (micromatch, `dot: true`, SPEC 1.3) and the checks that reject a glob
 * before it can silently match nothing.
 */
import micromatch from "micromatch";
import type { GlobMatcher } from "../../engine/index.js";

/** micromatch with `dot: true`, as SPEC 1.3 defines pattern rules; the loader and the watcher pass it to `compile`. */
export const globMatcher: GlobMatcher = (glob) => micromatch.matcher(glob, { dot: true });

/** The longest glob micromatch compiles. */
export const MAX_GLOB_LENGTH = 65536;

/** What a glob is relative to, for the wording of a rejection. */
export type GlobUse = "pattern" | "ignore";

/**
 * Why `glob` cannot be used, as the end of a one-line message (`glob \`x\`
 * …`), or `null` when it is fine. A glob micromatch cannot compile is
 * rejected: without `debug` micromatch would turn it into a regular
 * expression that never matches. A pattern glob is relative to its file's
 * directory and reaches only descendants, so a leading `/` or a `..` segment
 * is rejected too; an ignore glob is relative to the tree root, where the
 * same holds.
 */
export function globProblem(glob: string, use: GlobUse): string | null {
  const base = use === "pattern" ? "the directory of its `access.rights`" : "the tree root";
  if (glob.startsWith("/")) return `starts with \`/\`; globs are relative to ${base}, remove the leading \`/\``;
  if (glob.split("/").includes("..")) return `has a \`..\` segment; a glob reaches only paths below ${base}`;
  if (glob.length > MAX_GLOB_LENGTH) return `is over ${MAX_GLOB_LENGTH} characters, more than micromatch takes; shorten it`;
  try {
    micromatch.scan(glob);
    micromatch.makeRe(glob, { dot: true, debug: true });
    return null;
  } catch (err) {
    return `cannot be parsed (${reason(err)}); fix the brackets, braces or escapes`;
  }
}

// The regular expression error's own words, without the expression: `unterminated group`.
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const tail = message.slice(message.lastIndexOf(": ") + 1).trim();
  const text = tail === "" ? message : tail;
  return text.charAt(0).toLowerCase() + text.slice(1).replace(/\.$/, "");
}
