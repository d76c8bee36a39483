/**
 * `diffIndexes`: every (path, level) whose effective groups differ between two
 * compiled trees, each change tied to the rule that caused it, and changes
 * with one cause grouped so that a cascade reads as one entry with a count.
 */
import { compareCodeUnits } from "./group-set.js";
import { PathError } from "./errors.js";
import { canonicalPath } from "./path.js";
import type { AttributedChange } from "./diff-cause.js";
import { attribute, compareSegments, diffSide } from "./diff-cause.js";
import { fileChanges } from "./diff-files.js";
import { attributeHolders } from "./diff-implied.js";
import type { DiffCause, DiffEntry, DiffOptions, RightsDiff } from "./diff-types.js";
import type { Access, RightsIndex } from "./types.js";
import { ACCESS_LEVELS } from "./types.js";

/** A changed path, with its segments for ordering. */
interface Examined {
  readonly path: string;
  readonly segments: readonly string[];
}

interface EntryBuilder {
  readonly access: Access;
  readonly cause: DiffCause;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly paths: Examined[];
}

/**
 * The effective changes from `from` to `to` on every indexed directory of
 * either index and every path in `options.dirs`. For each group whose holding
 * differs, the cause is the deepest rule (file level or pattern rule) on the
 * path, in either tree, from which on the group's holding differs: in `to`
 * when it now grants or takes the group, in `from` when the rule that did is
 * gone. With implications (SPEC 1.5) in either index, a group holds a level
 * where it or a group it implies is in `eff`, and a change of holding that
 * an implication made names it (`keyword: "implies"`, with its `chain`).
 * Uses only the public `RightsIndex` API.
 */
export function diffIndexes(from: RightsIndex, to: RightsIndex, options: DiffOptions = {}): RightsDiff {
  const fromSide = diffSide(from);
  const toSide = diffSide(to);
  const examined = examinedPaths(from, to, options.dirs);
  const builders = new Map<string, EntryBuilder>();
  const changedPaths = new Set<string>();
  // SPEC 1.5: with implications, a change of `implies` alone changes who holds what.
  const implied = !from.implications.empty || !to.implications.empty;
  for (const path of examined) {
    let item: Examined | null = null;
    for (const access of ACCESS_LEVELS) {
      const before = from.groupsFor(access, path);
      const after = to.groupsFor(access, path);
      if (!implied && sameList(before, after)) continue;
      // A canonical path splits into its segments exactly: no segment holds a `/`.
      const segments: readonly string[] = item?.segments ?? (path === "/" ? [] : path.slice(1).split("/"));
      const parts = implied
        ? attributeHolders(fromSide, toSide, segments, access, before, after)
        : attribute(fromSide, toSide, segments, access, before, after);
      if (parts.length === 0) continue;
      changedPaths.add(path);
      item ??= { path, segments };
      for (const part of parts) builderFor(builders, access, part).paths.push(item);
    }
  }
  const entries = [...builders.values()].map(toEntry).sort(compareEntries).map((e) => e.entry);
  let grants = 0;
  let revocations = 0;
  for (const entry of entries) {
    grants += entry.added.length * entry.count;
    revocations += entry.removed.length * entry.count;
  }
  return Object.freeze({
    from: from.revision,
    to: to.revision,
    entries: Object.freeze(entries),
    files: fileChanges(from.files, to.files),
    summary: Object.freeze({ entries: entries.length, paths: changedPaths.size, grants, revocations, examined: examined.size }),
  });
}

// Both indexes' directories and the caller's, once each, canonical; unaddressable names are skipped.
function examinedPaths(from: RightsIndex, to: RightsIndex, dirs: Iterable<string> | undefined): Set<string> {
  const seen = new Set<string>();
  for (const dir of from.directories()) seen.add(dir.path);
  for (const dir of to.directories()) seen.add(dir.path);
  const given = new Set<string>();
  for (const dir of dirs ?? []) {
    // Both revisions list mostly the same directories: normalize each spelling once.
    if (given.has(dir)) continue;
    given.add(dir);
    try {
      seen.add(isPlainRelative(dir) ? `/${dir}` : canonicalPath(dir));
    } catch (err) {
      // A directory whose name no tree path can spell has no rights of its own to compare.
      if (!(err instanceof PathError)) throw err;
    }
  }
  return seen;
}

/**
 * True for `a/b` spelled canonically except for the leading `/` (the loaders'
 * form): no empty, `.` or `..` segment, no control character, short enough.
 * Anything else goes through `canonicalPath`. Saves its allocations on
 * 100,000-directory trees.
 */
function isPlainRelative(path: string): boolean {
  const n = path.length;
  // SPEC 1.4: at most 4096 UTF-8 bytes; a UTF-16 unit is at most 3 of them.
  if (n === 0 || n * 3 > 4095) return false;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - start;
      if (len === 0) return false;
      if (path.charCodeAt(start) === 0x2e && (len === 1 || (len === 2 && path.charCodeAt(start + 1) === 0x2e))) return false;
      start = i + 1;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      return false;
    }
  }
  return true;
}

function builderFor(builders: Map<string, EntryBuilder>, access: Access, part: AttributedChange): EntryBuilder {
  const added = part.added.sort(compareCodeUnits);
  const removed = part.removed.sort(compareCodeUnits);
  const { cause } = part;
  const key = JSON.stringify([access, cause.file, cause.match ?? null, cause.keyword, cause.side, cause.chain ?? null, added, removed]);
  let builder = builders.get(key);
  if (builder === undefined) {
    builder = { access, cause, added, removed, paths: [] };
    builders.set(key, builder);
  }
  return builder;
}

/** An entry with its topmost path's segments, for sorting. */
interface Sortable {
  readonly entry: DiffEntry;
  readonly top: readonly string[];
}

function toEntry(builder: EntryBuilder): Sortable {
  const paths = builder.paths.sort((a, b) => compareSegments(a.segments, b.segments));
  let top = paths[0];
  for (const item of paths) if (top === undefined || item.segments.length < top.segments.length) top = item;
  // INVARIANT: a builder is created with the path that needed it, so `top` is set.
  const head = top ?? { path: "/", segments: [] };
  const nested = paths.every((p) => p === head || isBelow(p.segments, head.segments));
  const entry: DiffEntry = Object.freeze({
    access: builder.access,
    path: head.path,
    added: Object.freeze(builder.added),
    removed: Object.freeze(builder.removed),
    cause: builder.cause,
    count: paths.length,
    paths: Object.freeze(paths.map((p) => p.path)),
    nested,
  });
  return { entry, top: head.segments };
}

function isBelow(path: readonly string[], top: readonly string[]): boolean {
  return path.length > top.length && top.every((segment, i) => path[i] === segment);
}

function compareEntries(x: Sortable, y: Sortable): number {
  const a = x.entry;
  const b = y.entry;
  return compareSegments(x.top, y.top)
    || compareCodeUnits(a.access, b.access)
    || compareCodeUnits(a.cause.file, b.cause.file)
    || compareCodeUnits(a.cause.match ?? "", b.cause.match ?? "")
    || compareCodeUnits(a.cause.keyword, b.cause.keyword)
    || compareCodeUnits(a.cause.side, b.cause.side)
    || compareCodeUnits((a.cause.chain ?? []).join("\u0000"), (b.cause.chain ?? []).join("\u0000"))
    || compareCodeUnits(a.added.join("\u0000"), b.added.join("\u0000"))
    || compareCodeUnits(a.removed.join("\u0000"), b.removed.join("\u0000"));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((g, i) => g === b[i]));
}
