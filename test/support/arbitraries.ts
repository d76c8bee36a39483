/**
 * fast-check arbitraries for rights trees and queries. Names come from small
 * pools so that generated paths collide with each other and with the tree,
 * and the pools hold the awkward names (`__proto__`, `é` vs `e\u0301`, ...).
 */
import fc from "fast-check";
import type { Access, LevelRule, RightsFile } from "../../src/engine/index.js";

/** Directory names: few, so paths collide; awkward ones on purpose. */
export const SEGMENTS: readonly string[] = Object.freeze([
  "a", "b", "A", "__proto__", "constructor", "...", "\u00e9", "e\u0301", "x y", "%2F",
]);

/** Names that appear below directories but never as one (leaves, values, scripts). */
export const LEAVES: readonly string[] = Object.freeze(["value", "pump.script", ".hidden", "toString"]);

/** Group names: few, so rules interact; awkward ones on purpose. */
export const GROUPS: readonly string[] = Object.freeze([
  "ops", "eng", "admin", "__proto__", "constructor", "/ops/shift-a", "\u00e9",
]);

/** A group no rule ever names. */
export const STRANGER = "nobody";

/** A generated rights tree. */
export interface GenTree {
  /** Every directory, as segments, parents before children; the root (`[]`) first. */
  readonly dirs: readonly (readonly string[])[];
  /** The rights files; the root's is always there. `dir` is spelled in random ways. */
  readonly files: readonly RightsFile[];
}

/** Options of `levelRuleArb` and `treeArb`. */
export interface GenOptions {
  readonly segments?: readonly string[];
  readonly groups?: readonly string[];
  /** Allow `include: []` / `exclude: []` and repeated names in a list (default true). */
  readonly looseLists?: boolean;
  /** Most directory paths drawn before closing under prefixes (default 6). */
  readonly maxPaths?: number;
  /** Deepest directory (default 4). */
  readonly maxDepth?: number;
}

/** One level of a file: absent, `override` (incl. `[]`), `include`, `exclude`, or both disjoint. */
export function levelRuleArb(options: GenOptions = {}): fc.Arbitrary<LevelRule | undefined> {
  const groups = options.groups ?? GROUPS;
  const loose = options.looseLists ?? true;
  const group = fc.constantFrom(...groups);
  const list = (minLength: number): fc.Arbitrary<string[]> =>
    loose ? fc.array(group, { minLength, maxLength: 3 }) : fc.uniqueArray(group, { minLength, maxLength: 3 });
  const disjoint = fc
    .record({ members: fc.uniqueArray(group, { minLength: 2, maxLength: 5 }), cut: fc.nat() })
    .map(({ members, cut }) => {
      const at = 1 + (cut % (members.length - 1));
      return { include: members.slice(0, at), exclude: members.slice(at) };
    });
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: list(0).map((override) => ({ override })), weight: 2 },
    { arbitrary: list(loose ? 0 : 1).map((include) => ({ include })), weight: 2 },
    { arbitrary: list(loose ? 0 : 1).map((exclude) => ({ exclude })), weight: 2 },
    { arbitrary: disjoint, weight: 2 },
  );
}

/** The READ and WRITE of one file. */
export interface Levels {
  readonly READ: LevelRule | undefined;
  readonly WRITE: LevelRule | undefined;
}

/** Both levels of one file. */
export function levelsArb(options: GenOptions = {}): fc.Arbitrary<Levels> {
  return fc.record({ READ: levelRuleArb(options), WRITE: levelRuleArb(options) });
}

/** A rights file for `dir` holding `levels` (absent levels left out, as a parser would). */
export function rightsFile(dir: string, levels: Levels): RightsFile {
  return {
    dir,
    ...(levels.READ !== undefined ? { READ: levels.READ } : {}),
    ...(levels.WRITE !== undefined ? { WRITE: levels.WRITE } : {}),
  };
}

/** How a path is written: indexes into the spelling tables below. */
export interface Spelling {
  readonly lead: number;
  readonly seps: readonly number[];
  readonly trail: number;
}

const LEADS = ["", "/", "//", "./", "/./"];
const SEPS = ["/", "/", "//", "/./", "/.//"];
const TRAILS = ["", "/", "/.", "//", "/./"];

/** A random way of writing a path: leading `/` or not, `//`, `.` segments, trailing `/`. */
export const spellingArb: fc.Arbitrary<Spelling> = fc.record({
  lead: fc.nat({ max: LEADS.length - 1 }),
  seps: fc.array(fc.nat({ max: SEPS.length - 1 }), { maxLength: 4 }),
  trail: fc.nat({ max: TRAILS.length - 1 }),
});

/** The plain spelling: `/a/b`, `/` for the root. */
export const PLAIN: Spelling = Object.freeze({ lead: 1, seps: [], trail: 0 });

/** Writes `segments` as a path string that normalizes back to them. */
export function spell(segments: readonly string[], spelling: Spelling): string {
  let out = LEADS[spelling.lead] ?? "";
  segments.forEach((segment, i) => {
    if (i > 0) out += SEPS[spelling.seps[i % Math.max(1, spelling.seps.length)] ?? 0] ?? "/";
    out += segment;
  });
  return out + (TRAILS[spelling.trail] ?? "");
}

/** The canonical key of a directory: its segments joined by `/` (`""` for the root). */
export function keyOf(segments: readonly string[]): string {
  return segments.join("/");
}

