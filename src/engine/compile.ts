/** `compile`: parsed rights files in, an immutable `RightsIndex` out. */
import { TreeRightsError } from "./errors.js";
import { GroupSetPool, compareCodeUnits } from "./group-set.js";
import { contentHash } from "./hash.js";
import { formatPath, normalizePath } from "./path.js";
import { CompiledIndex } from "./rights-index.js";
import type { ScopedRule } from "./trie.js";
import { TrieNode, relativeTo } from "./trie.js";
import type { LevelRule, PatternRule, RightsFile, RightsIndex } from "./types.js";
import { ACCESS_LEVELS } from "./types.js";

/** Builds a test for a glob of a pattern rule; the loader passes micromatch with `dot: true`. */
export type GlobMatcher = (glob: string) => (relative: string) => boolean;

/** Options of `compile`. */
export interface CompileOptions {
  /** The revision to report; by default a content hash of the files. */
  readonly revision?: string;
  /** Needed when a file has pattern rules: the engine itself does no glob matching. */
  readonly matcher?: GlobMatcher;
}

/**
 * Compiles parsed rights files into an index whose checks cost O(path depth).
 * Throws `TreeRightsError` (`invalid_rights`) when the files break SPEC 1.1
 * rules or the root has no rights file.
 */
export function compile(files: Iterable<RightsFile>, options: CompileOptions = {}): RightsIndex {
  const byDir = new Map<string, { file: RightsFile; segments: string[] }>();
  for (const given of files) {
    const segments = dirSegments(given);
    const key = segments.join("/");
    if (byDir.has(key)) {
      throw new TreeRightsError("invalid_rights", `two rights files for directory \`${formatPath(segments)}\``);
    }
    byDir.set(key, { file: frozenCopy(given, segments), segments });
  }
  // Parents first, so every node's inherited sets are final when it is reached;
  // then by path, so the order (and the revision) does not depend on the caller's.
  const entries = [...byDir.values()].sort(
    (a, b) => a.segments.length - b.segments.length || compareCodeUnits(a.file.dir, b.file.dir),
  );

  const rootEntry = entries[0];
  if (rootEntry?.segments.length !== 0) {
    throw new TreeRightsError("invalid_rights", "the tree root has no rights file; the root `access.rights` is mandatory");
  }
  const pool = new GroupSetPool();
  const root = new TrieNode([], pool.of([]));
  for (const { file, segments } of entries) {
    let node = root;
    for (const segment of segments) node = node.child(segment);
    node.file = file;
  }
  computeSets(root, pool, options.matcher);

  const ordered = entries.map((e) => e.file);
  const revision = options.revision ?? contentHash(ordered.map((f) => JSON.stringify([f.dir, f.READ, f.WRITE, f.patterns])));
  return new CompiledIndex(root, Object.freeze(ordered), revision);
}

/**
 * Effective sets of every indexed directory, parents before children (SPEC
 * 1.2 and 1.3): the parent's sets, then matching pattern rules of strict
 * ancestors root down, then the directory's own file.
 */
function computeSets(root: TrieNode, pool: GroupSetPool, matcher: GlobMatcher | undefined): void {
  const stack: TrieNode[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const file = node.file;
    if (file !== null) {
      node.read = pool.apply(file.READ, node.read);
      node.write = pool.apply(file.WRITE, node.write);
      if (file.patterns !== undefined && file.patterns.length > 0) {
        node.scope = [...node.scope, ...scopedRules(file, node.segments.length, matcher)];
      }
    }
    for (const child of node.children?.values() ?? []) {
      child.read = node.read;
      child.write = node.write;
      child.scope = node.scope;
      for (const scoped of node.scope) {
        if (!scoped.test(relativeTo(scoped.depth, child.segments))) continue;
        child.read = pool.apply(scoped.rule.READ, child.read);
        child.write = pool.apply(scoped.rule.WRITE, child.write);
      }
      stack.push(child);
    }
  }
}

