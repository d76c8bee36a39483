/** The directory trie of a compiled index. */
import type { GroupSet } from "./group-set.js";
import type { RightsFile } from "./types.js";

/**
 * A directory that holds a rights file, or an ancestor of one.
 * INVARIANT: every ancestor of an indexed directory is indexed, and a
 * directory that is not indexed has the effective sets of its deepest
 * indexed ancestor.
 */
export class TrieNode {
  children: Map<string, TrieNode> | null = null;
  read: GroupSet;
  write: GroupSet;
  /** The rights file in this directory, if any. */
  readonly file: RightsFile | null;
  readonly segments: readonly string[];

  constructor(segments: readonly string[], file: RightsFile | null, inherited: GroupSet) {
    this.segments = segments;
    this.file = file;
    this.read = inherited;
    this.write = inherited;
  }

  /** The child named `segment`, created on demand. */
  child(segment: string, make: () => TrieNode): TrieNode {
    this.children ??= new Map();
    let node = this.children.get(segment);
    if (node === undefined) {
      node = make();
      this.children.set(segment, node);
    }
    return node;
  }
}
