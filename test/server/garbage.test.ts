/** Generated garbage at every endpoint: never a 500, always a well-formed answer or error body. */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { beforeEach, describe, expect, test } from "vitest";
import { FakeTree } from "./fake-tree.js";
import { makeServer } from "./helpers.js";

const RUNS = 300;
const POST_ROUTES = ["/v1/check", "/v1/check/batch", "/v1/explain"] as const;
const GET_ROUTES = ["/v1/check", "/v1/groups", "/v1/where", "/v1/changes", "/v1/status", "/healthz", "/readyz", "/metrics"] as const;

// Pieces that trip up paths, JSON and query parsers.
const nasty = fc.constantFrom("/", "//", ".", "..", "a", "plant", "\u0000", "\n", "\u007f", "\u0085", "%", "%2F", "%00", "é", "\uD800", "\uDFFF", "😀", "~", "\\", "__proto__", "constructor", "prototype", "READ", "WRITE", " ", "&", "=", "+", "?", "\"");
const nastyString = fc.oneof(
  fc.array(nasty, { maxLength: 12 }).map((parts) => parts.join("")),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constant("x".repeat(5000)),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });

// Well-formed checks with hostile strings, so that garbage reaches the engine and not only the schema.
const wellFormed = fc.record({
  groups: fc.array(nastyString, { maxLength: 5 }),
  access: fc.constantFrom("READ", "WRITE"),
  path: nastyString,
});
const anyShape = fc.record(
  {
    groups: fc.oneof(fc.array(fc.oneof(nastyString, anyJson), { maxLength: 5 }), anyJson),
    access: fc.oneof(fc.constantFrom("READ", "WRITE", "read", "write", "", "READ "), anyJson),
    path: fc.oneof(nastyString, anyJson),
    extra: anyJson,
  },
  { requiredKeys: [] },
);
const check = fc.oneof(wellFormed, anyShape);
const body = fc.oneof(
  anyJson,
  check,
  fc.record({ checks: fc.oneof(fc.array(fc.oneof(check, anyJson), { maxLength: 20 }), anyJson) }, { requiredKeys: [] }),
  fc.dictionary(nastyString, anyJson, { maxKeys: 4 }),
);
// Bodies sent as raw text, valid JSON or not.
const rawBody = fc.oneof(body.map((b) => JSON.stringify(b)), fc.string({ unit: "binary", maxLength: 200 }), nastyString);
const contentType = fc.constantFrom("application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonx", "*/*");

// Percent-encodes every UTF-8 byte, so lone surrogates become U+FFFD as a browser would send them.
function encode(value: string): string {
  return [...Buffer.from(value, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
}
const queryKey = fc.oneof(fc.constantFrom("group", "access", "path", "since", "groups", "__proto__", "constructor", "group[]", "", "x"), nastyString);
const queryValue = fc.oneof(fc.constantFrom("READ", "WRITE", "ops", "/plant/a", ""), nastyString);
const encodedQuery = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&"));
// Raw query text: unencoded specials, broken escapes, stray `&` and `=`.
const rawQuery = fc.array(fc.constantFrom("group", "access", "path", "since", "=", "&", "%", "%Z", "%2", "%FF", "%C3", "READ", "/a", "..", "+", "[]", ";", "%00"), { maxLength: 15 }).map((p) => p.join(""));
const query = fc.oneof(encodedQuery, rawQuery);

function expectWellFormed(status: number, text: string, url: string): void {
  expect(status, `${url} → ${status} ${text.slice(0, 200)}`).toBeLessThan(500);
  if (status >= 400 && text !== "") {
    const parsed = JSON.parse(text) as { error: { code: string; message: string } };
    expect(parsed.error.code).toMatch(/^[a-z_]+$/);
    expect(typeof parsed.error.message).toBe("string");
  }
}

describe("garbage never makes a 500", () => {
  let app: FastifyInstance;
  // `makeServer` closes its servers after each test. The tree tracks a commit
  // and its history, so garbage reaches the change feed too.
  beforeEach(async () => {
    ({ app } = await makeServer(new FakeTree(undefined, { commit: "0123456789abcdef0123456789abcdef01234567" })));
  });

  test.each(POST_ROUTES)("JSON bodies at POST %s", async (url) => {
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const res = await app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload: JSON.stringify(value) });
        expectWellFormed(res.statusCode, res.body, url);
        if (res.statusCode === 200) expect(typeof res.json<{ revision: unknown }>().revision).toBe("string");
      }),
      { numRuns: RUNS },
    );
  });

  test.each(POST_ROUTES)("raw bodies and content types at POST %s", async (url) => {
    await fc.assert(
      fc.asyncProperty(rawBody, contentType, async (payload, type) => {
        const headers = type === "" ? {} : { "content-type": type };
        const res = await app.inject({ method: "POST", url, headers, payload });
        expectWellFormed(res.statusCode, res.body, url);
      }),
      { numRuns: RUNS },
    );
  });

  test.each(GET_ROUTES)("query strings at GET %s", async (route) => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const url = `${route}?${q}`;
        const res = await app.inject({ method: "GET", url });
        expectWellFormed(res.statusCode, res.body, url);
      }),
      { numRuns: RUNS },
    );
  });

  test("any method at any route, with a body", async () => {
    const method = fc.constantFrom<"GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS" | "HEAD">("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
    const route = fc.oneof(fc.constantFrom(...POST_ROUTES, ...GET_ROUTES, "/", "/v1", "/v1/", "/v1/check/", "/V1/CHECK"), nastyString.map((s) => `/${encode(s)}`));
    await fc.assert(
      fc.asyncProperty(method, route, query, rawBody, async (m, r, q, payload) => {
        const url = `${r}?${q}`;
        const withBody = m !== "GET" && m !== "HEAD";
        const res = await app.inject({ method: m, url, headers: { "content-type": "application/json" }, ...(withBody ? { payload } : {}) });
        expectWellFormed(res.statusCode, m === "HEAD" ? "" : res.body, `${m} ${url}`);
      }),
      { numRuns: RUNS },
    );
  });
});
