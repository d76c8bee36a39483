/**
 * Who is asking, and what it costs (issue 14, "Benchmarks"), side by side in
 * one run:
 *
 *   npm run bench:identity                    # 10,000 directories, 5 rounds of 3 s per scenario, ~2-3 minutes
 *   npm run bench:identity -- --quick         # 1 round of 1 s: a smoke run
 *   npm run bench:identity -- --rounds 9 --duration 5 --connections 64 --basic-connections 4
 *   npm run bench:identity -- --only check,jwt --profile   # some scenarios; CPU profiles of the servers in bench/.out/prof-identity
 *
 * Scenarios, every one deciding the same 256 (path, access) questions for
 * the same groups:
 *
 * - `check`: `POST /v1/check` with explicit groups, nothing protected (the baseline);
 * - `jwt`: `POST /v1/authorize` with one ES256 bearer token on every request
 *   (an `oidc` realm over a local JWKS file; verified once, then the realm's cache);
 * - `apiKey`: `POST /v1/authorize` with `X-API-Key` (one key of a keys file);
 * - `basic`: `POST /v1/authorize` with Basic, the same user and password each
 *   time (the realm's success cache at its defaults);
 * - `checkProtected`: `POST /v1/check` with `api.decisions` set, the caller
 *   presenting the API key (what a protected deployment pays per check);
 * - `basicUncached`: Basic with `cacheSize: 0`, every request paying scrypt
 *   (N=2^15, r=8), with few connections (`--basic-connections`, default 4;
 *   the realm's in-flight failure count allows 10 per user);
 * - `verifyES256`, `verifyRS256`: first sight of a token, in this process:
 *   the realm's `authenticate` with `tokenCacheSize: 0` on distinct tokens.
 *
 * Servers: `serve(tree, { configFile, port: 0, logger: false, processMetrics:
 * false })` on 127.0.0.1, one child process per config (`bench/identity/server.ts`:
 * `open` for check, jwt, apiKey and basic; `protected`; `uncached`), so the
 * load generator never shares the server's event loop. autocannon drives
 * them from this process, as `bench/http.ts` does. Rounds alternate: round r
 * runs every scenario once (every other round in the opposite order) before
 * round r + 1 runs any; a ratio to `check` is the median of the rounds'
 * ratios. Before any figure, the answers of every scenario are compared with
 * the index loaded here; a wrong answer or a non-2xx response fails the run
 * (exit 1). A missed target only says so. Writes bench/.out/identity.json.
 */
import type { ChildProcess } from "node:child_process";
import { fork } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { RightsIndex } from "../src/engine/index.js";
import type { Realm } from "../src/server/identity/identity.js";
import { loadTree } from "../src/loader/index.js";
import { writeFixtures } from "./identity/fixtures.js";
import type { Fixtures } from "./identity/fixtures.js";
import type { ServerReply, ServerRequest } from "./identity/server.js";
import { verifier, verifyRound } from "./identity/verify.js";
import type { VerifyRound } from "./identity/verify.js";
import { fmt, summarize } from "./stats.js";
import type { Summary } from "./stats.js";
import { allQueries, generateQueries, generateTree, writeTree } from "./workload.js";
import type { Query } from "./workload.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, ".out");

/** The groups every credential stands for: two of the workload's 50 (a Keycloak path among them), allowed about half the questions. */
const GROUPS: readonly string[] = ["team-21", "/plant/site-16/operators"];

type HttpScenario = "check" | "jwt" | "apiKey" | "basic" | "checkProtected" | "basicUncached";
type VerifyScenario = "verifyES256" | "verifyRS256";
type Scenario = HttpScenario | VerifyScenario;
const SCENARIOS: readonly Scenario[] = ["check", "jwt", "apiKey", "basic", "checkProtected", "basicUncached", "verifyES256", "verifyRS256"];
type ServerName = "open" | "protected" | "uncached";

/** The targets of issue 14, as a share of `check`'s requests/s in the same round. */
const TARGETS: Partial<Record<Scenario, number>> = { jwt: 0.85, apiKey: 0.9 };

