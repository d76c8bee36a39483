/**
 * The decision endpoints: check (POST and GET), batch, explain, groups. Each
 * request reads the tree's index once (through `AnswerCache.current`) and
 * answers only from that index, so the revision and commit it reports are
 * those of the index that decided.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Access } from "../engine/index.js";
import { unnamedGroups } from "../engine/index.js";
import type { AnswerCache } from "./answers.js";
import { JSON_TYPE } from "./answers.js";
import { decideBatch } from "./batch-answer.js";
import type { BatchBody, CheckBody } from "./batch-answer.js";
import {
  batchBodySchema, batchResponseSchema, checkBodySchema, checkQuerySchema, checkResponseSchema,
  explainResponseSchema, groupsQuerySchema, groupsResponseSchema,
} from "./schemas.js";
import type { DecisionLog } from "./identity/decision-log.js";
import type { ServerMetrics } from "./server-metrics.js";

/** The query of `GET /v1/check` (validated by `checkQuerySchema`; `group` always a list). */
interface CheckQuery {
  readonly group?: readonly string[];
  readonly access: Access;
  readonly path: string;
}

/** What the decision routes need. */
export interface DecisionRoutesContext {
  readonly answers: AnswerCache;
  readonly metrics: ServerMetrics;
  readonly maxBatch: number;
  readonly batchBodyLimit: number;
  /** Log each single check (`POST`/`GET /v1/check`) when set. */
  readonly decisionLog: DecisionLog | null;
}

const NO_GROUPS: readonly string[] = Object.freeze([]);

/** Registers the decision endpoints on `app`. */
export function registerDecisionRoutes(app: FastifyInstance, { answers, metrics, maxBatch, batchBodyLimit, decisionLog }: DecisionRoutesContext): void {
  // The hot path: no hooks, a hand-written validator in front of ajv, and an
  // answer that is one of two strings made when the index was swapped in.
  function check(request: FastifyRequest, reply: FastifyReply, groups: readonly string[], access: Access, path: string): FastifyReply {
    const current = answers.current();
    const start = performance.now();
    const allowed = current.index.check(groups, access, path);
    metrics.timed("check", start);
    metrics.decided(access, allowed);
    // Off (the default), the decision log is one comparison here.
    if (decisionLog !== null) {
      const { identity } = request;
      decisionLog.decided(current.index, { realm: identity?.realm ?? null, subject: identity?.subject ?? null, groups, access, path, allowed });
    }
    return reply.header("content-type", JSON_TYPE).send(allowed ? current.allowed : current.denied);
  }

  app.post<{ Body: CheckBody }>(
    "/v1/check",
    { config: { family: "decisions" }, schema: { summary: "One decision", description: "Whether a holder of `groups` may `access` `path`.", body: checkBodySchema, response: checkResponseSchema } },
    (request, reply) => check(request, reply, request.body.groups, request.body.access, request.body.path),
  );

  app.get<{ Querystring: CheckQuery }>(
    "/v1/check",
    { config: { family: "decisions" }, schema: { summary: "One decision, as a query", description: "`POST /v1/check` with `group` repeated in the query (none is a valid deny).", querystring: checkQuerySchema, response: checkResponseSchema } },
    (request, reply) => check(request, reply, request.query.group ?? NO_GROUPS, request.query.access, request.query.path),
  );

  app.post<{ Body: BatchBody }>(
    "/v1/check/batch",
    {
      bodyLimit: batchBodyLimit,
      config: { family: "decisions" },
      schema: {
        summary: "Many decisions against one index",
        description: "Either `checks`, each with its own groups, access and path, or one `groups` and `access` for a list of `paths`; `results` in the order asked.",
        body: batchBodySchema(maxBatch), response: batchResponseSchema,
      },
    },
    (request, reply) => {
      const current = answers.current();
      const start = performance.now();
      const { body, counts } = decideBatch(current.index, request.body, current.tail);
      metrics.timed("batch", start);
      metrics.decidedAll(counts);
      return reply.header("content-type", JSON_TYPE).send(body);
    },
  );

  app.post<{ Body: CheckBody }>(
    "/v1/explain",
    { config: { family: "decisions" }, schema: { summary: "A decision and why", description: "Every rights file on the path with its keywords and the groups before and after it, and the groups that decided.", body: checkBodySchema, response: explainResponseSchema } },
    (request, reply) => {
      const { groups, access, path } = request.body;
      const current = answers.current();
      const start = performance.now();
      // The explanation names the revision of the index that produced it.
      const explanation = current.index.explain(groups, access, path);
      // A typo in a group name is otherwise a silent deny; the index's groups are gathered once per index.
      const unknownGroups = unnamedGroups(current.index, groups);
      metrics.timed("explain", start);
      metrics.decided(access, explanation.allowed);
      return reply.send({ ...explanation, unknownGroups, ...current.stamp });
    },
  );

  app.get<{ Querystring: { readonly access: Access; readonly path: string } }>(
    "/v1/groups",
    { config: { family: "decisions" }, schema: { summary: "Who holds a level on a path", description: "Every group that holds `access` on `path`.", querystring: groupsQuerySchema, response: groupsResponseSchema } },
    (request, reply) => {
      const current = answers.current();
      const start = performance.now();
      const groups = current.index.groupsFor(request.query.access, request.query.path);
      metrics.timed("groups", start);
      return reply.send({ groups, ...current.stamp });
    },
  );
}
