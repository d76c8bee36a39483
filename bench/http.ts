/**
 * The HTTP service side by side with a bare fastify route, in one run:
 *
 *   npm run bench:http                      # 10,000 directories, 8 rounds of 3 s per series, ~4 minutes
 *   npm run bench:http -- --quick           # 1 round of 1 s: a smoke run
 *   npm run bench:http -- --profile         # also write a CPU profile of each server to bench/.out/prof-http
 *   npm run bench:http -- --dirs 100000 --rounds 7 --duration 5 --connections 64 --pipelining 1
 *   npm run bench:http -- --only check --baseline ../other-checkout   # before/after in one run
 *   npm run bench:http -- --no-git          # the tree outside git: answers carry no commit
 *   npm run bench:http -- --workers 4       # the closing batch run against `serve --workers 4` (default 2; 0: none)
 *
 * Each server runs in its own child process (bench/http-server.ts), both on
 * 127.0.0.1:0; autocannon drives them from this process with the same
 * connections, pipelining and duration, in interleaved rounds (bare check,
 * treerights check, bare batch, treerights batch, the same for batches of
 * one caller's `paths`, then again with each pair the other way round), and
 * every figure is the median over rounds; a ratio to bare is the median of
 * the rounds' ratios. The server CPU per request is split by thread. The tree is committed to a fresh git
 * repository (so every answer carries the commit, as in production). The bare app parses the same JSON bodies
 * and answers a constant of the same shape as a check answer. Before any
 * figure, a sample of answers is checked against the index loaded here; a
 * wrong answer fails the run. Last, the batch series run again against one
 * `serve({ workers })` on one port (the product's multi-process mode), driven
 * from one autocannon thread, 16 connections per worker. Writes bench/.out/http.json.
 */
import { execFileSync, fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { RightsIndex } from "../src/engine/index.js";
import { loadTree } from "../src/loader/index.js";
import { checkBody, checksBody, checksShape, JSON_HEADERS, pathsBatch, pathsBody, pathsShape } from "./http-bodies.js";
import { driveCluster } from "./http-cluster.js";
import type { ClusterShapeResult } from "./http-cluster.js";
import { BARE_ANSWER } from "./http-protocol.js";
import type { ParentMessage, ReadyMessage, ReplyMessage } from "./http-protocol.js";
import { fmt, summarize } from "./stats.js";
import type { Summary } from "./stats.js";
import { allQueries, generateQueries, generateTree, writeTree } from "./workload.js";
import type { Query } from "./workload.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, ".out");

/** The targets of issue 3 (HTTP bullet). */
const TARGET_RATIO = 0.9;
const TARGET_BATCH_DECISIONS = 1_000_000;

interface Options {
  readonly dirs: number;
  readonly seed: number;
  readonly rounds: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly batchConnections: number;
  readonly pipelining: number;
  readonly batchSize: number;
  readonly injectSamples: number;
  readonly profile: boolean;
  readonly endpoints: readonly Endpoint[];
  /** Another checkout (with this bench) whose treerights server runs as `baseline`. */
  readonly baseline: string | null;
  /** Commit the tree to a fresh git repository, so that every answer carries the commit (`--no-git`: not). */
  readonly git: boolean;
  readonly tmp: string;
  /** Worker processes of the `serve --workers` run after the single-process series (0: no such run). */
  readonly workers: number;
}

/** `baseline` is treerights from another checkout (`--baseline <dir>`), for before/after figures in one run. */
type Server = "bare" | "baseline" | "treerights";
/** `batch`: 1,000 `checks`, each with its own groups; `paths`: one caller's groups and access for 1,000 `paths`. */
type Endpoint = "check" | "batch" | "paths";
const ENDPOINTS: readonly Endpoint[] = ["check", "batch", "paths"];

/** One autocannon run against one server. */
interface Round {
  readonly requestsPerSec: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Server process CPU time per answered request, µs. */
  readonly cpuMicrosPerRequest: number;
  /** The same per thread name ("main", V8's and libuv's helpers), at clock-tick resolution (10 ms a round), µs. */
  readonly threadMicrosPerRequest: Readonly<Record<string, number>>;
  readonly non2xx: number;
  readonly errors: number;
}

interface Series {
  readonly server: Server;
  readonly endpoint: Endpoint;
  readonly rounds: Round[];
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      dirs: { type: "string" },
      seed: { type: "string" },
      rounds: { type: "string" },
      duration: { type: "string" },
      connections: { type: "string" },
      "batch-connections": { type: "string" },
      pipelining: { type: "string" },
      batch: { type: "string" },
      only: { type: "string" },
      baseline: { type: "string" },
      "no-git": { type: "boolean", default: false },
      tmp: { type: "string" },
      workers: { type: "string" },
    },
  });
  const quick = values.quick;
  const num = (value: string | undefined, fallback: number): number => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: \`${String(value)}\``);
    return n;
  };
  return {
    dirs: num(values.dirs, 10_000),
    seed: num(values.seed, 1),
    rounds: num(values.rounds, quick ? 1 : 8),
    durationS: num(values.duration, quick ? 1 : 3),
    warmupS: quick ? 1 : 2,
    connections: num(values.connections, 64),
    batchConnections: num(values["batch-connections"], 16),
    pipelining: num(values.pipelining, 1),
    batchSize: num(values.batch, 1000),
    injectSamples: quick ? 50 : 300,
    profile: values.profile,
    endpoints: endpoints(values.only),
    baseline: values.baseline ?? null,
    git: !values["no-git"],
    tmp: values.tmp ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir()),
    workers: values.workers === "0" ? 0 : num(values.workers, 2),
  };
}

