/** Shared helpers of the server tests. */
import type { FastifyInstance } from "fastify";
import { afterEach } from "vitest";
import type { TreeHandle } from "../../src/loader/index.js";
import { buildServer } from "../../src/server/build-server.js";
import type { ServerOptions } from "../../src/server/server-options.js";
import { FakeTree } from "./fake-tree.js";

/** A parsed response. */
export interface Reply {
  readonly status: number;
  // Parsed JSON whose shape each assertion checks; `any` keeps those assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly headers: Record<string, unknown>;
  readonly text: string;
}

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

/** A quiet server over `tree` (a fresh `FakeTree` by default), closed after the test. */
export async function makeServer(tree = new FakeTree(), options: ServerOptions = {}): Promise<{ app: FastifyInstance; tree: FakeTree }> {
  return { app: await serverOver(tree, options), tree };
}

/** A quiet server over any live tree (a real `openTree` handle, say), closed after the test; the tree is not. */
export async function serverOver(tree: TreeHandle, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = await buildServer(tree, { logger: false, processMetrics: false, ...options });
  open.push(app);
  return app;
}

/** `POST url` with a JSON body (a string is sent as is). */
export async function post(app: FastifyInstance, url: string, body: unknown, contentType = "application/json"): Promise<Reply> {
  const res = await app.inject({
    method: "POST",
    url,
    headers: { "content-type": contentType },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });
  return parse(res);
}

/** `GET url`. */
export async function get(app: FastifyInstance, url: string): Promise<Reply> {
  return parse(await app.inject({ method: "GET", url }));
}

function parse(res: { statusCode: number; body: string; headers: Record<string, unknown> }): Reply {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, body, headers: res.headers, text: res.body };
}

/** The JSON body of a `fetch` response, for assertions. */
export async function jsonOf(res: Response): Promise<Reply["body"]> {
  return res.json();
}
