/** The compiled index: decisions, explanations and holders, in O(path depth). */
import { TreeRightsError } from "./errors.js";
import type { GroupSet } from "./group-set.js";
import { GroupSetPool, applyRule, compareCodeUnits, transferHasId } from "./group-set.js";
import type { Transfer } from "./group-set.js";
import { formatPath, normalizePath } from "./path.js";
import { revisionOf, sortedFilesSteps } from "./rights-file-check.js";
import type { ScopedRule, Trie, TrieNode } from "./trie.js";
import { deepestIndexed, filesBelow, nodeAtDir, relativeTo } from "./trie.js";
import type { GlobMatcher } from "./trie-build.js";
import type {
  Access, EffectiveChange, ExplainStep, Explanation, GrantCounts, IndexChanges, IndexedDirectory, Keyword, LevelRule,
  RightsFile, RightsIndex, WhereResult,
} from "./types.js";
import { applyChanges } from "./update.js";
import type { Steps } from "./steps.js";
import { ENTRIES_PER_STEP, runSteps } from "./steps.js";
import { effectiveChanges, grantCounts } from "./changes.js";
import type { Side } from "./changes.js";
import { whereHeld } from "./where.js";
import type { Implications } from "./implies.js";

/** A group that implies others, with the groups it holds through them as names and as ids of the index's trie. */
interface Expansion {
  readonly names: readonly string[];
  readonly ids: readonly number[];
}

/** The `RightsIndex` built by `compile`; immutable once constructed. */
export class CompiledIndex implements RightsIndex {
  readonly revision: string;
  readonly fileCount: number;
  readonly implications: Implications;
  readonly exclusive: readonly (readonly string[])[];
  readonly #trie: Trie;
  readonly #root: TrieNode;
  readonly #matcher: GlobMatcher | undefined;
  // Sorted on first use: an incremental update need not pay for it.
  #files: readonly RightsFile[] | null = null;
  // Effective sets of the transfers asked about so far, per level: few (transfers are interned).
  readonly #read = new Map<Transfer, GroupSet>();
  readonly #write = new Map<Transfer, GroupSet>();
  #pool: GroupSetPool | null = null;
  // Null when no group implies another: `check` then does what it did before SPEC 1.5, and one test more.
  readonly #expansions: ReadonlyMap<string, Expansion> | null;

  /** `trie` holds the index's files, `fileCount` of them, each at its directory's node: it is the map of files too. */
  constructor(trie: Trie, revision: string, fileCount: number, matcher: GlobMatcher | undefined, implications: Implications, exclusive: readonly (readonly string[])[]) {
    this.#trie = trie;
    this.#root = trie.root;
    this.#matcher = matcher;
    this.fileCount = fileCount;
    this.revision = revision;
    this.implications = implications;
    this.exclusive = exclusive;
    this.#expansions = implications.empty ? null : expansions(implications, trie);
    Object.freeze(this);
  }

  get files(): readonly RightsFile[] {
    this.#files ??= Object.freeze(runSteps(sortedFilesSteps(runSteps(filesBelow(this.#root, [])))).map((e) => e.file));
    return this.#files;
  }

  *visitFilesSteps(visit: (file: RightsFile) => void): Steps<void> {
    // A walk of the trie that builds nothing: the index keeps no list of its files for it.
    const stack: TrieNode[] = [this.#root];
    let met = 0;
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      if (node.file !== null) visit(node.file);
      for (const child of node.slots ?? []) {
        if (child === undefined) continue;
        stack.push(child);
        if (++met % ENTRIES_PER_STEP === 0) yield;
      }
    }
  }

  update(changes: IndexChanges, options: { readonly revision?: string } = {}): RightsIndex {
    return runSteps(this.updateSteps(changes, options));
  }

