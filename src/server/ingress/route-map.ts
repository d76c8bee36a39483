/**
 * `IngressMap`: which tree path and level a gateway's request asks about.
 * Configured routes map URL path prefixes (for one host, or any) to tree
 * paths, and methods to levels (SPEC 5: GET, HEAD, OPTIONS → READ, any
 * other → WRITE, unless the route says otherwise). An unmatched URL is
 * denied. Prefixes match whole segments: `/api/plant/` covers
 * `/api/plant` and `/api/plant/x`, never `/api/plantx`.
 */
import type { Access } from "../../engine/index.js";
import type { IngressRoute } from "../config/server-config.js";

/** What a request asks: `access` on the tree path `segments`, or the reason it maps to nothing. */
export type Mapped = { readonly ok: true; readonly access: Access; readonly segments: readonly string[]; readonly route: IngressRoute } | { readonly ok: false; readonly reason: string };

const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
// RFC 9110 token characters.
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

interface CompiledRoute {
  readonly route: IngressRoute;
  readonly prefix: readonly string[];
  readonly tree: readonly string[];
}

/** The configured routes, longest prefix first. */
export class IngressMap {
  readonly #routes: readonly CompiledRoute[];

  constructor(routes: readonly IngressRoute[]) {
    this.#routes = routes
      .map((route) => ({ route, prefix: segmentsOf(route.prefix), tree: segmentsOf(route.tree) }))
      // Longest prefix first; a route for a host before one for any host.
      .sort((a, b) => b.prefix.length - a.prefix.length || Number(b.route.host !== undefined) - Number(a.route.host !== undefined));
  }

  /** The tree path and level of `method` on the URL path `segments` for `host` (lower case, without port). */
  map(method: string, host: string | undefined, segments: readonly string[]): Mapped {
    if (!METHOD.test(method)) return { ok: false, reason: "the original method is not an HTTP method" };
    for (const compiled of this.#routes) {
      const { route, prefix, tree } = compiled;
      if (route.host !== undefined && route.host !== host) continue;
      if (!startsWith(segments, prefix)) continue;
      const access = route.methods.get(method) ?? (READ_METHODS.has(method) ? "READ" : "WRITE");
      return { ok: true, access, segments: [...tree, ...segments.slice(prefix.length)], route };
    }
    return { ok: false, reason: "no ingress route matches the URL" };
  }
}

function segmentsOf(path: string): string[] {
  return path.split("/").filter((s) => s !== "" && s !== ".");
}

function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  if (segments.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (segments[i] !== prefix[i]) return false;
  return true;
}