const LABELS: Record<Scenario, string> = {
  check: "1. `POST /v1/check`, explicit groups, unprotected (baseline)",
  jwt: "2. `POST /v1/authorize`, cached ES256 JWT",
  apiKey: "4. `POST /v1/authorize`, `X-API-Key`",
  basic: "5a. `POST /v1/authorize`, Basic, success cache",
  checkProtected: "1p. `POST /v1/check`, `api.decisions` set, API key",
  basicUncached: "5b. `POST /v1/authorize`, Basic, `cacheSize: 0` (scrypt each)",
  verifyES256: "3a. first sight: ES256 verify (in-process)",
  verifyRS256: "3b. first sight: RS256 verify (in-process)",
};

interface Options {
  readonly dirs: number;
  readonly seed: number;
  readonly rounds: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly basicConnections: number;
  readonly pipelining: number;
  readonly profile: boolean;
  readonly scenarios: readonly Scenario[];
  readonly tmp: string;
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
      "basic-connections": { type: "string" },
      pipelining: { type: "string" },
      only: { type: "string" },
      tmp: { type: "string" },
    },
  });
  const quick = values.quick;
  const num = (value: string | undefined, fallback: number): number => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: \`${String(value)}\``);
    return n;
  };
  let scenarios = [...SCENARIOS];
  if (values.only !== undefined) {
    const picked = values.only.split(",");
    for (const s of picked) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`--only takes any of ${SCENARIOS.join(", ")}, not \`${s}\``);
    // The baseline always runs: every ratio is to it.
    scenarios = SCENARIOS.filter((s) => s === "check" || picked.includes(s));
  }
  const basicConnections = num(values["basic-connections"], 4);
  if (basicConnections > 9) throw new Error("--basic-connections above 9 would meet the Basic realm's per-user limit of 10 checks in flight (429s)");
  return {
    dirs: num(values.dirs, 10_000),
    seed: num(values.seed, 1),
    rounds: num(values.rounds, quick ? 1 : 5),
    durationS: num(values.duration, quick ? 1 : 3),
    warmupS: quick ? 1 : 2,
    connections: num(values.connections, 64),
    basicConnections,
    pipelining: num(values.pipelining, 1),
    profile: values.profile,
    scenarios,
    tmp: values.tmp ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir()),
  };
}

/** A server child process and a request/answer channel to it. */
class Child {
  readonly #process: ChildProcess;
  #next = 0;
  readonly #waiting = new Map<number, (reply: ServerReply) => void>();

  private constructor(child: ChildProcess) {
    this.#process = child;
    child.on("message", (message: ServerReply) => {
      if (message.type === "ready") return;
      this.#waiting.get(message.id)?.(message);
      this.#waiting.delete(message.id);
    });
  }

  /** Forks a server over `tree` with `config`; resolves with it and its URL once it listens. */
  static async start(name: ServerName, tree: string, config: string, profile: boolean): Promise<{ child: Child; url: string }> {
    const execArgv = ["--import", "tsx"];
    if (profile) execArgv.push("--cpu-prof", "--cpu-prof-dir", join(OUT, "prof-identity"), "--cpu-prof-name", `${name}.cpuprofile`);
    const proc = fork(join(HERE, "identity", "server.ts"), [tree, config], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const port = await new Promise<number>((resolve, reject) => {
      proc.once("message", (m: ServerReply) => { if (m.type === "ready") resolve(m.port); });
      proc.once("exit", (code) => { reject(new Error(`the ${name} server exited with ${String(code)} before listening`)); });
    });
    return { child: new Child(proc), url: `http://127.0.0.1:${port}` };
  }

  #ask(type: ServerRequest["type"]): Promise<ServerReply> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#process.send({ type, id } satisfies ServerRequest);
    });
  }

  /** The server process's CPU time so far, µs. */
  async cpuMicros(): Promise<number> {
    const reply = await this.#ask("cpu");
    return reply.type === "cpu" ? reply.micros : Number.NaN;
  }

  /** Closes the server (writing its CPU profile when asked for) and waits for the process to end. */
  async close(): Promise<void> {
    if (this.#process.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => { this.#process.once("exit", () => { resolve(); }); });
    await this.#ask("close");
    await exited;
  }
}

