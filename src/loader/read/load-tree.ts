/** One-shot loading (`loadTree`) of a rights tree on disk, and compiling a snapshot of one. */
import type { RightsIndex } from "../../engine/index.js";
import { LoadError } from "../../engine/index.js";
import { compileSnapshot } from "./compile-snapshot.js";
import { readTree } from "./read-tree.js";
import type { LoadOptions } from "../types.js";

export { compileSnapshot, compileTree } from "./compile-snapshot.js";
export { lintTree } from "../lint/lint-tree.js";
export type { LintOptions } from "../lint/lint-tree.js";

/**
 * Reads, checks and compiles the tree at `dir`. Throws `LoadError` listing
 * every problem when any is an error; warnings do not stop a load. Throws
 * `TreeRightsError` (`invalid_option`) for bad options.
 */
export async function loadTree(dir: string, options: LoadOptions = {}): Promise<RightsIndex> {
  const { index, problems } = compileSnapshot(await readTree(dir, options));
  if (index === null) throw new LoadError(problems);
  return index;
}
