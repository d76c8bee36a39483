/**
 * Where treerights spends a decision: the check loop alone on a generated
 * tree, under the V8 sampling profiler (node:inspector), summarized by
 * function and by source line.
 *
 *   node --import tsx bench/peers/profile.ts                          # 100,000 directories, 10 s
 *   npx tsc -p tsconfig.build.json --outDir /tmp/tr-dist && \
 *   node --import tsx bench/peers/profile.ts --engine /tmp/tr-dist/engine/index.js   # real line numbers
 *
 * tsx compiles each module into a few long lines, so line figures only mean
 * something with the engine compiled by tsc (`--engine`); the function
 * figures are right either way. Writes bench/.out/treerights-check.cpuprofile.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { RightsFile, RightsIndex } from "../../src/engine/index.js";
import { checkLoop } from "../engine-bench.js";
import { fmt } from "../stats.js";
import { freshChunk, generateQueries, generateTree } from "../workload.js";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly positionTicks?: readonly { readonly line: number; readonly ticks: number }[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
}

const here = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    dirs: { type: "string", default: "100000" },
    seconds: { type: "string", default: "10" },
    engine: { type: "string" },
    top: { type: "string", default: "12" },
  },
});
const dirs = Number(values.dirs);
const seconds = Math.min(Number(values.seconds), 120);
const enginePath = values.engine === undefined ? join(here, "..", "..", "src", "engine", "index.js") : resolve(values.engine);
const engine = (await import(pathToFileURL(enginePath).href)) as { compile(files: readonly RightsFile[]): RightsIndex };

const spec = generateTree({ dirs, seed: 1 });
const index = engine.compile(spec.files);
const set = generateQueries(spec, { count: 65_536, seed: 2 });
const loop = checkLoop();
let chunk = 0;
let checks = 0;
let inLoop = 0;
const run = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const { paths, groups } = freshChunk(set, chunk);
    const t0 = performance.now();
    loop(index, paths, groups, set.access, chunk * set.chunkSize);
    inLoop += performance.now() - t0;
    checks += paths.length;
    chunk = (chunk + 1) % set.chunks.length;
  }
};
run(1_000);
checks = 0;
inLoop = 0;

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
await session.post("Profiler.start");
run(seconds * 1000);
const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: Profile };
session.disconnect();

const out = join(here, "..", ".out");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "treerights-check.cpuprofile"), JSON.stringify(profile));

const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
const pct = (ticks: number): string => `${((100 * ticks) / total).toFixed(1).padStart(5)}%`;
const short = (url: string): string => url.replace(/^.*\/(src|bench|node_modules|tr-dist)\//, "$1/");
console.log(`${fmt(dirs)} directories, ${fmt(checks)} checks in ${fmt(inLoop)} ms of loop (${fmt((checks * 1000) / inLoop)} checks/s under the profiler; ${fmt((1e6 * inLoop) / checks / 1000, 3)} µs each), engine ${short(enginePath)}`);

// Self time per function, merged over call sites.
const byFunction = new Map<string, { ticks: number; url: string; lines: Map<number, number> }>();
for (const n of profile.nodes) {
  const { functionName, url, lineNumber } = n.callFrame;
  const key = `${functionName === "" ? "(anonymous)" : functionName} ${url === "" ? "" : `${short(url)}:${lineNumber + 1}`}`;
  const entry = byFunction.get(key) ?? { ticks: 0, url, lines: new Map<number, number>() };
  entry.ticks += n.hitCount ?? 0;
  for (const t of n.positionTicks ?? []) entry.lines.set(t.line, (entry.lines.get(t.line) ?? 0) + t.ticks);
  byFunction.set(key, entry);
}
const top = [...byFunction].sort((a, b) => b[1].ticks - a[1].ticks).slice(0, Number(values.top));
console.log("\nself time by function");
for (const [key, e] of top) console.log(`${pct(e.ticks)}  ${key}`);

console.log("\nhottest lines (self time)");
const sources = new Map<string, string[]>();
const lineOf = (url: string, line: number): string => {
  if (!url.startsWith("file://")) return "";
  let lines = sources.get(url);
  if (lines === undefined) {
    try {
      lines = readFileSync(fileURLToPath(url), "utf8").split("\n");
    } catch {
      lines = [];
    }
    sources.set(url, lines);
  }
  const text = (lines[line - 1] ?? "").trim();
  return text.length > 110 ? `${text.slice(0, 107)}...` : text;
};
const lines = top.flatMap(([key, e]) => [...e.lines].map(([line, ticks]) => ({ key, url: e.url, line, ticks })));
for (const l of lines.sort((a, b) => b.ticks - a.ticks).slice(0, 25)) {
  console.log(`${pct(l.ticks)}  ${short(l.url)}:${l.line}  ${lineOf(l.url, l.line)}`);
}
console.log(`\nwrote ${join("bench", ".out", "treerights-check.cpuprofile")}`);
