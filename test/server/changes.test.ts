/** `GET /v1/changes?since=`: the effective changes since a served revision, or 410 when it is gone. */
import { describe, expect, test } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { RightsFile } from "../../src/engine/index.js";
import { API_ERROR_CODES } from "../../src/server/api-error.js";
import { FakeTree, PLANT } from "./fake-tree.js";
import { get, makeServer } from "./helpers.js";

const NEXT: readonly RightsFile[] = [
  { dir: "/", READ: { include: ["ops", "admin"] }, WRITE: { include: ["admin"] } },
  { dir: "/plant", READ: { include: ["contractors", "eng"] }, WRITE: { include: ["supervisors"] } },
];

describe("GET /v1/changes", () => {
  test("lists the effective changes between a past revision and the current one", async () => {
    const tree = new FakeTree(PLANT, { commit: null });
    const { app } = await makeServer(tree);
    const first = tree.index;
    const second = tree.swap(NEXT);
    const res = await get(app, `/v1/changes?since=${first.revision}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      from: first.revision,
      to: second.revision,
      changes: JSON.parse(JSON.stringify(second.changesSince(first))),
      revision: second.revision,
    });
    expect(res.body.changes).toContainEqual({ path: "/plant", access: "READ", added: ["eng"], removed: [] });
    expect(res.body.changes).toContainEqual({ path: "/plant/secret", access: "WRITE", added: ["supervisors"], removed: [] });
  });

  test("since the current revision, nothing changed", async () => {
    const tree = new FakeTree(PLANT, { commit: null });
    const { app } = await makeServer(tree);
    const res = await get(app, `/v1/changes?since=${tree.index.revision}`);
    expect(res.body).toEqual({ from: tree.index.revision, to: tree.index.revision, changes: [], revision: tree.index.revision });
  });

  test("an unknown or forgotten revision is 410 revision_gone, naming the current revision", async () => {
    const tree = new FakeTree(PLANT, { commit: null });
    const { app } = await makeServer(tree);
    const res = await get(app, "/v1/changes?since=0123abcd");
    expect(res.status).toBe(410);
    expect(res.body).toEqual({ error: { code: "revision_gone", message: expect.stringContaining(`\`${tree.index.revision}\``) } });
    expect(res.body.error.message).toMatch(/^revision `0123abcd` is too old or was never served; [^\n]*[^.]$/);
    expect(Object.keys(API_ERROR_CODES)).toContain("revision_gone");
  });

  test("a handle without history knows only its current revision", async () => {
    const tree = new FakeTree();
    expect(tree.changesSince).toBeUndefined();
    const { app } = await makeServer(tree);
    const current = tree.index.revision;
    expect((await get(app, `/v1/changes?since=${current}`)).body).toEqual({ from: current, to: current, changes: [], revision: current });
    const old = tree.index.revision;
    tree.swap(NEXT);
    expect((await get(app, `/v1/changes?since=${old}`)).status).toBe(410);
  });

  test("a revision the tree had, lost and got back answers against the latest time", async () => {
    const tree = new FakeTree(PLANT, { commit: null });
    const { app } = await makeServer(tree);
    const first = tree.index.revision;
    tree.swap(NEXT);
    tree.swap(PLANT);
    expect((await get(app, `/v1/changes?since=${first}`)).body).toMatchObject({ from: first, to: first, changes: [] });
  });

  test.each([
    ["no since", "/v1/changes", /query is missing `since`/],
    ["an empty since", "/v1/changes?since=", /query\.since must not be empty/],
    ["two", "/v1/changes?since=a&since=b", /query\.since must be a string/],
    ["an unknown field", `/v1/changes?since=${compile(PLANT).revision}&x=1`, /unknown field `x`/],
  ])("%s is a 400 invalid_query", async (_name, url, message) => {
    const { app } = await makeServer();
    const res = await get(app, url);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_query");
    expect(res.body.error.message).toMatch(message);
  });
});
