import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { GroupSetPool } from "../../src/engine/group-set.js";
import { TrieNode } from "../../src/engine/trie.js";

// Few names, some of them colliding in the low bits of their hashes, so that probe runs form and wrap.
const name = fc.constantFrom(...Array.from({ length: 40 }, (_, i) => `n${i}`), "", "é", "__proto__");
const op = fc.oneof(
  fc.record({ put: name }),
  fc.record({ remove: name }),
);

describe("TrieNode's child table", () => {
  test("put, remove and get agree with a Map after any sequence", () => {
    const identity = new GroupSetPool().identity;
    fc.assert(fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const node = new TrieNode("", 0, identity);
      const model = new Map<string, TrieNode>();
      for (const o of ops) {
        if ("put" in o) {
          const child = new TrieNode(o.put, 1, identity);
          node.put(child);
          model.set(o.put, child);
        } else {
          node.remove(o.remove);
          model.delete(o.remove);
        }
        expect(node.size).toBe(model.size);
        if (node.slots !== null) expect(node.slots.filter((s) => s !== undefined).length * 2).toBeLessThanOrEqual(node.slots.length);
      }
      for (const candidate of ["", "é", "__proto__", ...Array.from({ length: 40 }, (_, i) => `n${i}`)]) {
        expect(node.get(candidate)).toBe(model.get(candidate));
      }
      expect(node.children().map((c) => c.name)).toEqual([...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(node.slots === null).toBe(model.size === 0);
    }), { numRuns: 500 });
  });
});
