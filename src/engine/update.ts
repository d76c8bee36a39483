/**
 * Incremental recompilation: a new trie that shares every untouched node of
 * the old one and recomputes only the subtrees of changed directories.
 */
import { TreeRightsError } from "./errors.js";
import { GroupSetPool } from "./group-set.js";
import type { CheckedFile } from "./rights-file-check.js";
import { checkedFile, removedDir } from "./rights-file-check.js";
import { TrieNode } from "./trie.js";
import type { GlobMatcher } from "./trie-build.js";
import { buildTrie, computeSets, inherit, placeFiles } from "./trie-build.js";
import type { Steps } from "./steps.js";
import type { IndexChanges } from "./types.js";

/** The parts of an index that `update` rebuilds. */
export interface TrieState {
  readonly root: TrieNode;
  readonly byDir: ReadonlyMap<string, CheckedFile>;
}

/**
 * Applies `changes` to `state` without touching it, in steps. Directories
 * whose file changed are rebuilt whole with their subtrees; their ancestors
 * are copied (path copying) and everything else is shared.
 */
export function* applyChanges(state: TrieState, changes: IndexChanges, matcher: GlobMatcher | undefined): Steps<TrieState> {
  const byDir = new Map(state.byDir);
  const touched: (readonly string[])[] = [];
  for (const dir of changes.remove ?? []) {
    const segments = removedDir(dir);
    byDir.delete(segments.join("/"));
    touched.push(segments);
  }
  for (const given of changes.upsert ?? []) {
    const checked = checkedFile(given);
    byDir.set(checked.file.dir, checked);
    touched.push(checked.segments);
  }
  const tops = outermost(touched);
  // Over the same group ids, so that sets of both tries compare word by word.
  if (tops.some((t) => t.length === 0)) return { root: yield* buildTrie(byDir, matcher, state.root.read), byDir };
  if (!byDir.has("")) throw new TreeRightsError("invalid_rights", "the tree root has no rights file");

  // Over the same group ids as the sets it keeps.
  const pool = new GroupSetPool(state.root.read);
  const fresh = new Set<TrieNode>();
  const root = copyOf(state.root, fresh);
  for (const top of tops) {
    const chain = [root];
    for (let depth = 1; depth < top.length; depth++) {
      chain.push(ownChild(chain[chain.length - 1] as TrieNode, top.slice(0, depth), pool, fresh));
    }
    const parent = chain[chain.length - 1] as TrieNode;
    const name = top[top.length - 1] as string;
    const files = filesUnder(byDir, top);
    if (files.length === 0) {
      parent.remove(name);
      prune(chain);
      continue;
    }
    const node = new TrieNode(name, top.length, parent.read);
    inherit(node, parent, pool, () => top);
    yield* placeFiles(node, files);
    yield* computeSets(node, top, pool, matcher);
    parent.put(node);
  }
  return { root, byDir };
}

/** The changed directories that have no changed ancestor, deduplicated. */
function outermost(dirs: readonly (readonly string[])[]): (readonly string[])[] {
  const byDepth = [...dirs].sort((a, b) => a.length - b.length);
  const kept: (readonly string[])[] = [];
  const keys = new Set<string>();
  for (const dir of byDepth) {
    const covered = dir.some((_, i) => keys.has(dir.slice(0, i).join("/"))) || keys.has(dir.join("/"));
    if (covered) continue;
    kept.push(dir);
    keys.add(dir.join("/"));
  }
  return kept;
}

function filesUnder(byDir: ReadonlyMap<string, CheckedFile>, top: readonly string[]): CheckedFile[] {
  const key = top.join("/");
  const prefix = `${key}/`;
  const found: CheckedFile[] = [];
  for (const [dir, checked] of byDir) if (dir === key || dir.startsWith(prefix)) found.push(checked);
  return found;
}

/** A private copy of `node` (same sets and file, its own child table) for this update. */
function copyOf(node: TrieNode, fresh: Set<TrieNode>): TrieNode {
  const copy = node.copy();
  fresh.add(copy);
  return copy;
}

/** The child at `segments` of a private node, itself made private: copied if shared, created (inheriting) if missing. */
function ownChild(parent: TrieNode, segments: readonly string[], pool: GroupSetPool, fresh: Set<TrieNode>): TrieNode {
  const name = segments[segments.length - 1] as string;
  const existing = parent.get(name);
  if (existing !== undefined && fresh.has(existing)) return existing;
  let child: TrieNode;
  if (existing === undefined) {
    child = new TrieNode(name, segments.length, parent.read);
    inherit(child, parent, pool, () => segments);
    fresh.add(child);
  } else {
    child = copyOf(existing, fresh);
  }
  parent.put(child);
  return child;
}

/** Drops directories left with neither a file nor children, from the bottom of `chain` up. */
function prune(chain: readonly TrieNode[]): void {
  for (let i = chain.length - 1; i > 0; i--) {
    const node = chain[i] as TrieNode;
    if (node.file !== null || node.size > 0) return;
    (chain[i - 1] as TrieNode).remove(node.name);
  }
}