function endpoints(only: string | undefined): Endpoint[] {
  if (only === undefined) return [...ENDPOINTS];
  const picked = only.split(",");
  for (const e of picked) if (!(ENDPOINTS as readonly string[]).includes(e)) throw new Error(`--only takes any of ${ENDPOINTS.map((x) => `\`${x}\``).join(", ")}, not \`${e}\``);
  return picked as Endpoint[];
}

/** A child server process and a request/answer channel to it. */
class Child {
  readonly server: Server;
  readonly #process: ChildProcess;
  #next = 0;
  readonly #waiting = new Map<number, (reply: ReplyMessage) => void>();

  private constructor(server: Server, child: ChildProcess) {
    this.server = server;
    this.#process = child;
    child.on("message", (message: ReplyMessage) => {
      this.#waiting.get(message.id)?.(message);
      this.#waiting.delete(message.id);
    });
  }

  /** Forks the server and resolves once it listens. */
  static async start(server: Server, args: readonly string[], profile: boolean, checkout = join(HERE, "..")): Promise<{ child: Child; ready: ReadyMessage }> {
    const execArgv = ["--import", "tsx"];
    if (profile) execArgv.push("--cpu-prof", "--cpu-prof-dir", join(OUT, "prof-http"), "--cpu-prof-name", `${server}.cpuprofile`);
    const kind = server === "bare" ? "bare" : "treerights";
    const proc = fork(join(checkout, "bench", "http-server.ts"), [kind, ...args], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      proc.once("message", (m: ReadyMessage) => { resolve(m); });
      proc.once("exit", (code) => { reject(new Error(`${server} server exited with ${String(code)} before listening`)); });
    });
    return { child: new Child(server, proc), ready };
  }

  #ask<T extends ReplyMessage>(message: Omit<ParentMessage, "id">): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve) => {
      this.#waiting.set(id, (reply) => { resolve(reply as T); });
      this.#process.send({ ...message, id });
    });
  }

  /** CPU time the server process used so far, µs, in all and per thread name (clock ticks). */
  async cpu(): Promise<{ micros: number; threads: Readonly<Record<string, number>> }> {
    const { micros, threads } = await this.#ask<Extract<ReplyMessage, { type: "cpu" }>>({ type: "cpu" });
    return { micros, threads };
  }

  /** In-process `app.inject` times of `bodies` at `url`, ms. */
  async injectTimes(url: string, bodies: readonly string[], samples: number): Promise<number[]> {
    const reply = await this.#ask<Extract<ReplyMessage, { type: "inject" }>>({ type: "inject", url, bodies, samples } as Omit<ParentMessage, "id">);
    return [...reply.ms];
  }

  /** Closes the server (writing its CPU profile when asked for) and waits for the process to end. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => { this.#process.once("exit", () => { resolve(); }); });
    await this.#ask({ type: "close" });
    await exited;
  }
}

/** Commits everything below `root` to a new git repository; returns the commit. */
function commitTree(root: string): string {
  const git = (...args: string[]): string =>
    execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], { cwd: root, encoding: "utf8" }).trim();
  git("init", "--quiet");
  git("add", "-A");
  git("commit", "--quiet", "-m", "bench tree");
  return git("rev-parse", "HEAD");
}

