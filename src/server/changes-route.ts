/**
 * `GET /v1/changes?since=<revision>`: the effective changes from a revision
 * this server answered with to the one it answers with now, so that callers
 * can drop exactly the cached decisions that went stale; 410 `revision_gone`
 * when the revision is too old or was never served.
 */
import type { FastifyInstance } from "fastify";
import type { EffectiveChange, RightsIndex } from "../engine/index.js";
import type { TreeHandle } from "../loader/index.js";
import type { AnswerCache } from "./answers.js";
import { ApiError, quote } from "./api-error.js";
import { changesQuerySchema, changesResponseSchema } from "./schemas.js";

/** What the changes route needs. */
export interface ChangesRouteContext {
  readonly tree: TreeHandle;
  readonly answers: AnswerCache;
}

/** The changes between two revisions, as `GET /v1/changes` answers them. */
export interface ChangeFeed {
  readonly from: string;
  readonly to: string;
  readonly changes: readonly EffectiveChange[];
}

/** Registers `GET /v1/changes`. */
export function registerChangesRoute(app: FastifyInstance, { tree, answers }: ChangesRouteContext): void {
  app.get<{ Querystring: { readonly since: string } }>(
    "/v1/changes",
    {
      config: { family: "admin" },
      schema: {
        summary: "Effective changes since a revision",
        description: "Every path and level whose groups changed from `since` (a revision this server answered with) to the current revision; 410 `revision_gone` when `since` is too old or was never served.",
        querystring: changesQuerySchema, response: changesResponseSchema,
      },
    },
    (request, reply) => {
      const current = answers.current();
      const since = request.query.since;
      const feed = changesSince(tree, current.index, since);
      if (feed === null) {
        throw new ApiError(410, "revision_gone",
          `revision ${quote(since)} is too old or was never served; drop every cached decision and start again from \`${current.index.revision}\``);
      }
      return reply.send({ ...feed, ...current.stamp });
    },
  );
}

/**
 * The tree's changes since `since`, up to `index` (the tree's current one),
 * or null when `since` is out of its history. A handle that keeps no history
 * knows only its current revision: no change since then.
 */
export function changesSince(tree: TreeHandle, index: RightsIndex, since: string): ChangeFeed | null {
  if (tree.changesSince !== undefined) return tree.changesSince(since);
  return since === index.revision ? { from: since, to: since, changes: [] } : null;
}
