/**
 * `GET /v1/diff?from=&to=`: the effective rights diff between two git
 * revisions of the repository holding the served tree, read from git
 * objects (no checkout): the JSON `treerights diff --format json` prints,
 * with risky changes flagged.
 */
import type { FastifyInstance } from "fastify";
import type { RiskOptions, RiskRule } from "../engine/index.js";
import type { TreeHandle } from "../loader/index.js";
import { SideError, diffReportJson, diffRevisions } from "../loader/diff-report.js";
import { knowsRevision, treeInRepository } from "../loader/git/tree-in-repository.js";
import type { AnswerCache } from "./answers.js";
import { ApiError, quote } from "./api-error.js";
import { diffQuerySchema, diffResponseSchema } from "./explorer-schemas.js";

/** What the diff route needs. */
export interface DiffRouteContext {
  readonly tree: TreeHandle;
  readonly answers: AnswerCache;
}

interface DiffQuery {
  readonly from: string;
  readonly to?: string;
  readonly check?: readonly RiskRule[];
  readonly depth?: number;
  readonly broad?: readonly string[];
}

/** The checks run when the query names none. */
export const DEFAULT_RISK_CHECKS: readonly RiskRule[] = Object.freeze(["write-grant", "near-root"]);

/** Registers `GET /v1/diff` (admin family). */
export function registerDiffRoute(app: FastifyInstance, { tree, answers }: DiffRouteContext): void {
  app.get<{ Querystring: DiffQuery }>(
    "/v1/diff",
    {
      config: { family: "admin" },
      schema: {
        summary: "Effective changes between two git revisions",
        description: "The effective rights diff between revisions `from` and `to` (default: the served commit) of the git repository holding the tree, read from git objects: what `treerights diff --repo <repo> --tree <subdir> <from> <to> --format json --fail-on <checks>` prints. Risks: `check` (default `write-grant` and `near-root`, plus `broad` when `broad` groups are given), `depth` (default 1). 400 `unknown_revision`; 409 `not_in_git` when the tree is not in a git repository (or `to` is omitted and no commit is served); 422 `revision_invalid` when a revision's tree does not load.",
        querystring: diffQuerySchema, response: diffResponseSchema,
      },
    },
    async (request, reply) => {
      const { from, check, depth, broad } = request.query;
      const place = await treeInRepository(tree);
      if (place === null) throw new ApiError(409, "not_in_git", "the served tree is not in a git repository: there are no revisions to compare");
      const to = request.query.to ?? answers.current().stamp.commit;
      if (to === undefined) throw new ApiError(409, "not_in_git", "no commit is served (a repository without commits?); give `to`");
      for (const rev of [from, to]) {
        if (!await knowsRevision(place.repo, rev)) throw new ApiError(400, "unknown_revision", `unknown revision ${quote(rev)}; fetch it or check its spelling`);
      }
      const rules = check ?? (broad === undefined ? DEFAULT_RISK_CHECKS : [...DEFAULT_RISK_CHECKS, "broad"]);
      const risks: RiskOptions = { rules, depth: depth ?? 1, ...(broad === undefined ? {} : { broad }) };
      if (rules.includes("broad") && (broad ?? []).length === 0) {
        throw new ApiError(400, "invalid_query", "the `broad` check needs groups: give `broad=<group>`, repeated");
      }
      try {
        const report = await diffRevisions(place.repo, from, to, { ...(place.tree === "" ? {} : { tree: place.tree }), risks });
        return await reply.send(diffReportJson(report));
      } catch (error) {
        if (error instanceof SideError) {
          throw new ApiError(422, "revision_invalid", `the rights tree at revision ${quote(error.ref)} does not load: ${error.cause.message}`);
        }
        throw error;
      }
    },
  );
}
