/** The human-readable trace of an `Explanation`, as `treerights explain` prints it. */
import type { ExplainStep, Explanation, Position, RightsFile } from "../engine/index.js";

/**
 * The trace: the decision, each rights file on the path (a pattern rule's
 * step names its `match` glob), then who decided or why denied. `files`, the
 * index's rights files, place a pattern rule that leaves the level alone,
 * which a step cannot place by itself.
 */
export function formatExplanation(e: Explanation, files: readonly RightsFile[] = []): string[] {
  const lines = [
    `${e.allowed ? "allowed" : "denied"}: ${e.access} on \`${e.path}\``,
    `groups: ${groupList(e.groups)}`,
    `revision: ${e.revision}`,
    "",
    `rights files on the path (${e.access}):`,
  ];
  e.steps.forEach((step, i) => lines.push(...formatStep(step, i + 1, e, files)));
  lines.push("", verdict(e));
  return lines;
}

function formatStep(step: ExplainStep, n: number, e: Explanation, files: readonly RightsFile[]): string[] {
  const at = step.at ?? (step.match === undefined ? undefined : patternAt(step.file, step.match, e.access, files));
  const place = at === undefined ? step.file : `${step.file}:${at.line}:${at.column}`;
  const rule = step.match === undefined ? "" : ` pattern rule \`match: ${step.match}\``;
  const head = `  ${n}. ${place} (${step.dir})${rule}`;
  const indent = "       ";
  if (step.keywords.length === 0) {
    return [head, `${indent}no ${e.access} rule: ${groupList(step.after)} unchanged`];
  }
  const rules = step.keywords.map((k) => `${k}: ${groupList(step[k] ?? [])}`).join("; ");
  return [head, `${indent}${rules}`, `${indent}${groupList(step.before)} → ${groupList(step.after)}${delta(step)}`];
}

/** Where the pattern rule `match` of `file` stands, one that leaves `access` alone (else its step would carry the level's place). */
function patternAt(file: string, match: string, access: Explanation["access"], files: readonly RightsFile[]): Position | undefined {
  const owner = files.find((f) => f.file === file);
  return owner?.patterns?.find((p) => p.match === match && p[access] === undefined)?.at;
}

/** `  +`a` -`b``: what the step added and removed; empty when nothing changed. */
function delta(step: ExplainStep): string {
  const before = new Set(step.before);
  const after = new Set(step.after);
  const added = step.after.filter((g) => !before.has(g)).map((g) => `+\`${g}\``);
  const removed = step.before.filter((g) => !after.has(g)).map((g) => `-\`${g}\``);
  const changes = [...added, ...removed];
  return changes.length === 0 ? "  (unchanged)" : `  ${changes.join(" ")}`;
}

function verdict(e: Explanation): string {
  if (e.allowed) return `decided by: ${groupList(e.deciding)}${chains(e)}`;
  if (e.effective.length === 0) return `why: nobody holds ${e.access} here`;
  if (e.groups.length === 0) return `why: you hold no groups; holders: ${groupList(e.effective)}`;
  return `why: none of your groups (${groupList(e.groups)}) holds ${e.access} here; holders: ${groupList(e.effective)}`;
}

/** SPEC 1.5: ` (through `administrator` → `configuration-management`)`, one chain per group that decided through implication. */
function chains(e: Explanation): string {
  if (e.chains === undefined || e.chains.length === 0) return "";
  return ` (through ${e.chains.map((chain) => chain.map((g) => `\`${g}\``).join(" → ")).join("; ")})`;
}

/** `` `a`, `b` ``, or `(nobody)` for an empty list. */
function groupList(groups: readonly string[]): string {
  return groups.length === 0 ? "(nobody)" : groups.map((g) => `\`${g}\``).join(", ");
}
