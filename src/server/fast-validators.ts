/**
 * Hand-written validators for the hot bodies (a check, a batch of checks).
 * Each accepts exactly a subset of what its JSON Schema accepts, and answers
 * only yes or no: a body it refuses goes on to the schema's ajv validator,
 * which decides and names the error, so codes and messages stay ajv's. On a
 * 1,000-check batch this replaces ajv's generic walk (a `ucs2length` call per
 * group name) with one tight loop.
 */

/** True only for a body `checkBodySchema` accepts (no coercion, no unknown fields). */
export function isCheckBody(data: unknown): boolean {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return false;
  let keys = 0;
  // JSON objects have no inherited enumerable keys; `for…in` is V8's fastest key walk.
  for (const key in data) {
    if (key !== "groups" && key !== "access" && key !== "path") return false;
    keys++;
  }
  if (keys !== 3) return false;
  const { groups, access, path } = data as { groups: unknown; access: unknown; path: unknown };
  return typeof path === "string" && (access === "READ" || access === "WRITE") && isGroupList(groups);
}

function isGroupList(groups: unknown): boolean {
  if (!Array.isArray(groups)) return false;
  for (let i = 0; i < groups.length; i++) {
    const group: unknown = groups[i];
    // `minLength: 1` counts code points; a non-empty string has at least one.
    if (typeof group !== "string" || group.length === 0) return false;
  }
  return true;
}

/** True only for a body `batchBodySchema(maxBatch)` accepts: `checks`, or `groups`, `access` and `paths`. */
export function isBatchBody(data: unknown, maxBatch: number): boolean {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return false;
  let keys = 0;
  for (const key in data) {
    if (key !== "checks" && key !== "groups" && key !== "access" && key !== "paths") return false;
    keys++;
  }
  const { checks, groups, access, paths } = data as { checks?: unknown; groups?: unknown; access?: unknown; paths?: unknown };
  if (checks !== undefined) {
    if (keys !== 1 || !Array.isArray(checks) || checks.length > maxBatch) return false;
    for (let i = 0; i < checks.length; i++) if (!isCheckBody(checks[i])) return false;
    return true;
  }
  if (keys !== 3 || (access !== "READ" && access !== "WRITE") || !isGroupList(groups)) return false;
  if (!Array.isArray(paths) || paths.length > maxBatch) return false;
  for (let i = 0; i < paths.length; i++) if (typeof paths[i] !== "string") return false;
  return true;
}

/** True only for a body `POST /v1/authorize`'s schema accepts: `access` and `path`, or `access` and 1 to `maxBatch` `paths`. */
export function isAuthorizeBody(data: unknown, maxBatch: number): boolean {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return false;
  let keys = 0;
  for (const key in data) {
    if (key !== "access" && key !== "path" && key !== "paths") return false;
    keys++;
  }
  const { access, path, paths } = data as { access?: unknown; path?: unknown; paths?: unknown };
  if (keys !== 2 || (access !== "READ" && access !== "WRITE")) return false;
  if (path !== undefined) return typeof path === "string";
  if (!Array.isArray(paths) || paths.length < 1 || paths.length > maxBatch) return false;
  for (let i = 0; i < paths.length; i++) if (typeof paths[i] !== "string") return false;
  return true;
}