/**
 * Checks a sample of answers of both servers before anything is measured;
 * throws on the first wrong one. A baseline (`sameRevisions` false) may hash
 * its revision another way: its answers must then name one revision, any.
 */
async function sanityCheck(
  urls: Record<"bare" | "treerights", string>, index: RightsIndex, commit: string | null, queries: readonly Query[], batch: readonly Query[], sameRevisions = true,
): Promise<void> {
  let revision: unknown = sameRevisions ? index.revision : undefined;
  for (const q of queries) {
    const res = await fetch(`${urls.treerights}/v1/check`, { method: "POST", headers: JSON_HEADERS, body: checkBody(q) });
    const body = (await res.json()) as { allowed?: unknown; revision?: unknown; commit?: unknown };
    const allowed = index.check(q.groups, q.access, q.path);
    revision ??= body.revision;
    // A baseline from before git awareness answers without a commit (`commit` null here).
    if (res.status !== 200 || body.allowed !== allowed || typeof body.revision !== "string" || body.revision !== revision || (commit !== null && body.commit !== commit)) {
      throw new Error(`POST /v1/check answered ${res.status} ${JSON.stringify(body)} for ${checkBody(q)}; ` +
        `expected allowed=${allowed}, revision ${String(revision)}${commit === null ? "" : `, commit ${commit}`}`);
    }
  }
  for (const [shape, body, asked] of [["checks", checksBody(batch), batch], ["paths", pathsBody(batch), pathsBatch(batch)]] as const) {
    const res = await fetch(`${urls.treerights}/v1/check/batch`, { method: "POST", headers: JSON_HEADERS, body });
    const answer = (await res.json()) as { results?: unknown };
    const expected = asked.map((q) => index.check(q.groups, q.access, q.path));
    if (res.status !== 200 || JSON.stringify(answer.results) !== JSON.stringify(expected)) {
      throw new Error(`POST /v1/check/batch (${shape}) answered ${res.status} with wrong results`);
    }
  }
  const bare = await fetch(`${urls.bare}/v1/check`, { method: "POST", headers: JSON_HEADERS, body: checkBody(queries[0] as Query) });
  if (JSON.stringify(await bare.json()) !== JSON.stringify(BARE_ANSWER)) throw new Error("the bare server answered something else");
}

async function drive(url: string, requests: autocannon.Request[], connections: number, pipelining: number, durationS: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, pipelining, duration: durationS, requests });
}

