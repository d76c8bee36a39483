/** The data `diffIndexes` returns: effective-rights changes between two trees, grouped by cause. */
import type { Access, Keyword } from "./types.js";

/** Options of `diffIndexes`. */
export interface DiffOptions {
  /**
   * Extra paths to examine besides both indexes' indexed directories: every
   * directory of the tree (either revision), so that a change cascading to
   * directories without a rights file is counted there. Any spelling; paths
   * that SPEC 1.4 rejects are skipped.
   */
  readonly dirs?: Iterable<string>;
}

/**
 * What made a group's holding differ on a path: the deepest rule on the
 * path, in either tree, from which on the group's holding differs. It is in
 * `to` (`side: "to"`: the rule now grants or takes the group) or only in
 * `from` (`side: "from"`: the rule that used to grant or take it is gone or
 * no longer names it).
 */
export interface DiffCause {
  /** The rights file holding the rule, relative to the tree root (`plant/north/access.rights`). */
  readonly file: string;
  /** That file's directory, `/plant/north` (`/` for the root). */
  readonly dir: string;
  /** The keyword that grants or takes the group, or `implies` when an implication of `treerights.yaml` does (SPEC 1.5). */
  readonly keyword: Keyword | "implies";
  readonly side: "from" | "to";
  /** Whether the file is new in `to`, gone from `to`, or in both trees. */
  readonly change: FileChangeKind;
  /** The glob, when the rule is a pattern rule of the file (SPEC 1.3). */
  readonly match?: string;
  /**
   * SPEC 1.5. With `implies`: the implication added (`side: "to"`) or gone
   * (`side: "from"`), from the changed group to one the rights files grant,
   * `["administrator", "configuration-management"]`. With a rule keyword: the
   * group holds the level through this chain, and the rule granted or took
   * the last group of it.
   */
  readonly chain?: readonly string[];
}

/** How a rights file differs between two trees. */
export type FileChangeKind = "added" | "removed" | "changed";

/** A rights file that is new, gone or has different rules (positions and formatting aside). */
export interface FileChange {
  /** Relative to the tree root. */
  readonly file: string;
  readonly change: FileChangeKind;
}

/**
 * One cause's effect on one level: the same groups added and removed on
 * every path listed, all by the same rule. A change that cascades to 500
 * subdirectories is one entry with `count: 500`.
 */
export interface DiffEntry {
  readonly access: Access;
  /** The topmost affected path (least deep, then first in tree order), `/plant/north`. */
  readonly path: string;
  /** Groups that hold the level in `to` and not in `from`, sorted. */
  readonly added: readonly string[];
  /** Groups that held the level in `from` and do not in `to`, sorted. */
  readonly removed: readonly string[];
  readonly cause: DiffCause;
  /** Number of paths affected, `paths.length`. */
  readonly count: number;
  /** Every affected path, in tree order (parents before children); `path` among them. */
  readonly paths: readonly string[];
  /** True iff every other path in `paths` is below `path`. */
  readonly nested: boolean;
}

/** Counts over a whole diff. */
export interface DiffSummary {
  /** Number of entries. */
  readonly entries: number;
  /** Distinct paths with any change, on either level. */
  readonly paths: number;
  /** (path, level, group) triples newly held. */
  readonly grants: number;
  /** (path, level, group) triples no longer held. */
  readonly revocations: number;
  /** Paths examined. */
  readonly examined: number;
}

/** Every effective change between two trees. */
export interface RightsDiff {
  /** Revisions of the two indexes. */
  readonly from: string;
  readonly to: string;
  /** Sorted by path (tree order), then level (READ first), then cause file, then groups. */
  readonly entries: readonly DiffEntry[];
  /** Rights files added, removed or changed, sorted by file; a file may change without an effect. */
  readonly files: readonly FileChange[];
  readonly summary: DiffSummary;
}