function scopedRules(file: RightsFile, depth: number, matcher: GlobMatcher | undefined): ScopedRule[] {
  if (matcher === undefined) {
    throw new TreeRightsError("invalid_option", `\`${file.file ?? file.dir}\` has pattern rules; pass a \`matcher\` to compile`);
  }
  return (file.patterns ?? []).map((rule) => ({ depth, file: file.file ?? "", rule, test: matcher(rule.match) }));
}

function dirSegments(file: RightsFile): string[] {
  if (!isObject(file)) {
    throw new TreeRightsError("invalid_rights", "a rights file must be an object");
  }
  try {
    return normalizePath(file.dir);
  } catch (err) {
    const reason = err instanceof Error ? err.message : "not a string";
    throw new TreeRightsError("invalid_rights", `rights file directory is not a valid path: ${reason}`, { cause: err });
  }
}

/**
 * A checked, frozen copy in canonical form (dir without leading `/`, key
 * order fixed), so later changes to the caller's objects cannot reach the index.
 */
function frozenCopy(given: RightsFile, segments: readonly string[]): RightsFile {
  const dir = segments.join("/");
  const file = given.file ?? (dir === "" ? "access.rights" : `${dir}/access.rights`);
  const copy: { -readonly [K in keyof RightsFile]: RightsFile[K] } = { dir, file };
  for (const access of ACCESS_LEVELS) {
    const rule = given[access];
    if (rule !== undefined) copy[access] = frozenLevel(rule, `${access} of \`${file}\``);
  }
  if (given.patterns !== undefined) {
    const patterns: unknown = given.patterns;
    if (!isList(patterns)) throw new TreeRightsError("invalid_rights", `patterns of \`${file}\` must be a list`);
    copy.patterns = Object.freeze(patterns.map((p, i) => frozenPattern(p as PatternRule, `pattern ${i + 1} of \`${file}\``)));
  }
  return Object.freeze(copy);
}

function frozenPattern(given: PatternRule, where: string): PatternRule {
  if (!isObject(given) || typeof given.match !== "string" || given.match === "") {
    throw new TreeRightsError("invalid_rights", `${where} needs a non-empty \`match\` glob`);
  }
  const copy: { -readonly [K in keyof PatternRule]: PatternRule[K] } = { match: given.match };
  for (const access of ACCESS_LEVELS) {
    const rule = given[access];
    if (rule !== undefined) copy[access] = frozenLevel(rule, `${access} of ${where}`);
  }
  if (given.at !== undefined) copy.at = Object.freeze({ line: given.at.line, column: given.at.column });
  return Object.freeze(copy);
}

function frozenLevel(rule: LevelRule, where: string): LevelRule {
  if (!isObject(rule)) {
    throw new TreeRightsError("invalid_rights", `${where} must be an object with \`override\`, \`include\` or \`exclude\``);
  }
  const { override, include, exclude, at } = rule;
  if (override === undefined && include === undefined && exclude === undefined) {
    throw new TreeRightsError("invalid_rights", `${where} has no keyword; use \`override\`, \`include\` or \`exclude\``);
  }
  if (override !== undefined && (include !== undefined || exclude !== undefined)) {
    throw new TreeRightsError("invalid_rights", `${where} combines \`override\` with \`include\` or \`exclude\``);
  }
  const copy: { -readonly [K in keyof LevelRule]: LevelRule[K] } = {};
  for (const keyword of ["override", "include", "exclude"] as const) {
    const list = rule[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every(isGroupName)) {
      throw new TreeRightsError("invalid_rights", `${where} has a group that is not a non-empty string without surrounding whitespace`);
    }
    copy[keyword] = Object.freeze([...list]);
  }
  const excluded = new Set(exclude);
  const both = include?.find((g) => excluded.has(g));
  if (both !== undefined) {
    throw new TreeRightsError("invalid_rights", `${where} both includes and excludes \`${both}\``);
  }
  if (at !== undefined) copy.at = Object.freeze({ line: at.line, column: at.column });
  return Object.freeze(copy);
}

/** A group name is a non-empty string without leading or trailing whitespace (SPEC 1.1). */
export function isGroupName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.trim() === value;
}

// Callers from plain JavaScript may hand anything to compile: check at runtime.
function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}
