/** Printing: aligned tables, target verdicts, and the machine the figures come from. */
import { readFileSync } from "node:fs";
import os from "node:os";

/** A target from issue 2, compared with what was measured. */
export interface TargetResult {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  /** null when the figure was not measured in this run. */
  readonly pass: boolean | null;
  readonly note?: string;
}

/** Where the figures were measured. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly totalMemMiB: number;
  readonly loadAvg: readonly number[];
}

/** Describes this machine: CPU count and model, Node and V8, memory, load average at start. */
export function machine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
    if (line !== undefined) cpuModel = line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // Not Linux: os.cpus() already named it.
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemMiB: Math.round(os.totalmem() / (1024 * 1024)),
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Prints rows as a table with a header rule; numbers are expected pre-formatted. */
export function printTable(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ");
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

/** The same table in Markdown (for bench/README.md); the first column left-aligned, the others right. */
export function tableMarkdown(title: string, header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  const rule = `|${header.map((_, c) => (c === 0 ? " --- " : " ---: ")).join("|")}|`;
  return [`**${title}**`, "", line(header), rule, ...rows.map(line)].join("\n");
}

/** A target as a table row: name, wanted, measured, and PASS, FAIL or n/a (a miss never fails the process: this is a benchmark). */
export function verdictRow(t: TargetResult): string[] {
  const verdict = t.pass === null ? `n/a${t.note === undefined ? "" : ` (${t.note})`}` : t.pass ? "PASS" : "FAIL";
  return [t.name, t.target, t.measured, verdict];
}
