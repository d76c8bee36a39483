/** The directory trie of a compiled index. */
import type { GroupSet } from "./group-set.js";
import { DOT, HASH_PRIME, HASH_SEED, SLASH, checkPath, checkSegments, controlCharacter, isControl, isDotSegment, segmentHash } from "./path.js";
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
  /** The last segment (`""` for the root). */
  readonly name: string;
  /** `segmentHash(name)`. */
  readonly hash: number;
  // Open-addressing table over `children` for `find`, built on first use:
  // children are final by then (update only changes nodes it just made).
  slots: (TrieNode | undefined)[] | null = null;

  constructor(segments: readonly string[], inherited: GroupSet) {
    this.segments = segments;
    this.name = segments.length === 0 ? "" : (segments[segments.length - 1] as string);
    this.hash = segmentHash(this.name);
    this.read = inherited;
    this.write = inherited;
  }

  /**
   * The child named `path.slice(start, end)`, whose `segmentHash` is `hash`,
   * without slicing `path`: the hot step of every decision.
   */
  find(hash: number, path: string, start: number, end: number): TrieNode | undefined {
    const slots = this.slots ?? this.seal();
    const mask = slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const node = slots[i];
      if (node === undefined) return undefined;
      if (node.hash === hash && sameName(node.name, path, start, end)) return node;
    }
  }

  /** Builds the lookup table from `children`, at most half full. */
  seal(): (TrieNode | undefined)[] {
    const count = this.children?.size ?? 0;
    let size = 2;
    while (size < count * 2) size *= 2;
    const slots = new Array<TrieNode | undefined>(size).fill(undefined);
    for (const node of this.children?.values() ?? []) {
      let i = node.hash & (size - 1);
      while (slots[i] !== undefined) i = (i + 1) & (size - 1);
      slots[i] = node;
    }
    this.slots = slots;
    return slots;
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

/** `name === path.slice(start, end)`, without slicing: cheaper than `startsWith` for a short segment. */
function sameName(name: string, path: string, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  for (let k = 0; k < name.length; k++) if (name.charCodeAt(k) !== path.charCodeAt(start + k)) return false;
  return true;
}

/**
 * Validates `path` (SPEC 1.4, as `normalizePath`) and returns the deepest
 * indexed directory on it, in one pass: each segment is hashed only while
 * the walk can still descend, and the rest of the path is only validated.
 * The node's depth (`segments.length`) is how many normalized segments of
 * `path` it matched.
 */
export function deepestIndexed(root: TrieNode, path: string): TrieNode {
  checkPath(path);
  const n = path.length;
  let node = root;
  let start = 0;
  let i = 0;
  if (root.children !== null) {
    let hash = HASH_SEED;
    for (; i <= n; i++) {
      const c = i < n ? path.charCodeAt(i) : SLASH;
      // Most characters of a path: printable ASCII above `/`.
      if (c > SLASH && c < 0x7f) {
        hash = Math.imul(hash ^ c, HASH_PRIME);
      } else if (c === SLASH) {
        // `isDotSegment` throws on `..`.
        if (i > start && (path.charCodeAt(start) !== DOT || !isDotSegment(path, start, i))) {
          const child = node.find(hash, path, start, i);
          if (child !== undefined) node = child;
          // No child can match below here: the rest is only validated.
          if (child === undefined || child.children === null) break;
        }
        start = i + 1;
        hash = HASH_SEED;
      } else if (isControl(c)) {
        throw controlCharacter(path, i);
      } else {
        hash = Math.imul(hash ^ c, HASH_PRIME);
      }
    }
  }
  checkSegments(path, i);
  return node;
}

/** The path of `segments` relative to the directory at `depth`, `/`-joined. */
export function relativeTo(depth: number, segments: readonly string[], extra: readonly string[] = []): string {
  const parts = segments.slice(depth);
  return extra.length === 0 ? parts.join("/") : [...parts, ...extra].join("/");
}
