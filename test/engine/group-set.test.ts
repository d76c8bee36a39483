import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { GroupSetPool, applyRule } from "../../src/engine/group-set.js";
import type { GroupSet } from "../../src/engine/group-set.js";
import type { LevelRule } from "../../src/engine/types.js";

// Enough names to span several 32-bit words, and names that are also Object.prototype keys.
const NAMES = [...Array.from({ length: 70 }, (_, i) => `g${i}`), "__proto__", "constructor", "toString", "é", "\uD800"];
const name = fc.constantFrom(...NAMES);
const list = fc.uniqueArray(name, { maxLength: 8 });
const rule: fc.Arbitrary<LevelRule | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.record({ override: list }, { requiredKeys: ["override"] }),
  fc.record({ include: list, exclude: list }, { requiredKeys: [] }),
);

function expectSame(set: GroupSet, plain: ReadonlySet<string>): void {
  expect(new Set(set.sorted)).toEqual(plain);
  expect(set.members).toEqual(plain);
  for (const group of NAMES) expect(set.has(group)).toBe(plain.has(group));
  expect(set.has("never-seen")).toBe(false);
}

describe("GroupSetPool", () => {
  test("a chain of rules gives the set applyRule gives on plain sets", () => {
    fc.assert(fc.property(list, fc.array(rule, { maxLength: 6 }), (start, rules) => {
      const pool = new GroupSetPool();
      let set = pool.of(start);
      let plain: ReadonlySet<string> = new Set(start);
      for (const r of rules) {
        set = pool.withRule(r, set);
        plain = applyRule(r, plain);
        expectSame(set, plain);
      }
    }), { numRuns: 500 });
  });

  test("equal sets are one object, however they were reached", () => {
    const pool = new GroupSetPool();
    const a = pool.of(["g1", "g40", "g2"]);
    expect(pool.withRule({ include: ["g40"] }, pool.of(["g2", "g1"]))).toBe(a);
    expect(pool.withRule({ exclude: ["g69"] }, pool.of(["g1", "g2", "g40", "g69"]))).toBe(a);
    expect(pool.withRule({ override: ["g40", "g1", "g2", "g2"] }, pool.of([]))).toBe(a);
    expect(pool.withRule(undefined, a)).toBe(a);
    expect(pool.withRule({}, a)).toBe(a);
  });

  test("a pool made from an older set keeps its ids: both agree on every group", () => {
    fc.assert(fc.property(list, list, rule, (before, later, r) => {
      const first = new GroupSetPool();
      const old = first.of(before);
      const next = new GroupSetPool(first.ids);
      // New names get new ids; the old set still answers for them.
      const fresh = next.withRule(r, next.of(later));
      expectSame(fresh, applyRule(r, new Set(later)));
      expectSame(old, new Set(before));
      expectSame(next.withRule({ include: later }, old), new Set([...before, ...later]));
    }), { numRuns: 300 });
  });

  test("sorted is by code unit and frozen; an empty set is empty", () => {
    const pool = new GroupSetPool();
    const set = pool.of(["b", "é", "B", "a"]);
    expect(set.sorted).toEqual(["B", "a", "b", "é"]);
    expect(Object.isFrozen(set.sorted)).toBe(true);
    expect(pool.of([]).sorted).toEqual([]);
    expect(pool.withRule({ exclude: ["b", "é", "B", "a"] }, set)).toBe(pool.of([]));
  });
});
