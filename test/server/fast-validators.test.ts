/** The hand-written validators accept exactly what ajv accepts under the same schemas. */
import { Ajv } from "ajv";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isAuthorizeBody, isBatchBody, isCheckBody } from "../../src/server/fast-validators.js";
import { batchBodySchema, checkBodySchema } from "../../src/server/schemas.js";

const ajv = new Ajv({ coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false, strict: true });
const ajvCheck = ajv.compile(checkBodySchema);
const MAX = 5;
const ajvBatch = ajv.compile(batchBodySchema(MAX));

// Mostly near-valid values, so that every branch of the validators is reached.
const key = fc.constantFrom("groups", "access", "path", "checks", "extra", "__proto__", "constructor", "toString");
const value = fc.oneof(
  fc.constantFrom("READ", "WRITE", "read", "", "/a", "\u{1F600}", null, 0, true),
  fc.array(fc.oneof(fc.constantFrom("ops", "", "é", "\uD800"), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const check = fc.oneof(
  fc.record({ groups: fc.array(fc.constantFrom("ops", "eng", "\uD800", "e\u0301"), { maxLength: 3 }), access: fc.constantFrom("READ", "WRITE"), path: fc.string() }),
  fc.record({ groups: value, access: value, path: value }, { requiredKeys: [] }),
  fc.dictionary(key, value, { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);
// Through JSON, as a request body arrives: no undefined, no prototype tricks.
const asJson = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => arb.map((v) => JSON.parse(JSON.stringify(v ?? null)) as unknown);

describe("fast validators", () => {
  test("isCheckBody agrees with ajv on checkBodySchema", () => {
    fc.assert(fc.property(asJson(check), (body) => {
      expect(isCheckBody(body)).toBe(ajvCheck(body));
    }), { numRuns: 3000 });
  });

  test("isBatchBody agrees with ajv on batchBodySchema", () => {
    const batch = fc.oneof(
      fc.record({ checks: fc.array(check, { maxLength: MAX + 2 }) }),
      fc.record({ checks: fc.array(check, { maxLength: 3 }), more: value }, { requiredKeys: [] }),
      // The shared-groups shape, alone and mixed with `checks`.
      fc.record({
        groups: fc.oneof(fc.array(fc.constantFrom("ops", "", "\uD800"), { maxLength: 3 }), value),
        access: fc.oneof(fc.constantFrom("READ", "WRITE"), value),
        paths: fc.oneof(fc.array(fc.oneof(fc.string(), value), { maxLength: MAX + 2 }), value),
        checks: fc.array(check, { maxLength: 2 }),
      }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(fc.property(asJson(batch), (body) => {
      expect(isBatchBody(body, MAX)).toBe(ajvBatch(body));
    }), { numRuns: 3000 });
  });

  test("the edges", () => {
    const ok = { groups: ["ops"], access: "READ", path: "" };
    for (const body of [ok, { ...ok, groups: [] }, { path: "/", access: "WRITE", groups: ["\uD800"] }]) expect(isCheckBody(body)).toBe(true);
    for (const body of [null, [], "x", { ...ok, groups: [""] }, { ...ok, extra: 1 }, { groups: ["ops"], access: "READ" }, { ...ok, access: "READ " }]) {
      expect(isCheckBody(body)).toBe(false);
    }
    expect(isBatchBody({ checks: Array(MAX).fill(ok) }, MAX)).toBe(true);
    expect(isBatchBody({ checks: Array(MAX + 1).fill(ok) }, MAX)).toBe(false);
    expect(isBatchBody({ checks: [] }, MAX)).toBe(true);
    expect(isBatchBody({}, MAX)).toBe(false);
    const shared = { groups: ["ops"], access: "WRITE", paths: Array(MAX).fill("/a") };
    expect(isBatchBody(shared, MAX)).toBe(true);
    expect(isBatchBody({ ...shared, paths: [] }, MAX)).toBe(true);
    expect(isBatchBody({ ...shared, paths: Array(MAX + 1).fill("/a") }, MAX)).toBe(false);
    expect(isBatchBody({ ...shared, checks: [] }, MAX)).toBe(false);
    expect(isBatchBody({ groups: [], access: "READ" }, MAX)).toBe(false);
    expect(isBatchBody({ ...shared, paths: [1] }, MAX)).toBe(false);
  });
  test("isAuthorizeBody accepts exactly the bodies ajv accepts with one of `path` and `paths` (the others ajv and the handler judge)", () => {
    const authorizeSchema = {
      type: "object",
      properties: { access: { type: "string", enum: ["READ", "WRITE"] }, path: { type: "string" }, paths: { type: "array", items: { type: "string" }, minItems: 1, maxItems: MAX } },
      required: ["access"],
      additionalProperties: false,
    };
    const ajvAuthorize = ajv.compile(authorizeSchema);
    const authorizeKey = fc.constantFrom("access", "path", "paths", "extra", "__proto__");
    const body = fc.oneof(
      fc.record({ access: fc.constantFrom("READ", "WRITE", "read"), path: fc.oneof(fc.string(), value) }, { requiredKeys: ["access"] }),
      fc.record({ access: fc.constantFrom("READ", "WRITE"), paths: fc.oneof(fc.array(fc.oneof(fc.string(), value), { maxLength: MAX + 2 }), value) }),
      fc.dictionary(authorizeKey, value, { maxKeys: 3 }),
    );
    fc.assert(fc.property(asJson(body), (b) => {
      const one = typeof b === "object" && b !== null && ("path" in b) !== ("paths" in b);
      expect(isAuthorizeBody(b, MAX)).toBe(ajvAuthorize(b) && one);
    }), { numRuns: 3000 });
  });
});
