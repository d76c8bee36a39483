/**
 * `GET /v1/file?path=`: the text of a directory's rights file, for the
 * explorer to show the lines its explanations point at, and whether that
 * text is what the answering index was compiled from.
 */
import type { FastifyInstance } from "fastify";
import type { RightsFile, RightsIndex } from "../engine/index.js";
import { canonicalPath } from "../engine/index.js";
import type { TreeHandle } from "../loader/index.js";
import { readServedFile } from "../loader/live/served-file.js";
import type { AnswerCache } from "./answers.js";
import { ApiError, quote } from "./api-error.js";
import { fileQuerySchema, fileResponseSchema } from "./explorer-schemas.js";
import { indexedDirectory } from "./tree-route.js";

/** What the file route needs. */
export interface FileRouteContext {
  readonly tree: TreeHandle;
  readonly answers: AnswerCache;
}

/** Registers `GET /v1/file` (admin family). */
export function registerFileRoute(app: FastifyInstance, { tree, answers }: FileRouteContext): void {
  app.get<{ Querystring: { readonly path: string } }>(
    "/v1/file",
    {
      config: { family: "admin" },
      schema: {
        summary: "A directory's rights file",
        description: "The text of the `access.rights` of directory `path`: read from the work tree (never through a symbolic link, at most 1 MiB), or, serving a git ref, from the served commit. `stale` is true when the text does not compile to the rules and lines the answering index holds there (an edit not loaded yet, or rejected). 404 `no_rights_file` when the directory has none; 409 `rights_file_unreadable` when it is not a regular file.",
        querystring: fileQuerySchema, response: fileResponseSchema,
      },
    },
    async (request, reply) => {
      const current = answers.current();
      const path = canonicalPath(request.query.path);
      const read = await readServedFile(tree, path, current.stamp.commit);
      const commit = read.commit === undefined ? {} : { commit: read.commit };
      switch (read.kind) {
        case "missing": {
          const served = servedFile(current.index, path) === null ? "" : " (the answering index still has one: its removal is not loaded yet)";
          throw new ApiError(404, "no_rights_file", `directory ${quote(path)} has no rights file ${quote(read.file)}${served}`);
        }
        case "unreadable":
          throw new ApiError(409, "rights_file_unreadable", read.problem.message);
        case "file": {
          const stale = !sameRules(read.rules, servedFile(current.index, path));
          return reply.send({ path, file: read.file, text: read.text, stale, ...current.stamp, ...commit });
        }
      }
    },
  );
}

/** The rights file the index holds for directory `path` (normalized), or null. */
function servedFile(index: RightsIndex, path: string): RightsFile | null {
  return indexedDirectory(index, path)?.file ?? null;
}

/** True when two parses say the same: the same levels, groups, pattern rules and positions. */
function sameRules(a: RightsFile | null, b: RightsFile | null): boolean {
  if (a === null || b === null) return a === b;
  return JSON.stringify([a.READ, a.WRITE, a.patterns]) === JSON.stringify([b.READ, b.WRITE, b.patterns]);
}
