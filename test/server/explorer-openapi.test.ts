/**
 * The explorer's routes as documented: real answers of `/v1/tree`,
 * `/v1/file` and `/v1/diff` (and their errors) validate against the
 * committed docs/openapi.json.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTree } from "../../src/index.js";
import type { TreeHandle } from "../../src/loader/index.js";
import { TestRepo } from "../diff/git-repo.js";
import { serverOver } from "./helpers.js";

const COMMITTED = JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8")) as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
};
const ajv = new Ajv2020({ strict: false, allErrors: true });

/** Sends `GET url` and checks the answer against the committed document; returns the status. */
async function answerValidates(app: FastifyInstance, url: string): Promise<number> {
  const res = await app.inject({ method: "GET", url });
  const operation = COMMITTED.paths[url.split("?")[0]!]?.["get"];
  expect(operation, `${url} is not documented`).toBeDefined();
  const status = String(res.statusCode);
  const response = operation!.responses[status] ?? operation!.responses[`${status[0]!}XX`];
  expect(response, `${url} answered ${status}, which is not documented`).toBeDefined();
  const schema = response!.content?.["application/json"]?.schema;
  expect(schema, `${url} → ${status} has no JSON schema`).toBeDefined();
  const validate = ajv.compile(schema!);
  expect(validate(res.json()) ? [] : validate.errors, `${url} → ${status}`).toEqual([]);
  return res.statusCode;
}

describe("the explorer's answers match docs/openapi.json", () => {
  let repo: TestRepo;
  let tree: TreeHandle;
  beforeAll(async () => {
    repo = await TestRepo.create();
    await repo.write({ "access.rights": "READ:\n  override: [staff]\n", "plant/access.rights": "WRITE:\n  override: [operators]\n" });
    await repo.commit("base");
    await repo.write({ "plant/north/access.rights": "WRITE:\n  include: [contractors]\npatterns:\n  - match: \"*.script\"\n    READ: { exclude: [staff] }\n" });
    await repo.commit("north");
    tree = await openTree(repo.dir, { watch: false });
  });
  afterAll(async () => {
    await (tree as TreeHandle | undefined)?.close();
    await (repo as TestRepo | undefined)?.remove();
  });

  it("GET /v1/tree, /v1/file, /v1/diff and their errors", async () => {
    const app = await serverOver(tree);
    expect(await answerValidates(app, "/v1/tree?path=/&depth=3")).toBe(200);
    expect(await answerValidates(app, "/v1/tree?path=/plant/north/x.script")).toBe(200);
    expect(await answerValidates(app, "/v1/tree?depth=9")).toBe(400);
    expect(await answerValidates(app, "/v1/file?path=/plant/north")).toBe(200);
    expect(await answerValidates(app, "/v1/file?path=/nowhere")).toBe(404);
    expect(await answerValidates(app, "/v1/diff?from=HEAD~1")).toBe(200);
    expect(await answerValidates(app, "/v1/diff?from=HEAD~1&broad=contractors")).toBe(200);
    expect(await answerValidates(app, "/v1/diff?from=nope")).toBe(400);
  });
});