/** One autocannon run (or one in-process verify run). */
interface Round {
  readonly perSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server process CPU per answered request (in-process: this process's CPU per verify), µs. */
  readonly cpuMicros: number;
  readonly non2xx: number;
  readonly errors: number;
}

interface HttpSetup {
  readonly server: ServerName;
  readonly requests: autocannon.Request[];
  readonly connections: number;
}

function fromAutocannon(result: autocannon.Result, cpuMicros: number): Round {
  const ok = result["2xx"];
  return {
    perSec: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicros: ok > 0 ? cpuMicros / ok : Number.NaN,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function fromVerify(r: VerifyRound): Round {
  return { perSec: r.verifiesPerSec, p50Ms: r.microsPerVerify / 1000, p99Ms: Number.NaN, cpuMicros: r.cpuMicrosPerVerify, non2xx: 0, errors: 0 };
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Asks each HTTP scenario's server a sample of the questions and compares with `index`; throws on the first wrong answer. */
async function sanityCheck(urls: Partial<Record<ServerName, string>>, f: Fixtures, index: RightsIndex, queries: readonly Query[], scenarios: readonly Scenario[]): Promise<void> {
  const credentials = { jwt: { authorization: `Bearer ${f.token}` }, apiKey: { "x-api-key": f.apiKey }, basic: { authorization: f.basic } };
  let allowed = 0;
  for (const [i, q] of queries.entries()) {
    const expected = index.check(GROUPS, q.access, q.path);
    if (expected) allowed++;
    const asks: [string, Promise<{ status: number; body: Record<string, unknown> }>][] = [];
    asks.push(["check", post(`${urls.open}/v1/check`, {}, JSON.stringify({ groups: GROUPS, access: q.access, path: q.path }))]);
    for (const s of ["jwt", "apiKey", "basic"] as const) {
      if (scenarios.includes(s)) asks.push([s, post(`${urls.open}/v1/authorize`, credentials[s], JSON.stringify({ access: q.access, path: q.path }))]);
    }
    if (scenarios.includes("checkProtected")) {
      asks.push(["checkProtected", post(`${urls.protected}/v1/check`, credentials.apiKey, JSON.stringify({ groups: GROUPS, access: q.access, path: q.path }))]);
    }
    // Every request of the uncached server pays ~0.1 s of scrypt: a few suffice.
    if (scenarios.includes("basicUncached") && i < 3) asks.push(["basicUncached", post(`${urls.uncached}/v1/authorize`, credentials.basic, JSON.stringify({ access: q.access, path: q.path }))]);
    for (const [name, ask] of asks) {
      const { status, body } = await ask;
      if (status !== 200 || body["allowed"] !== expected) {
        throw new Error(`${name}: ${q.access} ${q.path} answered ${status} ${JSON.stringify(body)}; expected allowed=${String(expected)}`);
      }
    }
  }
  if (scenarios.includes("checkProtected")) {
    const { status } = await post(`${urls.protected}/v1/check`, {}, JSON.stringify({ groups: GROUPS, access: "READ", path: "/" }));
    if (status !== 401) throw new Error(`the protected server answered ${status} to a check without a credential; expected 401`);
  }
  console.log(`answers checked: ${queries.length} questions per scenario (${allowed} allowed) agree with the index`);
}

interface Row {
  readonly scenario: Scenario;
  readonly perSec: Summary;
  readonly p50Ms: Summary;
  readonly p99Ms: Summary;
  readonly cpuMicros: Summary;
  /** Median over rounds of perSec / check's perSec in the same round (HTTP scenarios). */
  readonly ratio: Summary | null;
  /** The same for requests per server CPU-second. */
  readonly cpuRatio: Summary | null;
  readonly target: number | null;
  readonly non2xx: number;
  readonly errors: number;
}

function rowsOf(rounds: ReadonlyMap<Scenario, Round[]>, scenarios: readonly Scenario[]): Row[] {
  const base = rounds.get("check") ?? [];
  return scenarios.map((scenario): Row => {
    const rs = rounds.get(scenario) ?? [];
    const http = !scenario.startsWith("verify");
    return {
      scenario,
      perSec: summarize(rs.map((r) => r.perSec)),
      p50Ms: summarize(rs.map((r) => r.p50Ms)),
      p99Ms: summarize(rs.map((r) => r.p99Ms)),
      cpuMicros: summarize(rs.map((r) => r.cpuMicros)),
      ratio: http ? summarize(rs.map((r, i) => r.perSec / (base[i]?.perSec ?? Number.NaN))) : null,
      cpuRatio: http ? summarize(rs.map((r, i) => (base[i]?.cpuMicros ?? Number.NaN) / r.cpuMicros)) : null,
      target: TARGETS[scenario] ?? null,
      non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
      errors: rs.reduce((n, r) => n + r.errors, 0),
    };
  });
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(x < 0.1 ? 2 : 0)}%` : "n/a");
// autocannon's latencies are whole milliseconds; in-process ones are not.
const ms = (x: number): string => (Number.isFinite(x) ? (Number.isInteger(x) ? fmt(x) : x < 1 ? x.toFixed(3) : fmt(x, 1)) : "—");

/** The table, in Markdown. */
function table(rows: readonly Row[]): string {
  const lines = [
    "| scenario | req/s (verifies/s), median (range) | p50 ms | p99 ms | server CPU µs/req | ratio to (1), median of rounds (range) | per server CPU-s | target |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    const verify = r.scenario.startsWith("verify");
    const target = r.target === null || r.ratio === null ? "" : `≥ ${pct(r.target)}: ${r.ratio.median >= r.target ? "met" : "**MISSED**"}`;
    lines.push(`| ${LABELS[r.scenario]} | ${fmt(r.perSec.median)} (${fmt(r.perSec.min)}–${fmt(r.perSec.max)}) | ` +
      `${verify ? `${fmt(r.p50Ms.median * 1000, 0)} µs/verify` : ms(r.p50Ms.median)} | ${verify ? "" : ms(r.p99Ms.median)} | ` +
      `${fmt(r.cpuMicros.median, 1)}${verify ? " (this process)" : ""} | ` +
      `${r.ratio === null ? "" : `${pct(r.ratio.median)} (${pct(r.ratio.min)}–${pct(r.ratio.max)})`} | ${r.cpuRatio === null ? "" : pct(r.cpuRatio.median)} | ${target} |`);
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const opts = options();
  const loadAtStart = loadavg();
  const startedAt = new Date();
  mkdirSync(OUT, { recursive: true });
  console.log(`treerights identity bench: ${fmt(opts.dirs)} directories, ${opts.rounds} rounds of ${opts.durationS} s per scenario, ` +
    `${opts.connections} connections (Basic without cache: ${opts.basicConnections}), pipelining ${opts.pipelining}; ` +
    `load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}, ${cpus().length} CPUs`);

  const dir = mkdtempSync(join(opts.tmp, "treerights-identity-"));
  const treeDir = join(dir, "tree");
  const children: Child[] = [];
  const verifiers: Realm[] = [];
  try {
    const spec = generateTree({ dirs: opts.dirs, seed: opts.seed });
    mkdirSync(treeDir);
    writeTree(treeDir, spec);
    const index = await loadTree(treeDir);
    const fixtures = await writeFixtures(dir, treeDir, GROUPS);
    // The workload's paths and access levels; the groups are the credentials' own.
    const queries = allQueries(generateQueries(spec, { count: 8192, seed: opts.seed + 1 })).slice(0, 256);

    const needs = (s: Scenario): boolean => opts.scenarios.includes(s);
    const urls: Partial<Record<ServerName, string>> = {};
    const servers: Partial<Record<ServerName, Child>> = {};
    const start = async (name: ServerName, config: string): Promise<void> => {
      const { child, url } = await Child.start(name, treeDir, config, opts.profile);
      children.push(child);
      servers[name] = child;
      urls[name] = url;
    };
    await start("open", fixtures.configs.open);
    if (needs("checkProtected")) await start("protected", fixtures.configs.protected);
    if (needs("basicUncached")) await start("uncached", fixtures.configs.uncached);

    await sanityCheck(urls, fixtures, index, queries.slice(0, 100), opts.scenarios);

    const requestsOf = (path: string, headers: Record<string, string>, withGroups: boolean): autocannon.Request[] =>
      queries.map((q) => ({
        method: "POST", path, headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(withGroups ? { groups: GROUPS, access: q.access, path: q.path } : { access: q.access, path: q.path }),
      }));
    const http: Partial<Record<HttpScenario, HttpSetup>> = {
      check: { server: "open", requests: requestsOf("/v1/check", {}, true), connections: opts.connections },
      jwt: { server: "open", requests: requestsOf("/v1/authorize", { authorization: `Bearer ${fixtures.token}` }, false), connections: opts.connections },
      apiKey: { server: "open", requests: requestsOf("/v1/authorize", { "x-api-key": fixtures.apiKey }, false), connections: opts.connections },
      basic: { server: "open", requests: requestsOf("/v1/authorize", { authorization: fixtures.basic }, false), connections: opts.connections },
      checkProtected: { server: "protected", requests: requestsOf("/v1/check", { "x-api-key": fixtures.apiKey }, true), connections: opts.connections },
      basicUncached: { server: "uncached", requests: requestsOf("/v1/authorize", { authorization: fixtures.basic }, false), connections: opts.basicConnections },
    };
    const verify: Partial<Record<VerifyScenario, { realm: Realm; tokens: string[] }>> = {};
    if (needs("verifyES256")) verify.verifyES256 = await verifier(fixtures.es256, GROUPS, 256);
    if (needs("verifyRS256")) verify.verifyRS256 = await verifier(fixtures.rs256, GROUPS, 256);
    for (const v of Object.values(verify)) verifiers.push(v.realm);

    const runOnce = async (s: Scenario, durationS: number): Promise<Round> => {
      if (s === "verifyES256" || s === "verifyRS256") {
        const v = verify[s];
        if (v === undefined) throw new Error(`no verifier for ${s}`);
        // A third of an HTTP round: the in-process loop is steady.
        return fromVerify(await verifyRound(v.realm, v.tokens, (durationS * 1000) / 3));
      }
      const setup = http[s];
      const child = setup === undefined ? undefined : servers[setup.server];
      if (setup === undefined || child === undefined) throw new Error(`no server for ${s}`);
      const cpu0 = await child.cpuMicros();
      const result = await autocannon({ url: urls[setup.server] as string, connections: setup.connections, pipelining: opts.pipelining, duration: durationS, requests: setup.requests });
      const cpu1 = await child.cpuMicros();
      return fromAutocannon(result, cpu1 - cpu0);
    };

    console.log("warming up...");
    for (const s of opts.scenarios) await runOnce(s, opts.warmupS);
    const rounds = new Map<Scenario, Round[]>(opts.scenarios.map((s) => [s, []]));
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? opts.scenarios : [...opts.scenarios].reverse();
      for (const s of order) {
        const round = await runOnce(s, opts.durationS);
        (rounds.get(s) as Round[]).push(round);
        const bad = round.non2xx + round.errors > 0 ? `, ${round.non2xx} non-2xx, ${round.errors} errors` : "";
        console.log(`  round ${r + 1}: ${s.padEnd(14)} ${fmt(round.perSec).padStart(8)}/s, p50 ${ms(round.p50Ms)} ms, p99 ${ms(round.p99Ms)} ms, ${fmt(round.cpuMicros, 1)} µs CPU each${bad}`);
      }
    }

    const rows = rowsOf(rounds, opts.scenarios);
    const loadAtEnd = loadavg();
    console.log("");
    console.log(table(rows));
    console.log("");
    for (const row of rows) {
      if (row.target === null || row.ratio === null) continue;
      console.log(`${row.scenario}: ${pct(row.ratio.median)} of /v1/check (rounds ${pct(row.ratio.min)}–${pct(row.ratio.max)}; per server CPU-s ${pct(row.cpuRatio?.median ?? Number.NaN)}), ` +
        `target ≥ ${pct(row.target)}: ${row.ratio.median >= row.target ? "met" : "MISSED"}`);
    }
    const failed = rows.filter((r) => r.non2xx + r.errors > 0);
    for (const r of failed) console.error(`${r.scenario}: ${r.non2xx} non-2xx responses and ${r.errors} errors or timeouts: the run FAILED`);
    if (failed.length > 0) process.exitCode = 1;
    console.log(`load average: ${loadAtStart.map((l) => l.toFixed(2)).join(" ")} at start, ${loadAtEnd.map((l) => l.toFixed(2)).join(" ")} at end; wrote bench/.out/identity.json`);
    writeFileSync(join(OUT, "identity.json"), `${JSON.stringify({
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version },
      startedAt: startedAt.toISOString(), loadAvgAtStart: loadAtStart, loadAvgAtEnd: loadAtEnd,
      options: opts, groups: GROUPS,
      rows: rows.map((r) => ({ ...r, label: LABELS[r.scenario] })),
    }, null, 2)}\n`);
  } finally {
    await Promise.all(children.map((c) => c.close()));
    await Promise.all(verifiers.map((v) => v.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