async function round(child: Child, url: string, requests: autocannon.Request[], connections: number, opts: Options): Promise<Round> {
  const cpu0 = await child.cpu();
  const result = await drive(url, requests, connections, opts.pipelining, opts.durationS);
  const cpu1 = await child.cpu();
  const ok = result["2xx"];
  const threads: Record<string, number> = {};
  for (const [name, ticks] of Object.entries(cpu1.threads)) threads[name] = ok > 0 ? ((ticks - (cpu0.threads[name] ?? 0)) * 1e4) / ok : Number.NaN;
  return {
    requestsPerSec: ok / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    // The two IPC round trips are in the CPU time too; they cost microseconds, not per request.
    cpuMicrosPerRequest: ok > 0 ? (cpu1.micros - cpu0.micros) / ok : Number.NaN,
    threadMicrosPerRequest: threads,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** The threads that took CPU in a round, most first: `main 28.1, V8 Worker 3.2`. */
function threadsLine(round: Round): string {
  return Object.entries(round.threadMicrosPerRequest).filter(([, us]) => us > 0).sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `${name} ${fmt(us, 1)}`).join(", ");
}

/** The in-process floor: only the `index.check` calls of one batch, on freshly parsed strings, ms. */
function engineTimes(index: RightsIndex, bodies: readonly string[], samples: number): Summary {
  const times: number[] = [];
  let allowed = 0;
  for (let i = 0; i < samples + 20; i++) {
    const { checks } = JSON.parse(bodies[i % bodies.length] as string) as { checks: Query[] };
    const t0 = performance.now();
    for (const c of checks) if (index.check(c.groups, c.access, c.path)) allowed++;
    const ms = performance.now() - t0;
    if (i >= 20) times.push(ms);
  }
  if (allowed < 0) throw new Error("unreachable: keeps the loop's result alive");
  return summarize(times);
}

/** The JSON.parse of one batch body alone, ms: what any JSON server pays before deciding. */
function parseTimes(bodies: readonly string[], samples: number): Summary {
  const times: number[] = [];
  let n = 0;
  for (let i = 0; i < samples + 20; i++) {
    const text = bodies[i % bodies.length] as string;
    const t0 = performance.now();
    n += (JSON.parse(text) as { checks: unknown[] }).checks.length;
    const ms = performance.now() - t0;
    if (i >= 20) times.push(ms);
  }
  if (n < 0) throw new Error("unreachable");
  return summarize(times);
}

/** Mean time the server spent deciding per request, from its `treerights_decision_duration_seconds` histogram, s. */
async function decidingTimes(url: string): Promise<{ check: number; batch: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (series: string): number => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
  };
  const mean = (endpoint: string): number =>
    value(`treerights_decision_duration_seconds_sum{endpoint="${endpoint}"}`) / value(`treerights_decision_duration_seconds_count{endpoint="${endpoint}"}`);
  return { check: mean("check"), batch: mean("batch") };
}

function endpointName(endpoint: Endpoint, opts: Options): string {
  if (endpoint === "check") return "POST /v1/check";
  return `POST /v1/check/batch (${fmt(opts.batchSize)} ${endpoint === "batch" ? "checks" : "paths, one caller"})`;
}

function median(rounds: readonly Round[], pick: (r: Round) => number): Summary {
  return summarize(rounds.map(pick));
}

function pct(ratio: number): string {
  return `${fmt(ratio * 100, 1)}%`;
}

function range(s: Summary, digits = 0): string {
  return `${fmt(s.min, digits)}–${fmt(s.max, digits)}`;
}

