/**
 * In front of any backend (issue 15, "Benchmark"): what nginx `auth_request`
 * to treerights costs a request, side by side in one run, through Debian's
 * nginx running `examples/nginx/nginx.conf` (only its ports substituted, as
 * the tests do):
 *
 *   npm run bench:ingress                           # 5 rounds of 4 s per scenario, 32 connections: ~1.5 minutes
 *   npm run bench:ingress -- --quick                # 1 round of 1 s: a smoke run
 *   npm run bench:ingress -- --also-workers 2       # extra rows: treerights `serve({ workers: 2 })` behind its own nginx
 *   npm run bench:ingress -- --profile              # CPU profile of treerights in bench/.out/prof-ingress
 *   npm run bench:ingress -- --rounds 3 --duration 5 --connections 64
 *
 * Scenarios, every one a GET of a 1 KiB backend response with keep-alive
 * connections from autocannon (in this process):
 *
 * 1. `plain`: nginx proxying straight to the backend: the example with its
 *    `auth_request` line removed (bench/ingress/nginx-conf.ts);
 * 2. `apiKey`: the example: `auth_request` to treerights, the caller sending `X-API-Key`;
 * 3. `jwt`: the same, the caller sending `Authorization: Bearer` with a token
 *    treerights issued (`POST /v1/token`; its realm verifies a token once,
 *    then caches it).
 *
 * Processes: nginx (one master, the example's one worker) per config;
 * the backend (bench/ingress/backend.ts: `node:http`, 1 KiB body); treerights
 * (bench/ingress/server.ts: `serve(...)`, one process unless `--also-workers`).
 * Round r runs every scenario once (every other round in the opposite order)
 * before round r + 1 runs any; a ratio or a latency difference to (1) is
 * taken within a round, and every figure is the median over rounds. Latency
 * percentiles are computed here from every 2xx response's time (autocannon's
 * own histogram keeps whole milliseconds). CPU per request is read per
 * process (treerights and the backend from themselves, nginx's master and
 * workers from /proc, this process for autocannon).
 *
 * Before any figure: through each nginx, an allowed path answers 200 with
 * the 1 KiB body and reaches the backend (with `X-Auth-User` and
 * `X-Auth-Token` behind `auth_request`); a denied path answers 403 and a
 * request without a credential 401, neither reaching the backend. In every
 * round the backend (and treerights behind `auth_request`) must have received
 * as many requests as autocannon counted 2xx answers (give or take the
 * requests in flight when a run stopped), and
 * treerights none in the plain scenario. A wrong answer, a non-2xx response
 * or an autocannon error fails the run (exit 1); a missed target only says
 * so. nginx and every child process are stopped however the run ends.
 * Writes bench/.out/ingress.json.
 */
import type { ChildProcess } from "node:child_process";
import { fork } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { RunningNginx } from "../test/ingress/nginx-harness.js";
import { nginxBinary, startNginx } from "../test/ingress/nginx-harness.js";
import { ALLOWED_PATHS, DENIED_PATH, OWNER, writeFixtures } from "./ingress/fixtures.js";
import { withAuth, withoutAuth } from "./ingress/nginx-conf.js";
import type { ChildReply, ChildRequest, ChildStats } from "./ingress/protocol.js";
import { BODY_BYTES, procCpuMicros } from "./ingress/protocol.js";
import { fmt, summarize } from "./stats.js";
import type { Summary } from "./stats.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, ".out");

/** issue 15: `auth_request` costs at most 25% of throughput on a 1 KB response. */
const TARGET_RATIO = 0.75;

type Scenario = "plain" | "apiKey" | "jwt" | "apiKeyW" | "jwtW";

interface Options {
  readonly rounds: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly alsoWorkers: number;
  readonly profile: boolean;
  readonly tmp: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      rounds: { type: "string" },
      duration: { type: "string" },
      connections: { type: "string" },
      "also-workers": { type: "string" },
      tmp: { type: "string" },
    },
  });
  const num = (value: string | undefined, fallback: number, max: number): number => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`not a whole number from 0 to ${String(max)}: \`${String(value)}\``);
    return n;
  };
  const quick = values.quick;
  const alsoWorkers = num(values["also-workers"], 0, 8);
  if (alsoWorkers === 1) throw new Error("--also-workers takes 2 or more (1 is the default server)");
  const rounds = num(values.rounds, quick ? 1 : 5, 20);
  const durationS = num(values.duration, quick ? 1 : 4, 60);
  const connections = num(values.connections, 32, 400);
  if (rounds === 0 || durationS === 0 || connections === 0) throw new Error("--rounds, --duration and --connections must be at least 1");
  return { rounds, durationS, warmupS: quick ? 1 : 2, connections, alsoWorkers, profile: values.profile, tmp: values.tmp ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir()) };
}

