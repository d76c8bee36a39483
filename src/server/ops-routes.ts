/**
 * The operations endpoints: `/v1/status`, `/healthz`, `/readyz`, `/metrics`.
 * In a cluster worker, status names the worker and `/metrics` covers every
 * worker (see `WorkerLink`).
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { namedGroups } from "../engine/index.js";
import type { RightsIndex } from "../engine/index.js";
import type { TreeHandle } from "../loader/index.js";
import { ApiError } from "./api-error.js";
import { MetricsUnavailableError, workerLink } from "./cluster/cluster-link.js";
import type { WorkerLink } from "./cluster/cluster-link.js";
import { errorSchema } from "./schemas.js";
import type { Gatekeeper } from "./identity/gatekeeper.js";
import type { ServerMetrics } from "./server-metrics.js";
import { VERSION } from "./version.js";

/** Whether the server still takes traffic; `closing` is set as shutdown begins. */
export interface ServerState {
  closing: boolean;
  /** `performance.now()` when the server was built. */
  readonly startedAt: number;
}

/** What the operations routes need. */
export interface OpsRoutesContext {
  readonly tree: TreeHandle;
  /** The realms (status, readiness) and the protection of the admin routes. */
  readonly gatekeeper: Gatekeeper;
  readonly metrics: ServerMetrics;
  readonly state: ServerState;
}

const problem = {
  type: "object",
  properties: {
    code: { type: "string" },
    severity: { type: "string" },
    file: { type: "string" },
    line: { type: "integer" },
    column: { type: "integer" },
    message: { type: "string" },
  },
  additionalProperties: true,
} as const;

/** The source of a handle that names none: the work tree. */
const WORK_TREE = Object.freeze({ mode: "work-tree" });

const statusResponseSchema = {
  200: {
    type: "object",
    properties: {
      version: { type: "string" },
      uptime: { type: "number", description: "seconds since the server started" },
      root: { type: "string" },
      revision: { type: "string" },
      loadedAt: { type: "string" },
      loadMs: { type: "number" },
      fileCount: { type: "integer" },
      reloads: { type: "integer" },
      rejectedReloads: { type: "integer" },
      rejected: {
        type: ["object", "null"],
        properties: { revision: { type: "string" }, at: { type: "string" }, problems: { type: "array", items: problem } },
        additionalProperties: true,
      },
      watch: { type: "object", properties: { state: { type: "string" }, error: { type: "string" } }, additionalProperties: true },
      commit: { type: ["string", "null"], description: "git HEAD the serving index was loaded at (in ref mode, the ref's commit); null outside git" },
      source: {
        type: "object",
        description: "where the tree is read from: `work-tree`, or `ref` (`serve --ref`) with the ref, the tree's path in the repository, and why the ref cannot be followed now",
        properties: { mode: { type: "string" }, ref: { type: "string" }, path: { type: "string" }, error: { type: "string" } },
        additionalProperties: true,
      },
      worker: {
        type: "object",
        description: "only in cluster mode (`serve --workers`): the worker that answered, one of `count`",
        properties: { id: { type: "integer" }, count: { type: "integer" }, pid: { type: "integer" } },
        additionalProperties: true,
      },
      realms: {
        type: "array",
        description: "each configured realm (server config) in order: name, kind, ready, its keys or users file (path, revision, problems) or its key set (age, last error)",
        items: { type: "object", properties: { name: { type: "string" }, kind: { type: "string" }, ready: { type: "boolean" } }, additionalProperties: true },
      },
      protected: { type: "array", items: { type: "string" }, description: "the route families that need a credential (`decisions`, `admin`)" },
      groups: { type: "array", items: { type: "string" }, description: "every group the serving index's rights files name, sorted (what the explorer offers to pick)" },
      history: {
        type: "array",
        description: "the last 50 swaps, oldest first",
        items: {
          type: "object",
          properties: {
            revision: { type: "string" },
            commit: { type: ["string", "null"] },
            at: { type: "string" },
            filesChanged: { type: "integer" },
            changes: {
              type: ["object", "null"],
              description: "grants (a group newly holding a level on a directory with a rights file) and revocations against the swap before; null while still being counted (counting follows the swap)",
              properties: { grants: { type: "integer" }, revocations: { type: "integer" } },
              additionalProperties: true,
            },
          },
          additionalProperties: true,
        },
      },
    },
    // What the loader adds to its status later reaches callers unchanged (here and in nested objects).
    additionalProperties: true,
  },
  "5xx": errorSchema,
} as const;

