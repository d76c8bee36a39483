/** Every error path: a 4xx with a stable code and a one-line message, never a 500 for caller input. */
import { describe, expect, test } from "vitest";
import { TreeRightsError } from "../../src/engine/index.js";
import type { RightsIndex } from "../../src/engine/index.js";
import { API_ERROR_CODES } from "../../src/server/api-error.js";
import { FakeTree } from "./fake-tree.js";
import { get, makeServer, post } from "./helpers.js";
import type { Reply } from "./helpers.js";

const ok = { groups: ["ops"], access: "READ", path: "/plant/a" };

function expectError(res: Reply, status: number, code: string, message?: RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.body as object)).toEqual(["error"]);
  expect(res.body.error.code).toBe(code);
  expect(Object.keys(API_ERROR_CODES)).toContain(code);
  expect(res.body.error.message).toMatch(/^[^\n]+$/);
  expect(res.body.error.message).not.toMatch(/\.$/);
  if (message) expect(res.body.error.message).toMatch(message);
}

describe("JSON bodies that are not UTF-8 are refused, never decided", () => {
  const prefix = Buffer.from('{"groups":["ops"],"access":"READ","path":"/pub');
  const suffix = Buffer.from('"}');
  for (const [name, bytes] of [["C3 28 (a broken two-byte sequence)", [0xc3, 0x28]], ["E9 (latin-1 é)", [0xe9]], ["FF", [0xff]], ["ED A0 80 (a UTF-8 surrogate)", [0xed, 0xa0, 0x80]]] as const) {
    test(`bytes ${name} inside \`path\` give 400 invalid_body, on check and explain`, async () => {
      const { app } = await makeServer();
      for (const url of ["/v1/check", "/v1/explain"]) {
        const res = await app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload: Buffer.concat([prefix, Buffer.from(bytes), suffix]) });
        expectError({ status: res.statusCode, body: JSON.parse(res.body), text: res.body, headers: res.headers }, 400, "invalid_body", /not valid UTF-8/);
      }
    });
  }

  test("valid UTF-8 beyond ASCII is decided as sent", async () => {
    const { app } = await makeServer();
    const res = await app.inject({ method: "POST", url: "/v1/check", headers: { "content-type": "application/json" }, payload: Buffer.from(JSON.stringify({ ...ok, path: "/plant/é/数据" })) });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe("JSON bodies are not coerced", () => {
  const cases: [string, unknown, string, RegExp][] = [
    ["path null", { ...ok, path: null }, "invalid_body", /body\.path must be a string/],
    ["path number", { ...ok, path: 7 }, "invalid_body", /body\.path must be a string/],
    ["groups [1]", { ...ok, groups: [1] }, "invalid_body", /body\.groups\[0\] must be a string/],
    ["groups [null]", { ...ok, groups: [null] }, "invalid_body", /body\.groups\[0\] must be a string/],
    ["groups a string", { ...ok, groups: "ops" }, "invalid_body", /body\.groups must be a list/],
    ["groups null", { ...ok, groups: null }, "invalid_body", /body\.groups must be a list/],
    ["empty group name", { ...ok, groups: ["ops", ""] }, "invalid_body", /body\.groups\[1\] must not be empty/],
    ["access true", { ...ok, access: true }, "invalid_body", /body\.access must be a string/],
    ["access lowercase", { ...ok, access: "write" }, "invalid_access", /body\.access must be `READ` or `WRITE`/],
    ["access EXECUTE", { ...ok, access: "EXECUTE" }, "invalid_access", /`READ` or `WRITE`/],
    ["missing path", { groups: [], access: "READ" }, "invalid_body", /body is missing `path`/],
    ["missing groups", { access: "READ", path: "/" }, "invalid_body", /body is missing `groups`/],
    ["missing access", { groups: [], path: "/" }, "invalid_body", /body is missing `access`/],
    ["extra field", { ...ok, group: ["ops"] }, "invalid_body", /body has unknown field `group`/],
    ["body an array", [ok], "invalid_body", /body must be an object/],
    ["body a string", "\"ops\"", "invalid_body", /body must be an object/],
    ["body null", "null", "invalid_body", /body must be an object/],
  ];
  test.each(cases)("POST /v1/check with %s", async (_name, body, code, message) => {
    const { app } = await makeServer();
    expectError(await post(app, "/v1/check", body), 400, code, message);
  });

  test.each(cases)("POST /v1/explain with %s", async (_name, body, code) => {
    const { app } = await makeServer();
    expectError(await post(app, "/v1/explain", body), 400, code);
  });
});

describe("paths the engine rejects", () => {
  const paths: [string, string, RegExp][] = [
    ["a `..` segment", "/plant/../etc", /`\.\.` segment/],
    ["a lone `..`", "..", /`\.\.` segment/],
    ["a NUL", "/plant/\u0000x", /control character/],
    ["a newline", "/plant\n/x", /control character/],
    ["a C1 control", "/plant/\u0085", /control character/],
    ["4097 bytes", `/${"a".repeat(4096)}`, /longer than 4096 bytes/],
    ["4097 bytes of multibyte text", `/${"é".repeat(2048)}`, /longer than 4096 bytes/],
  ];
  test.each(paths)("%s: POST check, explain, and GET check and groups", async (_name, path, message) => {
    const { app } = await makeServer();
    expectError(await post(app, "/v1/check", { ...ok, path }), 400, "invalid_path", message);
    expectError(await post(app, "/v1/explain", { ...ok, path }), 400, "invalid_path", message);
    const q = encodeURIComponent(path);
    expectError(await get(app, `/v1/check?group=ops&access=READ&path=${q}`), 400, "invalid_path", message);
    expectError(await get(app, `/v1/groups?access=READ&path=${q}`), 400, "invalid_path", message);
  });

  test("a path of exactly 4096 bytes is fine", async () => {
    const { app } = await makeServer();
    expect((await post(app, "/v1/check", { ...ok, path: `/${"a".repeat(4095)}` })).status).toBe(200);
  });

  test("messages show control characters escaped", async () => {
    const { app } = await makeServer();
    const res = await post(app, "/v1/check", { ...ok, path: "/a\u0000b" });
    expect(res.body.error.message).toContain("\\u0000");
    expect(res.body.error.message).not.toContain("\u0000");
  });
});

describe("GET query strings", () => {
  test.each([
    ["no access", "/v1/check?group=ops&path=/a", "invalid_query", /query is missing `access`/],
    ["no path", "/v1/check?group=ops&access=READ", "invalid_query", /query is missing `path`/],
    ["lowercase access", "/v1/check?access=write&path=/a", "invalid_access", /query\.access must be `READ` or `WRITE`/],
    ["access twice", "/v1/check?access=READ&access=WRITE&path=/a", "invalid_query", /query\.access must be a string/],
    ["path twice", "/v1/check?access=READ&path=/a&path=/b", "invalid_query", /query\.path must be a string/],
    ["an empty group", "/v1/check?group=ops&group=&access=READ&path=/a", "invalid_query", /query\.group\[1\] must not be empty/],
    ["groups instead of group", "/v1/check?groups=ops&access=READ&path=/a", "invalid_query", /unknown field `groups`/],
    ["__proto__", "/v1/check?__proto__=x&access=READ&path=/a", "invalid_query", /unknown field `__proto__`/],
    ["groups: no access", "/v1/groups?path=/a", "invalid_query", /missing `access`/],
    ["groups: a group", "/v1/groups?group=ops&access=READ&path=/a", "invalid_query", /unknown field `group`/],
    ["groups: bad access", "/v1/groups?access=read&path=/a", "invalid_access", /`READ` or `WRITE`/],
  ])("%s", async (_name, url, code, message) => {
    const { app } = await makeServer();
    expectError(await get(app, url), 400, code, message);
  });

  test("a malformed URL encoding in the path is a 400", async () => {
    const { app } = await makeServer();
    expectError(await get(app, "/v1/ch%ZZeck"), 400, "invalid_url");
  });
});

describe("POST /v1/check/batch", () => {
  const item = { groups: ["ops"], access: "READ", path: "/a" };

  test("10,001 checks is batch_too_large", async () => {
    const { app } = await makeServer();
    expectError(await post(app, "/v1/check/batch", { checks: Array(10_001).fill(item) }), 400, "batch_too_large", /at most 10000 checks/);
  });

  test("size is judged before the items", async () => {
    const { app } = await makeServer();
    expectError(await post(app, "/v1/check/batch", { checks: Array(10_001).fill({ groups: [1] }) }), 400, "batch_too_large");
  });

  test("an invalid path names the item's index", async () => {
    const { app } = await makeServer();
    const checks = [item, item, item, { ...item, path: "/x/../y" }, item];
    expectError(await post(app, "/v1/check/batch", { checks }), 400, "invalid_path", /^checks\[3\]: .*`\.\.` segment/);
  });

  test("a schema failure names the item's index", async () => {
    const { app } = await makeServer();
    expectError(await post(app, "/v1/check/batch", { checks: [item, { ...item, groups: [1] }] }), 400, "invalid_body", /body\.checks\[1\]\.groups\[0\] must be a string/);
    expectError(await post(app, "/v1/check/batch", { checks: [item, item, { ...item, access: "read" }] }), 400, "invalid_access", /body\.checks\[2\]\.access/);
    expectError(await post(app, "/v1/check/batch", { checks: [{ ...item, extra: 1 }] }), 400, "invalid_body", /body\.checks\[0\] has unknown field `extra`/);
    expectError(await post(app, "/v1/check/batch", { checks: [item, { groups: [], access: "READ" }] }), 400, "invalid_body", /body\.checks\[1\] is missing `path`/);
  });

  test("the batch envelope itself is validated", async () => {
    const { app } = await makeServer();
    expectError(await post(app, "/v1/check/batch", {}), 400, "invalid_body", /^body needs `checks`, or `groups`, `access` and `paths`/);
    expectError(await post(app, "/v1/check/batch", { checks: item }), 400, "invalid_body", /body\.checks must be a list/);
    expectError(await post(app, "/v1/check/batch", { checks: [], more: [] }), 400, "invalid_body", /unknown field `more`/);
    expectError(await post(app, "/v1/check/batch", { more: [] }), 400, "invalid_body", /^body has unknown field `more`$/);
    expectError(await post(app, "/v1/check/batch", [item]), 400, "invalid_body");
  });

  test("the shared-groups shape: every field needed, never mixed with checks", async () => {
    const { app } = await makeServer();
    const shared = { groups: ["ops"], access: "READ", paths: ["/a", "/b"] };
    const shape = /^body needs `checks`, or `groups`, `access` and `paths` \(`groups` is missing\)$/;
    expectError(await post(app, "/v1/check/batch", { groups: ["ops"], access: "READ" }), 400, "invalid_body", /\(`paths` is missing\)/);
    expectError(await post(app, "/v1/check/batch", { paths: ["/a"] }), 400, "invalid_body", shape);
    expectError(await post(app, "/v1/check/batch", { ...shared, checks: [item] }), 400, "invalid_body", /body\.groups cannot be sent with `checks`/);
    expectError(await post(app, "/v1/check/batch", { checks: [item], paths: [] }), 400, "invalid_body", /body\.paths cannot be sent with `checks`/);
    expectError(await post(app, "/v1/check/batch", { ...shared, access: "write" }), 400, "invalid_access", /body\.access/);
    expectError(await post(app, "/v1/check/batch", { ...shared, groups: [""] }), 400, "invalid_body", /body\.groups\[0\] must not be empty/);
    expectError(await post(app, "/v1/check/batch", { ...shared, paths: ["/a", 7] }), 400, "invalid_body", /body\.paths\[1\] must be a string/);
    expectError(await post(app, "/v1/check/batch", { ...shared, paths: Array(10_001).fill("/a") }), 400, "batch_too_large", /at most 10000 checks/);
  });

  test("an invalid path in paths names its index", async () => {
    const { app } = await makeServer();
    const paths = ["/a", "/b", "/x/\u0001"];
    expectError(await post(app, "/v1/check/batch", { groups: ["ops"], access: "WRITE", paths }), 400, "invalid_path", /^paths\[2\]: .*control character/);
  });
});

describe("bodies that are not JSON objects", () => {
  test.each(["/v1/check", "/v1/check/batch", "/v1/explain"])("%s", async (url) => {
    const { app } = await makeServer();
    expectError(await post(app, url, "{\"groups\": [\"ops\"], "), 400, "invalid_json");
    expectError(await post(app, url, "{groups: []}"), 400, "invalid_json");
    expectError(await post(app, url, ""), 400, "invalid_json");
    // Parsed as own keys (never a prototype) and refused by the schema as unknown fields.
    expectError(await post(app, url, "{\"__proto__\": {\"polluted\": 1}}"), 400, "invalid_body");
    expectError(await post(app, url, "{\"\\u005f_proto__\": {\"polluted\": 1}}"), 400, "invalid_body");
    expectError(await post(app, url, "{\"constructor\": {\"prototype\": {\"polluted\": 1}}}"), 400, "invalid_body");
    const valid = JSON.stringify(url.endsWith("batch") ? { checks: [ok] } : ok);
    expectError(await post(app, url, valid.replace(/}$/, ',"__proto__":{"polluted":1}}')), 400, "invalid_body", /unknown field `__proto__`/);
    if (url.endsWith("batch")) {
      const item = JSON.stringify(ok).replace(/}$/, ',"__proto__":{"polluted":1}}');
      expectError(await post(app, url, `{"checks":[${item}]}`), 400, "invalid_body", /unknown field `__proto__`/);
    }
    // A leading byte order mark is tolerated, as fastify's default parser does.
    expect((await post(app, url, `\ufeff${valid}`)).status).toBe(200);
    expectError(await post(app, url, JSON.stringify(ok), "text/plain"), 415, "unsupported_media_type");
    expectError(await post(app, url, "groups=ops", "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    expectError(await post(app, url, JSON.stringify(ok), "application/xml"), 415, "unsupported_media_type");
    const missing = await app.inject({ method: "POST", url });
    expectError({ status: missing.statusCode, body: missing.json(), headers: missing.headers, text: missing.body }, 400, "invalid_body", /body must be an object/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("application/json with a charset is accepted", async () => {
    const { app } = await makeServer();
    expect((await post(app, "/v1/check", ok, "application/json; charset=utf-8")).status).toBe(200);
  });

  test("a body over the limit is 413", async () => {
    const { app } = await makeServer(new FakeTree(), { bodyLimit: 1024, batchBodyLimit: 4096 });
    expectError(await post(app, "/v1/check", { ...ok, groups: ["x".repeat(2000)] }), 413, "body_too_large");
    expect((await post(app, "/v1/check/batch", { checks: [{ ...ok, groups: ["x".repeat(2000)] }] })).status).toBe(200);
    expectError(await post(app, "/v1/check/batch", { checks: [{ ...ok, groups: ["x".repeat(5000)] }] }), 413, "body_too_large");
  });

  test("the default limit takes a full batch of long paths", async () => {
    const { app } = await makeServer();
    const checks = Array.from({ length: 10_000 }, (_, i) => ({ groups: ["ops", "supervisors"], access: "READ", path: `/plant/${"segment/".repeat(20)}${i}` }));
    expect(JSON.stringify({ checks }).length).toBeGreaterThan(1024 * 1024);
    expect((await post(app, "/v1/check/batch", { checks })).status).toBe(200);
  });
});

describe("routes and methods", () => {
  test("an unknown route is 404 not_found", async () => {
    const { app } = await makeServer();
    expectError(await get(app, "/v2/check"), 404, "not_found", /no route for GET `\/v2\/check`/);
    expectError(await post(app, "/nope", {}), 404, "not_found");
    expectError(await get(app, "/v1/check/"), 404, "not_found");
  });

  test("a known route with the wrong method is 405 with Allow", async () => {
    const { app } = await makeServer();
    const res = await get(app, "/v1/explain");
    expectError(res, 405, "method_not_allowed", /`\/v1\/explain` accepts POST, not GET/);
    expect(res.headers.allow).toBe("POST");
    for (const method of ["DELETE", "PUT", "PATCH", "OPTIONS"] as const) {
      const r = await app.inject({ method, url: "/v1/check?x=1" });
      expect(r.statusCode).toBe(405);
      expect(r.json().error.code).toBe("method_not_allowed");
      expect(r.headers.allow).toContain("GET");
    }
    expectError(await post(app, "/v1/groups", {}), 405, "method_not_allowed");
    expectError(await post(app, "/metrics", {}), 405, "method_not_allowed");
  });
});

describe("faults", () => {
  function brokenTree(error: Error): FakeTree {
    const tree = new FakeTree();
    const broken: RightsIndex = {
      ...tree.index,
      revision: tree.index.revision,
      check: () => { throw error; },
      explain: () => { throw error; },
      groupsFor: () => { throw error; },
    };
    tree.index = broken;
    return tree;
  }

  test("an unexpected error is a 500 internal_error that reveals nothing, and is logged", async () => {
    const lines: string[] = [];
    const tree = brokenTree(new Error("database password is hunter2"));
    const { app } = await makeServer(tree, { logger: { level: "info", stream: { write: (line) => { lines.push(line); } } } });
    for (const res of [
      await post(app, "/v1/check", ok),
      await post(app, "/v1/explain", ok),
      await post(app, "/v1/check/batch", { checks: [ok] }),
      await get(app, "/v1/groups?access=READ&path=/"),
    ]) {
      expectError(res, 500, "internal_error");
      expect(res.text).not.toContain("hunter2");
      expect(res.text).not.toContain("at ");
    }
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; reqId?: string; err?: { message: string; stack: string } });
    const errors = logged.filter((l) => l.level === 50);
    expect(errors).toHaveLength(4);
    expect(errors[0]!.msg).toBe("request failed");
    expect(errors.map((e) => e.reqId)).toEqual([expect.any(String), expect.any(String), expect.any(String), expect.any(String)]);
    expect(new Set(errors.map((e) => e.reqId)).size).toBe(4);
    expect(errors[0]!.err!.message).toContain("hunter2");
    expect(errors[0]!.err!.stack).toContain("Error");
  });

  test("a handle without an index answers 503 not_ready", async () => {
    const tree = new FakeTree();
    Object.defineProperty(tree, "index", { get: () => { throw new TreeRightsError("not_ready", "the rights tree has not loaded yet"); } });
    const { app } = await makeServer(tree);
    expectError(await post(app, "/v1/check", ok), 503, "not_ready");
    expectError(await get(app, "/v1/groups?access=READ&path=/"), 503, "not_ready");
  });

  test("no log line per request by default", async () => {
    const lines: string[] = [];
    const { app } = await makeServer(new FakeTree(), { logger: { level: "info", stream: { write: (line) => { lines.push(line); } } } });
    await post(app, "/v1/check", ok);
    await post(app, "/v1/check", { ...ok, path: ".." });
    await get(app, "/nowhere");
    expect(lines).toEqual([]);
  });
});