/** Prints the table and the verdicts; returns what goes to http.json. */
function report(series: readonly Series[], opts: Options, commit: string | null) {
  const rows = series.map((s) => {
    const rps = median(s.rounds, (r) => r.requestsPerSec);
    const per = s.endpoint === "check" ? 1 : opts.batchSize;
    return {
      server: s.server,
      endpoint: endpointName(s.endpoint, opts),
      requestsPerSec: rps,
      decisionsPerSec: s.server === "bare" ? null : rps.median * per,
      latencyP50Ms: median(s.rounds, (r) => r.latencyP50Ms).median,
      latencyP99Ms: median(s.rounds, (r) => r.latencyP99Ms).median,
      cpuMicrosPerRequest: median(s.rounds, (r) => r.cpuMicrosPerRequest),
      non2xx: s.rounds.reduce((n, r) => n + r.non2xx, 0),
      errors: s.rounds.reduce((n, r) => n + r.errors, 0),
    };
  });

  console.log("");
  console.log("| server | endpoint | req/s (median) | range | decisions/s | p50 ms | p99 ms | server CPU µs/request | non-2xx |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    console.log(`| ${row.server} | ${row.endpoint} | ${fmt(row.requestsPerSec.median)} | ${range(row.requestsPerSec)} | ${row.decisionsPerSec === null ? "—" : fmt(row.decisionsPerSec)} | ` +
      `${fmt(row.latencyP50Ms)} | ${fmt(row.latencyP99Ms)} | ${fmt(row.cpuMicrosPerRequest.median, 1)} | ${row.non2xx + row.errors} |`);
  }

  console.log("");
  const find = (server: Server, endpoint: Endpoint): Series | undefined => series.find((s) => s.server === server && s.endpoint === endpoint);
  // Per round, each against the bare run next to it: the machine's load drifts between rounds.
  // Throughput shows what callers get; CPU per request what the server spends, which load on
  // the machine disturbs less (bare's CPU per request over ours: the throughput share a
  // saturated server would keep).
  const vsBare = (endpoint: Endpoint, server: Server = "treerights"): { throughput: Summary; cpu: Summary } | null => {
    const ours = find(server, endpoint);
    const bare = find("bare", endpoint);
    if (ours === undefined || bare === undefined) return null;
    const pairs = ours.rounds.map((r, i) => [r, bare.rounds[i] as Round] as const);
    return {
      throughput: summarize(pairs.map(([o, b]) => o.requestsPerSec / b.requestsPerSec)),
      cpu: summarize(pairs.map(([o, b]) => b.cpuMicrosPerRequest / o.cpuMicrosPerRequest)),
    };
  };
  const describe = (r: { throughput: Summary; cpu: Summary }): string =>
    `throughput ${pct(r.throughput.median)} (rounds ${pct(r.throughput.min)}–${pct(r.throughput.max)}), ` +
    `CPU efficiency ${pct(r.cpu.median)} (rounds ${pct(r.cpu.min)}–${pct(r.cpu.max)})`;
  for (const endpoint of opts.endpoints) {
    const before = vsBare(endpoint, "baseline");
    if (before !== null) console.log(`baseline ${endpoint} vs bare: ${describe(before)}`);
  }
  const checkVsBare = vsBare("check");
  if (checkVsBare !== null) {
    const met = checkVsBare.throughput.median >= TARGET_RATIO ? "met" : "MISSED";
    console.log(`POST /v1/check vs bare: ${describe(checkVsBare)}; target throughput ≥ ${pct(TARGET_RATIO)}: ${met}`);
  }
  const batchDecisions = (endpoint: Endpoint): Summary | null => {
    const batchSeries = find("treerights", endpoint);
    const decisions = batchSeries === undefined ? null : median(batchSeries.rounds, (r) => r.requestsPerSec * opts.batchSize);
    const batchVsBare = vsBare(endpoint);
    if (decisions !== null && batchVsBare !== null) {
      const met = decisions.median >= TARGET_BATCH_DECISIONS ? "met" : "MISSED";
      const name = endpointName(endpoint, opts);
      console.log(`${name}: ${fmt(decisions.median)} decisions/s (rounds ${range(decisions)}), target ≥ ${fmt(TARGET_BATCH_DECISIONS)}: ${met}`);
      console.log(`${name} vs bare fastify taking the same bodies: ${describe(batchVsBare)}`);
    }
    return decisions;
  };
  const checksDecisions = batchDecisions("batch");
  const pathsDecisions = batchDecisions("paths");
  if (commit !== null) console.log(`every answer carries the tree's git commit, ${commit.slice(0, 12)}…`);
  return { rows, checkVsBare, batchVsBare: vsBare("batch"), batchDecisionsPerSec: checksDecisions, pathsVsBare: vsBare("paths"), pathsDecisionsPerSec: pathsDecisions };
}

