/** `compile`: parsed rights files in, an immutable `RightsIndex` out. */
import { TreeRightsError } from "./errors.js";
import { GroupSetPool, compareCodeUnits } from "./group-set.js";
import { contentHash } from "./hash.js";
import { formatPath, normalizePath } from "./path.js";
import { CompiledIndex } from "./rights-index.js";
import { TrieNode } from "./trie.js";
import type { LevelRule, RightsFile, RightsIndex } from "./types.js";
import { ACCESS_LEVELS } from "./types.js";

/** Options of `compile`. */
export interface CompileOptions {
  /** The revision to report; by default a content hash of the files. */
  readonly revision?: string;
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

  const pool = new GroupSetPool();
  const empty = pool.of([]);
  const rootEntry = entries[0];
  if (rootEntry?.segments.length !== 0) {
    throw new TreeRightsError("invalid_rights", "the tree root has no rights file; the root `access.rights` is mandatory");
  }
  const root = new TrieNode([], rootEntry.file, empty);
  root.read = pool.apply(rootEntry.file.READ, empty);
  root.write = pool.apply(rootEntry.file.WRITE, empty);

  for (const { file, segments } of entries.slice(1)) {
    let node = root;
    segments.forEach((segment, i) => {
      const parent = node;
      node = parent.child(segment, () => {
        const made = new TrieNode(segments.slice(0, i + 1), i === segments.length - 1 ? file : null, parent.read);
        made.write = parent.write;
        return made;
      });
    });
    node.read = pool.apply(file.READ, node.read);
    node.write = pool.apply(file.WRITE, node.write);
  }

  const ordered = entries.map((e) => e.file);
  const revision = options.revision ?? contentHash(ordered.map((f) => JSON.stringify([f.dir, f.READ, f.WRITE, f.patterns])));
  return new CompiledIndex(root, Object.freeze(ordered), revision);
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
  if (given.patterns !== undefined) copy.patterns = Object.freeze(given.patterns.map((p) => Object.freeze({ ...p })));
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
