/**
 * Scopes narrow, never widen (SPEC 4): `LEVEL:glob` such as `READ:/plant/**`.
 * A decision for an identity with scopes is allowed iff its groups allow it
 * AND one of its scopes names the level and matches the path.
 */
import micromatch from "micromatch";
import type { Access } from "../../engine/index.js";
import { canonicalPath } from "../../engine/index.js";

type Matcher = (path: string) => boolean;

// Compiled globs, shared by every identity; bounded (scopes come from config files, but stay safe).
const MAX_COMPILED = 10_000;
const compiled = new Map<string, Matcher>();

/** The parts of a scope, or null when it is not `READ:/…` or `WRITE:/…`. */
export function parseScope(scope: string): { readonly access: Access; readonly glob: string } | null {
  const colon = scope.indexOf(":");
  const access = scope.slice(0, colon);
  const glob = scope.slice(colon + 1);
  if ((access !== "READ" && access !== "WRITE") || !glob.startsWith("/")) return null;
  return { access, glob };
}

/**
 * True iff some scope names `access` and matches `path` (any spelling SPEC 1.4
 * accepts; throws `PathError` for one it refuses). No scopes: false.
 */
export function scopesAllow(scopes: readonly string[], access: Access, path: string): boolean {
  const canonical = canonicalPath(path);
  for (const scope of scopes) {
    const parsed = parseScope(scope);
    if (parsed === null || parsed.access !== access) continue;
    if (matcherOf(parsed.glob)(canonical)) return true;
  }
  return false;
}

/** True iff `identity` may do `access` on `path` as far as scopes go: it has none, or one allows it. */
export function withinScopes(scopes: readonly string[] | undefined, access: Access, path: string): boolean {
  return scopes === undefined || scopesAllow(scopes, access, path);
}

function matcherOf(glob: string): Matcher {
  let matcher = compiled.get(glob);
  if (matcher === undefined) {
    matcher = micromatch.matcher(glob, { dot: true });
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(glob, matcher);
  }
  return matcher;
}
