/**
 * Casbin as a Casbin user would write this policy: an RBAC model with a
 * priority effect (`priority(p.eft) || deny`), allow/deny lines on directory
 * prefixes matched with `keyMatch` (`/plant/north/*`), roles through `g`, the
 * policy loaded from CSV text by a `StringAdapter`, decisions by `enforceSync`.
 *
 * Priority is the depth: a deeper directory's line outranks a shallower one,
 * so for one group the deepest line about it decides, which is exactly
 * SPEC 1.2 (re-includes and overrides included). An `override` is its allow
 * lines followed, at the same priority, by a deny for every other subject
 * (`*`). Casbin's deny applies to the whole request subject, not to one
 * group of it, so a caller is asked about once per group it holds, and is
 * allowed when one of them is (the loop stops at the first allow).
 */
import { newEnforcer, newModelFromString, StringAdapter } from "casbin";
import { normalizePath } from "../../src/engine/index.js";
import type { Access, LevelRule, RightsFile } from "../../src/engine/index.js";
import type { Engine } from "./peer.js";

/** The model: request `(group, path/, READ|WRITE)`, lines `(priority, group, prefix/*, level, allow|deny)`. */
export const CASBIN_MODEL = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = priority, sub, obj, act, eft

[role_definition]
g = _, _

[policy_effect]
e = priority(p.eft) || deny

[matchers]
m = r.act == p.act && (p.sub == "*" || g(r.sub, p.sub)) && keyMatch(r.obj, p.obj)
`;

/** The subject of an override's deny line: every group not allowed on the same line set. */
const ANYONE = "*";

/** Depth 0 gets the largest number: Casbin sorts ascending and the first matching line decides. */
const ROOT_PRIORITY = 1000;

/** The policy as the CSV lines a Casbin user would keep (`p, priority, sub, obj, act, eft`). */
export function casbinPolicy(files: readonly RightsFile[]): string[] {
  const lines: string[] = [];
  for (const file of files) {
    const segments = normalizePath(file.dir);
    const priority = String(ROOT_PRIORITY - segments.length);
    const prefix = `${objectOf(segments)}*`;
    for (const access of ["READ", "WRITE"] as const) {
      const rule: LevelRule | undefined = file[access];
      if (rule === undefined) continue;
      const line = (sub: string, eft: "allow" | "deny"): void => {
        if (sub === ANYONE && eft === "allow") throw new Error(`a group named \`${ANYONE}\` cannot be written for Casbin here`);
        lines.push(["p", priority, sub, prefix, access, eft].map(csvField).join(", "));
      };
      if (rule.override !== undefined) {
        for (const g of rule.override) line(g, "allow");
        // The root has nothing to forget; below it an override denies everyone it does not name.
        if (segments.length > 0) line(ANYONE, "deny");
      } else {
        for (const g of rule.include ?? []) line(g, "allow");
        for (const g of rule.exclude ?? []) line(g, "deny");
      }
    }
  }
  return lines;
}

/** The request object of a path: its normalized form with a trailing `/`, so `/a/b/` matches `/a/b/*` and `/a/bc/` does not. */
function objectOf(segments: readonly string[]): string {
  let out = "/";
  for (const s of segments) out += `${s}/`;
  return out;
}

function csvField(value: string): string {
  return /[",]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Builds the enforcer from the files, the way `newEnforcer(model, adapter)` loads a policy file. */
export async function buildCasbin(files: readonly RightsFile[]): Promise<Engine> {
  const lines = casbinPolicy(files);
  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(lines.join("\n")));
  return {
    units: lines.length,
    unitName: "policy lines",
    checker: {
      check(groups: readonly string[], access: Access, path: string): boolean {
        const obj = objectOf(normalizePath(path));
        for (const g of groups) if (enforcer.enforceSync(g, obj, access)) return true;
        return false;
      },
    },
  };
}
