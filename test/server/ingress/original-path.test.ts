/**
 * The URI rules of SPEC 5: a path the backend could read as another path is
 * refused, never guessed at; every other path decodes once to the segments
 * it spells.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { originalPath } from "../../../src/server/ingress/original-path.js";

/** A header value as Node hands it over: the UTF-8 bytes, one latin1 char each. */
const asHeader = (text: string): string => Buffer.from(text, "utf8").toString("latin1");

/** Every byte of `segment` percent-encoded. */
const encodeAll = (segment: string): string => [...Buffer.from(segment, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

// Segments SPEC 1.4 keeps: no `/`, `\`, `%`, `;`, no control character, not `.` or `..`.
const segment = fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 })
  .filter((s) => !/[/\\%;?#\u0000-\u001f\u007f-\u009f]/.test(s) && s !== "." && s !== ".." && s.normalize() === s);

describe("originalPath", () => {
  it("decodes a percent-encoded path exactly once to the segments it spells", () => {
    fc.assert(fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
      const uri = `/${segments.map(encodeAll).join("/")}`;
      expect(originalPath(asHeader(uri))).toEqual({ ok: true, segments });
    }));
  });

  it("reads raw UTF-8 bytes as the same segments, and drops the query and fragment", () => {
    fc.assert(fc.property(fc.array(segment, { maxLength: 6 }), fc.string(), (segments, query) => {
      // A `\` is refused anywhere in the URI, query included (below).
      // A request line never holds a raw space: it travels encoded, and decodes back.
      const uri = `/${segments.map((x) => x.replaceAll(" ", "%20")).join("/")}?${query.replace(/[#\\ ]/g, "")}#frag`;
      expect(originalPath(asHeader(uri))).toEqual({ ok: true, segments });
    }));
  });

  it("collapses `//`, drops `.` segments and a trailing `/` (SPEC 1.4)", () => {
    expect(originalPath("//a/./b//c/")).toEqual({ ok: true, segments: ["a", "b", "c"] });
    expect(originalPath("/a/%2e/b")).toEqual({ ok: true, segments: ["a", "b"] });
    expect(originalPath("/")).toEqual({ ok: true, segments: [] });
  });

  it.each([
    ["/a/../denied", "`..`"],
    ["/a/%2e%2e/denied", "`..`"],
    ["/a/%2E%2e/denied", "`..`"],
    ["/a/%252e%252e/denied", "encoded twice"],
    ["/a%2Fdenied", "encoded `/`"],
    ["/a%2fdenied", "encoded `/`"],
    ["/a%5Cdenied", "encoded `\\`"],
    ["/a\\denied", "`\\`"],
    ["/a;jsessionid=x", "`;`"],
    ["/a%3Bx", "encoded `;`"],
    ["/a%00b", "control"],
    ["/a%0ab", "control"],
    ["/a%7fb", "control"],
    ["/a%c2%85b", "control"],
    ["/%", "malformed"],
    ["/%g0", "malformed"],
    ["/a%c3", "UTF-8"],
    ["/a%ff", "UTF-8"],
    ["/a%ed%a0%80", "UTF-8"],
    ["/a?x=\\", "`\\`"],
    ["/api/public, /api/secret", "raw space"],
    ["/a b", "raw space"],
    ["/api/public?x=1, /api/secret", "raw space"],
    ["a/b", "start with `/`"],
    ["", "start with `/`"],
  ])("refuses %j (%s)", (uri, why) => {
    const result = originalPath(uri);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(why);
  });

  it("keeps an encoded space, which a request line may carry", () => {
    expect(originalPath("/x%20y")).toEqual({ ok: true, segments: ["x y"] });
  });

  it("refuses header bytes that are not UTF-8", () => {
    expect(originalPath("/caf\u00e9").ok).toBe(false); // a lone latin1 é byte
    expect(originalPath(asHeader("/café"))).toEqual({ ok: true, segments: ["café"] });
  });

  it("never accepts a URI with an encoded `/` or `\\`, or a `%` left after one decoding, wherever it stands", () => {
    fc.assert(fc.property(fc.array(segment, { maxLength: 4 }), fc.constantFrom("%2F", "%2f", "%5C", "%5c", "%252F", "%2525", "%25"), fc.nat(), (segments, bad, at) => {
      const parts = segments.map(encodeAll);
      const i = parts.length === 0 ? 0 : at % parts.length;
      parts.splice(i, 0, `x${bad}y`);
      expect(originalPath(`/${parts.join("/")}`).ok).toBe(false);
    }));
  });
});
