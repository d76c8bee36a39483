/**
 * Where the parts of a parsed rights file stand in its text: each level key,
 * keyword key and group, at the top and in each pattern rule. Lint places
 * its findings on the exact group or keyword with these.
 */
import type { Access, Keyword, Position } from "../../engine/index.js";

/** Where one level (`READ` or `WRITE`) and its parts stand. */
export interface LevelPlaces {
  /** The level key. */
  readonly at: Position;
  /** Each keyword key present. */
  readonly keywords: Partial<Record<Keyword, Position>>;
  /** Each group of each keyword, in list order (a lone name is a list of one). */
  readonly groups: Partial<Record<Keyword, readonly Position[]>>;
}

/** Where the levels of a rule (the file itself or one pattern rule) stand. */
export type RulePlaces = Partial<Record<Access, LevelPlaces>>;

/** Where a pattern rule stands: the item, its `match` value and its levels. */
export interface PatternPlaces extends RulePlaces {
  readonly at: Position;
  readonly match: Position;
}

/** Where the parts of one rights file stand; `patterns` in file order. */
export interface FilePlaces extends RulePlaces {
  readonly patterns: readonly PatternPlaces[];
}

/** The places of every rights file of a tree, by file path relative to the root. */
export type TreePlaces = ReadonlyMap<string, FilePlaces>;

const NO_PATTERNS: readonly PatternPlaces[] = Object.freeze([]);

/** Places of a file with no levels and no pattern rules (an empty file). */
export const EMPTY_PLACES: FilePlaces = Object.freeze({ patterns: NO_PATTERNS });

/** Where group `index` of `keyword` stands in `level`, else the keyword key, else the level key. */
export function groupPlace(level: LevelPlaces | undefined, keyword: Keyword, index: number): Position | undefined {
  return level?.groups[keyword]?.[index] ?? level?.keywords[keyword] ?? level?.at;
}
