/**
 * How far batches go with more than one server process, two ways:
 *
 * - `--processes`: N copies of the treerights server (bench/http-server.ts,
 *   each loading the same tree and listening on its own loopback port),
 *   driven at once by one autocannon worker thread each, with the
 *   1,000-check batch bodies of `bench/http.ts` (the first experiment);
 * - `--workers`: the product mode, one `serve({ workers: N })` on one port
 *   (this process is its cluster primary), driven by one autocannon worker
 *   thread with 16 connections per worker, with both batch shapes of
 *   `bench/http.ts`: 1,000 `checks`, and one caller's 1,000 `paths`.
 *
 *   node --import tsx bench/http-processes.ts                 # 1 then 2 processes, 10,000 directories, 8 s each
 *   node --import tsx bench/http-processes.ts --processes 1,2,3 --duration 5
 *   npm run bench:http-processes -- --workers 2 --duration 5  # one 2-worker server, both shapes
 *
 * Bounded: fixed durations, loopback only; the temporary tree is removed.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { loadTree } from "../src/loader/index.js";
import { checkAnswers, checksShape, JSON_HEADERS, pathsShape } from "./http-bodies.js";
import { driveCluster } from "./http-cluster.js";
import type { ReadyMessage } from "./http-protocol.js";
import { fmt } from "./stats.js";
import { allQueries, generateQueries, generateTree, writeTree } from "./workload.js";

const HERE = dirname(fileURLToPath(import.meta.url));

interface Server {
  readonly process: ChildProcess;
  readonly url: string;
}

async function start(dir: string): Promise<Server> {
  const child = fork(join(HERE, "http-server.ts"), ["treerights", dir], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    child.once("message", (m: ReadyMessage) => { resolve(m); });
    child.once("exit", (code) => { reject(new Error(`server exited with ${String(code)} before listening`)); });
  });
  return { process: child, url: `http://127.0.0.1:${ready.port}` };
}

async function stop(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.process.once("exit", resolve));
  server.process.send({ type: "close", id: 0 });
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  server.process.kill("SIGKILL");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { processes: { type: "string", default: "1,2" }, workers: { type: "string" }, duration: { type: "string", default: "8" }, dirs: { type: "string", default: "10000" } } });
  const counts = values.processes.split(",").map(Number);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  const durationS = Number(values.duration);
  const dirs = Number(values.dirs);
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 8) || !(durationS > 0 && durationS <= 60) || !Number.isInteger(dirs) || dirs < 1) {
    throw new Error("--processes takes counts 1-8 (e.g. 1,2), --duration 1-60 s, --dirs a directory count");
  }
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 8)) throw new Error("--workers takes a count 1-8");
  const spec = generateTree({ dirs, seed: 1 });
  const dir = mkdtempSync(join(tmpdir(), "treerights-processes-"));
  try {
    writeTree(dir, spec);
    const index = await loadTree(dir);
    const queries = allQueries(generateQueries(spec, { count: 8_192, seed: 2 }));
    const batches = Array.from({ length: 8 }, (_, b) => queries.slice(b * 1_000, (b + 1) * 1_000));
    const checks = checksShape(batches, index);
    if (workers !== undefined) {
      console.log(`batches of 1,000 over loopback, ${fmt(dirs)} directories, ${durationS} s per run after 1 s of warm-up`);
      const results = await driveCluster(dir, [checks, pathsShape(batches, index)], { workers, rounds: 1, durationS, warmupS: 1, batchSize: 1_000 });
      for (const r of results) console.log(`${r.shape}: ${fmt(r.decisionsPerSec.median)} decisions/s${r.failed > 0 ? ` (${fmt(r.failed)} failed requests)` : ""}`);
      return;
    }
    const requests = checks.bodies.map((body): autocannon.Request => ({ method: "POST", path: "/v1/check/batch", headers: JSON_HEADERS, body }));
    console.log(`batches of 1,000 over loopback, ${fmt(dirs)} directories, ${durationS} s per run, 16 connections per process`);
    for (const n of counts) {
      const servers = await Promise.all(Array.from({ length: n }, () => start(dir)));
      try {
        // Every server answers like the index loaded here before anything is timed.
        for (const server of servers) await checkAnswers(server.url, checks);
        const drive = (url: string, seconds: number): Promise<autocannon.Result> => autocannon({ url, connections: 16, duration: seconds, workers: 1, requests });
        await Promise.all(servers.map((s) => drive(s.url, 2)));
        const results = await Promise.all(servers.map((s) => drive(s.url, durationS)));
        const perServer = results.map((r) => r["2xx"] / r.duration);
        const total = perServer.reduce((a, b) => a + b, 0);
        const failed = results.reduce((a, r) => a + r.non2xx + r.errors, 0);
        console.log(`${n} process${n === 1 ? "" : "es"}: ${perServer.map((x) => fmt(x)).join(" + ")} batches/s = ${fmt(total * 1_000)} decisions/s${failed > 0 ? ` (${fmt(failed)} failed requests)` : ""}`);
      } finally {
        await Promise.all(servers.map(stop));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
