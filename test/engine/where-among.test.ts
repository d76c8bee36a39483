/** `whereAmong` agrees with `check` on every directory it is given, pattern rules included (SPEC 1.2, 1.3). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, formatPath, whereAmong } from "../../src/engine/index.js";
import type { WhereResult } from "../../src/engine/index.js";
import { accessArb, GROUPS, STRANGER } from "../support/arbitraries.js";
import { testMatcher } from "../support/matcher.js";
import { treeWithPatternsArb } from "../support/pattern-arbitraries.js";

/** True when `path` lies in a region and not in one of its holes (the deepest region or hole above it decides). */
function covered(result: WhereResult, path: string): boolean {
  let best = -1;
  let held = false;
  const within = (dir: string): boolean => dir === "/" || path === dir || path.startsWith(`${dir}/`);
  for (const region of result.regions) {
    if (within(region.path) && region.path.length > best) {
      best = region.path.length;
      held = true;
    }
    for (const hole of region.holes) {
      if (within(hole) && hole.length > best) {
        best = hole.length;
        held = false;
      }
    }
  }
  return held;
}

describe("whereAmong", () => {
  it("holds a group's level on exactly the listed directories where check allows it, whatever the pattern rules", () => {
    fc.assert(
      fc.property(treeWithPatternsArb(), fc.constantFrom(...GROUPS, STRANGER), accessArb, (tree, group, access) => {
        const index = compile(tree.files, { matcher: testMatcher });
        const dirs = tree.dirs.map((d) => formatPath(d));
        const result = whereAmong(index, group, access, dirs);
        for (const dir of dirs) expect(covered(result, dir), `${group} ${access} ${dir}`).toBe(index.check([group], access, dir));
        // Regions and holes are listed directories, sorted, each hole inside its region.
        for (const region of result.regions) {
          expect(dirs).toContain(region.path);
          for (const hole of region.holes) expect(hole.startsWith(region.path === "/" ? "/" : `${region.path}/`)).toBe(true);
        }
        expect(result.regions.map((r) => r.path)).toEqual([...result.regions.map((r) => r.path)].sort());
      }),
      { numRuns: 300 },
    );
  });

  it("matches index.where over the indexed directories of a tree without pattern rules", () => {
    const index = compile([
      { dir: "", READ: { include: ["ops"] } },
      { dir: "a", READ: { exclude: ["ops"] } },
      { dir: "a/b", READ: { include: ["ops"] } },
    ]);
    const among = whereAmong(index, "ops", "READ", ["/", "/a", "/a/b"]);
    expect(among).toEqual(index.where("ops", "READ"));
  });
});
