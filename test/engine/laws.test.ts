/**
 * The laws of SPEC 1.2 and 1.4, stated as properties over generated trees
 * and queries, and the compiled index held against the naive resolver.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, PathError, canonicalPath, compile, normalizePath } from "../../src/engine/index.js";
import type { Access, RightsFile, RightsIndex } from "../../src/engine/index.js";
import {
  GROUPS, LEAVES, PLAIN, SEGMENTS, accessArb, callerGroupsArb, caseArb, invalidPathArb, keyOf, levelRuleArb, levelsArb,
  impliesArb, querySeedArb, resolveQuery, rightsFile, spell, spellingArb, treeArb,
} from "../support/arbitraries.js";
import type { GenTree, Levels, Query } from "../support/arbitraries.js";
import { NaivePathError, naiveCheck, naiveExpand, naiveGroupsFor, naiveSegments, naiveTree } from "../support/naive.js";

const RUNS = 250;

/** The tree's files keyed by canonical directory key. */
function filesByKey(files: readonly RightsFile[]): Map<string, RightsFile> {
  return new Map(files.map((f) => [keyOf(naiveSegments(f.dir)), f]));
}

/** Depth of the deepest prefix of `segments` holding a rights file. */
function deepestFileDepth(files: ReadonlyMap<string, RightsFile>, segments: readonly string[]): number {
  let deepest = 0;
  for (let depth = 0; depth <= segments.length; depth++) {
    if (files.has(keyOf(segments.slice(0, depth)))) deepest = depth;
  }
  return deepest;
}

/** What `f` throws, or undefined. */
function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** Every answer the index gives for `query`, for comparing two paths or two trees. */
function answers(index: RightsIndex, query: Query, path = query.path): unknown {
  const explanation = index.explain(query.groups, query.access, path);
  return {
    groupsFor: index.groupsFor(query.access, path),
    check: index.check(query.groups, query.access, path),
    explain: { ...explanation, revision: null },
  };
}

