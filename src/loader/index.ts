/** The loader: reads rights trees from disk, validates them, keeps them live. */

// One-shot loading and linting
export { loadTree, loadTreeWithConfig, lintTree } from "./read/load-tree.js";
export type { ConfiguredIndex, LintOptions } from "./read/load-tree.js";

// Pattern-rule globs and the optional tree configuration
export { globMatcher } from "./parse/glob.js";
export { CONFIG_FILE } from "./parse/config.js";
export type { TreeConfig } from "./parse/config.js";

// Live trees with hot reload
export { openTree } from "./live/open-tree.js";

// Reading a tree straight from git objects (no checkout)
export { readGitTree, readGitTrees } from "./git/git-tree.js";
export type { GitTreeOptions, GitTreeSnapshot } from "./git/git-tree.js";

// Reading without compiling (tooling)
export { readTree, RIGHTS_FILE } from "./read/read-tree.js";
export type { TreeSnapshot } from "./read/read-tree.js";

export type {
  LoadOptions, LintResult, OpenOptions, RejectedLoad, WatchStatus,
  TreeStatus, ReloadEvent, TreeEvents, TreeHandle, ReloadRecord, RevisionChanges,
} from "./types.js";
