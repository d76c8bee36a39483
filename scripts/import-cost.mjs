#!/usr/bin/env node
/**
 * What importing each entry point costs: wall time of the `import()`, and
 * RSS and heap after it (after a GC), median over fresh processes. Runs
 * against `dist/` (build first); `node scripts/import-cost.mjs [runs]`.
 */
import { execFileSync } from "node:child_process";

const ENTRIES = ["treerights/engine", "treerights", "treerights/server"];
const runs = Number(process.argv[2] ?? 15);

// One fresh process per measurement: a module is loaded once per process.
const probe = (spec) => `
const before = performance.now();
${spec === "" ? "" : `await import(${JSON.stringify(spec)});`}
const ms = performance.now() - before;
globalThis.gc();
const { rss, heapUsed } = process.memoryUsage();
console.log(JSON.stringify({ ms, rss, heapUsed }));
`;

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

console.log(`| entry | import (ms) | RSS after (MiB) | heap used after (MiB) |`);
console.log(`| --- | ---: | ---: | ---: |`);
for (const spec of ["", ...ENTRIES]) {
  const name = spec === "" ? "(node alone)" : `\`${spec}\``;
  const samples = [];
  try {
    for (let i = 0; i < runs; i++) {
      const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", probe(spec)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      samples.push(JSON.parse(out));
    }
  } catch {
    console.log(`| ${name} | not exported | | |`);
    continue;
  }
  console.log(`| ${name} | ${median(samples.map((s) => s.ms)).toFixed(1)} | ${mib(median(samples.map((s) => s.rss)))} | ${mib(median(samples.map((s) => s.heapUsed)))} |`);
}
