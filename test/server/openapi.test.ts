/**
 * The OpenAPI document: every route is in it, the committed
 * `docs/openapi.json` is what the server serves (`npm run openapi` writes
 * it), and real answers from `examples/tree` validate against it.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openTree } from "../../src/index.js";
import type { TreeHandle } from "../../src/loader/index.js";
import { serverOver } from "./helpers.js";

const EXAMPLES = new URL("../../examples/tree", import.meta.url).pathname;
const COMMITTED = JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8"));
const TEMPERATURE = "/sites/lyon/lines/line-1/values/temperature";

interface Operation {
  readonly summary?: string;
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema: object }> }>;
}
type Paths = Record<string, Record<string, Operation>>;

/** Every method and URL fastify routes, from `printRoutes` (its tree of URL segments), HEAD left out. */
const LISTED_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "TRACE", "DELETE", "OPTIONS", "PATCH", "PUT", "POST", "QUERY"]);

function routesOf(app: FastifyInstance): string[] {
  const found: string[] = [];
  const parents: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const match = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
    if (match === null) continue;
    const depth = match[1]!.length / 4;
    const url = (parents[depth - 1] ?? "") + match[2]!;
    parents[depth] = url;
    // `/v1/authz/*` is `/v1/authz/{*}` in OpenAPI; it lists HEAD itself, and its WebDAV methods are served but not listed.
    const shown = url.replace(/\/?\*$/, "/{*}");
    for (const method of match[3]!.split(", ")) if (shown.startsWith("/v1/authz") ? LISTED_METHODS.has(method) : method !== "HEAD") found.push(`${method} ${shown}`);
  }
  return found.sort();
}

let tree: TreeHandle;
let app: FastifyInstance;
let served: { paths: Paths };

beforeAll(async () => {
  tree = await openTree(EXAMPLES, { watch: false });
});
afterAll(async () => {
  await tree.close();
});

describe("GET /openapi.json", () => {
  // The helpers close each server after its test.
  beforeEach(async () => {
    app = await serverOver(tree);
    served = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
  });

  it("names every route fastify serves, each with a summary, and no other", () => {
    const documented = Object.entries(served.paths)
      .flatMap(([url, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${url}`)).sort();
    expect(documented).toEqual(routesOf(app));
    expect(routesOf(app)).toContain("POST /v1/check/batch");
    const unnamed = Object.entries(served.paths)
      .flatMap(([url, operations]) => Object.entries(operations).filter(([, op]) => !op.summary).map(([m]) => `${m} ${url}`));
    expect(unnamed).toEqual([]);
  });

  it("adds no hook to any route but /v1/authz's own: the others are fastify's on its HEAD routes", () => {
    const printed = app.printRoutes({ commonPrefix: false, includeHooks: true }).split("\n");
    const hooks = printed.filter((line) => line.includes("• ("));
    expect(hooks.length).toBeGreaterThan(0);
    // `/v1/authz` answers in its own onRequest hook, before any body is read; that is the only other hook.
    const authzHooks = hooks.filter((line) => line.includes(`(onRequest) ["anonymous()"]`));
    expect(authzHooks.length).toBeGreaterThan(0);
    expect(hooks.filter((line) => !line.includes(`(onSend) ["headRouteOnSendHandler()"]`) && !authzHooks.includes(line))).toEqual([]);
  });

  it("is docs/openapi.json, committed (run `npm run openapi` after changing a route)", () => {
    expect(served).toEqual(COMMITTED);
  });
});

describe("example answers from examples/tree", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });

  /** Sends the request and checks the answer against the committed document; returns the answer's status. */
  async function answerValidates(method: "GET" | "POST", url: string, body?: unknown): Promise<number> {
    const res = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
    const operation = (COMMITTED.paths as Paths)[url.split("?")[0]!]?.[method.toLowerCase()];
    expect(operation, `${method} ${url} is not documented`).toBeDefined();
    const status = String(res.statusCode);
    const response = operation!.responses[status] ?? operation!.responses[`${status[0]!}XX`];
    expect(response, `${method} ${url} answered ${status}, which is not documented`).toBeDefined();
    const type = String(res.headers["content-type"]).split(";")[0]!;
    const content = response!.content;
    if (content === undefined) return res.statusCode;
    const schema = content[type]?.schema;
    expect(schema, `${method} ${url} answered ${type}, not documented for ${status}`).toBeDefined();
    const value = type === "application/json" ? res.json() : res.body;
    const validate = ajv.compile(schema!);
    expect(validate(value) ? [] : validate.errors, `${method} ${url} → ${status}`).toEqual([]);
    return res.statusCode;
  }

  beforeEach(async () => {
    app = await serverOver(tree);
  });

  it("decisions, explanations and reverse queries", async () => {
    const check = { groups: ["supervisor"], access: "WRITE", path: TEMPERATURE };
    expect(await answerValidates("POST", "/v1/check", check)).toBe(200);
    expect(await answerValidates("GET", `/v1/check?group=user&group=supervisor&access=WRITE&path=${TEMPERATURE}`)).toBe(200);
    expect(await answerValidates("POST", "/v1/check/batch", { checks: [check, { ...check, groups: ["user"] }] })).toBe(200);
    expect(await answerValidates("POST", "/v1/check/batch", { groups: ["user"], access: "READ", paths: ["/sites/lyon", "/system"] })).toBe(200);
    expect(await answerValidates("POST", "/v1/explain", { ...check, groups: ["contractors", "nobody-has-this"] })).toBe(200);
    expect(await answerValidates("GET", `/v1/groups?access=WRITE&path=${TEMPERATURE}`)).toBe(200);
    expect(await answerValidates("GET", "/v1/where?group=contractors&access=READ")).toBe(200);
    expect(await answerValidates("GET", `/v1/changes?since=${tree.index.revision}`)).toBe(200);
  });

  it("errors", async () => {
    expect(await answerValidates("POST", "/v1/check", { groups: ["ops"], access: "write", path: "/a" })).toBe(400);
    expect(await answerValidates("GET", "/v1/check?access=READ&path=/a/../b")).toBe(400);
    expect(await answerValidates("GET", "/v1/changes?since=never-served")).toBe(410);
  });

  it("operations", async () => {
    expect(await answerValidates("GET", "/v1/status")).toBe(200);
    expect(await answerValidates("GET", "/healthz")).toBe(200);
    expect(await answerValidates("GET", "/readyz")).toBe(200);
    expect(await answerValidates("GET", "/metrics")).toBe(200);
    expect(await answerValidates("GET", "/openapi.json")).toBe(200);
  });
});
