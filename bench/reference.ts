/**
 * The plain reference: effective sets per rights-file directory in one `Map`
 * keyed by the directory's canonical path (`""` for the root, `/a/b` below
 * it), and a walk up the query path by `lastIndexOf("/")` per check. Written
 * straight from SPEC 1.2 and independent of the engine's trie, it validates
 * every engine's answers before a figure is printed, and is the baseline the
 * benches compare against, so it is written the way a practical engineer
 * would: one regular-expression test sends a canonical path straight to the
 * walk, and only other spellings go through `normalizePath`.
 */
import { MAX_PATH_BYTES, normalizePath } from "../src/engine/index.js";
import type { Access, LevelRule, RightsFile } from "../src/engine/index.js";

interface Effective {
  readonly READ: ReadonlySet<string>;
  readonly WRITE: ReadonlySet<string>;
}

/** A decision function with the engine's `check` signature. */
export interface Checker {
  check(groups: readonly string[], access: Access, path: string): boolean;
}

/**
 * A path already in canonical form: `/` then non-empty segments, none `.` or
 * `..`, with no control character (C0, DEL, C1) and no trailing `/`. Not
 * global: nothing is kept between tests.
 */
const CANONICAL = /^(?:\/(?!\.\.?(?:\/|$))[^/\u0000-\u001f\u007f-\u009f]+)+$/;

function apply(rule: LevelRule | undefined, inherited: ReadonlySet<string>): ReadonlySet<string> {
  if (rule === undefined) return inherited;
  if (rule.override !== undefined) return new Set(rule.override);
  const next = new Set(inherited);
  for (const g of rule.include ?? []) next.add(g);
  for (const g of rule.exclude ?? []) next.delete(g);
  return next;
}

function keyOf(segments: readonly string[]): string {
  return segments.length === 0 ? "" : `/${segments.join("/")}`;
}

/** The reference's checker: `check` uses no `this`, so it may be taken off the object and passed alone. */
export interface Reference extends Checker {
  readonly check: (groups: readonly string[], access: Access, path: string) => boolean;
}

/** Builds the reference from the same parsed files `compile` takes (the root's file is required). */
export function buildReference(files: readonly RightsFile[]): Reference {
  const byDir = new Map<string, Effective>();
  const sorted = files
    .map((file) => ({ file, segments: normalizePath(file.dir) }))
    .sort((a, b) => a.segments.length - b.segments.length);
  for (const { file, segments } of sorted) {
    let parent: Effective = { READ: new Set(), WRITE: new Set() };
    for (let k = segments.length - 1; k >= 0; k--) {
      const found = byDir.get(keyOf(segments.slice(0, k)));
      if (found !== undefined) {
        parent = found;
        break;
      }
    }
    byDir.set(keyOf(segments), { READ: apply(file.READ, parent.READ), WRITE: apply(file.WRITE, parent.WRITE) });
  }
  if (!byDir.has("")) throw new Error("the reference needs the root's rights file");

  return {
    check: (groups, access, path) => {
      // Any other spelling, a path that may be over the byte limit (a UTF-16 unit is at most 3 UTF-8
      // bytes) and anything SPEC 1.4 refuses go through the engine's own rules.
      let key = path.length * 3 <= MAX_PATH_BYTES && CANONICAL.test(path) ? path : keyOf(normalizePath(path));
      let eff = byDir.get(key);
      while (eff === undefined) {
        key = key.slice(0, Math.max(0, key.lastIndexOf("/")));
        eff = byDir.get(key);
      }
      const set = eff[access];
      return groups.some((g) => set.has(g));
    },
  };
}
