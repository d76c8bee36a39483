import { statSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { rawEventFile, treeChange, watchIgnore } from "../../src/loader/watch/watch-tree.js";

const file = statSync(import.meta.filename);
const dir = statSync(os.tmpdir());

describe("treeChange", () => {
  it.each([
    ["add", "plant/access.rights", { kind: "file", path: "plant/access.rights", removed: false }],
    ["change", "access.rights", { kind: "file", path: "access.rights", removed: false }],
    ["unlink", "plant/north/access.rights", { kind: "file", path: "plant/north/access.rights", removed: true }],
    ["addDir", "plant/new", { kind: "dir", path: "plant/new", removed: false }],
    ["unlinkDir", "plant/old", { kind: "dir", path: "plant/old", removed: true }],
    ["change", "treerights.yaml", { kind: "config", path: "treerights.yaml", removed: false }],
    ["unlink", "treerights.yaml", { kind: "config", path: "treerights.yaml", removed: true }],
  ])("%s of %s reloads", (event, path, change) => {
    expect(treeChange(event, path)).toEqual(change);
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
    ["change", "plant/treerights.yaml"],
    ["change", "treerights.yaml.swp"],
  ])("%s of %s does not", (event, path) => {
    expect(treeChange(event, path)).toBeNull();
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

  it("keeps the root's treerights.yaml, and only the root's", () => {
    expect(ignored("/t/treerights.yaml", file)).toBe(false);
    expect(ignored("/t/a/treerights.yaml", file)).toBe(true);
  });
});

describe("rawEventFile", () => {
  it("names the entry of a watched directory, or the watched file itself", () => {
    expect(rawEventFile("/t/plant", "access.rights")).toBe("/t/plant/access.rights");
    expect(rawEventFile("/t/plant/access.rights", "access.rights")).toBe("/t/plant/access.rights");
    expect(rawEventFile("/t/plant", "")).toBeNull();
    expect(rawEventFile("", "access.rights")).toBeNull();
  });
});