/** The batch series again, against one `serve({ workers })` on one port. */
async function clusterRun(root: string, index: RightsIndex, batchQueries: (b: number) => Query[], opts: Options): Promise<ClusterShapeResult[]> {
  console.log("");
  const batches = Array.from({ length: 8 }, (_, b) => batchQueries(b));
  const shapes = [
    ...(opts.endpoints.includes("batch") ? [checksShape(batches, index)] : []),
    ...(opts.endpoints.includes("paths") ? [pathsShape(batches, index)] : []),
  ];
  return driveCluster(root, shapes, { workers: opts.workers, rounds: opts.rounds, durationS: opts.durationS, warmupS: opts.warmupS, batchSize: opts.batchSize });
}

function reportCluster(results: readonly ClusterShapeResult[], opts: Options): void {
  for (const r of results) {
    const met = r.decisionsPerSec.median >= TARGET_BATCH_DECISIONS ? "met" : "MISSED";
    console.log(`serve --workers ${opts.workers}, batches of ${fmt(opts.batchSize)} ${r.shape}: ${fmt(r.decisionsPerSec.median)} decisions/s ` +
      `(rounds ${range(r.decisionsPerSec)}), target ≥ ${fmt(TARGET_BATCH_DECISIONS)}: ${met}${r.failed > 0 ? `; ${fmt(r.failed)} FAILED requests` : ""}`);
  }
}

