/**
 * Cedar (`@cedar-policy/cedar-wasm`) as a Cedar user would write this policy:
 * every path prefix is a `Folder` entity whose parent is the folder above it,
 * a caller is a `User` whose parents are its groups, and each rule is a
 * `permit` or `forbid` with `principal in Group::…` and `resource in
 * Folder::…`. The policy set is parsed once (`preparsePolicySet`); each
 * decision passes the entities it needs (the resource's folder chain and the
 * caller) to `statefulIsAuthorized`, as an application with its own entity
 * store does.
 *
 * A forbid always wins in Cedar, so only the peer variant (bench/peers/variant.ts)
 * means the same here as SPEC 1.2. And a forbid on one of a caller's groups
 * denies the whole caller, while SPEC 1.2 only takes that group out of the
 * set; so the caller is asked about once per group it holds (a `User` with
 * that one group as parent) and allowed when one ask is.
 */
import v8 from "node:v8";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import type { EntityJson } from "@cedar-policy/cedar-wasm/nodejs";
import { formatPath, normalizePath } from "../../src/engine/index.js";
import type { Access, RightsFile } from "../../src/engine/index.js";
import type { Engine } from "./peer.js";

// Node 20's V8 (11.3) aborted the bench ("unreachable code" in
// Deoptimizer::DoComputeBuiltinContinuation) when an optimized `check` below
// was lazily deoptimized across an inlined JS-to-Wasm call; without that
// inlining it never did (5 of 5 runs, against 3 of 4 aborted). It only
// changes how V8 calls into Wasm, so no other engine is affected.
v8.setFlagsFromString("--no-turbo-inline-js-wasm-calls");

/** The Cedar policy text for `files` (parents first): one statement per group and keyword. */
export function cedarPolicies(files: readonly RightsFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const folder = `Folder::${cedarString(formatPath(normalizePath(file.dir)))}`;
    for (const access of ["READ", "WRITE"] as const) {
      const rule = file[access];
      if (rule === undefined) continue;
      const scope = (principal: string): string => `(${principal}, action == Action::"${access}", resource in ${folder})`;
      if (rule.override !== undefined) {
        for (const g of rule.override) out.push(`permit${scope(`principal in ${group(g)}`)};`);
        if (file.dir !== "" && file.dir !== "/") {
          const named = rule.override.map((g) => `principal in ${group(g)}`).join(" || ");
          out.push(named === "" ? `forbid${scope("principal")};` : `forbid${scope("principal")} unless { ${named} };`);
        }
      } else {
        for (const g of rule.include ?? []) out.push(`permit${scope(`principal in ${group(g)}`)};`);
        for (const g of rule.exclude ?? []) out.push(`forbid${scope(`principal in ${group(g)}`)};`);
      }
    }
  }
  return out;
}

function group(name: string): string {
  return `Group::${cedarString(name)}`;
}

/** A Cedar string literal; our names never hold control characters, so only `\` and `"` need escaping. */
function cedarString(value: string): string {
  if (/\p{Cc}/u.test(value)) throw new Error(`\`${value}\` has a control character`);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

let sets = 0;

/** Parses the policy set once; the returned checker asks Cedar once per caller group. */
export function buildCedar(files: readonly RightsFile[]): Engine {
  const policies = cedarPolicies(files);
  // Distinct ids, so a later build in the same process never answers from an earlier set.
  const setId = `treerights-${++sets}`;
  const parsed = cedar.preparsePolicySet(setId, { staticPolicies: policies.join("\n") });
  if (parsed.type !== "success") throw new Error(`cedar rejected the policy set: ${parsed.errors.map((e) => e.message).join("; ")}`);
  const principal = { type: "User", id: "caller" };
  return {
    units: policies.length,
    unitName: "policies",
    checker: {
      check(groups: readonly string[], access: Access, path: string): boolean {
        const segments = normalizePath(path);
        const entities: EntityJson[] = [{ uid: principal, attrs: {}, parents: [] }];
        let parent = { type: "Folder", id: "/" };
        entities.push({ uid: parent, attrs: {}, parents: [] });
        let id = "";
        for (const s of segments) {
          id += `/${s}`;
          const uid = { type: "Folder", id };
          entities.push({ uid, attrs: {}, parents: [parent] });
          parent = uid;
        }
        const action = { type: "Action", id: access };
        for (const g of groups) {
          entities[0] = { uid: principal, attrs: {}, parents: [{ type: "Group", id: g }] };
          const answer = cedar.statefulIsAuthorized({ principal, action, resource: parent, context: {}, preparsedPolicySetId: setId, entities });
          if (answer.type !== "success") throw new Error(`cedar failed: ${answer.errors.map((e) => e.message).join("; ")}`);
          if (answer.response.decision === "allow") return true;
        }
        return false;
      },
    },
  };
}