/** A forked child (backend or treerights) and its IPC. */
class Child {
  readonly #process: ChildProcess;
  readonly name: string;
  readonly port: number;
  #next = 0;
  readonly #waiting = new Map<number, (reply: ChildReply) => void>();

  private constructor(name: string, child: ChildProcess, port: number) {
    this.name = name;
    this.#process = child;
    this.port = port;
    child.on("message", (message: ChildReply) => {
      if (message.type === "ready") return;
      this.#waiting.get(message.id)?.(message);
      this.#waiting.delete(message.id);
    });
  }

  static async start(name: string, script: string, args: readonly string[], extraExecArgv: readonly string[], started: Child[], orphans: ChildProcess[]): Promise<Child> {
    const proc = fork(join(HERE, "ingress", script), [...args], { execArgv: ["--import", "tsx", ...extraExecArgv], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    orphans.push(proc);
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`${name} did not start within 60 s`)); }, 60_000);
      proc.on("message", (m: ChildReply) => { if (m.type === "ready") { clearTimeout(timer); resolve(m.port); } });
      proc.once("exit", (code) => { clearTimeout(timer); reject(new Error(`${name} exited with ${String(code)} before listening`)); });
    });
    const child = new Child(name, proc, port);
    started.push(child);
    return child;
  }

  #ask(type: ChildRequest["type"]): Promise<ChildReply> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`${this.name} did not answer \`${type}\` within 15 s`)); }, 15_000);
      this.#waiting.set(id, (reply) => { clearTimeout(timer); resolve(reply); });
      this.#process.send({ type, id } satisfies ChildRequest);
    });
  }

  async stats(): Promise<ChildStats> {
    const reply = await this.#ask("stats");
    if (reply.type !== "stats") throw new Error(`${this.name} answered ${reply.type} to stats`);
    // NaN (a cluster's uncounted requests and connections) crosses IPC as null.
    const { cpuMicros, requests, connections } = reply.stats as { cpuMicros: number | null; requests: number | null; connections: number | null };
    return { ...reply.stats, cpuMicros: cpuMicros ?? Number.NaN, requests: requests ?? Number.NaN, connections: connections ?? Number.NaN };
  }

  /** Asks the child to close (a CPU profile is written then); kills it if that takes over 15 s. */
  async close(): Promise<void> {
    const proc = this.#process;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => { proc.once("exit", () => { resolve(); }); });
    const timer = setTimeout(() => { proc.kill("SIGKILL"); }, 15_000);
    try {
      if (proc.connected) await this.#ask("close").catch(() => { proc.kill("SIGKILL"); });
      else proc.kill("SIGTERM");
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** nginx's CPU so far (master and workers, from /proc), µs. */
function nginxCpu(nginx: RunningNginx): () => number {
  const master = Number(readFileSync(join(nginx.prefix, "nginx.pid"), "utf8").trim());
  const stat = (pid: number): string | undefined => {
    try {
      return readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    } catch {
      return undefined;
    }
  };
  const pids = [master];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s === undefined) continue;
    const ppid = Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === master) pids.push(Number(entry));
  }
  if (pids.length < 2) throw new Error(`no nginx worker found under master ${String(master)}`);
  return () => pids.reduce((sum, pid) => sum + procCpuMicros(stat(pid)), 0);
}

/** One GET on a fresh connection: status, body, response headers. */
function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method: "GET", headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }); });
      res.on("error", reject);
    });
    req.on("timeout", () => { req.destroy(new Error(`GET ${path} timed out`)); });
    req.on("error", reject);
    req.end();
  });
}

