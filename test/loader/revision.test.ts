/** The tree revision: one content hash however the files arrive, kept up to date file by file. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runSteps } from "../../src/engine/index.js";
import { fileDigest, revisionOf, revisionOfSteps, TreeRevision } from "../../src/loader/read/revision.js";

const pathArb = fc.array(fc.constantFrom("a", "b", "plant", "north", "é", "x y"), { minLength: 0, maxLength: 3 })
  .map((dirs) => [...dirs, "access.rights"].join("/"));
const bytesArb = fc.uint8Array({ maxLength: 24 });

/** Edits of a tree: set a path's bytes (null: unreadable) or remove it. */
const editsArb = fc.array(fc.tuple(pathArb, fc.option(bytesArb), fc.boolean()), { maxLength: 40 });

describe("TreeRevision", () => {
  it("after any sequence of edits equals the revision of the final files computed from scratch, in any order", () => {
    fc.assert(
      fc.property(editsArb, fc.nat(), (edits, shift) => {
        const live = new TreeRevision();
        const final = new Map<string, Buffer>();
        for (const [path, bytes, remove] of edits) {
          if (remove) {
            live.delete(path);
            final.delete(path);
          } else {
            const digest = fileDigest(path, bytes === null ? null : Buffer.from(bytes), bytes === null ? "unreadable" : "");
            live.set(path, digest);
            final.set(path, digest);
          }
          // Reading the revision midway must not change what it becomes.
          if (path.length % 2 === 0) expect(live.revision).toMatch(/^[0-9a-f]{16}$/);
        }
        const entries = [...final];
        const rotated = [...entries.slice(shift % (entries.length || 1)), ...entries.slice(0, shift % (entries.length || 1))];
        expect(live.revision).toBe(revisionOf(entries));
        expect(live.revision).toBe(revisionOf(rotated.reverse()));
      }),
      { numRuns: 300 },
    );
  });

  it("tells apart trees that differ in one byte, a path, framing, or an unreadable file", () => {
    const one = (path: string, bytes: string | null, code = ""): string =>
      revisionOf([[path, fileDigest(path, bytes === null ? null : Buffer.from(bytes), code)]]);
    const base = one("access.rights", "READ:\n  override: [ops]\n");
    const seen = new Set([
      base,
      one("access.rights", "READ:\n  override: [opz]\n"),
      one("plant/access.rights", "READ:\n  override: [ops]\n"),
      one("access.rights", null, "unreadable"),
      one("access.rights", null, "symlink"),
      one("access.rights", ""),
      revisionOf([]),
      // The same bytes split differently between two files.
      revisionOf([["a/access.rights", fileDigest("a/access.rights", Buffer.from("ab"), "")], ["b/access.rights", fileDigest("b/access.rights", Buffer.from("c"), "")]]),
      revisionOf([["a/access.rights", fileDigest("a/access.rights", Buffer.from("a"), "")], ["b/access.rights", fileDigest("b/access.rights", Buffer.from("bc"), "")]]),
    ]);
    expect(seen.size).toBe(9);
    expect(one("access.rights", "READ:\n  override: [ops]\n")).toBe(base);
  });

  it("returns to the same revision when an edit is undone, and counts a removed path only once", () => {
    const live = new TreeRevision();
    const a = fileDigest("access.rights", Buffer.from("x"), "");
    live.set("access.rights", a);
    const before = live.revision;
    live.set("plant/access.rights", fileDigest("plant/access.rights", Buffer.from("y"), ""));
    expect(live.revision).not.toBe(before);
    live.delete("plant/access.rights");
    live.delete("plant/access.rights");
    expect(live.revision).toBe(before);
    expect(live.get("access.rights")).toBe(a);
  });

  it("rehashes a full tree in many steps, one changed file in one, and goes round again when a file changes between steps", () => {
    const digests = Array.from({ length: 5_000 }, (_, i) => [`d${i}/access.rights`, fileDigest(`d${i}/access.rights`, Buffer.from(String(i)), "")] as const);
    const live = new TreeRevision();
    for (const [path, digest] of digests) live.set(path, digest);
    const steps = live.revisionSteps();
    let yields = 0;
    // Change one file after the first step: its bucket may already be hashed, so the result must still include it.
    const changed = fileDigest("d7/access.rights", Buffer.from("changed"), "");
    let result: string | undefined;
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done === true) {
        result = step.value;
        break;
      }
      if (++yields === 1) live.set("d7/access.rights", changed);
    }
    // A step rehashes whole buckets until 256 files are done: 5,000 files in 17 to 20 steps.
    expect(yields).toBeGreaterThanOrEqual(Math.floor(5_000 / 300));
    expect(yields).toBeLessThanOrEqual(Math.ceil(5_000 / 256));
    const expected = revisionOf(digests.map(([p, d]) => [p, p === "d7/access.rights" ? changed : d] as const));
    expect(result).toBe(expected);
    expect(runSteps(revisionOfSteps(digests))).not.toBe(expected);
    // One more change: one bucket to rehash, no yield.
    live.set("d8/access.rights", fileDigest("d8/access.rights", Buffer.from("again"), ""));
    const again = live.revisionSteps();
    expect(again.next().done).toBe(true);
  });

  it("leaves nothing stale when its steps are stopped midway or two of them overlap", () => {
    const digests = Array.from({ length: 3_000 }, (_, i) => [`s${i}/access.rights`, fileDigest(`s${i}/access.rights`, Buffer.from(`x${i}`), "")] as const);
    const expected = revisionOf(digests);
    const stopped = new TreeRevision();
    for (const [path, digest] of digests) stopped.set(path, digest);
    const steps = stopped.revisionSteps();
    steps.next();
    steps.next();
    steps.return("abandoned");
    expect(stopped.revision).toBe(expected);

    const overlapped = new TreeRevision();
    for (const [path, digest] of digests) overlapped.set(path, digest);
    const first = overlapped.revisionSteps();
    first.next();
    // A second reader runs to the end while the first is paused; then the first finishes.
    expect(overlapped.revision).toBe(expected);
    expect(runSteps(first)).toBe(expected);
  });

  it("enters files in steps too when computing a revision from scratch", () => {
    const digests = Array.from({ length: 2_000 }, (_, i) => [`e${i}/access.rights`, fileDigest(`e${i}/access.rights`, Buffer.from("e"), "")] as const);
    const steps = revisionOfSteps(digests);
    let yields = 0;
    for (let step = steps.next(); step.done !== true; step = steps.next()) yields++;
    // 2,000 files entered (7 yields) and rehashed (about 7 more).
    expect(yields).toBeGreaterThanOrEqual(12);
  });
});
