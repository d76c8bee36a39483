/**
 * Incremental recompilation: a new trie that shares every untouched node of
 * the old one and recomputes only the subtrees of changed directories.
 */
import { TreeRightsError } from "./errors.js";
import { GroupSetPool } from "./group-set.js";
import type { CheckedFile } from "./rights-file-check.js";
import { checkedFile, removedDir } from "./rights-file-check.js";
import { TrieNode, filesBelow, nodeAt, nodeAtDir } from "./trie.js";
import type { Trie } from "./trie.js";
import type { GlobMatcher } from "./trie-build.js";
import { buildTrie, computeSets, inherit, placeFiles, rootSets } from "./trie-build.js";
import type { Steps } from "./steps.js";
import { ENTRIES_PER_STEP, STEP_SIZE } from "./steps.js";
import type { IndexChanges, LevelRule, PatternRule, RightsFile } from "./types.js";

/** The parts of an index that `update` rebuilds: the trie, which holds every file at its directory, and their count. */
export interface TrieState {
  readonly trie: Trie;
  readonly fileCount: number;
}

/**
 * Applies `changes` to `state` without touching it, in steps. Directories
 * whose file changed are rebuilt whole with their subtrees; their ancestors
 * are copied (path copying) and everything else is shared. A change to the
 * root's levels only makes new root sets: every directory keeps its
 * transfer. Only a change to the root's pattern rules rebuilds everything.
 * The old trie is the map of the files that did not change: but for that
 * rebuild, the work is proportional to the changed subtrees, not to the
 * whole tree.
 */
export function* applyChanges(state: TrieState, changes: IndexChanges, matcher: GlobMatcher | undefined): Steps<TrieState> {
  // By directory: a file, or null for a removal; an upsert wins over a removal of the same directory.
  const changed = new Map<string, CheckedFile | null>();
  const touched: (readonly string[])[] = [];
  for (const dir of changes.remove ?? []) {
    const segments = removedDir(dir);
    const key = segments.join("/");
    if (!changed.has(key)) touched.push(segments);
    changed.set(key, null);
  }
  for (const given of changes.upsert ?? []) {
    const checked = checkedFile(given);
    if (!changed.has(checked.file.dir)) touched.push(checked.segments);
    changed.set(checked.file.dir, checked);
  }
  const old = state.trie;
  let fileCount = state.fileCount;
  for (const [key, now] of changed) {
    const before = nodeAtDir(old.root, key)?.file ?? null;
    fileCount += (now === null ? 0 : 1) - (before === null ? 0 : 1);
  }
  const rootChange = changed.get("");
  // Unchanged, the root's file is there (`buildTrie` refuses a tree without one); removed (null), the change is refused.
  const rootFile = rootChange === undefined ? old.root.file : (rootChange?.file ?? null);
  if (rootFile === null) throw new TreeRightsError("invalid_rights", "the tree root has no rights file");
  // Over new group ids: names the old trie no longer uses are forgotten (grant counts then compare by name).
  if (rootChange !== undefined && !samePatterns(old.root.file, rootFile)) {
    return { trie: yield* buildTrie(yield* allFiles(old, changed), matcher), fileCount };
  }

  const pool = new GroupSetPool(old.ids);
  const fresh = new Set<TrieNode>();
  const root = copyOf(old.root, fresh);
  root.file = rootFile;
  const tops = outermost(touched.filter((t) => t.length > 0));
  const upserts = upsertsByTop(tops, changed);
  let done = 0;
  for (const top of tops) {
    // A removal does little work each, but a checkout may remove thousands.
    if (++done % STEP_SIZE === 0) yield;
    const key = top.join("/");
    // The files under `top` this change leaves as they were (the old trie is never modified), and those it puts there.
    const kept = nodeAt(old.root, top);
    const files = kept === undefined ? [] : yield* filesBelow(kept, top, changed);
    for (const checked of upserts.get(key) ?? []) files.push(checked);
    const chain = [root];
    for (let depth = 1; depth < top.length; depth++) {
      chain.push(ownChild(chain[chain.length - 1] as TrieNode, top.slice(0, depth), pool, fresh));
    }
    const parent = chain[chain.length - 1] as TrieNode;
    const name = top[top.length - 1] as string;
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
  const sets = rootChange !== undefined ? rootSets(rootFile, pool) : { read: old.read, write: old.write };
  return { trie: { root, ...sets, ids: old.ids }, fileCount };
}

/**
 * Both files have pattern rules that mean the same: both none, or the same
 * globs and levels in the same order, wherever they stand in the file. A
 * change to the root's file that keeps them keeps the whole trie (see
 * `applyChanges`); any other change to it rebuilds it.
 */
export function samePatterns(a: RightsFile | null | undefined, b: RightsFile | null | undefined): boolean {
  const before = a?.patterns ?? [];
  const after = b?.patterns ?? [];
  return before.length === after.length && before.every((rule, i) => meaning(rule) === meaning(after[i]));
}

/** A pattern rule without its positions. */
function meaning(rule: PatternRule | undefined): string {
  if (rule === undefined) return "";
  const level = (l: LevelRule | undefined) => (l === undefined ? null : [l.override ?? null, l.include ?? null, l.exclude ?? null]);
  return JSON.stringify([rule.match, level(rule.READ), level(rule.WRITE)]);
}

/** The changed directories that have no changed ancestor, deduplicated. */
function outermost(dirs: readonly (readonly string[])[]): (readonly string[])[] {
  const byDepth = [...dirs].sort((a, b) => a.length - b.length);
  const kept: (readonly string[])[] = [];
  const keys = new Set<string>();
  for (const dir of byDepth) {
    if (keyAtOrAbove(dir, keys) !== undefined) continue;
    kept.push(dir);
    keys.add(dir.join("/"));
  }
  return kept;
}

/** The upserted files of `changed`, by the key of the top (one of `tops`) they are at or below. */
function upsertsByTop(tops: readonly (readonly string[])[], changed: ReadonlyMap<string, CheckedFile | null>): Map<string, CheckedFile[]> {
  const keys = new Set(tops.map((top) => top.join("/")));
  const byTop = new Map<string, CheckedFile[]>();
  for (const checked of changed.values()) {
    if (checked === null) continue;
    // Tops have no top above them, so there is at most one.
    const key = keyAtOrAbove(checked.segments, keys);
    if (key === undefined) continue;
    const list = byTop.get(key) ?? [];
    list.push(checked);
    byTop.set(key, list);
  }
  return byTop;
}

/** The key of the shortest non-empty prefix of `segments` (itself included) that `keys` holds. */
function keyAtOrAbove(segments: readonly string[], keys: ReadonlySet<string>): string | undefined {
  let key = "";
  for (const segment of segments) {
    key = key === "" ? segment : `${key}/${segment}`;
    if (keys.has(key)) return key;
  }
  return undefined;
}

/** Every file of `trie` with `changed` applied, by directory, in steps: what a rebuild starts from. */
function* allFiles(trie: Trie, changed: ReadonlyMap<string, CheckedFile | null>): Steps<Map<string, CheckedFile>> {
  const byDir = new Map<string, CheckedFile>();
  let n = 0;
  for (const checked of yield* filesBelow(trie.root, [], changed)) {
    byDir.set(checked.file.dir, checked);
    if (++n % ENTRIES_PER_STEP === 0) yield;
  }
  for (const checked of changed.values()) if (checked !== null) byDir.set(checked.file.dir, checked);
  return byDir;
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
