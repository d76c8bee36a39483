/**
 * The rights explorer's page at `/ui/` (`serve --ui`): the static files Vite
 * built into `dist/ui/`, served by `@fastify/static` from the same process
 * and port as the API. The page carries no data, so it needs no credential;
 * every call it makes goes to the API, protected as configured.
 */
import type { Stats } from "node:fs";
import { lstat, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { TreeRightsError } from "../engine/index.js";
import { ApiError, quote } from "./api-error.js";

/** Where the page is served. */
export const UI_PREFIX = "/ui/";

/** The page's Content-Security-Policy: its own scripts, styles, images and API only; no inline script, no framing. */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join("; ");

/** Headers on every `/ui/` response, errors and redirects included. */
export const UI_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": UI_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
});

/** Hashed asset names never change content: cached for a year. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** The page itself (and any file not under `assets/`) is revalidated on each load, so a new build shows at once. */
export const NO_CACHE = "no-cache";

const ASSETS = "assets/";
const INDEX = "index.html";

/**
 * `dist/ui/` of the package: this module is `src/server/ui-routes.ts` or
 * `dist/server/ui-routes.js`, two levels below the package root either way.
 */
export function defaultUiDir(): string {
  return fileURLToPath(new URL("../../dist/ui/", import.meta.url));
}

/**
 * Registers `GET /ui` (a redirect to `/ui/`) and `GET /ui/*` serving the
 * built page from `dir`: `assets/*` with a year's immutable cache, other
 * files revalidated, and any other path below `/ui/` that is not under
 * `assets/` answered with `index.html` (the page's deep links). Symbolic
 * links are followed only when they stay inside `dir`; names with a `.`
 * segment or a backslash are 404. Throws `invalid_option` when `dir` holds
 * no `index.html` (the page is not built).
 */
export async function registerUiRoutes(app: FastifyInstance, { dir }: { readonly dir: string }): Promise<void> {
  const root = await builtRoot(dir);
  await app.register(async (ui) => {
    await ui.register(fastifyStatic, {
      root,
      // Only `reply.sendFile`: the routes below decide what is served, and how it is cached.
      serve: false,
      index: false,
      dotfiles: "deny",
      cacheControl: false,
    });
    ui.addHook("onSend", async (_request, reply, payload) => {
      void reply.headers(UI_HEADERS);
      return payload;
    });
    ui.get("/ui", { schema: { hide: true } }, (request, reply) => {
      const q = request.url.indexOf("?");
      return reply.redirect(q === -1 ? UI_PREFIX : `${UI_PREFIX}${request.url.slice(q)}`, 301);
    });
    ui.get<{ Params: { readonly "*": string } }>(`${UI_PREFIX}*`, { schema: { hide: true } }, async (request, reply) => {
      const name = request.params["*"];
      if (name === "" || name === INDEX) return sendIndex(reply);
      // A deep link may end with `/`; a file never does.
      const asDirectory = name.endsWith("/");
      if (!isPlainName(asDirectory ? name.slice(0, -1) : name)) throw notFound(request);
      if (!asDirectory && await regularFileInside(root, name)) {
        return reply.header("cache-control", name.startsWith(ASSETS) ? IMMUTABLE : NO_CACHE).sendFile(name);
      }
      if (name.startsWith(ASSETS)) throw notFound(request);
      return sendIndex(reply);
    });
  });
}

function sendIndex(reply: FastifyReply): FastifyReply {
  return reply.header("cache-control", NO_CACHE).sendFile(INDEX);
}

function notFound(request: FastifyRequest): ApiError {
  const q = request.url.indexOf("?");
  return new ApiError(404, "not_found", `no file ${quote(q === -1 ? request.url : request.url.slice(0, q))} in the explorer page`);
}

/** `a/b.js`: segments that are not empty, start with no `.` (no `..`, no dotfile) and hold no backslash or control character. */
function isPlainName(name: string): boolean {
  // Control characters are refused outright, whatever a file system would make of them.
  if (name.includes("\\") || /[\u0000-\u001f\u007f]/.test(name)) return false;
  return name.split("/").every((segment) => segment !== "" && !segment.startsWith("."));
}

/** True when `name` below `root` is a regular file whose real path (links resolved) is inside `root`. */
async function regularFileInside(root: string, name: string): Promise<boolean> {
  const info = await insideRoot(root, path.join(root, ...name.split("/")));
  return info?.isFile() === true;
}

/** The stats of `file` when its real path is `root` or below it; null when it is outside, or does not exist. */
async function insideRoot(root: string, file: string): Promise<Stats | null> {
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return null;
  }
  const rel = path.relative(root, real);
  if (rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return null;
  return stat(real).catch(() => null);
}

/** The real path of `dir`, once it is known to hold the built page. */
async function builtRoot(dir: string): Promise<string> {
  const notBuilt = (why: string): TreeRightsError =>
    new TreeRightsError("invalid_option", `the explorer page is not built: ${quote(path.join(dir, INDEX), 200)} ${why}; build it into \`dist/ui/\` first, or serve without \`--ui\``);
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    throw notBuilt("does not exist");
  }
  const index = await lstat(path.join(root, INDEX)).catch(() => null);
  if (index?.isFile() !== true) throw notBuilt(index === null ? "does not exist" : "is not a regular file");
  return root;
}
