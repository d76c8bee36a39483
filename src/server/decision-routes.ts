/**
 * The decision endpoints: check (POST and GET), batch, explain, groups. Each
 * request reads `tree.index` once and answers only from that index, so the
 * revision it reports is the one that decided.
 */
import type { FastifyInstance } from "fastify";
import type { Access, RightsIndex } from "../engine/index.js";
import type { TreeHandle } from "../loader/index.js";
import { ApiError } from "./api-error.js";
import { isCallerError } from "./error-handler.js";
import {
  batchBodySchema, batchResponseSchema, checkBodySchema, checkQuerySchema, checkResponseSchema,
  explainResponseSchema, groupsQuerySchema, groupsResponseSchema,
} from "./schemas.js";
import { decisionSlot } from "./server-metrics.js";
import type { ServerMetrics } from "./server-metrics.js";

/** One check, as posted (validated by `checkBodySchema`). */
interface CheckBody {
  readonly groups: readonly string[];
  readonly access: Access;
  readonly path: string;
}

/** The query of `GET /v1/check` (validated by `checkQuerySchema`; `group` always a list). */
interface CheckQuery {
  readonly group?: readonly string[];
  readonly access: Access;
  readonly path: string;
}

/** What the decision routes need. */
export interface DecisionRoutesContext {
  readonly tree: TreeHandle;
  readonly metrics: ServerMetrics;
  readonly maxBatch: number;
  readonly batchBodyLimit: number;
}

const NO_GROUPS: readonly string[] = Object.freeze([]);

/** Registers the decision endpoints on `app`. */
export function registerDecisionRoutes(app: FastifyInstance, { tree, metrics, maxBatch, batchBodyLimit }: DecisionRoutesContext): void {
  // The hot path: no hooks, a compiled validator, a compiled serializer.
  function check(groups: readonly string[], access: Access, path: string): { allowed: boolean; revision: string } {
    const index = tree.index;
    const start = performance.now();
    const allowed = index.check(groups, access, path);
    metrics.timed("check", start);
    metrics.decided(access, allowed);
    return { allowed, revision: index.revision };
  }

  app.post<{ Body: CheckBody }>(
    "/v1/check",
    { schema: { body: checkBodySchema, response: checkResponseSchema } },
    (request, reply) => reply.send(check(request.body.groups, request.body.access, request.body.path)),
  );

  app.get<{ Querystring: CheckQuery }>(
    "/v1/check",
    { schema: { querystring: checkQuerySchema, response: checkResponseSchema } },
    (request, reply) => reply.send(check(request.query.group ?? NO_GROUPS, request.query.access, request.query.path)),
  );

  app.post<{ Body: { readonly checks: readonly CheckBody[] } }>(
    "/v1/check/batch",
    { bodyLimit: batchBodyLimit, schema: { body: batchBodySchema(maxBatch), response: batchResponseSchema } },
    (request, reply) => {
      const checks = request.body.checks;
      const index = tree.index;
      const start = performance.now();
      const { results, counts } = decideAll(index, checks);
      metrics.timed("batch", start);
      metrics.decidedAll(counts);
      return reply.send({ results, revision: index.revision });
    },
  );

  app.post<{ Body: CheckBody }>(
    "/v1/explain",
    { schema: { body: checkBodySchema, response: explainResponseSchema } },
    (request, reply) => {
      const { groups, access, path } = request.body;
      const start = performance.now();
      // The explanation names the revision of the index that produced it.
      const explanation = tree.index.explain(groups, access, path);
      metrics.timed("explain", start);
      metrics.decided(access, explanation.allowed);
      return reply.send(explanation);
    },
  );

  app.get<{ Querystring: { readonly access: Access; readonly path: string } }>(
    "/v1/groups",
    { schema: { querystring: groupsQuerySchema, response: groupsResponseSchema } },
    (request, reply) => {
      const index = tree.index;
      const start = performance.now();
      const groups = index.groupsFor(request.query.access, request.query.path);
      metrics.timed("groups", start);
      return reply.send({ groups, revision: index.revision });
    },
  );
}

/** Decides every check on one index; an invalid item fails the batch with its position. */
function decideAll(index: RightsIndex, checks: readonly CheckBody[]): { results: boolean[]; counts: Float64Array } {
  const results = new Array<boolean>(checks.length);
  const counts = new Float64Array(4);
  let i = 0;
  try {
    for (; i < checks.length; i++) {
      const { groups, access, path } = checks[i] as CheckBody;
      const allowed = index.check(groups, access, path);
      results[i] = allowed;
      const slot = decisionSlot(access, allowed);
      counts[slot] = (counts[slot] ?? 0) + 1;
    }
  } catch (error) {
    if (isCallerError(error)) throw new ApiError(400, error.code, `checks[${i}]: ${error.message}`);
    throw error;
  }
  return { results, counts };
}
