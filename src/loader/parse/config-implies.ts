/**
 * `implies` in `treerights.yaml` (SPEC 1.5): where its group names stand,
 * the map it gives, and its own errors: a cycle, and a group that implies
 * two groups of one `exclusive` set.
 */
import type { Document, LineCounter } from "yaml";
import { isMap, isScalar, isSeq } from "yaml";
import type { Position, Problem } from "../../engine/index.js";
import { implications, impliesCycles } from "../../engine/index.js";
import type { GroupSite } from "./check-nodes.js";
import { nodePosition } from "./parse-yaml.js";
import { problem, quote } from "./problems.js";
import type { SchemaContext } from "./schema-support.js";
import { nodeAt, valueAt } from "./schema-support.js";
import type { AliasTargets } from "./yaml-nodes.js";
import { deref } from "./yaml-nodes.js";

/** Where a key of `implies` and each group of its list stand. */
export interface ImpliesPlace {
  readonly key: Position;
  readonly groups: readonly Position[];
}

const START: Position = Object.freeze({ line: 1, column: 1 });

/** The mapping under `implies`, if the document has one. */
function impliesMap(doc: Document, aliases: AliasTargets) {
  const root = deref(doc.contents, aliases);
  if (!isMap(root)) return undefined;
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === "implies");
  const value = deref(pair?.value, aliases);
  return isMap(value) ? value : undefined;
}

/** The group lists of `implies`, one site per key, for the node checks. */
export function impliesSites(doc: Document, aliases: AliasTargets): GroupSite[] {
  const sites: GroupSite[] = [];
  for (const pair of impliesMap(doc, aliases)?.items ?? []) {
    const key = pair.key;
    if (isScalar(key) && typeof key.value === "string") {
      sites.push({ path: ["implies", key.value], where: `implies.${key.value}`, key, value: pair.value });
    }
  }
  return sites;
}

/** Keys of `implies` that YAML reads as something other than a string (`123`, `true`, `~`), or that are not scalars. */
export function impliesKeyProblems(doc: Document, aliases: AliasTargets, lines: LineCounter, file: string): Problem[] {
  const problems: Problem[] = [];
  for (const pair of impliesMap(doc, aliases)?.items ?? []) {
    const key = pair.key;
    if (isScalar(key) && typeof key.value === "string") continue;
    const at = isScalar(key) || isMap(key) || isSeq(key) ? nodePosition(key, lines) : START;
    if (!isScalar(key)) {
      problems.push(problem("invalid_config", file, at, "each key of `implies` must be a group name, such as `administrator: [operators]`"));
      continue;
    }
    const text = (key.source ?? String(key.value)).trim();
    if (text === "") {
      problems.push(problem("invalid_group_name", file, at, "empty group name as a key of `implies`; write a group name"));
    } else {
      problems.push(problem("non_string_group", file, at,
        `group ${quote(text)} as a key of \`implies\` is read by yaml as ${key.value === null ? "null" : typeof key.value === "boolean" ? "a boolean" : "a number"}, not a name; quote it: \`"${text}"\``));
    }
  }
  return problems;
}

/** The checked value's `implies` as a map (one group name or a list per key, each group once) and where its names stand. */
export function impliesOf(value: unknown, ctx: SchemaContext): { implies: Map<string, readonly string[]>; impliesPlaces: Map<string, ImpliesPlace> } {
  const implies = new Map<string, readonly string[]>();
  const places = new Map<string, ImpliesPlace>();
  const given = valueAt(value, ["implies"]);
  if (given === null || typeof given !== "object") return { implies, impliesPlaces: places };
  const place = (path: readonly (string | number)[]): Position => {
    const node = nodeAt(ctx, path);
    return node ? nodePosition(node, ctx.lines) : START;
  };
  const keys = impliesMap(ctx.doc, ctx.aliases)?.items ?? [];
  for (const group of Object.keys(given)) {
    const listed: unknown = valueAt(given, [group]);
    const list = typeof listed === "string" ? [listed] : (listed as string[]);
    implies.set(group, Object.freeze([...new Set(list)]));
    const key = keys.find((p) => isScalar(p.key) && p.key.value === group)?.key;
    places.set(group, Object.freeze({
      key: isScalar(key) ? nodePosition(key, ctx.lines) : START,
      groups: Object.freeze(list.map((_, i) => (typeof listed === "string" ? place(["implies", group]) : place(["implies", group, i])))),
    }));
  }
  return { implies, impliesPlaces: places };
}

/**
 * SPEC 1.5's errors in `implies`: each cycle (once, at the key of its first
 * group), and each group whose holders would hold two groups of one
 * `exclusive` set (itself included), at its key.
 */
export function impliesProblems(
  implies: ReadonlyMap<string, readonly string[]>, places: ReadonlyMap<string, ImpliesPlace>,
  exclusive: readonly (readonly string[])[], file: string,
): Problem[] {
  const problems: Problem[] = [];
  const at = (group: string): Position => places.get(group)?.key ?? START;
  for (const cycle of impliesCycles(implies)) {
    const first = cycle[0] ?? "";
    problems.push(problem("implies_cycle", file, at(first),
      `\`implies\` has a cycle: ${cycle.map(quote).join(" → ")}; a group must not imply itself, remove one of these implications`));
  }
  const closure = implications(implies);
  for (const group of implies.keys()) {
    const held = new Set([group, ...closure.implied(group)]);
    exclusive.forEach((set, i) => {
      const both = set.filter((g) => held.has(g));
      if (both.length < 2) return;
      const others = both.filter((g) => g !== group);
      const how = others.length < both.length
        ? `${quote(group)} implies ${quote(others[0] ?? "")}`
        : `${quote(group)} implies ${quote(others[0] ?? "")} and ${quote(others[1] ?? "")}`;
      problems.push(problem("implies_exclusive", file, at(group),
        `${how}, which are mutually exclusive in \`exclusive[${i}]\`; a holder of ${quote(group)} would hold both, remove one of these implications`));
    });
  }
  return problems;
}