/** A random rights tree: directories closed under prefixes, some with rights files, the root's always. */
export function treeArb(options: GenOptions = {}): fc.Arbitrary<GenTree> {
  const maxPaths = options.maxPaths ?? 6;
  const maxDepth = options.maxDepth ?? 4;
  const segment = fc.constantFrom(...(options.segments ?? SEGMENTS));
  const slots = maxPaths * maxDepth + 1;
  // One slot per possible directory, so the shape and the rules shrink independently.
  const slot = fc.record({ hasFile: fc.boolean(), levels: levelsArb(options), spelling: spellingArb });
  return fc
    .record({
      paths: fc.array(fc.array(segment, { minLength: 1, maxLength: maxDepth }), { maxLength: maxPaths }),
      slots: fc.array(slot, { minLength: slots, maxLength: slots }),
    })
    .map(({ paths, slots }) => {
      const dirs: string[][] = [[]];
      const seen = new Set([""]);
      for (const path of paths) {
        for (let depth = 1; depth <= path.length; depth++) {
          const prefix = path.slice(0, depth);
          if (!seen.has(keyOf(prefix))) {
            seen.add(keyOf(prefix));
            dirs.push(prefix);
          }
        }
      }
      const files: RightsFile[] = [];
      dirs.forEach((dir, i) => {
        const s = slots[i];
        if (s !== undefined && (i === 0 || s.hasFile)) files.push(rightsFile(spell(dir, s.spelling), s.levels));
      });
      return { dirs, files };
    });
}

/** Where a query points: an existing directory, a leaf below one, or an unseen deep path. */
export interface QuerySeed {
  readonly kind: "dir" | "leaf" | "unseen";
  readonly pick: number;
  readonly suffix: readonly string[];
  readonly spelling: Spelling;
  readonly access: Access;
  readonly groups: readonly string[];
}

/** A query resolved against a tree. */
export interface Query {
  /** The path as sent, in a random spelling. */
  readonly path: string;
  /** What the path normalizes to. */
  readonly segments: readonly string[];
  readonly access: Access;
  /** The caller's groups: possibly empty, repeated, or unknown to the tree. */
  readonly groups: readonly string[];
}

/** Access levels. */
export const accessArb: fc.Arbitrary<Access> = fc.constantFrom("READ", "WRITE");

/** A caller's groups, drawn from the pool plus a stranger; may be empty or repeat. */
export function callerGroupsArb(groups: readonly string[] = GROUPS): fc.Arbitrary<string[]> {
  return fc.array(fc.constantFrom(...groups, STRANGER), { maxLength: 3 });
}

/** A query independent of any tree; `resolveQuery` places it in one. */
export function querySeedArb(options: GenOptions = {}): fc.Arbitrary<QuerySeed> {
  const name = fc.constantFrom(...(options.segments ?? SEGMENTS), ...LEAVES);
  return fc.record({
    kind: fc.constantFrom("dir", "leaf", "unseen"),
    pick: fc.nat(),
    suffix: fc.array(name, { minLength: 1, maxLength: 8 }),
    spelling: spellingArb,
    access: accessArb,
    groups: callerGroupsArb(options.groups),
  });
}

/** Places a seed in a tree. */
export function resolveQuery(tree: GenTree, seed: QuerySeed): Query {
  const dir = tree.dirs[seed.pick % tree.dirs.length] ?? [];
  const segments =
    seed.kind === "dir" ? dir : seed.kind === "leaf" ? [...dir, ...seed.suffix.slice(0, 3)] : seed.suffix;
  return { path: spell(segments, seed.spelling), segments, access: seed.access, groups: seed.groups };
}

/** A tree and several queries into it. */
export interface GenCase {
  readonly tree: GenTree;
  readonly queries: readonly Query[];
}

/** A tree with `1..maxQueries` queries. */
export function caseArb(options: GenOptions = {}, maxQueries = 8): fc.Arbitrary<GenCase> {
  return fc
    .tuple(treeArb(options), fc.array(querySeedArb(options), { minLength: 1, maxLength: maxQueries }))
    .map(([tree, seeds]) => ({ tree, queries: seeds.map((s) => resolveQuery(tree, s)) }));
}

/** Paths SPEC 1.4 rejects: a `..` segment, a control character, or more than 4096 UTF-8 bytes. */
export const invalidPathArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 3 }), fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 3 }), spellingArb)
    .map(([before, after, spelling]) => spell([...before, "..", ...after], spelling)),
  fc
    .tuple(fc.constantFrom(...SEGMENTS), fc.constantFrom("\u0000", "\n", "\t", "\u001f", "\u007f", "\u0080", "\u009f"), fc.nat({ max: 3 }))
    .map(([segment, control, at]) => `/${segment.slice(0, at)}${control}${segment.slice(at)}`),
  fc
    .tuple(fc.constantFrom("a", "\u00e9", "\u20ac", "\u{1f600}"), fc.nat({ max: 64 }))
    .map(([ch, extra]) => `/${ch.repeat(Math.ceil(4096 / new TextEncoder().encode(ch).length) + extra)}`),
);

/**
 * SPEC 1.5 `implies` over `groups`: a few implications, acyclic unless
 * `cycles` (then any group may imply any other, itself excepted).
 */
export function impliesArb(options: { readonly groups?: readonly string[]; readonly cycles?: boolean } = {}): fc.Arbitrary<Map<string, string[]>> {
  const groups = options.groups ?? GROUPS;
  return fc
    .record({
      order: fc.shuffledSubarray([...groups], { minLength: 2 }),
      edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
    })
    .map(({ order, edges }) => {
      const implies = new Map<string, string[]>();
      for (const [x, y] of edges) {
        let i = x % order.length;
        let j = y % order.length;
        if (i === j) continue;
        // Acyclic: only a group earlier in `order` implies a later one.
        if (options.cycles !== true && i > j) [i, j] = [j, i];
        const from = order[i] as string;
        const list = implies.get(from) ?? [];
        if (!list.includes(order[j] as string)) list.push(order[j] as string);
        implies.set(from, list);
      }
      return implies;
    });
}
