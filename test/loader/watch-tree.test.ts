import { statSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { isTreeChange, watchIgnore } from "../../src/loader/watch-tree.js";

const file = statSync(import.meta.filename);
const dir = statSync(os.tmpdir());

describe("isTreeChange", () => {
  it.each([
    ["add", "plant/access.rights"],
    ["change", "access.rights"],
    ["unlink", "plant/north/access.rights"],
    ["addDir", "plant/new"],
    ["unlinkDir", "plant/old"],
  ])("%s of %s reloads", (event, path) => {
    expect(isTreeChange(event, path)).toBe(true);
  });

  it.each([
    ["add", "plant/.access.rights.swp"],
    ["change", "plant/.access.rights.swx"],
    ["add", "plant/access.rights~"],
    ["add", "plant/4913"],
    ["change", "plant/access.rights.tmp"],
    ["unlink", "plant/access.rights.orig"],
    ["add", "plant/Access.rights"],
    ["change", "plant/notes.txt"],
  ])("%s of %s does not", (event, path) => {
    expect(isTreeChange(event, path)).toBe(false);
  });
});

describe("watchIgnore", () => {
  const ignored = watchIgnore("/t", ["build/**", "**/*.bak"]);

  it("never ignores the root", () => {
    expect(ignored("/t", dir)).toBe(false);
  });

  it("skips .git and node_modules at any depth", () => {
    expect(ignored("/t/.git")).toBe(true);
    expect(ignored("/t/a/node_modules", dir)).toBe(true);
    expect(ignored("/t/a/.github", dir)).toBe(false);
  });

  it("skips the configured globs, dot files included", () => {
    expect(ignored("/t/build")).toBe(true);
    expect(ignored("/t/build/access.rights", file)).toBe(true);
    expect(ignored("/t/a/.old.bak", dir)).toBe(true);
  });

  it("throws for globs that are not strings", () => {
    expect(() => watchIgnore("/t", [""])).toThrow(/`ignore` must be/);
  });

  it("skips regular files other than rights files, but keeps directories and unknowns", () => {
    expect(ignored("/t/a/notes.txt", file)).toBe(true);
    expect(ignored("/t/a/access.rights", file)).toBe(false);
    expect(ignored("/t/a/notes.txt")).toBe(false);
    expect(ignored("/t/a/sub", dir)).toBe(false);
  });
});
