/** `GET /v1/where?group=&access=`: every subtree where a group holds a level, with its holes. */
import type { FastifyInstance } from "fastify";
import type { Access } from "../engine/index.js";
import type { AnswerCache } from "./answers.js";
import { whereQuerySchema, whereResponseSchema } from "./schemas.js";
import type { ServerMetrics } from "./server-metrics.js";

/** What the where route needs. */
export interface WhereRouteContext {
  readonly answers: AnswerCache;
  readonly metrics: ServerMetrics;
}

/** Registers `GET /v1/where`: the engine's `WhereResult` (complete, never truncated), its revision and commit. */
export function registerWhereRoute(app: FastifyInstance, { answers, metrics }: WhereRouteContext): void {
  app.get<{ Querystring: { readonly group: string; readonly access: Access } }>(
    "/v1/where",
    {
      config: { family: "decisions" },
      schema: {
        summary: "Where a group holds a level",
        description: "The subtrees (among the directories the index knows) where `group` holds `access`, each with its holes, and the pattern rules that concern the group; complete, never truncated.",
        querystring: whereQuerySchema, response: whereResponseSchema,
      },
    },
    (request, reply) => {
      const current = answers.current();
      const start = performance.now();
      const where = current.index.where(request.query.group, request.query.access);
      metrics.timed("where", start);
      return reply.send({ ...where, ...current.stamp });
    },
  );
}