async function issueToken(treerightsPort: number, apiKey: string): Promise<string> {
  const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: treerightsPort, path: "/v1/token", method: "POST", headers: { "x-api-key": apiKey }, agent: false, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { text += c; });
      res.on("end", () => { resolve({ status: res.statusCode ?? 0, text }); });
    });
    req.on("error", reject);
    req.end();
  });
  if (body.status !== 200) throw new Error(`POST /v1/token answered ${String(body.status)}: ${body.text}`);
  const token = (JSON.parse(body.text) as { token?: unknown }).token;
  if (typeof token !== "string") throw new Error(`POST /v1/token answered no token: ${body.text}`);
  return token;
}

interface Setup {
  readonly scenario: Scenario;
  readonly label: string;
  readonly nginx: RunningNginx;
  readonly nginxCpu: () => number;
  readonly treerights: Child | null;
  readonly headers: Record<string, string>;
}

/** Through `s.nginx`: allowed → 200 with the body at the backend (and who asked); denied → 403, no credential → 401, neither at the backend. */
async function checkAnswers(s: Setup, backend: Child): Promise<void> {
  const fail = (what: string): never => { throw new Error(`${s.scenario}: ${what}\nnginx log:\n${s.nginx.log().slice(-2000)}`); };
  const before = await backend.stats();
  const allowed = await get(s.nginx.port, ALLOWED_PATHS[0] as string, s.headers);
  const afterAllowed = await backend.stats();
  if (allowed.status !== 200) fail(`GET ${ALLOWED_PATHS[0] as string} answered ${String(allowed.status)}, expected 200: ${allowed.body.toString("utf8").slice(0, 300)}`);
  if (allowed.body.length !== BODY_BYTES) fail(`the allowed answer carried ${String(allowed.body.length)} bytes, expected the backend's ${String(BODY_BYTES)}`);
  if (afterAllowed.requests !== before.requests + 1 || afterAllowed.last?.url !== ALLOWED_PATHS[0]) fail(`the allowed request did not reach the backend once as ${ALLOWED_PATHS[0] as string}`);
  if (s.treerights !== null) {
    if (afterAllowed.last?.authUser !== OWNER || !afterAllowed.last.hasToken) fail(`the backend saw X-Auth-User ${String(afterAllowed.last?.authUser)} and ${afterAllowed.last?.hasToken === true ? "a" : "no"} X-Auth-Token; expected ${OWNER} and a token`);
    for (const [path, headers, status] of [[DENIED_PATH, s.headers, 403], [ALLOWED_PATHS[1] as string, {}, 401]] as const) {
      const res = await get(s.nginx.port, path, headers);
      const after = await backend.stats();
      if (res.status !== status) fail(`GET ${path}${Object.keys(headers).length === 0 ? " without a credential" : ""} answered ${String(res.status)}, expected ${String(status)}: ${res.body.toString("utf8").slice(0, 300)}`);
      if (after.requests !== afterAllowed.requests) fail(`GET ${path} (${String(status)}) reached the backend`);
    }
  } else if (afterAllowed.last?.authUser !== null) {
    fail(`without auth_request the backend saw X-Auth-User ${String(afterAllowed.last?.authUser)}`);
  }
}

