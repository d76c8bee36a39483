/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with
 * the most self time, and the inclusive time of the functions named on the
 * command line.
 *
 *   node --cpu-prof --cpu-prof-dir=bench/.out/prof --expose-gc --import tsx bench/run.ts --only engine --sizes 10000
 *   npx tsx bench/profile-summary.ts bench/.out/prof/<file>.cpuprofile [top] [function ...]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url === "" ? "" : ` ${url.replace(/^.*\/(src|bench|node_modules)\//, "$1/")}:${lineNumber + 1}`;
  return `${functionName === "" ? "(anonymous)" : functionName}${file}`;
}

/** Self time per function label and inclusive time for the requested names, in ms. */
export function summarizeProfile(profile: Profile, names: readonly string[]): { total: number; self: Map<string, number>; inclusive: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const node = byId.get(id);
    if (node === undefined) return;
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + ms);
    // Count each requested name once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)?.callFrame.functionName ?? "";
      if (names.includes(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
      }
    }
  });
  return { total, self, inclusive };
}

function main(argv: readonly string[]): void {
  const [file, topArg, ...names] = argv;
  if (file === undefined) {
    console.error("usage: tsx bench/profile-summary.ts <file.cpuprofile> [top] [function ...]");
    process.exit(2);
  }
  const top = Number(topArg ?? 25);
  const { total, self, inclusive } = summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as Profile, names);
  console.log(`total ${total.toFixed(0)} ms sampled\n\nself time`);
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
  if (names.length > 0) console.log("\ninclusive time");
  for (const name of names) {
    const ms = inclusive.get(name) ?? 0;
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
}

main(process.argv.slice(2));
