/**
 * Seeded benchmark workloads: generated rights trees (in memory, and written
 * to disk) and query sets whose path strings are freshly parsed on every use.
 *
 * Everything here is a pure function of its seed, so `bench/run.ts` and any
 * later bench (peers, scaling, reload) measure exactly the same trees and
 * queries. Nothing here depends on the loader or the server.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Access, LevelRule, RightsFile } from "../src/engine/index.js";

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
function below(rng: () => number, n: number): number {
  return Math.floor(rng() * n);
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[below(rng, items.length)] as T;
}

/** `k` distinct items, in random order (partial Fisher-Yates over a copy). */
function sample<T>(rng: () => number, items: readonly T[], k: number): T[] {
  const copy = [...items];
  const n = Math.min(k, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + below(rng, copy.length - i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}

/** Shape of a generated tree. */
export interface TreeOptions {
  /** Number of directories, the root included. */
  readonly dirs: number;
  readonly seed?: number;
  /** Deepest directory level below the root (default 10). */
  readonly maxDepth?: number;
  /** Share of directories holding an `access.rights` (default 0.1; the root always has one). */
  readonly rightsFraction?: number;
  /** Number of distinct group names used (default 50). */
  readonly groups?: number;
}

/** A generated rights tree, in memory. */
export interface TreeSpec {
  readonly options: Readonly<Required<TreeOptions>>;
  /** The group names the rules draw from. */
  readonly groups: readonly string[];
  /** Directory paths relative to the root (`""` is the root), parents before children. */
  readonly dirs: readonly string[];
  /** Depth of each directory (root 0). */
  readonly depth: Uint8Array;
  /** The rights files as `compile` takes them, parents first; `files[0]` is the root's. */
  readonly files: readonly RightsFile[];
  /** Index into `dirs` of each file's directory. */
  readonly fileDirs: Int32Array;
}

// Realistic plant-supervision names; about 3% are non-ASCII or spaced, so
// paths are not all plain ASCII.
const DIR_WORDS = [
  "site", "line", "area", "cell", "unit", "pump", "valve", "tank", "motor", "sensor",
  "values", "dashboards", "scripts", "reports", "alarms", "shift", "hall", "boiler",
];
const RARE_DIR_WORDS = ["Kühlung", "écran", "press line", "東京"];
const LEAF_WORDS = ["pressure", "temperature", "flow", "level", "overview", "reset", "setpoint", "trend"];
const LEAF_EXTS = ["value", "dashboard", "script", "json", "csv"];
const UNSEEN_WORDS = ["new", "tmp", "draft", "archive", "x"];

/**
 * `count` group names: the example tree's roles, names YAML would misread
 * unquoted (`no`, `null`, `123`), names that collide with `Object.prototype`,
 * Keycloak group paths, then team names.
 */
export function groupNames(count: number): string[] {
  const fixed = [
    "administrator", "supervisor", "user", "data-access", "no", "null", "true", "123",
    "__proto__", "constructor", "ops team", "Ärzte",
  ];
  const names: string[] = [];
  for (let i = 0; names.length < count; i++) {
    if (i < fixed.length) names.push(fixed[i] as string);
    else if (i % 2 === 0) names.push(`/plant/site-${i}/operators`);
    else names.push(`team-${i}`);
  }
  return names;
}

/** Generates a tree: a random recursive tree capped at `maxDepth`, with rights files on a seeded sample of directories. */
export function generateTree(options: TreeOptions): TreeSpec {
  const opts: Required<TreeOptions> = {
    seed: 1,
    maxDepth: 10,
    rightsFraction: 0.1,
    groups: 50,
    ...options,
  };
  const rng = mulberry32(opts.seed);
  const n = Math.max(1, Math.floor(opts.dirs));
  const dirs: string[] = [""];
  const depth = new Uint8Array(n);
  // Directories that may still get children; attaching to a uniform pick of
  // them gives a random recursive tree (mean depth ~ ln n), and the bias
  // towards early (shallow) entries widens the top as real trees are.
  const open: number[] = [0];
  for (let i = 1; i < n; i++) {
    const r = rng();
    const at = rng() < 0.5 ? below(rng, open.length) : Math.floor(r * r * r * open.length);
    const parent = open[at] as number;
    const d = (depth[parent] as number) + 1;
    depth[i] = d;
    // Base-36 ids make every name unique, so no two siblings clash.
    const word = rng() < 0.03 ? pick(rng, RARE_DIR_WORDS) : pick(rng, DIR_WORDS);
    const name = `${word}-${i.toString(36)}`;
    dirs.push(parent === 0 ? name : `${dirs[parent] as string}/${name}`);
    if (d < opts.maxDepth) open.push(i);
  }

  const groups = groupNames(opts.groups);
  const wanted = Math.max(1, Math.round(n * opts.rightsFraction));
  const others = sample(rng, Array.from({ length: n - 1 }, (_, i) => i + 1), wanted - 1).sort((a, b) => a - b);
  const fileDirs = Int32Array.from([0, ...others]);
  const files: RightsFile[] = [];
  for (const d of fileDirs) {
    files.push(d === 0 ? rootFile(rng, groups) : randomFile(rng, groups, dirs[d] as string));
  }
  return { options: opts, groups, dirs, depth, files, fileDirs };
}

function rootFile(rng: () => number, groups: readonly string[]): RightsFile {
  return {
    dir: "",
    READ: { override: sample(rng, groups, 20) },
    WRITE: { override: sample(rng, groups, 5) },
  };
}

function randomFile(rng: () => number, groups: readonly string[], dir: string): RightsFile {
  let read = rng() < 0.8 ? randomRule(rng, groups) : undefined;
  const write = rng() < 0.6 ? randomRule(rng, groups) : undefined;
  // An empty file is valid but lint warns; every generated file says something.
  if (read === undefined && write === undefined) read = randomRule(rng, groups);
  return {
    dir,
    ...(read === undefined ? {} : { READ: read }),
    ...(write === undefined ? {} : { WRITE: write }),
  };
}

/** override 20% (sometimes `[]`), include 40%, exclude 20%, include and exclude 20%. */
function randomRule(rng: () => number, groups: readonly string[]): LevelRule {
  const r = rng();
  if (r < 0.2) return { override: sample(rng, groups, rng() < 0.1 ? 0 : 1 + below(rng, 6)) };
  if (r < 0.6) return { include: sample(rng, groups, 1 + below(rng, 3)) };
  if (r < 0.8) return { exclude: sample(rng, groups, 1 + below(rng, 3)) };
  const both = sample(rng, groups, 2 + below(rng, 4));
  const cut = 1 + below(rng, both.length - 1);
  return { include: both.slice(0, cut), exclude: both.slice(cut) };
}

/** The `access.rights` YAML of a file; group names are JSON-quoted so YAML reads each as a string. */
export function rightsYaml(file: RightsFile): string {
  let out = "";
  for (const access of ["READ", "WRITE"] as const) {
    const rule = file[access];
    if (rule === undefined) continue;
    out += `${access}:\n`;
    for (const keyword of ["override", "include", "exclude"] as const) {
      const list = rule[keyword];
      if (list !== undefined) out += `  ${keyword}: ${JSON.stringify(list)}\n`;
    }
  }
  return out;
}

/**
 * Writes the tree below `root` (which must exist): every directory, parents
 * first, with one non-recursive `mkdir` each (no per-level stat walk), then
 * every `access.rights`. Synchronous on purpose: it is setup, never timed.
 */
export function writeTree(root: string, spec: TreeSpec): void {
  for (let i = 1; i < spec.dirs.length; i++) mkdirSync(join(root, spec.dirs[i] as string));
  spec.files.forEach((file, i) => {
    writeFileSync(join(root, spec.dirs[spec.fileDirs[i] as number] as string, "access.rights"), rightsYaml(file));
  });
}

/** What a query addresses: an existing directory, a file name below one, or a deep path that exists nowhere. */
export type QueryKind = "dir" | "leaf" | "unseen";

/** The kinds, in the order of `QuerySet.kinds` codes. */
export const QUERY_KINDS: readonly QueryKind[] = ["dir", "leaf", "unseen"];

/** Options of `generateQueries`. */
export interface QueryOptions {
  /** Total number of distinct queries (rounded up to whole chunks). */
  readonly count: number;
  readonly seed?: number;
  /** Queries per chunk, the unit of fresh parsing (default 8192). */
  readonly chunkSize?: number;
}

/**
 * A seeded query set. Paths and groups are stored only as JSON text, one
 * document per chunk: `freshChunk` parses a chunk into brand-new strings
 * each time it is called.
 *
 * Why: V8 caches a string's hash in the string itself, so re-using one path
 * string across iterations would make every `Map` lookup keyed by it (or by a
 * prefix some implementation keeps) skip hashing, which a server handling a
 * request body never gets to do. `JSON.parse` is exactly how a request body
 * becomes strings: flat and never hashed (V8 internalizes, and so hashes,
 * only one-byte string values shorter than 10 characters; every path here is
 * longer, and short group names are internalized in a real request too).
 * Parsing happens outside the timed loops, and each parsed query is checked
 * once. The access level is `"READ"` or `"WRITE"`, internalized either way.
 */
export interface QuerySet {
  readonly size: number;
  readonly chunkSize: number;
  /** JSON text of each chunk: `{"paths":[…],"groups":[[…],…]}`. */
  readonly chunks: readonly string[];
  readonly access: readonly Access[];
  /** Index into `QUERY_KINDS` of each query. */
  readonly kinds: Uint8Array;
}

/** One chunk of queries as freshly parsed strings; query `i` of the chunk is query `chunk * chunkSize + i` of the set. */
export interface QueryChunk {
  readonly paths: string[];
  readonly groups: string[][];
}

/**
 * Queries spread uniformly over the three kinds and, within each, over the
 * tree's directories; each has one to three groups (sometimes one no rule
 * names) and READ or WRITE. About 10% of paths use another spelling (no
 * leading `/`, a trailing `/`, `//`, `./`) so normalization does real work.
 */
export function generateQueries(spec: TreeSpec, options: QueryOptions): QuerySet {
  const rng = mulberry32((options.seed ?? 2) ^ 0x9e3779b9);
  const chunkSize = options.chunkSize ?? 8192;
  const chunkCount = Math.max(1, Math.ceil(options.count / chunkSize));
  const size = chunkCount * chunkSize;
  const access: Access[] = [];
  const kinds = new Uint8Array(size);
  const chunks: string[] = [];
  const unknownGroups = ["visitor", "contractor-x", "nobody"];
  let paths: string[] = [];
  let groups: string[][] = [];
  for (let q = 0; q < size; q++) {
    const kind = below(rng, 3);
    kinds[q] = kind;
    const dir = spec.dirs[below(rng, spec.dirs.length)] as string;
    let path = dir === "" ? "" : `/${dir}`;
    if (kind === 1) {
      path += `/${pick(rng, LEAF_WORDS)}-${below(rng, 100)}.${pick(rng, LEAF_EXTS)}`;
    } else if (kind === 2) {
      const extra = 2 + below(rng, 5);
      for (let s = 0; s < extra; s++) path += `/${pick(rng, UNSEEN_WORDS)}_${below(rng, 1 << 20).toString(36)}`;
    }
    paths.push(respell(rng, path));
    const held = sample(rng, spec.groups, 1 + below(rng, 3));
    if (rng() < 0.1) held.push(pick(rng, unknownGroups));
    groups.push(held);
    access.push(rng() < 0.5 ? "READ" : "WRITE");
    if (paths.length === chunkSize) {
      chunks.push(JSON.stringify({ paths, groups }));
      paths = [];
      groups = [];
    }
  }
  return { size, chunkSize, chunks, access, kinds };
}

function respell(rng: () => number, path: string): string {
  const r = rng();
  if (path === "") return r < 0.5 ? "/" : "";
  if (r >= 0.1) return path;
  if (r < 0.025) return path.slice(1);
  if (r < 0.05) return `${path}/`;
  if (r < 0.075) return path.replace("/", "//");
  return `/.${path}`;
}

/**
 * SPEC 1.5 for the bench: the first `count` of `groups` (groups the queries'
 * callers hold) each imply two or three groups of the rest, acyclic by
 * construction; callers holding them are then decided through implication.
 */
export function implicationsFor(groups: readonly string[], count: number): Map<string, string[]> {
  const rest = groups.slice(count);
  const implies = new Map<string, string[]>();
  if (rest.length === 0) return implies;
  for (let i = 0; i < Math.min(count, groups.length); i++) {
    const targets = new Set([rest[i % rest.length], rest[(i * 7 + 3) % rest.length], rest[(i * 13 + 5) % rest.length]] as string[]);
    implies.set(groups[i] as string, [...targets]);
  }
  return implies;
}

/** Chunk `chunk` as brand-new, never-hashed strings (see `QuerySet`). */
export function freshChunk(set: QuerySet, chunk: number): QueryChunk {
  return JSON.parse(set.chunks[chunk] as string) as QueryChunk;
}

/** One query, for correctness samples and request bodies (not for timed loops). */
export interface Query {
  readonly groups: readonly string[];
  readonly access: Access;
  readonly path: string;
  readonly kind: QueryKind;
}

/** Every query of the set, in order. */
export function allQueries(set: QuerySet): Query[] {
  return set.chunks.flatMap((_, c) => {
    const { paths, groups } = freshChunk(set, c);
    return paths.map((path, i) => {
      const q = c * set.chunkSize + i;
      return { groups: groups[i] as string[], access: set.access[q] as Access, path, kind: QUERY_KINDS[set.kinds[q] as number] as QueryKind };
    });
  });
}
