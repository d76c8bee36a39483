/** `compile`: parsed rights files in, an immutable `RightsIndex` out. */
import { TreeRightsError } from "./errors.js";
import { GroupSetPool } from "./group-set.js";
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
  const entries = [...files].map((file) => ({ file, segments: dirSegments(file) }));
  // Parents first, so every node's inherited sets are final when it is reached.
  entries.sort((a, b) => a.segments.length - b.segments.length);
  for (const { file } of entries) checkFile(file);

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
      const isOwn = i === segments.length - 1;
      node = parent.child(segment, () => {
        const made = new TrieNode(segments.slice(0, i + 1), isOwn ? file : null, parent.read);
        made.write = parent.write;
        return made;
      });
      if (isOwn && node.file !== file) {
        throw new TreeRightsError("invalid_rights", `two rights files for directory \`${formatPath(segments)}\``);
      }
    });
    node.read = pool.apply(file.READ, node.read);
    node.write = pool.apply(file.WRITE, node.write);
  }

  const ordered = entries.map((e) => e.file);
  const revision = options.revision ?? contentHash(ordered.map((f) => JSON.stringify([formatPath(normalizePath(f.dir)), f.READ, f.WRITE, f.patterns])));
  return new CompiledIndex(root, Object.freeze(ordered), revision);
}

function dirSegments(file: RightsFile): string[] {
  try {
    return normalizePath(file.dir);
  } catch (err) {
    const reason = err instanceof Error ? err.message : "not a string";
    throw new TreeRightsError("invalid_rights", `rights file directory is not a valid path: ${reason}`, { cause: err });
  }
}

function checkFile(file: RightsFile): void {
  for (const access of ACCESS_LEVELS) {
    const rule = file[access];
    if (rule !== undefined) checkLevel(rule, `${access} of \`${fileName(file)}\``);
  }
}

function checkLevel(rule: LevelRule, where: string): void {
  const { override, include, exclude } = rule;
  if (override === undefined && include === undefined && exclude === undefined) {
    throw new TreeRightsError("invalid_rights", `${where} has no keyword; use \`override\`, \`include\` or \`exclude\``);
  }
  if (override !== undefined && (include !== undefined || exclude !== undefined)) {
    throw new TreeRightsError("invalid_rights", `${where} combines \`override\` with \`include\` or \`exclude\``);
  }
  for (const list of [override, include, exclude]) {
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every(isGroupName)) {
      throw new TreeRightsError("invalid_rights", `${where} has a group that is not a non-empty string without surrounding whitespace`);
    }
  }
  const excluded = new Set(exclude);
  const both = include?.find((g) => excluded.has(g));
  if (both !== undefined) {
    throw new TreeRightsError("invalid_rights", `${where} both includes and excludes \`${both}\``);
  }
}

/** A group name is a non-empty string without leading or trailing whitespace (SPEC 1.1). */
export function isGroupName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.trim() === value;
}

/** The file's name for messages. */
export function fileName(file: RightsFile): string {
  if (file.file !== undefined) return file.file;
  const dir = formatPath(normalizePath(file.dir)).slice(1);
  return dir === "" ? "access.rights" : `${dir}/access.rights`;
}
