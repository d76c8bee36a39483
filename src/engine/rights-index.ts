/** The compiled index: decisions, explanations and holders, in O(path depth). */
import { TreeRightsError } from "./errors.js";
import type { GroupSet } from "./group-set.js";
import { compareCodeUnits } from "./group-set.js";
import { formatPath, normalizePath, scanPath } from "./path.js";
import type { TrieNode } from "./trie.js";
import type { Access, ExplainStep, Explanation, Keyword, LevelRule, RightsFile, RightsIndex } from "./types.js";

/** The `RightsIndex` built by `compile`; immutable once constructed. */
export class CompiledIndex implements RightsIndex {
  readonly revision: string;
  readonly fileCount: number;
  readonly files: readonly RightsFile[];
  readonly #root: TrieNode;

  constructor(root: TrieNode, files: readonly RightsFile[], revision: string) {
    this.#root = root;
    this.files = files;
    this.fileCount = files.length;
    this.revision = revision;
    Object.freeze(this);
  }

  check(groups: readonly string[], access: Access, path: string): boolean {
    const set = effective(this.#resolve(path), access);
    if (!Array.isArray(groups)) throw invalidGroups();
    // Every group is checked, so a bad list fails the same whatever the tree says.
    let allowed = false;
    for (const group of groups) {
      if (typeof group !== "string") throw invalidGroups();
      if (!allowed && set.members.has(group)) allowed = true;
    }
    return allowed;
  }

  groupsFor(access: Access, path: string): readonly string[] {
    return effective(this.#resolve(path), access).sorted;
  }

  explain(groups: readonly string[], access: Access, path: string): Explanation {
    const segments = normalizePath(path);
    checkAccess(access);
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === "string")) throw invalidGroups();
    const steps: ExplainStep[] = [];
    let inherited: GroupSet | null = null;
    for (const node of this.#walk(segments)) {
      const after = effective(node, access);
      if (node.file !== null) {
        steps.push(step(node, access, inherited?.sorted ?? NOBODY, after.sorted));
      }
      inherited = after;
    }
    const last = effective(this.#deepest(segments), access);
    const deciding = [...new Set(groups.filter((g) => last.members.has(g)))].sort(compareCodeUnits);
    return Object.freeze({
      allowed: deciding.length > 0,
      access,
      path: formatPath(segments),
      groups: Object.freeze([...groups]),
      steps: Object.freeze(steps),
      effective: last.sorted,
      deciding: Object.freeze(deciding),
      revision: this.revision,
    });
  }

  /** Validates `path` and finds its deepest indexed directory in one pass. */
  #resolve(path: string): TrieNode {
    let node = this.#root;
    let walking = true;
    scanPath(path, (from, start, end) => {
      if (!walking) return;
      const child = node.children?.get(from.slice(start, end));
      if (child === undefined) walking = false;
      else node = child;
    });
    return node;
  }

  /** The deepest indexed directory on the path (the root at least). */
  #deepest(segments: readonly string[]): TrieNode {
    let node = this.#root;
    for (const segment of segments) {
      const child = node.children?.get(segment);
      if (child === undefined) break;
      node = child;
    }
    return node;
  }

  /** Every indexed directory on the path, from the root down. */
  *#walk(segments: readonly string[]): Generator<TrieNode> {
    let node: TrieNode | undefined = this.#root;
    yield node;
    for (const segment of segments) {
      node = node.children?.get(segment);
      if (node === undefined) return;
      yield node;
    }
  }
}

const NOBODY: readonly string[] = Object.freeze([]);

function effective(node: TrieNode, access: Access): GroupSet {
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

function step(node: TrieNode, access: Access, before: readonly string[], after: readonly string[]): ExplainStep {
  const file = node.file as RightsFile;
  const rule: LevelRule | undefined = file[access];
  const keywords: Keyword[] = [];
  const lists: { override?: readonly string[]; include?: readonly string[]; exclude?: readonly string[] } = {};
  for (const keyword of ["override", "include", "exclude"] as const) {
    const list = rule?.[keyword];
    if (list !== undefined) {
      keywords.push(keyword);
      lists[keyword] = Object.freeze([...list]);
    }
  }
  return Object.freeze({
    dir: formatPath(node.segments),
    // compile() always sets `file`.
    file: file.file ?? "",
    keywords: Object.freeze(keywords),
    ...lists,
    ...(rule?.at ? { at: rule.at } : {}),
    before,
    after,
  });
}
