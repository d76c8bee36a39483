/** Plain data types shared by the engine, the loader and every surface. */
import type { Implications } from "./implications.js";

/** A rights level. READ and WRITE are independent: WRITE does not imply READ. */
export type Access = "READ" | "WRITE";

/** Both levels, in the order they are reported. */
export const ACCESS_LEVELS: readonly Access[] = Object.freeze(["READ", "WRITE"] as const);

/** A keyword of a level in an `access.rights` file. */
export type Keyword = "override" | "include" | "exclude";

/** A place in a source file, 1-based. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * What one level (READ or WRITE) of a rights file says: either `override`, or
 * `include` and/or `exclude`. The loader guarantees that shape; `compile`
 * re-checks it and throws on misuse.
 */
export interface LevelRule {
  readonly override?: readonly string[];
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Where the level's key stands in the file, when known. */
  readonly at?: Position;
}

/** A rule for descendants matching a glob (SPEC 1.3); reserved, compiled later. */
export interface PatternRule {
  readonly match: string;
  readonly READ?: LevelRule;
  readonly WRITE?: LevelRule;
  readonly at?: Position;
}

/** One parsed `access.rights` file: the input of `compile`. */
export interface RightsFile {
  /** The file's directory as a tree path: `""` or `"/"` is the root, `"plant/north"` below it. */
  readonly dir: string;
  /** The file's path relative to the root, for messages; defaults to `<dir>/access.rights`. */
  readonly file?: string;
  readonly READ?: LevelRule;
  readonly WRITE?: LevelRule;
  readonly patterns?: readonly PatternRule[];
}

/** How serious a problem is: errors reject a load, warnings only inform. */
export type Severity = "error" | "warning";

/** One problem found while loading or linting: data, collected from every file. */
export interface Problem {
  /** Stable, snake_case rule id (`unknown_key`, `duplicate_key`, ...). */
  readonly code: string;
  readonly severity: Severity;
  /** Path relative to the tree root (`plant/north/access.rights`), or `""` for the tree itself. */
  readonly file: string;
  /** 1-based; 0 when the problem is not tied to a place in the file. */
  readonly line: number;
  /** 1-based; 0 when the problem is not tied to a place in the file. */
  readonly column: number;
  /** One line, lowercase, no final period; user input in backticks. */
  readonly message: string;
}

/** One rights file met on the walk to a path, as `explain` reports it. */
export interface ExplainStep {
  /** The directory holding the file, as `/plant/north` (`/` for the root). */
  readonly dir: string;
  /** The file, relative to the tree root. */
  readonly file: string;
  /** Set when a pattern rule of `file` matched `dir` (SPEC 1.3): its glob. */
  readonly match?: string;
  /** Keywords the file sets for the explained level; empty when it leaves the level alone. */
  readonly keywords: readonly Keyword[];
  readonly override?: readonly string[];
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Where the level's key stands in the file, when known. */
  readonly at?: Position;
  /** Effective groups before and after this file, sorted. */
  readonly before: readonly string[];
  readonly after: readonly string[];
}

/** Why a decision came out as it did. */
export interface Explanation {
  readonly allowed: boolean;
  readonly access: Access;
  /** The normalized path, with a leading `/`. */
  readonly path: string;
  /** The caller's groups, as given. */
  readonly groups: readonly string[];
  readonly steps: readonly ExplainStep[];
  /** Groups holding the level on the path, sorted. */
  readonly effective: readonly string[];
  /** The caller's groups that are in `effective` or imply a group that is (SPEC 1.5): they decided an allow; sorted. */
  readonly deciding: readonly string[];
  /**
   * For each deciding group that is not in `effective` itself, the shortest
   * chain of implications to one that is: `["administrator",
   * "configuration-management"]`. Absent when no group decided through one.
   */
  readonly chains?: readonly (readonly string[])[];
  readonly revision: string;
}

/** An indexed directory with its effective sets, as `directories()` lists it. */
export interface IndexedDirectory {
  /** `/` for the root, `/a/b` below it. */
  readonly path: string;
  readonly read: readonly string[];
  readonly write: readonly string[];
  /** The directory's own rights file, or null for an ancestor of one. */
  readonly file: RightsFile | null;
}

/** A subtree where a group holds a level, with the subtrees cut out of it below. */
export interface WhereRegion {
  /** The subtree's root, `/a/b`: the group holds the level here and below... */
  readonly path: string;
  /** ...except in these subtrees, where an `exclude` or `override` takes it away (a deeper region may grant it again). */
  readonly holes: readonly string[];
}

/** A pattern rule that may grant or take away a group's level on paths matching its glob. */
export interface WherePattern {
  readonly file: string;
  /** The directory the glob is relative to. */
  readonly dir: string;
  readonly match: string;
  readonly effect: "grant" | "revoke";
}

/** Everywhere a group holds a level: complete, never truncated. */
export interface WhereResult {
  readonly group: string;
  readonly access: Access;
  readonly regions: readonly WhereRegion[];
  /** Pattern rules that change the answer on matching paths inside or outside the regions. */
  readonly patterns: readonly WherePattern[];
}

