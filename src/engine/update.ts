/**
 * Incremental recompilation: a new trie that shares every untouched node of
 * the old one and recomputes only the subtrees of changed directories.
 */
import { TreeRightsError } from "./errors.js";
import { GroupSetPool } from "./group-set.js";
import type { CheckedFile } from "./rights-file-check.js";
import { checkedFile, removedDir } from "./rights-file-check.js";
import { TrieNode } from "./trie.js";
import type { Trie } from "./trie.js";
import type { GlobMatcher } from "./trie-build.js";
import { buildTrie, computeSets, inherit, placeFiles, rootSets } from "./trie-build.js";
import type { Steps } from "./steps.js";
import { ENTRIES_PER_STEP, STEP_SIZE } from "./steps.js";
import type { IndexChanges, LevelRule, PatternRule, RightsFile } from "./types.js";

/** The parts of an index that `update` rebuilds. */
export interface TrieState {
  readonly trie: Trie;
  readonly byDir: ReadonlyMap<string, CheckedFile>;
}

/**
 * Applies `changes` to `state` without touching it, in steps. Directories
 * whose file changed are rebuilt whole with their subtrees; their ancestors
 * are copied (path copying) and everything else is shared. A change to the
 * root's levels only makes new root sets: every directory keeps its
 * transfer. Only a change to the root's pattern rules rebuilds everything.
 */
export function* applyChanges(state: TrieState, changes: IndexChanges, matcher: GlobMatcher | undefined): Steps<TrieState> {
  const byDir = yield* copySteps(state.byDir);
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
  const rootFile = byDir.get("");
  if (rootFile === undefined) throw new TreeRightsError("invalid_rights", "the tree root has no rights file");
  const old = state.trie;
  const rootTouched = touched.some((t) => t.length === 0);
  // Over new group ids: names the old trie no longer uses are forgotten (grant counts then compare by name).
  if (rootTouched && !samePatterns(old.root.file, rootFile.file)) return { trie: yield* buildTrie(byDir, matcher), byDir };

  const pool = new GroupSetPool(old.ids);
  const fresh = new Set<TrieNode>();
  const root = copyOf(old.root, fresh);
  root.file = rootFile.file;
  let done = 0;
  for (const top of outermost(touched.filter((t) => t.length > 0))) {
    // A removal does little work each, but a checkout may remove thousands.
    if (++done % STEP_SIZE === 0) yield;
    const chain = [root];
    for (let depth = 1; depth < top.length; depth++) {
      chain.push(ownChild(chain[chain.length - 1] as TrieNode, top.slice(0, depth), pool, fresh));
    }
    const parent = chain[chain.length - 1] as TrieNode;
    const name = top[top.length - 1] as string;
    const files = yield* filesUnder(byDir, top);
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
  const sets = rootTouched ? rootSets(rootFile.file, pool) : { read: old.read, write: old.write };
  return { trie: { root, ...sets, ids: old.ids }, byDir };
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
    const covered = dir.some((_, i) => keys.has(dir.slice(0, i).join("/"))) || keys.has(dir.join("/"));
    if (covered) continue;
    kept.push(dir);
    keys.add(dir.join("/"));
  }
  return kept;
}

/** A copy of `map` (which must not change meanwhile), in steps: copying 10,000 entries at once took 1.5–3 ms. */
function* copySteps<K, V>(map: ReadonlyMap<K, V>): Steps<Map<K, V>> {
  const copy = new Map<K, V>();
  let n = 0;
  for (const [key, value] of map) {
    copy.set(key, value);
    if (++n % ENTRIES_PER_STEP === 0) yield;
  }
  return copy;
}

/** The files at or below the directory `top`, in steps. */
function* filesUnder(byDir: ReadonlyMap<string, CheckedFile>, top: readonly string[]): Steps<CheckedFile[]> {
  const key = top.join("/");
  const prefix = `${key}/`;
  const found: CheckedFile[] = [];
  let n = 0;
  for (const [dir, checked] of byDir) {
    if (dir === key || dir.startsWith(prefix)) found.push(checked);
    if (++n % ENTRIES_PER_STEP === 0) yield;
  }
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
