import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUtf8, firstInvalidByte } from "../../src/loader/parse/decode.js";

describe("decodeUtf8", () => {
  it("agrees with a fatal TextDecoder on which bytes are UTF-8", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: "binary", maxLength: 20 }).map((s) => new TextEncoder().encode(s)),
      fc.tuple(fc.string({ unit: "binary", maxLength: 10 }), fc.uint8Array({ minLength: 1, maxLength: 3 }))
        .map(([s, tail]) => new Uint8Array([...new TextEncoder().encode(s), ...tail])),
    );
    fc.assert(fc.property(bytes, (b) => {
      let valid = true;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(b);
      } catch {
        valid = false;
      }
      expect(firstInvalidByte(b) === b.length).toBe(valid);
      expect(decodeUtf8(b).ok).toBe(valid);
    }), { numRuns: 1000 });
  });

  it("keeps every byte before the first invalid one decodable", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      const prefix = b.subarray(0, firstInvalidByte(b));
      expect(() => new TextDecoder("utf-8", { fatal: true }).decode(prefix)).not.toThrow();
    }));
  });

  it("places the first bad byte by line and column", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("a\nüb\n  x"), 0xc0, 0xaf]);
    expect(decodeUtf8(bytes)).toEqual({ ok: false, at: { line: 3, column: 4 }, byte: 0xc0 });
    expect(decodeUtf8(new Uint8Array([0xff]))).toEqual({ ok: false, at: { line: 1, column: 1 }, byte: 0xff });
  });

  it("rejects surrogates and overlong forms", () => {
    expect(firstInvalidByte(new Uint8Array([0x41, 0xed, 0xa0, 0x80]))).toBe(1);
    expect(firstInvalidByte(new Uint8Array([0xe0, 0x80, 0xaf]))).toBe(0);
    expect(firstInvalidByte(new Uint8Array([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
  });
});
