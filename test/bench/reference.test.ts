/**
 * The bench's plain reference takes canonical paths straight to its walk and
 * normalizes only other spellings: it must still answer every spelling SPEC
 * 1.4 allows, and refuse what it refuses, exactly as the engine does.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { RightsFile } from "../../src/engine/index.js";
import { buildReference } from "../../bench/reference.js";

const files: RightsFile[] = [
  { dir: "", READ: { override: ["staff"] }, WRITE: { override: ["admin"] } },
  { dir: "a", READ: { include: ["guest"] } },
  { dir: "a/.hidden", WRITE: { include: ["guest"] } },
  { dir: "a/b..c", READ: { exclude: ["staff"] } },
  { dir: "a/b/c", WRITE: { override: ["staff"] } },
  { dir: "ü/x y", READ: { override: ["guest"] } },
];

function answer(run: () => boolean): string {
  try {
    return String(run());
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

describe("the bench's plain reference", () => {
  const index = compile(files);
  const reference = buildReference(files);
  const agree = (path: string): void => {
    for (const access of ["READ", "WRITE"] as const) {
      for (const groups of [["staff"], ["guest"], ["admin", "nobody"], []]) {
        expect(answer(() => reference.check(groups, access, path)), `${access} ${JSON.stringify(path)}`)
          .toBe(answer(() => index.check(groups, access, path)));
      }
    }
  };

  it("agrees with the engine on every spelling SPEC 1.4 allows or refuses", () => {
    for (const path of [
      "", "/", "//", ".", "/.", "./", "a", "/a", "/a/", "//a", "/./a", "a/./b", "/a//b/c/", "/a/b/c/d.txt", "/a/.hidden",
      "/a/.hidden/f", "/a/b..c", "/a/b..c/", "/a/..", "/a/../b", "../a", "/a/b.", "/a/-x", "/a/_", "/ü/x y", "/ü/x y/z",
      "/a\u0000b", "/a/\u007f", "/a/\u0085", `/${"a".repeat(4095)}`, `/${"a".repeat(4096)}`, `/${"é".repeat(2047)}`, `/${"é".repeat(2048)}`,
    ]) agree(path);
  });

  it("agrees with the engine on random paths over a small alphabet", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom("/", "a", "b", "c", ".", "-", "_", "ü", " ", "\u0001"), { maxLength: 12 }), (chars) => {
      agree(chars.join(""));
    }), { numRuns: 2_000 });
  });
});
