import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { didYouMean, editDistance } from "../../src/loader/parse/did-you-mean.js";

const LEVELS = ["READ", "WRITE"];
const KEYWORDS = ["override", "include", "exclude"];

describe("didYouMean", () => {
  it.each([
    ["Write", LEVELS, "WRITE"], ["write", LEVELS, "WRITE"], ["READS", LEVELS, "READ"], ["Raed", LEVELS, "READ"],
    ["WRTIE", LEVELS, "WRITE"], ["writ", KEYWORDS, undefined], ["Include", KEYWORDS, "include"], ["overide", KEYWORDS, "override"],
    ["overrides", KEYWORDS, "override"], ["exlude", KEYWORDS, "exclude"], ["owner", LEVELS, undefined], ["", LEVELS, undefined],
    ["inclde", KEYWORDS, "include"], ["__proto__", KEYWORDS, undefined],
  ] as const)("%j among %j → %j", (input, known, expected) => {
    expect(didYouMean(input, known)).toBe(expected);
  });

  it("suggests a known word for any case change of it", () => {
    fc.assert(fc.property(fc.constantFrom(...LEVELS, ...KEYWORDS), fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }), (word, upper) => {
      const spelled = Array.from({ length: word.length }, (_, i) => word.charAt(i)).map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join("");
      expect(didYouMean(spelled, [...LEVELS, ...KEYWORDS])).toBe(word);
    }));
  });
});

describe("editDistance", () => {
  const word = fc.string({ maxLength: 8 });

  it("is a symmetric measure that is zero only for equal strings", () => {
    fc.assert(fc.property(word, word, (a, b) => {
      expect(editDistance(a, b)).toBe(editDistance(b, a));
      expect(editDistance(a, b) === 0).toBe(a === b);
      expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
    }));
  });

  it("caps at the limit", () => {
    fc.assert(fc.property(word, word, fc.integer({ min: 0, max: 4 }), (a, b, limit) => {
      expect(editDistance(a, b, limit)).toBe(Math.min(editDistance(a, b), limit));
    }));
  });

  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("wirte", "write")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});
