/** Incremental update and effective changes: the same answers as compiling from scratch. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Access, RightsFile, RightsIndex } from "../../src/engine/index.js";
import { compile, normalizePath } from "../../src/engine/index.js";
import type { GenTree } from "../support/arbitraries.js";
import { GROUPS, LEAVES, keyOf, levelsArb, rightsFile, spell, spellingArb } from "../support/arbitraries.js";
import { testMatcher } from "../support/matcher.js";
import { patternRuleArb, treeWithPatternsArb } from "../support/pattern-arbitraries.js";

type Edit =
  | { readonly kind: "upsert"; readonly pick: number; readonly file: Omit<RightsFile, "dir"> }
  | { readonly kind: "remove"; readonly pick: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc
    .record({ pick: fc.nat(), levels: levelsArb(), patterns: fc.option(fc.array(patternRuleArb(), { maxLength: 2 }), { nil: undefined }) })
    .map(({ pick, levels, patterns }) => ({
      kind: "upsert" as const,
      pick,
      file: { ...rightsFile("", levels), ...(patterns !== undefined ? { patterns } : {}) },
    })),
  fc.nat().map((pick) => ({ kind: "remove" as const, pick })),
);

/** Every directory of the tree plus a leaf below each: where answers are compared. */
function probes(tree: GenTree): string[] {
  return tree.dirs.flatMap((d) => [`/${d.join("/")}`, `/${[...d, LEAVES[1]].join("/")}`]);
}

function answers(index: RightsIndex, paths: readonly string[]): string[][] {
  return paths.flatMap((p) => (["READ", "WRITE"] as Access[]).map((a) => [...index.groupsFor(a, p)]));
}

const dirKey = (f: RightsFile): string => keyOf(normalizePath(f.dir));

