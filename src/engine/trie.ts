/** The directory trie of a compiled index. */
import type { BitGroupSet, GroupIds, Transfer } from "./group-set.js";
import { HASH_PRIME, HASH_SEED, SLASH, isDot, segmentHash, validatePath } from "./path.js";
import type { CheckedFile } from "./rights-file-check.js";
import type { Steps } from "./steps.js";
import { ENTRIES_PER_STEP } from "./steps.js";
import type { PatternRule, RightsFile } from "./types.js";

/** A pattern rule with what it needs to be tested below its directory. */
export interface ScopedRule {
  /** Depth of the directory whose file holds the rule (0 for the root). */
  readonly depth: number;
  /** That directory, as the index keys its files (`""`, `a/b`). */
  readonly dir: string;
  /** The rule's place in that file's `patterns`. */
  readonly index: number;
  /**
   * The rule as compiled. An update may keep it when the file's new rules
   * mean the same (see `samePatterns`) though their positions moved: show
   * the file's current rule (`dir`, `index`), decide with either.
   */
  readonly rule: PatternRule;
  /** Tests a path relative to the rule's directory (`a/b.script`). */
  readonly test: (relative: string) => boolean;
}

const NO_RULES: readonly ScopedRule[] = Object.freeze([]);

/**
 * A directory that holds a rights file, or an ancestor of one.
 * INVARIANT: every ancestor of an indexed directory is indexed, and a path
 * whose deepest indexed directory has an empty `scope` has that directory's
 * effective sets.
 *
 * A node is small on purpose: its children live in one open-addressing
 * table, and it keeps no path (walks carry it). A rebuild of a large tree
 * allocates one node and at most one table per directory, so the young
 * generation GC that copies a fresh trie has little to copy.
 */
export class TrieNode {
  /** Children by name hash, linear probing, at most half full; `null` for a leaf. */
  slots: (TrieNode | undefined)[] | null = null;
  /** Number of children. */
  size = 0;
  /** What the rules from below the root down to here (pattern rules included) make of the root's sets. */
  read: Transfer;
  write: Transfer;
  /** The rights file in this directory, if any. */
  file: RightsFile | null = null;
  /** Pattern rules of this directory's file and its ancestors', root down: those that may act below it. */
  scope: readonly ScopedRule[] = NO_RULES;
  /** The last segment (`""` for the root). */
  readonly name: string;
  /** `segmentHash(name)`. */
  readonly hash: number;
  /** Number of segments in this directory's path (0 for the root). */
  readonly depth: number;

  constructor(name: string, depth: number, inherited: Transfer) {
    this.name = name;
    this.hash = segmentHash(name);
    this.depth = depth;
    this.read = inherited;
    this.write = inherited;
  }

  /**
   * The child named `path.slice(start, end)`, whose `segmentHash` is `hash`,
   * without slicing `path`: the hot step of every decision.
   */
  find(hash: number, path: string, start: number, end: number): TrieNode | undefined {
    const slots = this.slots;
    if (slots === null) return undefined;
    const mask = slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const node = slots[i];
      if (node === undefined) return undefined;
      if (node.hash === hash && sameName(node.name, path, start, end)) return node;
    }
  }

  /** The child named `name`. */
  get(name: string): TrieNode | undefined {
    return this.find(segmentHash(name), name, 0, name.length);
  }

  /** The children, sorted by name (code units). */
  children(): TrieNode[] {
    const list: TrieNode[] = [];
    for (const node of this.slots ?? []) if (node !== undefined) list.push(node);
    return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Adds `node` as a child, replacing the child of the same name. Only on a node the caller is building. */
  put(node: TrieNode): void {
    let slots = this.slots;
    if (slots === null || (this.size + 1) * 2 > slots.length) slots = this.#resize(slots === null ? 2 : slots.length * 2);
    const mask = slots.length - 1;
    for (let i = node.hash & mask; ; i = (i + 1) & mask) {
      const at = slots[i];
      if (at === undefined) {
        slots[i] = node;
        this.size++;
        return;
      }
      if (at.hash === node.hash && at.name === node.name) {
        slots[i] = node;
        return;
      }
    }
  }

  /** Drops the child named `name`, if any, in O(1) expected (backward-shift deletion). Only on a node the caller is building. */
  remove(name: string): void {
    const slots = this.slots;
    if (slots === null) return;
    const mask = slots.length - 1;
    let hole = segmentHash(name) & mask;
    for (;; hole = (hole + 1) & mask) {
      const node = slots[hole];
      if (node === undefined) return;
      if (node.name === name) break;
    }
    slots[hole] = undefined;
    if (--this.size === 0) {
      this.slots = null;
      return;
    }
    // Moves back every later entry of the run that may no longer be reached past the hole.
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const node = slots[j];
      if (node === undefined) return;
      const home = node.hash & mask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      slots[hole] = node;
      slots[j] = undefined;
      hole = j;
    }
  }

  /** The child named `segment`, created on demand with this node's sets. Only on a node the caller is building. */
  child(segment: string): TrieNode {
    let node = this.get(segment);
    if (node === undefined) {
      node = new TrieNode(segment, this.depth + 1, this.read);
      this.put(node);
    }
    return node;
  }

  /** A copy with the same sets, file and scope, and its own table of the same children. */
  copy(): TrieNode {
    const copy = new TrieNode(this.name, this.depth, this.read);
    copy.write = this.write;
    copy.file = this.file;
    copy.scope = this.scope;
    copy.slots = this.slots === null ? null : this.slots.slice();
    copy.size = this.size;
    return copy;
  }

  #resize(length: number): (TrieNode | undefined)[] {
    const old = this.slots ?? [];
    const slots = new Array<TrieNode | undefined>(length).fill(undefined);
    const mask = length - 1;
    for (const node of old) {
      if (node === undefined) continue;
      let i = node.hash & mask;
      while (slots[i] !== undefined) i = (i + 1) & mask;
      slots[i] = node;
    }
    this.slots = slots;
    return slots;
  }
}

