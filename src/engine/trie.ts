/** The directory trie of a compiled index. */
import type { GroupSet } from "./group-set.js";
import type { PatternRule, RightsFile } from "./types.js";

/** A pattern rule with what it needs to be tested below its directory. */
export interface ScopedRule {
  /** Depth of the directory whose file holds the rule (0 for the root). */
  readonly depth: number;
  /** The file holding the rule, relative to the tree root. */
  readonly file: string;
  readonly rule: PatternRule;
  /** Tests a path relative to the rule's directory (`a/b.script`). */
  readonly test: (relative: string) => boolean;
}

/**
 * A directory that holds a rights file, or an ancestor of one.
 * INVARIANT: every ancestor of an indexed directory is indexed, and a path
 * whose deepest indexed directory has an empty `scope` has that directory's
 * effective sets.
 */
export class TrieNode {
  children: Map<string, TrieNode> | null = null;
  read: GroupSet;
  write: GroupSet;
  /** The rights file in this directory, if any. */
  file: RightsFile | null = null;
  /** Pattern rules of this directory's file and its ancestors', root down: those that may act below it. */
  scope: readonly ScopedRule[] = [];
  readonly segments: readonly string[];

  constructor(segments: readonly string[], inherited: GroupSet) {
    this.segments = segments;
    this.read = inherited;
    this.write = inherited;
  }

  /** The child named `segment`, created on demand. */
  child(segment: string): TrieNode {
    this.children ??= new Map();
    let node = this.children.get(segment);
    if (node === undefined) {
      node = new TrieNode([...this.segments, segment], this.read);
      this.children.set(segment, node);
    }
    return node;
  }
}

/** The path of `segments` relative to the directory at `depth`, `/`-joined. */
export function relativeTo(depth: number, segments: readonly string[], extra: readonly string[] = []): string {
  const parts = segments.slice(depth);
  return extra.length === 0 ? parts.join("/") : [...parts, ...extra].join("/");
}
