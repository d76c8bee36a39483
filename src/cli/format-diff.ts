/** The three forms `treerights diff` prints in: text lines, a markdown comment, JSON. */
import type { DiffCause, DiffEntry, RightsDiff } from "../engine/diff-types.js";
import type { DiffReport } from "../loader/diff-report.js";
import { plural } from "./plural.js";

/** The output formats of `diff`. */
export const DIFF_FORMATS = ["text", "json", "markdown"] as const;

/** One of `DIFF_FORMATS`. */
export type DiffFormat = (typeof DIFF_FORMATS)[number];

/** Most table rows in a markdown comment; code hosts cap comment sizes (GitHub at 65,536 characters). */
export const MARKDOWN_MAX_ROWS = 200;

export type { DiffReport, DiffSideInfo } from "../loader/diff-report.js";

/**
 * One line per entry, `+contractors WRITE /plant/north (plant/north/access.rights: include) [+499 below]`,
 * then a summary line, then one line per risky change.
 */
export function formatDiffText(report: DiffReport): string[] {
  const lines = report.diff.entries.map((e) => `${groupChanges(e)} ${e.access} ${e.path} (${causeText(e.cause)})${more(e)}`);
  lines.push(summary(report));
  for (const risk of report.risks) lines.push(`risk (${risk.rule}): ${risk.message}`);
  return lines;
}

/** A comment for a merge request: a heading, a summary line, a table of entries, the risky changes. */
export function formatDiffMarkdown(report: DiffReport): string[] {
  const { diff, risks } = report;
  const lines = [`#### treerights: effective rights ${code(report.from.ref)} → ${code(report.to.ref)}`, ""];
  const risky = new Set(risks.map((r) => r.entry));
  if (diff.entries.length === 0) {
    lines.push(`**No effective change.**${filesNote(diff)}`);
    return lines;
  }
  const { summary: s } = diff;
  const warning = risks.length > 0 ? ` · ⚠️ **${plural(risky.size, "risky change")}**` : "";
  lines.push(`**${plural(s.entries, "change")}** on ${plural(s.paths, "path")}: ${plural(s.grants, "grant")}, ${plural(s.revocations, "revocation")}${warning}.${filesNote(diff)}`, "");
  lines.push("| | Access | Groups | Path | Paths | Cause |", "|---|---|---|---|---|---|");
  diff.entries.slice(0, MARKDOWN_MAX_ROWS).forEach((e, i) => {
    const groups = [...e.added.map((g) => `+${code(g)}`), ...e.removed.map((g) => `-${code(g)}`)].join(" ");
    const paths = e.count === 1 ? "1" : `${e.count}${e.nested ? " (here and below)" : ""}`;
    lines.push(`| ${risky.has(i) ? "⚠️" : ""} | ${e.access} | ${groups} | ${code(e.path)} | ${paths} | ${causeMarkdown(e.cause)} |`);
  });
  if (diff.entries.length > MARKDOWN_MAX_ROWS) {
    lines.push("", `_…and ${plural(diff.entries.length - MARKDOWN_MAX_ROWS, "more change")}; run \`treerights diff\` to see every one._`);
  }
  if (risks.length > 0) {
    lines.push("", "**Risky changes:**", "");
    for (const risk of risks) lines.push(`- \`${risk.rule}\`: ${markdownText(risk.message)}`);
  }
  return lines;
}

/** The JSON form (the loader's, shared with `GET /v1/diff`): both sides, whether anything changed, the summary, every entry with its paths, files and risks. */
export { diffReportJson as formatDiffJson } from "../loader/diff-report.js";

/** `+a +b -c`; names that would read as several words are JSON-quoted. */
function groupChanges(e: DiffEntry): string {
  return [...e.added.map((g) => `+${word(g)}`), ...e.removed.map((g) => `-${word(g)}`)].join(" ");
}

function word(group: string): string {
  return /^[^\s"]+$/.test(group) ? group : JSON.stringify(group);
}

function more(e: DiffEntry): string {
  if (e.count === 1) return "";
  return ` [+${e.count - 1} ${e.nested ? "below" : "more"}]`;
}

/**
 * `plant/north/access.rights: include`, with what happened to the file or
 * rule when it is not plain, and the chain of implications (SPEC 1.5):
 * `treerights.yaml: implies administrator → configuration-management`.
 */
export function causeText(cause: DiffCause): string {
  return `${cause.file}${where(cause)}: ${cause.keyword}${cause.side === "from" && cause.change !== "removed" ? " removed" : ""}${chainText(cause, (g) => g)}`;
}

function causeMarkdown(cause: DiffCause): string {
  const rule = cause.match === undefined ? "" : ` pattern ${code(cause.match)}`;
  const file = cause.change === "added" ? ", new file" : cause.change === "removed" ? ", deleted" : "";
  const removed = cause.side === "from" && cause.change !== "removed" ? " removed" : "";
  return `${code(cause.file)}${rule}${file}: ${cause.keyword}${removed}${chainText(cause, code)}`;
}

/** ` administrator → configuration-management` after `implies`, ` through …` after a rule that reached the group through one. */
function chainText(cause: DiffCause, name: (group: string) => string): string {
  if (cause.chain === undefined) return "";
  const chain = cause.chain.map(name).join(" → ");
  return cause.keyword === "implies" ? ` ${chain}` : ` (through ${chain})`;
}

function where(cause: DiffCause): string {
  const rule = cause.match === undefined ? "" : ` pattern ${JSON.stringify(cause.match)}`;
  const file = cause.keyword === "implies" ? "" : cause.change === "added" ? ", new file" : cause.change === "removed" ? ", deleted" : "";
  return `${rule}${file}`;
}

function summary(report: DiffReport): string {
  const { diff, from, to } = report;
  const between = `between \`${from.ref}\` and \`${to.ref}\``;
  const files = diff.files.length === 0 ? "" : `; rights files: ${fileCounts(diff)}`;
  if (diff.entries.length === 0) return `no effective change ${between}${files}`;
  const s = diff.summary;
  return `${plural(s.entries, "change")} on ${plural(s.paths, "path")} (${plural(s.grants, "grant")}, ${plural(s.revocations, "revocation")}) ${between}${files}`;
}

/** `1 added, 2 changed, 1 removed`, leaving out kinds that did not occur. */
function fileCounts(diff: RightsDiff): string {
  const kinds = (["added", "changed", "removed"] as const).map((kind) => [kind, diff.files.filter((f) => f.change === kind).length] as const);
  return kinds.filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`).join(", ");
}

function filesNote(diff: RightsDiff): string {
  if (diff.files.length === 0) return "";
  const shown = diff.files.slice(0, 20).map((f) => `${code(f.file)} (${f.change})`).join(", ");
  const rest = diff.files.length > 20 ? `, and ${diff.files.length - 20} more` : "";
  return ` ${plural(diff.files.length, "rights file")} changed: ${shown}${rest}.`;
}

/** A code span that survives a table cell: pipes escaped, backticks fenced, one line. */
function code(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, " ").replaceAll("|", "\\|");
  if (!oneLine.includes("`")) return `\`${oneLine}\``;
  return `\`\` ${oneLine} \`\``;
}

// Messages quote user input in backticks already; keep it to one line and out of the table syntax.
function markdownText(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replaceAll("|", "\\|").replaceAll("<", "&lt;");
}
