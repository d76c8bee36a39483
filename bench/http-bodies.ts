/**
 * The request bodies the HTTP benches send, built one way for all of them:
 * a single check, a batch of `checks` (each with its own caller), and a
 * batch of one caller's `paths` (the first query's groups and access).
 */
import type { RightsIndex } from "../src/engine/index.js";
import type { Query } from "./workload.js";

/** The body of `POST /v1/check`. */
export function checkBody(q: Query): string {
  return JSON.stringify({ groups: q.groups, access: q.access, path: q.path });
}

/** A batch of `checks`, each with its own groups and access. */
export function checksBody(queries: readonly Query[]): string {
  return JSON.stringify({ checks: queries.map((q) => ({ groups: q.groups, access: q.access, path: q.path })) });
}

/** The same paths asked for one caller: the first query's groups and access. */
export function pathsBatch(queries: readonly Query[]): Query[] {
  const { groups, access } = queries[0] as Query;
  return queries.map((q) => ({ ...q, groups, access }));
}

/** The batch of `pathsBatch(queries)` in the `paths` shape. */
export function pathsBody(queries: readonly Query[]): string {
  const { groups, access } = queries[0] as Query;
  return JSON.stringify({ groups, access, paths: queries.map((q) => q.path) });
}

/** Batches of one shape: their bodies, and the answers the index gives. */
export interface BatchShape {
  readonly name: "checks" | "paths";
  readonly bodies: readonly string[];
  readonly expected: readonly (readonly boolean[])[];
}

/** `batches` in the `checks` shape, answered by `index`. */
export function checksShape(batches: readonly (readonly Query[])[], index: RightsIndex): BatchShape {
  return {
    name: "checks",
    bodies: batches.map(checksBody),
    expected: batches.map((batch) => batch.map((q) => index.check(q.groups, q.access, q.path))),
  };
}

/** `batches` in the `paths` shape, answered by `index`. */
export function pathsShape(batches: readonly (readonly Query[])[], index: RightsIndex): BatchShape {
  return {
    name: "paths",
    bodies: batches.map(pathsBody),
    expected: batches.map((batch) => pathsBatch(batch).map((q) => index.check(q.groups, q.access, q.path))),
  };
}

/** The headers of every JSON request. */
export const JSON_HEADERS = { "content-type": "application/json" } as const;

/** Throws unless `url` answers the first batch of `shape` as the index that made it does. */
export async function checkAnswers(url: string, shape: BatchShape): Promise<void> {
  const res = await fetch(`${url}/v1/check/batch`, { method: "POST", headers: JSON_HEADERS, body: shape.bodies[0] as string });
  const { results } = (await res.json()) as { results: boolean[] };
  if (JSON.stringify(results) !== JSON.stringify(shape.expected[0])) throw new Error(`${url} answered a ${shape.name} batch differently from the loaded index`);
}
