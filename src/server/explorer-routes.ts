/** The API routes the rights explorer reads besides the decision and status routes: `/v1/tree`, `/v1/file`, `/v1/diff` (admin family). */
import type { FastifyInstance } from "fastify";
import type { TreeHandle } from "../loader/index.js";
import type { AnswerCache } from "./answers.js";
import { registerDiffRoute } from "./diff-route.js";
import { registerFileRoute } from "./file-route.js";
import { registerTreeRoute } from "./tree-route.js";

/** What the explorer's routes need. */
export interface ExplorerRoutesContext {
  readonly tree: TreeHandle;
  readonly answers: AnswerCache;
}

/** Registers `GET /v1/tree`, `GET /v1/file` and `GET /v1/diff`; served with or without `--ui`, guarded as the admin family. */
export function registerExplorerRoutes(app: FastifyInstance, context: ExplorerRoutesContext): void {
  registerTreeRoute(app, context);
  registerFileRoute(app, context);
  registerDiffRoute(app, context);
}