/** One scenario's run in one round. */
interface Round {
  readonly perSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  /** CPU µs per 2xx answer, per process. */
  readonly cpu: { readonly treerights: number; readonly nginx: number; readonly backend: number; readonly bench: number };
  /** Connections nginx opened to each upstream, per 1,000 answers. */
  readonly newConnsPerK: { readonly treerights: number; readonly backend: number };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

async function runOnce(s: Setup, backend: Child, idleTreerights: readonly Child[], opts: Options, durationS: number): Promise<Round> {
  const requests = ALLOWED_PATHS.map((path) => ({ method: "GET" as const, path, headers: s.headers }));
  const others = idleTreerights.filter((c) => c !== s.treerights);
  const [b0, t0, ...o0] = await Promise.all([backend.stats(), s.treerights?.stats(), ...others.map((c) => c.stats())]);
  const n0 = s.nginxCpu();
  const c0 = process.cpuUsage();
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const instance = autocannon({ url: `http://127.0.0.1:${String(s.nginx.port)}`, connections: opts.connections, pipelining: 1, duration: durationS, requests }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode < 200 || statusCode > 299) return;
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = responseTime;
  });
  const result = await instance;
  const c1 = process.cpuUsage(c0);
  const n1 = s.nginxCpu();
  const [b1, t1, ...o1] = await Promise.all([backend.stats(), s.treerights?.stats(), ...others.map((c) => c.stats())]);
  const ok = result["2xx"];
  const sorted = latencies.slice(0, count).sort();
  // The witnesses: every 2xx passed the backend once (those in flight when autocannon stopped may have too), treerights only asked behind auth_request.
  // In flight when autocannon stopped: this run's (≤ connections) and the previous run's tail (≤ connections); nginx may retry a
  // request on a cached upstream connection the server had just closed.
  const slack = 2 * opts.connections + Math.ceil(ok / 200);
  const reached = b1.requests - b0.requests;
  if (reached < ok || reached > ok + slack) throw new Error(`${s.scenario}: the backend received ${String(reached)} requests for ${String(ok)} 2xx answers`);
  if (t0 !== undefined && t1 !== undefined && Number.isFinite(t1.requests)) {
    const asked = t1.requests - t0.requests;
    if (asked < ok || asked > ok + slack) throw new Error(`${s.scenario}: treerights was asked ${String(asked)} times for ${String(ok)} 2xx answers`);
  }
  o1.forEach((after, i) => {
    const before = o0[i];
    // Only the tail of the previous run, if any.
    if (before !== undefined && Number.isFinite(after.requests) && after.requests - before.requests > opts.connections) throw new Error(`${s.scenario}: an idle treerights was asked ${String(after.requests - before.requests)} times`);
  });
  const per = (micros: number): number => (ok > 0 ? micros / ok : Number.NaN);
  return {
    perSec: ok / result.duration,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpu: {
      treerights: t0 === undefined || t1 === undefined ? Number.NaN : per(t1.cpuMicros - t0.cpuMicros),
      nginx: per(n1 - n0),
      backend: per(b1.cpuMicros - b0.cpuMicros),
      bench: per(c1.user + c1.system),
    },
    newConnsPerK: {
      treerights: t0 === undefined || t1 === undefined ? Number.NaN : (1000 * (t1.connections - t0.connections)) / Math.max(ok, 1),
      backend: (1000 * (b1.connections - b0.connections)) / Math.max(ok, 1),
    },
  };
}

interface Row {
  readonly scenario: Scenario;
  readonly label: string;
  readonly perSec: Summary;
  readonly p50Ms: Summary;
  readonly p99Ms: Summary;
  /** Within-round differences to (1), medians over rounds. */
  readonly addedP50Ms: Summary;
  readonly addedP99Ms: Summary;
  readonly ratio: Summary;
  readonly cpu: { readonly treerights: number; readonly nginx: number; readonly backend: number; readonly bench: number };
  readonly newConnsPerK: { readonly treerights: number; readonly backend: number };
  readonly non2xx: number;
  readonly errors: number;
}