const healthResponseSchema = {
  200: { type: "object", properties: { status: { type: "string", const: "ok" } }, required: ["status"] },
} as const;

// Not serialized: fastify sends a string body as it is; this documents the content type.
const metricsResponseSchema = {
  200: { description: "Prometheus text exposition format", content: { "text/plain": { schema: { type: "string" } } } },
  "5xx": errorSchema,
} as const;

const readyResponseSchema = {
  200: { type: "object", properties: { ready: { type: "boolean" }, revision: { type: "string" } } },
  503: { type: "object", properties: { ready: { type: "boolean" }, reason: { type: "string" } } },
} as const;

/** Registers the operations endpoints on `app`. */
export function registerOpsRoutes(app: FastifyInstance, { tree, metrics, state, gatekeeper }: OpsRoutesContext): void {
  const link = workerLink();
  link?.attach(metrics);
  const worker = link === undefined ? {} : { worker: link.identity };

  app.get("/v1/status", {
    config: { family: "admin" },
    schema: { summary: "What the server serves", description: "Version, uptime, root, revision, the last rejected load and its problems, watch state, source, and the last 50 swaps.", response: statusResponseSchema },
  }, (_request, reply) => {
    const status = tree.status;
    // A handle that keeps no git or reload history still answers with both fields.
    const identity = { realms: gatekeeper.authenticator.status(), protected: gatekeeper.protectedFamilies, groups: groupsOf(tree.index) };
    return reply.send({ version: VERSION, uptime: uptimeSeconds(state), ...status, commit: status.commit ?? null, history: status.history ?? [], source: status.source ?? WORK_TREE, ...worker, ...identity });
  });

  app.get("/healthz", {
    schema: { summary: "Liveness", description: "The process is alive.", response: healthResponseSchema },
  }, (_request, reply) => reply.send({ status: "ok" }));

  app.get("/readyz", {
    schema: { summary: "Readiness", description: "An index is loaded and the server is not shutting down (503 otherwise).", response: readyResponseSchema },
  }, (_request, reply) => {
    if (state.closing) return reply.code(503).send({ ready: false, reason: "shutting down" });
    // A handle always holds an index once open; this guards a handle that broke its contract.
    let revision: string;
    try {
      revision = tree.index.revision;
    } catch {
      return reply.code(503).send({ ready: false, reason: "no rights index is loaded" });
    }
    // A realm that cannot verify (its keys or users file does not load) must not go unnoticed: SPEC 4.
    const unready = gatekeeper.authenticator.unready();
    if (unready.length > 0) return reply.code(503).send({ ready: false, reason: `realm ${unready.map((n) => `\`${n}\``).join(", ")} cannot verify credentials (see /v1/status)` });
    return reply.send({ ready: true, revision });
  });

  app.get("/metrics", {
    config: { family: "admin" },
    schema: { summary: "Prometheus metrics", description: "Decision counts and durations, reloads, the index; in cluster mode summed over every worker (503 `metrics_unavailable` rather than a partial sum).", response: metricsResponseSchema },
  }, async (_request, reply) => {
    if (link !== undefined) return sendClusterMetrics(link, metrics, reply);
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
}

/** Every worker's metrics, or a 503 `metrics_unavailable` when some did not arrive in time (never a partial sum). */
async function sendClusterMetrics(link: WorkerLink, metrics: ServerMetrics, reply: FastifyReply): Promise<FastifyReply> {
  let rendered: { contentType: string; body: string };
  try {
    rendered = await link.render(metrics);
  } catch (error) {
    if (!(error instanceof MetricsUnavailableError)) throw error;
    return reply.code(503).send(new ApiError(503, "metrics_unavailable", error.message).toBody());
  }
  return reply.type(rendered.contentType).send(rendered.body);
}

function uptimeSeconds(state: ServerState): number {
  return Math.round(performance.now() - state.startedAt) / 1000;
}

const sortedGroups = new WeakMap<RightsIndex, readonly string[]>();

/** The groups the index's rights files name, sorted once per index. */
function groupsOf(index: RightsIndex): readonly string[] {
  let groups = sortedGroups.get(index);
  if (groups === undefined) {
    groups = Object.freeze([...namedGroups(index)].sort());
    sortedGroups.set(index, groups);
  }
  return groups;
}
