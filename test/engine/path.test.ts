/** SPEC 1.4 by example: how paths are spelled, what is rejected, and that names are compared exactly. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_PATH_BYTES, PathError, TreeRightsError, canonicalPath, compile, formatPath, normalizePath } from "../../src/engine/index.js";
import { checkPath, readPath, validatePath } from "../../src/engine/path.js";

/** Expects `f` to throw a `PathError` with code `invalid_path`. */
function expectInvalidPath(f: () => unknown): void {
  let thrown: unknown;
  try {
    f();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(PathError);
  expect(thrown).toBeInstanceOf(TreeRightsError);
  expect(thrown).toMatchObject({ code: "invalid_path", name: "PathError" });
}

describe("normalizePath: spellings", () => {
  it.each([
    ["", []],
    ["/", []],
    [".", []],
    ["/./", []],
    ["//", []],
    ["a", ["a"]],
    ["/a", ["a"]],
    ["a/b", ["a", "b"]],
    ["/a/b", ["a", "b"]],
    ["a//b", ["a", "b"]],
    ["//a///b", ["a", "b"]],
    ["a/b/", ["a", "b"]],
    ["/a/b//", ["a", "b"]],
    ["./a/./b/.", ["a", "b"]],
    ["/a/.//./b/", ["a", "b"]],
  ])("`%s` → %j", (path, segments) => {
    expect(normalizePath(path)).toEqual(segments);
  });

  it("keeps names that only look special: `...`, dot files, spaces, `%2F`", () => {
    expect(normalizePath("/.../a")).toEqual(["...", "a"]);
    expect(normalizePath("/.hidden/..x/x..")).toEqual([".hidden", "..x", "x.."]);
    expect(normalizePath("/x y/ lead/trail ")).toEqual(["x y", " lead", "trail "]);
    expect(normalizePath("/a%2Fb/%2e%2e")).toEqual(["a%2Fb", "%2e%2e"]);
    expect(normalizePath("/__proto__/constructor")).toEqual(["__proto__", "constructor"]);
  });

  it("formats the canonical form with one leading `/`", () => {
    expect(canonicalPath("")).toBe("/");
    expect(canonicalPath("./a//b/./")).toBe("/a/b");
    expect(formatPath([])).toBe("/");
    expect(formatPath(["a", "b"])).toBe("/a/b");
  });
});

describe("normalizePath: rejected paths", () => {
  it.each(["..", "../", "/..", "/../", "../a", "a/..", "a/../b", "/a/b/..", "./..", "a//..//b", "a/./../b"])(
    "`%s` has a `..` segment",
    (path) => {
      expectInvalidPath(() => normalizePath(path));
    },
  );

  it.each([
    ["NUL", "a\u0000b"],
    ["newline", "a\nb"],
    ["carriage return", "a/b\r"],
    ["tab", "\ta"],
    ["unit separator", "a\u001f"],
    ["DEL", "a\u007fb"],
    ["C1 first", "a\u0080"],
    ["C1 NEL", "/a/\u0085/b"],
    ["C1 last", "\u009f"],
  ])("a %s is a control character", (_, path) => {
    expectInvalidPath(() => normalizePath(path));
  });

  it("accepts characters next to the control ranges", () => {
    expect(normalizePath("a b\u00a0c~")).toEqual(["a b\u00a0c~"]);
    expect(normalizePath("\u2028")).toEqual(["\u2028"]);
  });

  it("rejects a non-string with `invalid_path`", () => {
    expectInvalidPath(() => normalizePath(undefined as unknown as string));
    expectInvalidPath(() => normalizePath(["a"] as unknown as string));
  });
});

describe("normalizePath: the 4096-byte limit counts UTF-8 bytes of the path as given", () => {
  it("is 4096", () => {
    expect(MAX_PATH_BYTES).toBe(4096);
  });

  it.each([
    ["ASCII", "a", 1],
    ["two-byte `é`", "\u00e9", 2],
    ["three-byte `€`", "\u20ac", 3],
    ["four-byte emoji", "\u{1f600}", 4],
  ])("%s: exactly 4096 bytes pass, 4097 are rejected", (_, ch, bytes) => {
    const exact = ch.repeat(Math.floor(4096 / bytes)) + "a".repeat(4096 % bytes);
    expect(Buffer.byteLength(exact)).toBe(4096);
    expect(normalizePath(exact)).toHaveLength(1);
    expectInvalidPath(() => normalizePath(`${exact}b`));
  });

  it("counts the slashes and dots that normalization drops", () => {
    const exact = `/${"a".repeat(4094)}/`;
    expect(normalizePath(exact)).toEqual(["a".repeat(4094)]);
    expectInvalidPath(() => normalizePath(`${exact}.`));
    expectInvalidPath(() => normalizePath("/".repeat(4097)));
  });

  it("counts a lone surrogate as its UTF-8 encoding (U+FFFD, 3 bytes), not as half of a pair", () => {
    // 1024 × (lone high surrogate + `é`) is 5120 bytes as encoded anywhere (Buffer, TextEncoder, JSON output).
    const path = "\ud800\u00e9".repeat(1024);
    expect(Buffer.byteLength(path)).toBe(5120);
    expectInvalidPath(() => normalizePath(path));
  });
});

describe("names are compared exactly", () => {
  const index = compile([
    { dir: "" },
    { dir: "plant", READ: { include: ["lower"] } },
    { dir: "\u00e9", READ: { include: ["precomposed"] } },
    { dir: "...", READ: { include: ["dots"] } },
    { dir: "a%2Fb", READ: { include: ["percent"] } },
  ]);

  it("without case folding", () => {
    expect(index.groupsFor("READ", "/plant/x")).toEqual(["lower"]);
    expect(index.groupsFor("READ", "/Plant/x")).toEqual([]);
    expect(index.groupsFor("READ", "/PLANT")).toEqual([]);
  });

  it("without Unicode normalization: `é` and `e\u0301` are different names", () => {
    expect(index.groupsFor("READ", "/\u00e9/v")).toEqual(["precomposed"]);
    expect(index.groupsFor("READ", "/e\u0301/v")).toEqual([]);
    expect(normalizePath("e\u0301")).toEqual(["e\u0301"]);
  });

  it("`...` is an ordinary name", () => {
    expect(index.groupsFor("READ", "/.../x")).toEqual(["dots"]);
  });

  it("`%2F` is an ordinary character, not a separator, in library paths", () => {
    expect(index.groupsFor("READ", "/a%2Fb/x")).toEqual(["percent"]);
    expect(index.groupsFor("READ", "/a/b/x")).toEqual([]);
  });

  it("a rejected path is an error from every entry point, never a silent deny", () => {
    for (const path of ["/plant/../\u00e9", "/plant/\u0000", "x".repeat(4097)]) {
      expectInvalidPath(() => index.check(["lower"], "READ", path));
      expectInvalidPath(() => index.groupsFor("READ", path));
      expectInvalidPath(() => index.explain(["lower"], "READ", path));
    }
  });

  // The lookup stops descending at the first unknown name (or a leaf of the
  // trie) but must still validate every later character and segment.
  it("rejects what follows the deepest indexed directory, and what follows a root-only tree", () => {
    const rootOnly = compile([{ dir: "", READ: { include: ["all"] } }]);
    const cases = [
      "/nosuch/..", "/nosuch/../plant", "/nosuch/a\u0000", "/plant/x/..", "/plant/x/./..", "/plant/x/\u007f/y",
      "/.../..", "..", "/..", "nosuch/deeper/..", `/nosuch/${"x".repeat(4090)}`,
    ];
    for (const path of cases) {
      for (const target of [index, rootOnly]) {
        expectInvalidPath(() => target.check(["all", "lower"], "READ", path));
        expectInvalidPath(() => target.groupsFor("READ", path));
      }
    }
    expect(rootOnly.groupsFor("READ", "/nosuch/./x//")).toEqual(["all"]);
    expect(index.groupsFor("READ", "/plant/./x//.../")).toEqual(["lower"]);
  });
});

describe("validatePath: the two native scans decide as a left-to-right reading does", () => {
  /** The reading `validatePath` replaces: every character in order, the first problem thrown. */
  function slowly(path: string): string | null {
    try {
      checkPath(path);
      readPath(path);
      return null;
    } catch (error) {
      return error instanceof PathError ? error.message : String(error);
    }
  }
  function quickly(path: string): string | null {
    try {
      validatePath(path);
      return null;
    } catch (error) {
      return error instanceof PathError ? error.message : String(error);
    }
  }
  const piece = fc.constantFrom("a", "/", ".", "..", "a..b", "...", "\u0000", "\u001f", "\u007f", "\u0080", "\u009f", "\u00a0", "é", "\uD800");
  it("accepts and refuses the same paths, with the same message", () => {
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }).map((p) => p.join("")), (path) => {
      expect(quickly(path)).toBe(slowly(path));
    }), { numRuns: 3000 });
  });
});
