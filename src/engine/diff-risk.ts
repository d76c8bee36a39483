/** Risky changes in a diff: the checks behind `treerights diff --fail-on`. */
import { TreeRightsError } from "./errors.js";
import { normalizePath } from "./path.js";
import type { DiffEntry, RightsDiff } from "./diff-types.js";
import type { Access } from "./types.js";

/** The checks `findRisks` can run. */
export const RISK_RULES = Object.freeze(["write-grant", "near-root", "broad"] as const);

/** One of `RISK_RULES`: any new WRITE grant; a grant at depth ≤ `depth`; a grant to a `broad` group. */
export type RiskRule = (typeof RISK_RULES)[number];

/** Options of `findRisks`. */
export interface RiskOptions {
  readonly rules: readonly RiskRule[];
  /** Deepest path `near-root` flags: `/` is depth 0, `/plant` depth 1 (default 1). */
  readonly depth?: number;
  /** Groups `broad` flags a grant to (`everyone`, `contractors`, ...). */
  readonly broad?: readonly string[];
}

/** A grant one of the checks flags. */
export interface Risk {
  readonly rule: RiskRule;
  /** Index of the entry in `diff.entries`. */
  readonly entry: number;
  readonly access: Access;
  /** The entry's topmost path. */
  readonly path: string;
  /** The granted groups the check flags. */
  readonly groups: readonly string[];
  /** One line, lowercase, no final period. */
  readonly message: string;
}

/**
 * Every (check, entry) pair where a check flags a grant, in entry order then
 * check order. Only grants are risky: a removal never is. Throws
 * `TreeRightsError` (`invalid_option`) for an unknown check, a bad depth, or
 * `broad` without groups.
 */
export function findRisks(diff: RightsDiff, options: RiskOptions): Risk[] {
  const depth = options.depth ?? 1;
  const broad = new Set(options.broad ?? []);
  checkOptions(options.rules, depth, broad);
  const risks: Risk[] = [];
  diff.entries.forEach((entry, i) => {
    if (entry.added.length === 0) return;
    for (const rule of RISK_RULES) {
      if (!options.rules.includes(rule)) continue;
      const groups = flagged(rule, entry, depth, broad);
      if (groups.length > 0) risks.push(Object.freeze({ rule, entry: i, access: entry.access, path: entry.path, groups, message: describe(rule, entry, groups, depth) }));
    }
  });
  return risks;
}

function flagged(rule: RiskRule, entry: DiffEntry, depth: number, broad: ReadonlySet<string>): readonly string[] {
  switch (rule) {
    case "write-grant":
      return entry.access === "WRITE" ? entry.added : [];
    case "near-root":
      return normalizePath(entry.path).length <= depth ? entry.added : [];
    case "broad":
      return entry.added.filter((g) => broad.has(g));
  }
}

function describe(rule: RiskRule, entry: DiffEntry, groups: readonly string[], depth: number): string {
  const names = groups.map((g) => `\`${g}\``).join(", ");
  const where = `\`${entry.path}\``;
  switch (rule) {
    case "write-grant":
      return `new WRITE grant to ${names} on ${where}`;
    case "near-root":
      return `new ${entry.access} grant to ${names} on ${where}, at depth ${normalizePath(entry.path).length} (limit ${depth})`;
    case "broad":
      return `new ${entry.access} grant to broad group ${names} on ${where}`;
  }
}

function checkOptions(rules: readonly unknown[], depth: number, broad: ReadonlySet<string>): void {
  for (const rule of rules) {
    if (!(RISK_RULES as readonly unknown[]).includes(rule)) {
      throw new TreeRightsError("invalid_option", `unknown check \`${String(rule)}\`; use ${RISK_RULES.map((r) => `\`${r}\``).join(", ")}`);
    }
  }
  if (!Number.isInteger(depth) || depth < 0) {
    throw new TreeRightsError("invalid_option", `depth \`${String(depth)}\` is not a whole number of 0 or more`);
  }
  if (rules.includes("broad") && broad.size === 0) {
    throw new TreeRightsError("invalid_option", "the `broad` check needs a list of broad groups (`--broad g1,g2`)");
  }
}