async function main(): Promise<void> {
  const opts = options();
  const loadAtStart = loadavg();
  mkdirSync(OUT, { recursive: true });
  console.log(`treerights HTTP bench: ${fmt(opts.dirs)} directories, ${opts.rounds} rounds of ${opts.durationS} s per series, ` +
    `${opts.connections} connections (batches: ${opts.batchConnections}), pipelining ${opts.pipelining}, batches of ${fmt(opts.batchSize)}`);

  const spec = generateTree({ dirs: opts.dirs, seed: opts.seed });
  const root = mkdtempSync(join(opts.tmp, "treerights-http-"));
  const children: Child[] = [];
  try {
    writeTree(root, spec);
    const commit = opts.git ? commitTree(root) : null;
    const index = await loadTree(root);
    const queries = allQueries(generateQueries(spec, { count: Math.max(8 * opts.batchSize, 8192), seed: opts.seed + 1 }));

    const batchQueries = (b: number): Query[] => queries.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
    const bare = await Child.start("bare", [], opts.profile);
    children.push(bare.child);
    const ours = await Child.start("treerights", [root], opts.profile);
    children.push(ours.child);
    const urls: Record<Server, string> = { bare: `http://127.0.0.1:${bare.ready.port}`, baseline: "", treerights: `http://127.0.0.1:${ours.ready.port}` };
    const child: Partial<Record<Server, Child>> = { bare: bare.child, treerights: ours.child };
    const servers: Server[] = ["bare", "treerights"];
    if (opts.baseline !== null) {
      const baseline = await Child.start("baseline", [root], opts.profile, opts.baseline);
      children.push(baseline.child);
      child.baseline = baseline.child;
      urls.baseline = `http://127.0.0.1:${baseline.ready.port}`;
      servers.splice(1, 0, "baseline");
      await sanityCheck({ bare: urls.bare, treerights: urls.baseline }, index, null, queries.slice(0, 50), batchQueries(0), false);
    }

    await sanityCheck(urls, index, commit, queries.slice(0, 200), batchQueries(0));

    // Distinct bodies cycled by every connection; few, since autocannon encodes each for every connection up front.
    const singles = queries.slice(0, 256).map((q): autocannon.Request => ({ method: "POST", path: "/v1/check", headers: JSON_HEADERS, body: checkBody(q) }));
    const batchBodies = Array.from({ length: 8 }, (_, b) => checksBody(batchQueries(b)));
    const batches = batchBodies.map((body): autocannon.Request => ({ method: "POST", path: "/v1/check/batch", headers: JSON_HEADERS, body }));
    const pathsBatches = Array.from({ length: 8 }, (_, b): autocannon.Request => ({ method: "POST", path: "/v1/check/batch", headers: JSON_HEADERS, body: pathsBody(batchQueries(b)) }));
    const requests: Record<Endpoint, autocannon.Request[]> = { check: singles, batch: batches, paths: pathsBatches };
    const connections: Record<Endpoint, number> = { check: opts.connections, batch: opts.batchConnections, paths: opts.batchConnections };

    const series: Series[] = [];
    for (const endpoint of opts.endpoints) {
      for (const server of servers) series.push({ server, endpoint, rounds: [] });
    }
    console.log("warming up...");
    for (const s of series) await drive(urls[s.server], requests[s.endpoint], connections[s.endpoint], opts.pipelining, opts.warmupS);
    for (let r = 0; r < opts.rounds; r++) {
      // Every other round runs each endpoint's servers in the opposite order, so
      // that a drift of the machine's load within a round favours neither.
      const order = r % 2 === 0 ? series : opts.endpoints.flatMap((e) => series.filter((s) => s.endpoint === e).reverse());
      for (const s of order) {
        const result = await round(child[s.server] as Child, urls[s.server], requests[s.endpoint], connections[s.endpoint], opts);
        s.rounds.push(result);
        console.log(`  round ${r + 1}: ${s.server.padEnd(10)} ${s.endpoint}: ${fmt(result.requestsPerSec)} req/s, ${fmt(result.cpuMicrosPerRequest, 1)} µs CPU/request (${threadsLine(result)})`);
      }
    }

    const deciding = await decidingTimes(urls.treerights);
    // In-process timings of one batch, after the rounds so that they do not disturb them (nor a profile of the check rounds).
    const inProcess = opts.endpoints.includes("batch")
      ? {
        batchInjectMs: summarize(await ours.child.injectTimes("/v1/check/batch", batchBodies, opts.injectSamples)),
        batchParseMs: parseTimes(batchBodies, opts.injectSamples),
        batchEngineMs: engineTimes(index, batchBodies, opts.injectSamples),
      }
      : null;

    // Last, with the single-process servers idle: the same batches against `serve --workers`.
    const cluster = opts.workers > 0 && (opts.endpoints.includes("batch") || opts.endpoints.includes("paths"))
      ? await clusterRun(root, index, batchQueries, opts)
      : null;

    const results = {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, loadAvg: loadAtStart },
      options: opts,
      startedAt: new Date().toISOString(),
      commit,
      ...report(series, opts, commit),
      decidingSeconds: deciding,
      ...inProcess,
      cluster,
      loadAvgAtEnd: loadavg(),
    };
    const decidingParts = [];
    if (opts.endpoints.includes("check")) decidingParts.push(`${fmt(deciding.check * 1e6, 2)} µs per check request`);
    if (opts.endpoints.includes("batch")) decidingParts.push(`${fmt(deciding.batch * 1e3, 3)} ms per batch`);
    console.log(`deciding inside the server (its own histogram, over the whole run): ${decidingParts.join(", ")}`);
    if (inProcess !== null) {
      const { batchInjectMs: whole, batchParseMs: parse, batchEngineMs: engine } = inProcess;
      console.log(`one ${fmt(opts.batchSize)}-check batch in the server process: whole request (app.inject) ${fmt(whole.median, 3)} ms (${range(whole, 3)}); ` +
        `its JSON.parse alone ${fmt(parse.median, 3)} ms; its index.check calls alone ${fmt(engine.median, 3)} ms`);
    }
    if (cluster !== null) reportCluster(cluster, opts);
    writeFileSync(join(OUT, "http.json"), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nload average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}; wrote bench/.out/http.json`);
  } finally {
    await Promise.all(children.map((c) => c.close()));
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