describe("index.update", () => {
  it("answers like a fresh compile after any sequence of edits, and leaves the old index alone", () => {
    fc.assert(
      fc.property(treeWithPatternsArb(), fc.array(editArb, { minLength: 1, maxLength: 8 }), (tree, edits) => {
        const paths = probes(tree);
        let files = new Map(tree.files.map((f) => [dirKey(f), f]));
        let index = compile(files.values(), { matcher: testMatcher });
        for (const edit of edits) {
          const dir = tree.dirs[edit.pick % tree.dirs.length] ?? [];
          const key = keyOf(dir);
          if (edit.kind === "remove" && key === "") continue;
          const before = answers(index, paths);
          const previous = index;
          files = new Map(files);
          if (edit.kind === "remove") {
            files.delete(key);
            index = index.update({ remove: [`/${key}`] });
          } else {
            const file = { ...edit.file, dir: key };
            files.set(key, file);
            index = index.update({ upsert: [file] });
          }
          const fresh = compile(files.values(), { matcher: testMatcher });
          expect(answers(index, paths)).toEqual(answers(fresh, paths));
          expect(index.revision).toBe(fresh.revision);
          expect(index.fileCount).toBe(fresh.fileCount);
          expect(answers(previous, paths)).toEqual(before);
          // changesSince reports exactly the directories whose answers moved (for indexed directories), and flags pattern rule changes.
          const moved = new Map(index.changesSince(previous).map((c) => [`${c.access} ${c.path}`, c]));
          for (const d of [...previous.directories(), ...index.directories()]) {
            for (const access of ["READ", "WRITE"] as Access[]) {
              const was = previous.groupsFor(access, d.path);
              const now = index.groupsFor(access, d.path);
              const change = moved.get(`${access} ${d.path}`);
              // An entry for a directory whose answers stayed is there only to flag its file's changed pattern rules.
              if (JSON.stringify(was) === JSON.stringify(now)) expect(change === undefined || (change.patternRules === true && change.added.length + change.removed.length === 0)).toBe(true);
              else {
                expect(change?.added).toEqual(now.filter((g) => !was.includes(g)));
                expect(change?.removed).toEqual(was.filter((g) => !now.includes(g)));
              }
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("applies a batch of edits at once like a fresh compile: nested, repeated, spelled anyhow, new directories, removals of directories without a file", () => {
    // Each edit names one of the tree's directories or a new one below it, spelled some way.
    const batchEditArb = fc.record({ edit: editArb, spelling: spellingArb, fresh: fc.boolean() });
    fc.assert(
      fc.property(treeWithPatternsArb(), fc.array(fc.array(batchEditArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }), (tree, batches) => {
        const paths = probes(tree);
        let files = new Map(tree.files.map((f) => [dirKey(f), f]));
        let index = compile(files.values(), { matcher: testMatcher });
        for (const batch of batches) {
          const next = new Map(files);
          const remove: string[] = [];
          const upsert: RightsFile[] = [];
          const dirOf = ({ edit, fresh }: { edit: Edit; fresh: boolean }): readonly string[] => {
            const dir = tree.dirs[edit.pick % tree.dirs.length] ?? [];
            return fresh ? [...dir, "new"] : dir;
          };
          // As `update` reads a batch: removals first, then upserts, the last of a directory winning.
          for (const item of batch) {
            if (item.edit.kind !== "remove") continue;
            const dir = dirOf(item);
            remove.push(spell(dir, item.spelling));
            next.delete(keyOf(dir));
          }
          for (const item of batch) {
            if (item.edit.kind !== "upsert") continue;
            const dir = dirOf(item);
            upsert.push({ ...item.edit.file, dir: spell(dir, item.spelling) });
            next.set(keyOf(dir), { ...item.edit.file, dir: keyOf(dir) });
          }
          const previous = index;
          const before = answers(previous, paths);
          if (!next.has("")) {
            // The root's file removed and not put back: refused, the old index untouched.
            expect(() => index.update({ remove, upsert })).toThrow(/root has no rights file/);
            continue;
          }
          files = next;
          index = index.update({ remove, upsert });
          const fresh = compile(files.values(), { matcher: testMatcher });
          expect(answers(index, paths)).toEqual(answers(fresh, paths));
          expect(index.fileCount).toBe(files.size);
          // Parents first, then by directory in code units: the order of `sortedFiles`.
          const depth = (key: string): number => (key === "" ? 0 : key.split("/").length);
          const order = [...files.keys()].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
          expect(index.files.map((f) => f.dir)).toEqual(order);
          expect(index.files).toEqual(fresh.files);
          expect(index.revision).toBe(fresh.revision);
          expect([...index.directories()]).toEqual([...fresh.directories()]);
          for (const path of paths.slice(0, 8)) expect(index.explain(["ops"], "READ", path)).toEqual(fresh.explain(["ops"], "READ", path));
          expect(answers(previous, paths)).toEqual(before);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("rejects a change that removes the root file and keeps the old index answering", () => {
    const index = compile([{ dir: "", READ: { include: ["ops"] } }, { dir: "a", READ: { exclude: ["ops"] } }]);
    expect(() => index.update({ remove: ["/"] })).toThrow(expect.objectContaining({ code: "invalid_rights" }));
    expect(() => index.update({ upsert: [{ dir: "b", READ: { override: ["x"], include: ["y"] } }] })).toThrow(
      expect.objectContaining({ code: "invalid_rights" }),
    );
    expect(index.groupsFor("READ", "/b")).toEqual(["ops"]);
  });

  it("changesSince is empty between an index and itself", () => {
    const index = compile([{ dir: "", READ: { include: ["ops"] } }]);
    expect(index.changesSince(index)).toEqual([]);
  });
});

describe("index.where", () => {
  it("agrees with check on every directory and leaf of generated trees", () => {
    fc.assert(
      fc.property(treeWithPatternsArb(), fc.constantFrom(...GROUPS), fc.constantFrom<Access>("READ", "WRITE"), (tree, group, access) => {
        const withoutPatterns = tree.files.map(({ patterns: _, ...rest }) => rest);
        const index = compile(withoutPatterns);
        const { regions, patterns } = index.where(group, access);
        expect(patterns).toEqual([]);
        const within = (path: string, root: string): boolean => root === "/" || path === root || path.startsWith(`${root}/`);
        for (const path of probes(tree)) {
          const p = `/${normalizePath(path).join("/")}`;
          // The deepest region root or hole above the path decides.
          let deepest: { at: string; holds: boolean } | null = null;
          for (const r of regions) {
            for (const [at, holds] of [[r.path, true], ...r.holes.map((h) => [h, false] as const)] as const) {
              if (within(p, at) && (deepest === null || at.length > deepest.at.length)) deepest = { at, holds };
            }
          }
          expect(deepest?.holds ?? false).toBe(index.check([group], access, path));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("lists pattern rules that grant or take away the group", () => {
    const index = compile(
      [{ dir: "", READ: { include: ["ops"] }, patterns: [{ match: "**/*.script", READ: { exclude: ["ops"] } }, { match: "r/**", READ: { include: ["aud"] } }] }],
      { matcher: testMatcher },
    );
    expect(index.where("ops", "READ").patterns).toEqual([{ file: "access.rights", dir: "/", match: "**/*.script", effect: "revoke" }]);
    expect(index.where("aud", "READ")).toMatchObject({ regions: [], patterns: [{ match: "r/**", effect: "grant" }] });
  });
});

describe("an edit of the root's levels that moves its pattern rules", () => {
  const at = (line: number) => ({ line, column: 1 });
  const before = {
    dir: "", file: "access.rights",
    READ: { include: ["ops"], at: at(1) },
    patterns: [{ match: "**/*.script", READ: { exclude: ["ops"], at: at(4) }, at: at(3) }],
  };
  const after = {
    dir: "", file: "access.rights",
    READ: { include: ["ops", "eng"], at: at(1) },
    patterns: [{ match: "**/*.script", READ: { exclude: ["ops"], at: at(5) }, at: at(4) }],
  };
  const files = [before, { dir: "a", WRITE: { include: ["eng"] } }];

  it("keeps the trie, and explain shows the rule where the file has it now", () => {
    const index = compile(files, { matcher: testMatcher });
    let steps = 0;
    const gen = index.updateSteps({ upsert: [after] });
    let next = gen.next();
    for (; next.done !== true; next = gen.next()) steps++;
    const updated = next.value;
    expect(steps).toBeLessThan(4);
    const fresh = compile([after, files[1] as RightsFile], { matcher: testMatcher });
    for (const path of ["/a/x.script", "/a/b", "/x.script"]) {
      expect({ ...updated.explain(["ops", "eng"], "READ", path), revision: "" }).toEqual({ ...fresh.explain(["ops", "eng"], "READ", path), revision: "" });
    }
    expect(updated.explain(["ops"], "READ", "/a/x.script").steps.find((s) => s.match !== undefined)?.at).toEqual(at(5));
  });
});