  *updateSteps(changes: IndexChanges, options: { readonly revision?: string } = {}): Steps<RightsIndex> {
    const next = yield* applyChanges({ trie: this.#trie, fileCount: this.fileCount }, changes, this.#matcher);
    // The default revision hashes every file: a caller that reloads often gives its own (the loader does).
    const revision = options.revision ?? revisionOf((yield* sortedFilesSteps(yield* filesBelow(next.trie.root, []))).map((e) => e.file));
    return new CompiledIndex(next.trie, revision, next.fileCount, this.#matcher, this.implications, this.exclusive);
  }

  changesSince(previous: RightsIndex): EffectiveChange[] {
    return runSteps(this.changesSinceSteps(previous));
  }

  changesSinceSteps(previous: RightsIndex): Steps<EffectiveChange[]> {
    const before = compiled(previous, "changesSince");
    return effectiveChanges(before.#side(), this.#side());
  }

  grantCountsSince(previous: RightsIndex): GrantCounts {
    return runSteps(this.grantCountsSinceSteps(previous));
  }

  grantCountsSinceSteps(previous: RightsIndex): Steps<GrantCounts> {
    const before = compiled(previous, "grantCountsSince");
    return grantCounts(before.#side(), this.#side());
  }

  #side(): Side {
    return {
      root: this.#root,
      sets: this.#trie,
      at: (node, access) => this.#effective(node, access),
      lookup: (segments, access) => this.#lookup(formatPath(segments), access),
    };
  }

  /** The effective set of `access` at `node` (before pattern rules below it): its transfer applied to the root's set. */
  #effective(node: TrieNode, access: Access): GroupSet {
    const transfer = transferOf(node, access);
    if (transfer.over !== null) return transfer.over;
    const memo = access === "READ" ? this.#read : this.#write;
    let set = memo.get(transfer);
    if (set === undefined) {
      this.#pool ??= new GroupSetPool(this.#trie.ids);
      set = this.#pool.evaluate(transfer, access === "READ" ? this.#trie.read : this.#trie.write);
      memo.set(transfer, set);
    }
    return set;
  }

  *directories(): Generator<IndexedDirectory> {
    const stack: [TrieNode, string][] = [[this.#root, "/"]];
    for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
      const [node, path] = item;
      yield Object.freeze({ path, read: this.#effective(node, "READ").sorted, write: this.#effective(node, "WRITE").sorted, file: node.file });
      // Reversed so that siblings come out sorted by name.
      const prefix = path === "/" ? path : `${path}/`;
      for (const child of node.children().reverse()) stack.push([child, `${prefix}${child.name}`]);
    }
  }

  where(group: string, access: Access): WhereResult {
    checkAccess(access);
    if (typeof group !== "string") throw invalidGroups();
    const concerned = this.implications.expand([group]);
    return whereHeld(this.#root, group, concerned, access, (node) => {
      const set = this.#effective(node, access);
      return concerned.some((g) => set.has(g));
    });
  }

  check(groups: readonly string[], access: Access, path: string): boolean {
    const node = deepestIndexed(this.#root, path);
    const transfer = transferOf(node, access);
    if (!Array.isArray(groups)) throw invalidGroups();
    // Pattern rules in scope: the set of the path itself (rare; see `#lookup`).
    const set = node.scope.length === 0 ? null : this.#lookup(path, access);
    const root = access === "READ" ? this.#trie.read : this.#trie.write;
    const ids = this.#trie.ids;
    const expansions = this.#expansions;
    // Every group is checked, so a bad list fails the same whatever the tree says.
    let allowed = false;
    for (const group of groups) {
      if (typeof group !== "string") throw invalidGroups();
      if (allowed) continue;
      if (set !== null) {
        allowed = set.has(group);
      } else {
        const id = ids.find(group);
        allowed = id !== undefined && transferHasId(transfer, root, id);
      }
      // SPEC 1.5: the groups `group` implies decide too.
      if (!allowed && expansions !== null) {
        const implied = expansions.get(group);
        // Plain loops: a closure per call would cost every caller holding an implying group an allocation.
        if (implied !== undefined && set !== null) {
          for (const name of implied.names) if (set.has(name)) allowed = true;
        } else if (implied !== undefined) {
          for (const id of implied.ids) if (transferHasId(transfer, root, id)) allowed = true;
        }
      }
    }
    return allowed;
  }

  checker(groups: readonly string[], access: Access): (path: string) => boolean {
    checkAccess(access);
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === "string")) throw invalidGroups();
    // SPEC 1.5: a holder of a group holds what it implies.
    const list = [...this.implications.expand(groups)];
    const root = access === "READ" ? this.#trie.read : this.#trie.write;
    // Ids of the groups this index knows; the others hold nothing here.
    const ids: number[] = [];
    for (const group of list) {
      const id = this.#trie.ids.find(group);
      if (id !== undefined) ids.push(id);
    }
    return (path) => {
      const node = deepestIndexed(this.#root, path);
      if (node.scope.length > 0) {
        const set = this.#lookup(path, access);
        return list.some((group) => set.has(group));
      }
      const transfer = access === "READ" ? node.read : node.write;
      for (const id of ids) if (transferHasId(transfer, root, id)) return true;
      return false;
    };
  }

  groupsFor(access: Access, path: string): readonly string[] {
    return this.#lookup(path, access).sorted;
  }

  explain(groups: readonly string[], access: Access, path: string): Explanation {
    const segments = normalizePath(path);
    checkAccess(access);
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === "string")) throw invalidGroups();
    const steps: ExplainStep[] = [];
    let current: ReadonlySet<string> = new Set();
    const record = (dir: readonly string[], file: string, rule: LevelRule | undefined, match?: string): void => {
      const after = applyRule(rule, current);
      steps.push(step(formatPath(dir), file, rule, sorted(current), sorted(after), match));
      current = after;
    };
    // SPEC 1.3: at each prefix, strict ancestors' matching pattern rules root down, then its own file.
    let node: TrieNode | undefined = this.#root;
    let scope: readonly ScopedRule[] = [];
    for (let depth = 0; depth <= segments.length; depth++) {
      const prefix = segments.slice(0, depth);
      for (const scoped of scope) {
        if (!scoped.test(relativeTo(scoped.depth, prefix))) continue;
        // As the file reads now (positions may have moved since the rule was compiled).
        const owner = nodeAtDir(this.#root, scoped.dir)?.file;
        const rule = owner?.patterns?.[scoped.index] ?? scoped.rule;
        record(prefix, owner?.file ?? "", rule[access], rule.match);
      }
      if (node?.file != null) record(prefix, node.file.file ?? "", node.file[access]);
      if (node !== undefined) scope = node.scope;
      const next = segments[depth];
      node = next === undefined ? undefined : node?.get(next);
    }
    const effective = sorted(current);
    const held = current;
    // SPEC 1.5: a caller's group decides when it, or a group it implies, holds the level; name the chain of the latter.
    const chains: (readonly string[])[] = [];
    const deciding = [...new Set(groups)].sort(compareCodeUnits).filter((g) => {
      if (held.has(g)) return true;
      const chain = this.implications.chain(g, held);
      if (chain !== null) chains.push(Object.freeze(chain));
      return chain !== null;
    });
    return Object.freeze({
      allowed: deciding.length > 0,
      access,
      path: formatPath(segments),
      groups: Object.freeze([...groups]),
      steps: Object.freeze(steps),
      effective,
      deciding: Object.freeze(deciding),
      ...(chains.length > 0 ? { chains: Object.freeze(chains) } : {}),
      revision: this.revision,
    });
  }

  /**
   * Validates `path` and finds the groups holding `access` on it in one pass:
   * the deepest indexed directory's set, or, when pattern rules are in scope
   * there, that set with the rules applied to each deeper prefix.
   */
  #lookup(path: string, access: Access): GroupSet {
    const node = deepestIndexed(this.#root, path);
    const set = this.#effective(node, access);
    // Only pattern rules can act below the deepest indexed directory.
    if (node.scope.length === 0) return set;
    const segments = normalizePath(path);
    return segments.length === node.depth ? set : beyondIndex(node, segments, access, set.members);
  }
}

/** For each group that implies others, the groups it implies, with the ids the trie knows them by (one it does not know holds nothing here). */
function expansions(implications: Implications, trie: Trie): Map<string, Expansion> {
  const out = new Map<string, Expansion>();
  for (const group of implications.declared.keys()) {
    const names = implications.implied(group);
    const ids: number[] = [];
    for (const name of names) {
      const id = trie.ids.find(name);
      if (id !== undefined) ids.push(id);
    }
    out.set(group, { names, ids });
  }
  return out;
}

function compiled(index: RightsIndex, method: string): CompiledIndex {
  if (!(index instanceof CompiledIndex)) {
    throw new TreeRightsError("invalid_option", `\`${method}\` needs an index made by \`compile\` or \`update\``);
  }
  return index;
}

/** SPEC 1.3 for prefixes of `segments` below the deepest indexed directory, `node`: only pattern rules act there. */
function beyondIndex(node: TrieNode, segments: readonly string[], access: Access, members: ReadonlySet<string>): GroupSet {
  let current = members;
  for (let k = node.depth + 1; k <= segments.length; k++) {
    const prefix = segments.slice(0, k);
    for (const scoped of node.scope) {
      const rule = scoped.rule[access];
      if (rule !== undefined && scoped.test(relativeTo(scoped.depth, prefix))) current = applyRule(rule, current);
    }
  }
  const result = current;
  return { has: (group) => result.has(group), members: result, get sorted() { return sorted(result); } };
}

const NOBODY: readonly string[] = Object.freeze([]);

function sorted(members: ReadonlySet<string>): readonly string[] {
  return members.size === 0 ? NOBODY : Object.freeze([...members].sort(compareCodeUnits));
}

function transferOf(node: TrieNode, access: Access): Transfer {
  if (access === "READ") return node.read;
  // Callers from plain JavaScript or JSON can pass anything: fail closed with an error.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  if (access === "WRITE") return node.write;
  throw invalidAccess(access);
}

function checkAccess(access: unknown): void {
  if (access !== "READ" && access !== "WRITE") throw invalidAccess(access);
}

function invalidAccess(access: unknown): TreeRightsError {
  return new TreeRightsError("invalid_access", `access \`${String(access)}\` is not \`READ\` or \`WRITE\``);
}

function invalidGroups(): TreeRightsError {
  return new TreeRightsError("invalid_groups", "groups must be a list of strings");
}

function step(
  dir: string, file: string, rule: LevelRule | undefined,
  before: readonly string[], after: readonly string[], match?: string,
): ExplainStep {
  const keywords: Keyword[] = [];
  const lists: { override?: readonly string[]; include?: readonly string[]; exclude?: readonly string[] } = {};
  for (const keyword of ["override", "include", "exclude"] as const) {
    const list = rule?.[keyword];
    if (list !== undefined) {
      keywords.push(keyword);
      lists[keyword] = list;
    }
  }
  return Object.freeze({
    dir,
    file,
    ...(match !== undefined ? { match } : {}),
    keywords: Object.freeze(keywords),
    ...lists,
    ...(rule?.at ? { at: rule.at } : {}),
    before,
    after,
  });
}