/** `name === path.slice(start, end)`, without slicing: cheaper than `startsWith` for a short segment. */
function sameName(name: string, path: string, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  for (let k = 0; k < name.length; k++) if (name.charCodeAt(k) !== path.charCodeAt(start + k)) return false;
  return true;
}

/**
 * A compiled trie: its root node, the root's own effective sets (every
 * transfer starts from them), and the group ids of all its sets.
 */
export interface Trie {
  readonly root: TrieNode;
  readonly read: BitGroupSet;
  readonly write: BitGroupSet;
  readonly ids: GroupIds;
}

/**
 * Validates `path` (SPEC 1.4, as `normalizePath`: `validatePath`) and
 * returns the deepest indexed directory on it: each segment is hashed only
 * while the walk can still descend, and the walk ends at the first name the
 * trie does not have. The node's `depth` is how many normalized segments of
 * `path` it matched.
 */
export function deepestIndexed(root: TrieNode, path: string): TrieNode {
  validatePath(path);
  let node = root;
  if (root.slots === null) return node;
  const n = path.length;
  let start = 0;
  let hash = HASH_SEED;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? path.charCodeAt(i) : SLASH;
    if (c !== SLASH) {
      hash = Math.imul(hash ^ c, HASH_PRIME);
      continue;
    }
    if (i > start && !isDot(path, start, i)) {
      const child = node.find(hash, path, start, i);
      if (child !== undefined) node = child;
      // No child can match below here: the path is valid already, so the walk is over.
      if (child === undefined || child.slots === null) break;
    }
    start = i + 1;
    hash = HASH_SEED;
  }
  return node;
}

/** The node at the directory keyed `dir` (`""` for the root, `a/b`), if indexed. */
export function nodeAtDir(root: TrieNode, dir: string): TrieNode | undefined {
  return nodeAt(root, dir === "" ? [] : dir.split("/"));
}

/** The node at the directory `segments`, if indexed. */
export function nodeAt(root: TrieNode, segments: readonly string[]): TrieNode | undefined {
  let node: TrieNode | undefined = root;
  for (const segment of segments) {
    node = node.get(segment);
    if (node === undefined) return undefined;
  }
  return node;
}

/**
 * The rights files at or below `top` (at `segments`), with their segments,
 * but those `skip` names, in steps: the trie is the index's map of files,
 * so a subtree's files cost a walk of that subtree, not of the whole tree.
 */
export function* filesBelow(top: TrieNode, segments: readonly string[], skip?: ReadonlySet<string> | ReadonlyMap<string, unknown>): Steps<CheckedFile[]> {
  const found: CheckedFile[] = [];
  const stack: [TrieNode, readonly string[]][] = [[top, segments]];
  // Directories met, popped or pushed: a flat directory's children count too.
  let met = 0;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, at] = item;
    if (node.file !== null && skip?.has(node.file.dir) !== true) found.push({ file: node.file, segments: at });
    for (const child of node.slots ?? []) {
      if (child === undefined) continue;
      stack.push([child, [...at, child.name]]);
      if (++met % ENTRIES_PER_STEP === 0) yield;
    }
  }
  return found;
}

/** The path of `segments` relative to the directory at `depth`, `/`-joined. */
export function relativeTo(depth: number, segments: readonly string[]): string {
  return segments.slice(depth).join("/");
}
