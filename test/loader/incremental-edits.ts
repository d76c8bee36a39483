/**
 * Generated edit sequences on a rights tree on disk, for the properties
 * "incremental reload equals a full reload": every kind of edit an admin, an
 * editor or git makes, the watcher changes each one stands for, and the
 * state a full `readTree` + compile gives for comparison.
 */
import { mkdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { expect } from "vitest";
import type { Access, Problem, RightsIndex } from "../../src/engine/index.js";
import { compileSnapshot } from "../../src/loader/read/compile-snapshot.js";
import { readTree } from "../../src/loader/read/read-tree.js";
import type { TreeChange } from "../../src/loader/live/watch-changes.js";

/** Directories edits touch; `""` is the root. Nested ones let a new directory bring ancestors with it. */
export const DIRS: readonly string[] = ["", "a", "b", "a/x", "a/y", "b/x", "a/x/deep", "c/d/e"];

const GROUPS = ["ops", "eng", "qa", "guest"] as const;

/** What a rights file holds. */
export type Content =
  | { readonly kind: "rules"; readonly read?: Rule; readonly write?: Rule; readonly pattern?: Rule }
  | { readonly kind: "broken" }
  | { readonly kind: "empty" };

/** One level of a file: a keyword and its groups. */
export interface Rule {
  readonly keyword: "include" | "exclude" | "override";
  readonly groups: readonly string[];
}

/** One edit of the tree. */
export type Edit =
  /** Writes `dir/access.rights` (creating `dir`), in place or as editors save: a temp file renamed over it. */
  | { readonly kind: "write"; readonly dir: string; readonly content: Content; readonly renameOver: boolean }
  | { readonly kind: "delete"; readonly dir: string }
  /** Removes a directory with everything below it. */
  | { readonly kind: "rmdir"; readonly dir: string }
  /** Writes `treerights.yaml`: ignore globs, exclusive groups, nothing, or garbage; null removes it. */
  | { readonly kind: "config"; readonly text: string | null };

const ruleArb: fc.Arbitrary<Rule> = fc.record({
  keyword: fc.constantFrom("include" as const, "exclude" as const, "override" as const),
  groups: fc.subarray([...GROUPS]),
});

const contentArb: fc.Arbitrary<Content> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("rules" as const), read: ruleArb, write: ruleArb, pattern: ruleArb }, { requiredKeys: ["kind"] }) },
  { weight: 2, arbitrary: fc.constant({ kind: "broken" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "empty" as const }) },
);

const CONFIGS: readonly (string | null)[] = [
  null,
  "ignore: [\"b/**\"]\n",
  "exclusive: [[ops, qa]]\n",
  "groups: [ops, eng, qa, guest]\n",
  "ignore: 5\n",
];

/** Any edit; directory removals never take the root. */
export const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("write" as const), dir: fc.constantFrom(...DIRS), content: contentArb, renameOver: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), dir: fc.constantFrom(...DIRS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("rmdir" as const), dir: fc.constantFrom(...DIRS.filter((d) => d !== "")) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("config" as const), text: fc.constantFrom(...CONFIGS) }) },
);

function levelYaml(name: string, rule: Rule | undefined, indent: string): string {
  if (rule === undefined) return "";
  return `${indent}${name}:\n${indent}  ${rule.keyword}: [${rule.groups.map((g) => JSON.stringify(g)).join(", ")}]\n`;
}

/** The text of a rights file. */
export function contentText(content: Content): string {
  if (content.kind === "broken") return "READ:\n  include: [ops]\nWrite:\n  override: [eng]\n";
  if (content.kind === "empty") return "";
  let text = levelYaml("READ", content.read, "") + levelYaml("WRITE", content.write, "");
  if (content.pattern !== undefined) text += `patterns:\n  - match: "**/x"\n${levelYaml("WRITE", content.pattern, "    ")}`;
  return text === "" ? "READ:\n  include: []\n" : text;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

/** The first directory of `dir` and its ancestors that does not exist yet (what `mkdir -p` creates first), or null. */
async function firstMissing(root: string, dir: string): Promise<string | null> {
  const parts = dir === "" ? [] : dir.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join("/");
    if (!(await exists(path.join(root, prefix)))) return prefix;
  }
  return null;
}

function rightsOf(dir: string): string {
  return dir === "" ? "access.rights" : `${dir}/access.rights`;
}

/**
 * Applies `edit` to the tree at `root` and returns the fewest changes a
 * watcher reports for it: a new directory only as the directory (its files
 * must be found by walking it), a removed one only as the directory.
 */
export async function applyEdit(root: string, edit: Edit): Promise<TreeChange[]> {
  if (edit.kind === "config") {
    const file = path.join(root, "treerights.yaml");
    if (edit.text === null) await rm(file, { force: true });
    else await writeFile(file, edit.text);
    return [{ kind: "config", path: "treerights.yaml", removed: edit.text === null }];
  }
  const rel = rightsOf(edit.dir);
  const file = path.join(root, rel);
  if (edit.kind === "delete") {
    if (!(await exists(file))) return [];
    await unlink(file);
    return [{ kind: "file", path: rel, removed: true }];
  }
  if (edit.kind === "rmdir") {
    if (!(await exists(path.join(root, edit.dir)))) return [];
    await rm(path.join(root, edit.dir), { recursive: true, force: true });
    return [{ kind: "dir", path: edit.dir, removed: true }];
  }
  const created = await firstMissing(root, edit.dir);
  await mkdir(path.join(root, edit.dir), { recursive: true });
  const text = contentText(edit.content);
  if (edit.renameOver) {
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  } else {
    await writeFile(file, text);
  }
  return created === null ? [{ kind: "file", path: rel, removed: false }] : [{ kind: "dir", path: created, removed: false }];
}

/** What a full load of the tree gives now: the index, or the revision and problems of the rejection. */
export interface FullLoad {
  readonly revision: string;
  readonly index: RightsIndex | null;
  readonly problems: readonly Problem[];
}

/** Reads and compiles the whole tree, as `loadTree` does. */
export async function fullLoad(root: string): Promise<FullLoad> {
  const snapshot = await readTree(root);
  const { index, problems } = compileSnapshot(snapshot);
  return { revision: snapshot.revision, index, problems };
}

/** Paths the comparisons query: every directory edits touch, a leaf in each, and paths pattern rules match. */
export const PROBES: readonly string[] = [...new Set(DIRS.flatMap((d) => [`/${d}`, `/${d}/x`, `/${d}/leaf.value`, `/${d}/x/y/x`]))];

/** Expects two indexes to answer every probe alike. */
export function expectSameAnswers(actual: RightsIndex, expected: RightsIndex): void {
  for (const access of ["READ", "WRITE"] as const satisfies readonly Access[]) {
    for (const probe of PROBES) {
      expect(actual.groupsFor(access, probe), `${access} ${probe}`).toEqual(expected.groupsFor(access, probe));
    }
  }
}

/** A starting tree: a root file and a few below it. */
export const START: Readonly<Record<string, string>> = {
  "access.rights": "READ:\n  include: [ops, guest]\nWRITE:\n  include: [ops]\n",
  "a/access.rights": "READ:\n  include: [eng]\n",
  "a/x/access.rights": "WRITE:\n  override: [qa]\n",
  "b/access.rights": "READ:\n  exclude: [guest]\n",
};
