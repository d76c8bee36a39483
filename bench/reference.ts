/**
 * The plain reference: effective sets per rights-file directory in one `Map`
 * keyed by the whole directory path, and a walk up the query path per check.
 * Written straight from SPEC 1.2 and independent of the engine's trie, it
 * validates every engine's answers before a figure is printed, and is the
 * baseline the peers bench compares against.
 */
import { normalizePath } from "../src/engine/index.js";
import type { Access, LevelRule, RightsFile } from "../src/engine/index.js";

interface Effective {
  readonly READ: ReadonlySet<string>;
  readonly WRITE: ReadonlySet<string>;
}

/** A decision function with the engine's `check` signature. */
export interface Checker {
  check(groups: readonly string[], access: Access, path: string): boolean;
}

function apply(rule: LevelRule | undefined, inherited: ReadonlySet<string>): ReadonlySet<string> {
  if (rule === undefined) return inherited;
  if (rule.override !== undefined) return new Set(rule.override);
  const next = new Set(inherited);
  for (const g of rule.include ?? []) next.add(g);
  for (const g of rule.exclude ?? []) next.delete(g);
  return next;
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
      const found = byDir.get(segments.slice(0, k).join("/"));
      if (found !== undefined) {
        parent = found;
        break;
      }
    }
    byDir.set(segments.join("/"), { READ: apply(file.READ, parent.READ), WRITE: apply(file.WRITE, parent.WRITE) });
  }
  if (!byDir.has("")) throw new Error("the reference needs the root's rights file");

  return {
    check: (groups, access, path) => {
      const segments = normalizePath(path);
      let key = segments.join("/");
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