function rowsOf(setups: readonly Setup[], rounds: ReadonlyMap<Scenario, Round[]>): Row[] {
  const base = rounds.get("plain") ?? [];
  const med = (xs: readonly number[]): number => summarize(xs.filter((x) => Number.isFinite(x))).median;
  return setups.map((s): Row => {
    const rs = rounds.get(s.scenario) ?? [];
    return {
      scenario: s.scenario,
      label: s.label,
      perSec: summarize(rs.map((r) => r.perSec)),
      p50Ms: summarize(rs.map((r) => r.p50Ms)),
      p99Ms: summarize(rs.map((r) => r.p99Ms)),
      addedP50Ms: summarize(rs.map((r, i) => r.p50Ms - (base[i]?.p50Ms ?? Number.NaN))),
      addedP99Ms: summarize(rs.map((r, i) => r.p99Ms - (base[i]?.p99Ms ?? Number.NaN))),
      ratio: summarize(rs.map((r, i) => r.perSec / (base[i]?.perSec ?? Number.NaN))),
      cpu: {
        treerights: med(rs.map((r) => r.cpu.treerights)),
        nginx: med(rs.map((r) => r.cpu.nginx)),
        backend: med(rs.map((r) => r.cpu.backend)),
        bench: med(rs.map((r) => r.cpu.bench)),
      },
      newConnsPerK: { treerights: med(rs.map((r) => r.newConnsPerK.treerights)), backend: med(rs.map((r) => r.newConnsPerK.backend)) },
      non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
      errors: rs.reduce((n, r) => n + r.errors, 0),
    };
  });
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : "n/a");
const ms2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "—");
const signed = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}` : "—");
const us = (x: number): string => (Number.isFinite(x) ? fmt(x, 0) : "—");
const conns = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : "—");

function table(rows: readonly Row[]): string {
  const lines = [
    "| scenario | req/s, median (range) | p50 ms | p99 ms | added p50 ms | added p99 ms | ratio to (1), median (range) | CPU µs/req: treerights / nginx / backend / autocannon | new upstream conns per 1k req: treerights / backend |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    const base = r.scenario === "plain";
    lines.push(`| ${r.label} | ${fmt(r.perSec.median)} (${fmt(r.perSec.min)}–${fmt(r.perSec.max)}) | ${ms2(r.p50Ms.median)} | ${ms2(r.p99Ms.median)} | ` +
      `${base ? "" : signed(r.addedP50Ms.median)} | ${base ? "" : signed(r.addedP99Ms.median)} | ` +
      `${base ? "100%" : `${pct(r.ratio.median)} (${pct(r.ratio.min)}–${pct(r.ratio.max)})`} | ` +
      `${us(r.cpu.treerights)} / ${us(r.cpu.nginx)} / ${us(r.cpu.backend)} / ${us(r.cpu.bench)} | ${conns(r.newConnsPerK.treerights)} / ${conns(r.newConnsPerK.backend)} |`);
  }
  return lines.join("\n");
}

function verdicts(rows: readonly Row[]): string {
  const lines = ["| target (issue 15) | scenario | throughput ratio to (1) | verdict |", "| --- | --- | ---: | --- |"];
  for (const r of rows) {
    if (r.scenario === "plain") continue;
    lines.push(`| \`auth_request\` costs ≤ 25% of throughput (ratio ≥ ${pct(TARGET_RATIO)}) | ${r.label} | ${pct(r.ratio.median)} | ${r.ratio.median >= TARGET_RATIO ? "met" : "**missed**"} |`);
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const opts = options();
  const loadAtStart = loadavg();
  const startedAt = new Date();
  mkdirSync(OUT, { recursive: true });
  const binary = nginxBinary();
  console.log(`treerights ingress bench: ${binary}, ${opts.rounds} rounds of ${opts.durationS} s per scenario, ${opts.connections} keep-alive connections, ` +
    `${BODY_BYTES}-byte backend body; load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}, ${cpus().length} CPUs`);

  const dir = mkdtempSync(join(opts.tmp, "treerights-ingress-bench-"));
  const children: Child[] = [];
  const processes: ChildProcess[] = [];
  const gateways: RunningNginx[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> => {
    cleaned ??= (async () => {
      await Promise.allSettled(gateways.map((g) => g.stop()));
      await Promise.allSettled(children.map((c) => c.close()));
      // Any child that never got as far as listening.
      for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    })();
    return cleaned;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`${signal}: stopping nginx and the child processes`);
    void cleanup().finally(() => { process.exit(130); });
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const fixtures = writeFixtures(dir);
    const backend = await Child.start("backend", "backend.ts", [], [], children, processes);
    // One file per thread (tsx's loader runs in a worker thread of its own): the main thread's is the large one.
    const profileArgs = opts.profile ? ["--cpu-prof", "--cpu-prof-dir", join(OUT, "prof-ingress")] : [];
    const treerights = await Child.start("treerights", "server.ts", [fixtures.tree, fixtures.config, "1"], profileArgs, children, processes);
    const treerightsW = opts.alsoWorkers > 1 ? await Child.start(`treerights --workers ${String(opts.alsoWorkers)}`, "server.ts", [fixtures.tree, fixtures.config, String(opts.alsoWorkers)], [], children, processes) : null;
    const token = await issueToken(treerights.port, fixtures.apiKey);

    const gateway = async (conf: (gateway: number) => string): Promise<RunningNginx> => {
      const g = await startNginx(conf);
      gateways.push(g);
      return g;
    };
    const plain = await gateway((port) => withoutAuth({ gateway: port, treerights: treerights.port, backend: backend.port }));
    const auth = await gateway((port) => withAuth({ gateway: port, treerights: treerights.port, backend: backend.port }));
    const setups: Setup[] = [
      { scenario: "plain", label: "1. nginx → backend (no `auth_request`)", nginx: plain, nginxCpu: nginxCpu(plain), treerights: null, headers: { "x-api-key": fixtures.apiKey } },
      { scenario: "apiKey", label: "2. nginx `auth_request` → treerights, `X-API-Key`", nginx: auth, nginxCpu: nginxCpu(auth), treerights, headers: { "x-api-key": fixtures.apiKey } },
      { scenario: "jwt", label: "3. nginx `auth_request` → treerights, cached JWT (`POST /v1/token`)", nginx: auth, nginxCpu: nginxCpu(auth), treerights, headers: { authorization: `Bearer ${token}` } },
    ];
    if (treerightsW !== null) {
      const authW = await gateway((port) => withAuth({ gateway: port, treerights: treerightsW.port, backend: backend.port }));
      const w = `--workers ${String(opts.alsoWorkers)}`;
      setups.push(
        { scenario: "apiKeyW", label: `2w. as 2, treerights \`${w}\``, nginx: authW, nginxCpu: nginxCpu(authW), treerights: treerightsW, headers: { "x-api-key": fixtures.apiKey } },
        { scenario: "jwtW", label: `3w. as 3, treerights \`${w}\``, nginx: authW, nginxCpu: nginxCpu(authW), treerights: treerightsW, headers: { authorization: `Bearer ${token}` } },
      );
    }
    for (const s of setups) await checkAnswers(s, backend);
    console.log(`answers checked through nginx: allowed 200 with the ${String(BODY_BYTES)}-byte body at the backend; denied 403 and no credential 401, neither reaching it`);

    const servers = treerightsW === null ? [treerights] : [treerights, treerightsW];
    console.log("warming up...");
    for (const s of setups) await runOnce(s, backend, servers, opts, opts.warmupS);
    const rounds = new Map<Scenario, Round[]>(setups.map((s) => [s.scenario, []]));
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? setups : [...setups].reverse();
      for (const s of order) {
        const round = await runOnce(s, backend, servers, opts, opts.durationS);
        (rounds.get(s.scenario) as Round[]).push(round);
        const bad = round.non2xx + round.errors > 0 ? `, ${String(round.non2xx)} non-2xx, ${String(round.errors)} errors` : "";
        console.log(`  round ${String(r + 1)}: ${s.scenario.padEnd(8)} ${fmt(round.perSec).padStart(7)}/s, p50 ${ms2(round.p50Ms)} ms, p99 ${ms2(round.p99Ms)} ms; ` +
          `CPU µs/req treerights ${us(round.cpu.treerights)}, nginx ${us(round.cpu.nginx)}, backend ${us(round.cpu.backend)}, autocannon ${us(round.cpu.bench)}${bad}`);
      }
    }

    const rows = rowsOf(setups, rounds);
    const loadAtEnd = loadavg();
    console.log("");
    console.log(table(rows));
    console.log("");
    console.log(verdicts(rows));
    console.log("");
    const failed = rows.filter((r) => r.non2xx + r.errors > 0);
    for (const r of failed) console.error(`${r.scenario}: ${String(r.non2xx)} non-2xx responses and ${String(r.errors)} errors or timeouts: the run FAILED`);
    if (failed.length > 0) process.exitCode = 1;
    console.log(`load average: ${loadAtStart.map((l) => l.toFixed(2)).join(" ")} at start, ${loadAtEnd.map((l) => l.toFixed(2)).join(" ")} at end; wrote bench/.out/ingress.json`);
    writeFileSync(join(OUT, "ingress.json"), `${JSON.stringify({
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, nginx: binary },
      startedAt: startedAt.toISOString(), loadAvgAtStart: loadAtStart, loadAvgAtEnd: loadAtEnd,
      options: opts, bodyBytes: BODY_BYTES, rows,
    }, null, 2)}\n`);
  } finally {
    await cleanup();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    if (opts.profile) console.log("treerights CPU profiles: bench/.out/prof-ingress/CPU.*.cpuprofile, the largest is the main thread's (npx tsx bench/profile-summary.ts <file> 30)");
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
