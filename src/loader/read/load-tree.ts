/** One-shot loading (`loadTree`) of a rights tree on disk, and compiling a snapshot of one. */
import type { RightsIndex } from "../../engine/index.js";
import { LoadError } from "../../engine/index.js";
import type { TreeConfig } from "../parse/config.js";
import { DEFAULT_CONFIG } from "../parse/config.js";
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
  return (await loadTreeWithConfig(dir, options)).index;
}

/** A loaded tree and its `treerights.yaml` configuration. */
export interface ConfiguredIndex {
  readonly index: RightsIndex;
  /** The tree's `treerights.yaml`, or the defaults when it has none. */
  readonly config: TreeConfig;
  /** Every directory of the tree relative to its root (`""` is the root), sorted. */
  readonly directories: readonly string[];
}

/** `loadTree`, with the configuration read along with the tree (the groups it knows, for a caller's typo check). */
export async function loadTreeWithConfig(dir: string, options: LoadOptions = {}): Promise<ConfiguredIndex> {
  const snapshot = await readTree(dir, options);
  const { index, problems } = compileSnapshot(snapshot);
  if (index === null) throw new LoadError(problems);
  return { index, config: snapshot.config ?? DEFAULT_CONFIG, directories: snapshot.directories ?? [""] };
}
