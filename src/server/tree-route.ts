/**
 * `GET /v1/tree?path=&depth=`: the indexed directories below a path, each
 * with its effective groups, its rights file and where that file cuts
 * inheritance: what the explorer's tree shows, one expansion at a time.
 */
import type { FastifyInstance } from "fastify";
import type { RightsFile, RightsIndex } from "../engine/index.js";
import { formatPath, normalizePath } from "../engine/index.js";
import type { AnswerCache } from "./answers.js";
import { treeQuerySchema, treeResponseSchema } from "./explorer-schemas.js";
import type { TreeEntry, TreeListing } from "./tree-entry.js";

export type { TreeEntry, TreeListing } from "./tree-entry.js";

/** What the tree route needs. */
export interface TreeRouteContext {
  readonly answers: AnswerCache;
}

/** The deepest listing asked in one request. */
export const MAX_TREE_DEPTH = 3;

/** Registers `GET /v1/tree` (admin family). */
export function registerTreeRoute(app: FastifyInstance, { answers }: TreeRouteContext): void {
  app.get<{ Querystring: { readonly path?: string; readonly depth?: number } }>(
    "/v1/tree",
    {
      config: { family: "admin" },
      schema: {
        summary: "Indexed directories below a path",
        description: "The indexed directories (one with a rights file, or an ancestor of one) below `path`, up to `depth` levels (1-3, default 1), each with its effective READ and WRITE groups, its rights file and the lines of its levels, where the file overrides a level (inheritance cut), and whether it has pattern rules. `self` describes `path` itself, indexed or not.",
        querystring: treeQuerySchema, response: treeResponseSchema,
      },
    },
    (request, reply) => {
      const current = answers.current();
      const listing = listTree(current.index, request.query.path ?? "/", request.query.depth ?? 1);
      return reply.send({ ...listing, ...current.stamp });
    },
  );
}

/**
 * The directories of `index` below `path`, `depth` levels down, in tree
 * order (parents first, siblings by name), with the effective groups of
 * `groupsFor` (pattern rules included). Throws `PathError` for an invalid path.
 */
export function listTree(index: RightsIndex, path: string, depth: number): TreeListing {
  const at = formatPath(normalizePath(path));
  const shape = shapeOf(index);
  const node = shape.get(at);
  const entries: TreeEntry[] = [];
  const visit = (dir: ShapeNode, left: number): void => {
    for (const child of dir.children) {
      entries.push(entryOf(index, child));
      if (left > 1) visit(child, left - 1);
    }
  };
  if (node !== undefined) visit(node, depth);
  const self = node === undefined ? entryOf(index, { path: at, name: lastSegment(at), file: null, children: [] }) : entryOf(index, node);
  return { path: at, indexed: node !== undefined, self, entries };
}

/** An indexed directory, its own rights file and its indexed children (sorted by name). */
export interface ShapeNode {
  readonly path: string;
  readonly name: string;
  readonly file: RightsFile | null;
  readonly children: readonly ShapeNode[];
}

// One shape per index, made on first use: later requests walk only what they list.
const SHAPES = new WeakMap<RightsIndex, ReadonlyMap<string, ShapeNode>>();

function shapeOf(index: RightsIndex): ReadonlyMap<string, ShapeNode> {
  let shape = SHAPES.get(index);
  if (shape !== undefined) return shape;
  const nodes = new Map<string, ShapeNode & { readonly children: ShapeNode[] }>();
  // `directories()` lists parents first and siblings sorted, so each child is appended to a parent already there, in order.
  for (const dir of index.directories()) {
    const node = { path: dir.path, name: lastSegment(dir.path), file: dir.file, children: [] };
    nodes.set(dir.path, node);
    if (dir.path !== "/") nodes.get(parentOf(dir.path))?.children.push(node);
  }
  shape = nodes;
  SHAPES.set(index, shape);
  return shape;
}

/** What a directory's entry says, its groups asked of the index (so that pattern rules count). */
function entryOf(index: RightsIndex, node: ShapeNode): TreeEntry {
  const { file } = node;
  const base = {
    path: node.path,
    name: node.name,
    read: index.groupsFor("READ", node.path),
    write: index.groupsFor("WRITE", node.path),
    file: file === null ? null : file.file ?? [...normalizePath(file.dir), "access.rights"].join("/"),
  };
  const rest = {
    cut: { READ: file?.READ?.override !== undefined, WRITE: file?.WRITE?.override !== undefined },
    patterns: (file?.patterns?.length ?? 0) > 0,
    hasChildren: node.children.length > 0,
  };
  if (file === null) return { ...base, ...rest };
  const read = file.READ?.at?.line;
  const write = file.WRITE?.at?.line;
  return { ...base, line: { ...(read === undefined ? {} : { READ: read }), ...(write === undefined ? {} : { WRITE: write }) }, ...rest };
}

/** The indexed directory at `path` (normalized: `/`, `/a/b`) of `index`, or undefined. */
export function indexedDirectory(index: RightsIndex, path: string): ShapeNode | undefined {
  return shapeOf(index).get(path);
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === 0 ? "/" : path.slice(0, slash);
}