describe("the compiled index agrees with the naive resolver", () => {
  it("on every generated query", () => {
    fc.assert(
      fc.property(caseArb(), ({ tree, queries }) => {
        const index = compile(tree.files);
        const naive = naiveTree(tree.files);
        for (const q of queries) {
          expect(index.groupsFor(q.access, q.path)).toEqual(naiveGroupsFor(naive, q.access, q.path));
          expect(index.check(q.groups, q.access, q.path)).toBe(naiveCheck(naive, q.groups, q.access, q.path));
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("rejecting the same paths, with `invalid_path`", () => {
    fc.assert(
      fc.property(treeArb(), invalidPathArb, accessArb, (tree, path, access) => {
        const index = compile(tree.files);
        expect(() => naiveGroupsFor(naiveTree(tree.files), access, path)).toThrow(NaivePathError);
        for (const call of [() => index.groupsFor(access, path), () => index.check(["ops"], access, path), () => index.explain([], access, path)]) {
          const thrown = thrownBy(call);
          expect(thrown).toBeInstanceOf(PathError);
          expect(thrown).toMatchObject({ code: "invalid_path" });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("refusing a path for its first problem, read left to right, whatever the tree", () => {
    // Segments of the tree's own names, `.`, `..`, names with a control character or a
    // dot inside: a problem may come before, inside or after the indexed part of the path.
    const piece = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...SEGMENTS, ...LEAVES, "a..b", ".x", "x.") },
      { weight: 1, arbitrary: fc.constantFrom(".", "..") },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SEGMENTS), fc.constantFrom("\u0000", "\n", "\u007f", "\u0085"), fc.nat({ max: 3 }))
        .map(([segment, control, at]) => `${segment.slice(0, at)}${control}${segment.slice(at)}`) },
    );
    fc.assert(
      fc.property(treeArb(), fc.array(piece, { maxLength: 7 }), spellingArb, accessArb, (tree, pieces, spelling, access) => {
        const index = compile(tree.files);
        const path = spell(pieces, spelling);
        const expected = thrownBy(() => normalizePath(path));
        const calls = [
          () => index.check(["ops"], access, path), () => index.checker(["ops"], access)(path),
          () => index.groupsFor(access, path), () => index.explain(["ops"], access, path),
        ];
        for (const call of calls) {
          const thrown = thrownBy(call);
          if (expected === undefined) expect(thrown).toBeUndefined();
          else expect(thrown).toEqual(expected);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("whatever the order the files are given in", () => {
    fc.assert(
      fc.property(caseArb(), fc.array(fc.integer(), { minLength: 32, maxLength: 32 }), ({ tree, queries }, keys) => {
        const shuffled = tree.files
          .map((file, i) => ({ file, key: keys[i % keys.length] ?? 0 }))
          .sort((a, b) => a.key - b.key)
          .map((e) => e.file);
        const index = compile(tree.files);
        const other = compile(shuffled);
        for (const q of queries) expect(answers(other, q)).toEqual(answers(index, q));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("laws of SPEC 1.2", () => {
  it("a directory without rights answers exactly like its parent", () => {
    fc.assert(
      fc.property(caseArb(), ({ tree, queries }) => {
        const index = compile(tree.files);
        const files = filesByKey(tree.files);
        for (const q of queries) {
          if (q.segments.length === 0 || files.has(keyOf(q.segments))) continue;
          const parent = spell(q.segments.slice(0, -1), PLAIN);
          const mine = answers(index, q) as { explain: Record<string, unknown> };
          const theirs = answers(index, q, parent) as { explain: Record<string, unknown> };
          expect({ ...mine, explain: { ...mine.explain, path: null } }).toEqual({ ...theirs, explain: { ...theirs.explain, path: null } });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("decisions below the deepest rights file on a path equal those of that file's directory", () => {
    fc.assert(
      fc.property(caseArb(), ({ tree, queries }) => {
        const index = compile(tree.files);
        const files = filesByKey(tree.files);
        for (const q of queries) {
          const dir = spell(q.segments.slice(0, deepestFileDepth(files, q.segments)), PLAIN);
          expect(index.groupsFor(q.access, q.path)).toEqual(index.groupsFor(q.access, dir));
          expect(index.check(q.groups, q.access, q.path)).toBe(index.check(q.groups, q.access, dir));
          expect(index.explain(q.groups, q.access, q.path).steps).toEqual(index.explain(q.groups, q.access, dir).steps);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("`override` makes the answer at and below its directory independent of every ancestor", () => {
    const below = fc.array(fc.record({ pick: fc.nat(), suffix: fc.array(fc.constantFrom("a", "b", "value"), { maxLength: 3 }) }), {
      minLength: 1,
      maxLength: 6,
    });
    const ancestor = fc.record({ hasFile: fc.boolean(), levels: levelsArb() });
    fc.assert(
      fc.property(
        treeArb(),
        fc.nat(),
        accessArb,
        fc.array(fc.constantFrom(...GROUPS), { maxLength: 3 }).map((groups) => ({ override: groups })),
        fc.array(ancestor, { minLength: 5, maxLength: 5 }),
        below,
        callerGroupsArb(),
        (tree, pick, access, override, ancestors, queries, groups) => {
          const target = tree.dirs[tree.dirs.length > 1 ? 1 + (pick % (tree.dirs.length - 1)) : 0] ?? [];
          const files = filesByKey(tree.files);
          const own = files.get(keyOf(target));
          files.set(keyOf(target), { ...own, dir: keyOf(target), [access]: override });
          const before = compile([...files.values()]);
          target.forEach((_, depth) => {
            const key = keyOf(target.slice(0, depth));
            const a = ancestors[depth];
            if (a === undefined) return;
            if (depth === 0 || a.hasFile) files.set(key, rightsFile(key, a.levels));
            else files.delete(key);
          });
          const after = compile([...files.values()]);
          const under = tree.dirs.filter((d) => target.every((s, i) => d[i] === s));
          for (const { pick: p, suffix } of queries) {
            const path = spell([...(under[p % under.length] ?? target), ...suffix], PLAIN);
            expect(after.groupsFor(access, path)).toEqual(before.groupsFor(access, path));
            expect(after.check(groups, access, path)).toBe(before.check(groups, access, path));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("`include` never removes and `exclude` never adds, compared to the inherited set", () => {
    fc.assert(
      fc.property(treeArb(), (tree) => {
        const index = compile(tree.files);
        for (const file of tree.files) {
          const segments = naiveSegments(file.dir);
          for (const access of ACCESS_LEVELS) {
            const rule = file[access];
            if (rule === undefined || rule.override !== undefined) continue;
            const inherited = new Set(segments.length === 0 ? [] : index.groupsFor(access, spell(segments.slice(0, -1), PLAIN)));
            const own = new Set(index.groupsFor(access, file.dir));
            const include = new Set(rule.include ?? []);
            const exclude = new Set(rule.exclude ?? []);
            // include never removes: all that was inherited and not excluded stays
            for (const g of inherited) if (!exclude.has(g)) expect(own).toContain(g);
            // exclude never adds: nothing appears that was neither inherited nor included
            for (const g of own) expect(inherited.has(g) || include.has(g)).toBe(true);
            for (const g of include) if (!exclude.has(g)) expect(own).toContain(g);
            for (const g of exclude) expect(own).not.toContain(g);
            if (rule.exclude === undefined) for (const g of inherited) expect(own).toContain(g);
            if (rule.include === undefined) for (const g of own) expect(inherited).toContain(g);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("READ and WRITE are independent: changing one level's rules never changes the other's answers", () => {
    const replacement = fc.array(fc.record({ hasFile: fc.boolean(), rule: levelRuleArb() }), { minLength: 25, maxLength: 25 });
    fc.assert(
      fc.property(caseArb(), accessArb, replacement, ({ tree, queries }, changed: Access, rules) => {
        const kept: Access = changed === "READ" ? "WRITE" : "READ";
        const files = filesByKey(tree.files);
        const index = compile(tree.files);
        tree.dirs.forEach((dir, i) => {
          const key = keyOf(dir);
          const r = rules[i % rules.length];
          const old = files.get(key);
          if (r === undefined || (old === undefined && !r.hasFile)) return;
          const levels: Levels = changed === "READ" ? { READ: r.rule, WRITE: old?.WRITE } : { READ: old?.READ, WRITE: r.rule };
          files.set(key, rightsFile(key, levels));
        });
        const other = compile([...files.values()]);
        for (const q of queries) {
          expect(other.groupsFor(kept, q.path)).toEqual(index.groupsFor(kept, q.path));
          expect(other.check(q.groups, kept, q.path)).toBe(index.check(q.groups, kept, q.path));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("laws of the index's answers", () => {
  it("any spelling of a path that normalizes the same gives the same answer", () => {
    fc.assert(
      fc.property(treeArb(), querySeedArb(), spellingArb, (tree: GenTree, seed, spelling) => {
        const index = compile(tree.files);
        const q = resolveQuery(tree, seed);
        const respelled = spell(q.segments, spelling);
        expect(canonicalPath(respelled)).toBe(canonicalPath(q.path));
        expect(canonicalPath(q.path)).toBe(`/${q.segments.join("/")}`);
        expect(answers(index, q, respelled)).toEqual(answers(index, q));
      }),
      { numRuns: RUNS },
    );
  });

  it("`check(gs)` holds iff gs meets `groupsFor`", () => {
    fc.assert(
      fc.property(caseArb(), ({ tree, queries }) => {
        const index = compile(tree.files);
        for (const q of queries) {
          const holders = index.groupsFor(q.access, q.path);
          expect(index.check(q.groups, q.access, q.path)).toBe(q.groups.some((g) => holders.includes(g)));
          expect(index.check([], q.access, q.path)).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("`explain` ends in `groupsFor`, decides like `check`, and chains its steps", () => {
    fc.assert(
      fc.property(caseArb(), ({ tree, queries }) => {
        const index = compile(tree.files);
        const files = filesByKey(tree.files);
        for (const q of queries) {
          const e = index.explain(q.groups, q.access, q.path);
          expect(e.effective).toEqual(index.groupsFor(q.access, q.path));
          expect(e.allowed).toBe(index.check(q.groups, q.access, q.path));
          expect(e.deciding).toEqual([...new Set(q.groups.filter((g) => e.effective.includes(g)))].sort());
          for (const g of e.deciding) expect(q.groups).toContain(g);
          expect(e.path).toBe(canonicalPath(q.path));
          expect(e.access).toBe(q.access);
          expect(e.groups).toEqual(q.groups);
          expect(e.revision).toBe(index.revision);
          // one step per rights file on the path, root first, each starting where the last ended
          const onPath = q.segments.map((_, i) => q.segments.slice(0, i + 1)).filter((d) => files.has(keyOf(d)));
          expect(e.steps.map((s) => s.dir)).toEqual(["/", ...onPath.map((d) => `/${keyOf(d)}`)]);
          expect(e.steps[0]?.before).toEqual([]);
          e.steps.forEach((s, i) => {
            if (i > 0) expect(s.before).toEqual(e.steps[i - 1]?.after);
          });
          expect(e.steps.at(-1)?.after).toEqual(e.effective);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("laws of SPEC 1.5 (groups that imply groups)", () => {
  it("`check` and the batch checker agree with the naive resolver, cycles included", () => {
    fc.assert(
      fc.property(caseArb(), fc.boolean().chain((cycles) => impliesArb({ cycles })), ({ tree, queries }, implies) => {
        const index = compile(tree.files, { implies });
        const naive = naiveTree(tree.files);
        for (const q of queries) {
          const expected = naiveCheck(naive, q.groups, q.access, q.path, implies);
          expect(index.check(q.groups, q.access, q.path)).toBe(expected);
          expect(index.checker(q.groups, q.access)(q.path)).toBe(expected);
          expect(index.explain(q.groups, q.access, q.path).allowed).toBe(expected);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("`eff` is unchanged: `groupsFor` ignores `implies`, and `check(G)` is `check(expand(G))` without it", () => {
    fc.assert(
      fc.property(caseArb(), impliesArb(), ({ tree, queries }, implies) => {
        const plain = compile(tree.files);
        const index = compile(tree.files, { implies });
        for (const q of queries) {
          expect(index.groupsFor(q.access, q.path)).toEqual(plain.groupsFor(q.access, q.path));
          const expanded = [...naiveExpand(implies, q.groups)];
          expect(index.check(q.groups, q.access, q.path)).toBe(plain.check(expanded, q.access, q.path));
          expect(index.implications.expand(q.groups).slice().sort()).toEqual(expanded.sort());
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("`explain` names a chain of declared implications for each group that decided through one", () => {
    fc.assert(
      fc.property(caseArb(), impliesArb(), ({ tree, queries }, implies) => {
        const index = compile(tree.files, { implies });
        for (const q of queries) {
          const e = index.explain(q.groups, q.access, q.path);
          const effective = new Set(e.effective);
          const decides = (g: string) => [...naiveExpand(implies, [g])].some((h) => effective.has(h));
          expect(e.deciding).toEqual([...new Set(q.groups.filter(decides))].sort());
          const through = e.deciding.filter((g) => !effective.has(g));
          expect((e.chains ?? []).map((c) => c[0])).toEqual(through);
          for (const chain of e.chains ?? []) {
            expect(effective.has(chain.at(-1) as string)).toBe(true);
            chain.slice(1).forEach((g, i) => { expect(implies.get(chain[i] as string)).toContain(g); });
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("`update` keeps the implications", () => {
    fc.assert(
      fc.property(caseArb(), impliesArb(), ({ tree, queries }, implies) => {
        const index = compile(tree.files, { implies });
        const [first, ...rest] = tree.files;
        const updated = compile(rest.length > 0 ? [first as RightsFile] : tree.files, { implies }).update({ upsert: rest });
        for (const q of queries) expect(updated.check(q.groups, q.access, q.path)).toBe(index.check(q.groups, q.access, q.path));
      }),
      { numRuns: RUNS },
    );
  });

  it("`where` agrees with `check` on every indexed directory", () => {
    fc.assert(
      fc.property(treeArb(), impliesArb(), fc.constantFrom(...GROUPS), accessArb, (tree: GenTree, implies, group, access: Access) => {
        const index = compile(tree.files, { implies });
        const { regions } = index.where(group, access);
        for (const dir of index.directories()) {
          const inRegion = regions.some((r) => within(dir.path, r.path) && !r.holes.some((h) => within(dir.path, h)));
          expect(inRegion).toBe(index.check([group], access, dir.path));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

function within(path: string, top: string): boolean {
  return top === "/" || path === top || path.startsWith(`${top}/`);
}