/** One directory and level whose effective groups differ between two indexes. */
export interface EffectiveChange {
  readonly path: string;
  readonly access: Access;
  /** Groups that hold the level now and did not before, sorted. */
  readonly added: readonly string[];
  /** Groups that held the level before and no longer do, sorted. */
  readonly removed: readonly string[];
  /**
   * Set when the pattern rules of this directory's file changed (added,
   * edited or removed): paths below it that a rule matches, before or
   * after, may hold other groups than `added` and `removed` say (they
   * describe the directory itself). A cache drops its answers for every
   * path below it.
   */
  readonly patternRules?: true;
}

/** What changed in the rights files since an index was compiled. */
export interface IndexChanges {
  /** Files added or changed (one per directory; it replaces the old file there). */
  readonly upsert?: readonly RightsFile[];
  /** Directories whose rights file was removed (any spelling of the path). */
  readonly remove?: readonly string[];
}

/** A compiled, immutable rights tree that answers decisions. */
export interface RightsIndex {
  /** Content hash of every rights file the index was compiled from. */
  readonly revision: string;
  /** Number of rights files compiled in. */
  readonly fileCount: number;
  /** The rights files the index was compiled from, in walk order (parents first). */
  readonly files: readonly RightsFile[];
  /** Calls `visit` with every rights file, in no particular order, in steps; builds and keeps no list (unlike `files`). */
  visitFilesSteps(visit: (file: RightsFile) => void): Generator<void, void, void>;
  /** Which groups imply which (SPEC 1.5), closed under transitivity; kept by `update`. */
  readonly implications: Implications;
  /** Sets of groups one identity may not hold together (`exclusive` of `treerights.yaml`), as given to `compile`; kept by `update`. */
  readonly exclusive: readonly (readonly string[])[];
  /** True iff one of `groups` holds `access` on `path`. Throws `PathError` on an invalid path. */
  check(groups: readonly string[], access: Access, path: string): boolean;
  /**
   * `check` for one caller and level over many paths: the groups and the
   * level are validated and looked up once (throws as `check` does), and the
   * function decides one path per call, throwing `PathError` for an invalid
   * one. For a gateway listing a directory, or a batch of one caller's paths.
   */
  checker(groups: readonly string[], access: Access): (path: string) => boolean;
  /** The steps behind `check`. */
  explain(groups: readonly string[], access: Access, path: string): Explanation;
  /** The groups holding `access` on `path` (SPEC 1.2 `eff`), sorted; `implications.reaching` gives those that hold it through implication. */
  groupsFor(access: Access, path: string): readonly string[];
  /** Every indexed directory (one with a rights file, or an ancestor of one), parents first. */
  directories(): Iterable<IndexedDirectory>;
  /** Every subtree where `group` holds `access` (itself or through a group it implies), with its holes. */
  where(group: string, access: Access): WhereResult;
  /**
   * A new index with `changes` applied, sharing every untouched part of this
   * one: only the changed directories' subtrees are recomputed. Throws like
   * `compile`. This index is left unchanged.
   */
  update(changes: IndexChanges, options?: { readonly revision?: string }): RightsIndex;
  /**
   * `update` in steps: each `next()` does a bounded amount of trie work (a
   * few hundred directories or files; see `Steps` for the linear passes over
   * the file map that run in one step) and the last returns the new index. For a
   * caller that keeps answering while a change to the root's pattern rules
   * rebuilds the whole trie: drive it and yield to the event loop between steps.
   */
  updateSteps(changes: IndexChanges, options?: { readonly revision?: string }): Generator<void, RightsIndex, void>;
  /**
   * Every indexed directory (of either index) whose effective groups differ
   * from `previous`, per level, sorted by path. Directories that are not
   * indexed answer like their deepest indexed ancestor, so this is complete
   * for every path that no pattern rule touches. Fast when this index was
   * made from `previous` by `update`: shared subtrees are skipped, unless the
   * root's own levels changed, which may change every directory below it.
   */
  changesSince(previous: RightsIndex): EffectiveChange[];
  /** `changesSince` in steps, as `updateSteps`. */
  changesSinceSteps(previous: RightsIndex): Generator<void, EffectiveChange[], void>;
  /**
   * How many (directory, level, group) grants `changesSince(previous)` adds
   * and removes, without listing them: the same walk as `changesSince`,
   * comparing transfers word by word, so no set or list is made per
   * directory (after a rebuild, or an edit of the root's levels, it visits
   * the whole tree).
   */
  grantCountsSince(previous: RightsIndex): GrantCounts;
  /** `grantCountsSince` in steps, as `updateSteps`. */
  grantCountsSinceSteps(previous: RightsIndex): Generator<void, GrantCounts, void>;
}

/** (directory, level, group) grants gained and lost between two indexes. */
export interface GrantCounts {
  readonly added: number;
  readonly removed: number;
}
