/**
 * The shape of the source: no import cycles between modules, and
 * dependencies that point one way (cli → server → loader → engine).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../../src");
const LAYERS = ["engine", "loader", "server", "cli"] as const;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

/** Every module a source file imports at load time (type-only imports included: they still tie the modules). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)) {
    const spec = match[1] as string;
    found.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")));
  }
  return found;
}

const files = sources(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => files.includes(target))]));
const rel = (file: string): string => path.relative(SRC, file);

describe("the source's imports", () => {
  it("resolve to files that exist", () => {
    const missing = [...files].flatMap((file) => importsOf(file).filter((t) => !files.includes(t)).map((t) => `${rel(file)} → ${rel(t)}`));
    expect(missing).toEqual([]);
  });

  it("form no cycle", () => {
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (file: string, stack: string[]): void => {
      state.set(file, "open");
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].map(rel).join(" → "));
        else if (!state.has(next)) visit(next, [...stack, next]);
      }
      state.set(file, "done");
    };
    for (const file of files) if (!state.has(file)) visit(file, [file]);
    expect(cycles).toEqual([]);
  });

  it("point one way: cli → server → loader → engine", () => {
    const layer = (file: string): number => LAYERS.indexOf(rel(file).split(path.sep)[0] as (typeof LAYERS)[number]);
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => layer(file) >= 0 && layer(t) > layer(file)).map((t) => `${rel(file)} → ${rel(t)}`));
    expect(upward).toEqual([]);
  });
});
