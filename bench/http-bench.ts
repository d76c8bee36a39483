/**
 * The HTTP decision service on loopback: autocannon (in a worker thread, so
 * the load generator does not share the server's event loop) against
 * `POST /v1/check` and `POST /v1/check/batch`, plus the server-side time of
 * one 1,000-check batch measured in process.
 */
import autocannon from "autocannon";
import type { Access } from "../src/engine/index.js";
import type { RunningServer } from "../src/server/index.js";
import { summarize } from "./stats.js";
import type { Summary } from "./stats.js";
import { allQueries } from "./workload.js";
import type { Query, QuerySet } from "./workload.js";

/** How hard and how long to drive the server. */
export interface HttpOptions {
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly batchConnections: number;
  readonly batchSize: number;
  /** In-process timings of one batch. */
  readonly batchSamples: number;
}

/** One autocannon run. */
export interface LoadRun {
  readonly requestsPerSec: number;
  readonly decisionsPerSec: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly connections: number;
  readonly durationS: number;
}

/** What the HTTP section measured. */
export interface HttpResult {
  readonly single: LoadRun;
  readonly batch: LoadRun;
  /** `app.inject` of one batch: routing, JSON parsing, schema validation, checks, serialization, ms. */
  readonly batchServerMs: Summary;
  /** Only the 1,000 `index.check` calls of one batch, on freshly parsed strings, ms. */
  readonly batchEngineMs: Summary;
}

const JSON_HEADERS = { "content-type": "application/json" };

function checkBody(q: Query): string {
  return JSON.stringify({ groups: q.groups, access: q.access, path: q.path });
}

function batchBody(queries: readonly Query[]): string {
  return JSON.stringify({ checks: queries.map((q) => ({ groups: q.groups, access: q.access, path: q.path })) });
}

/** Drives a running server; the caller owns starting and closing it. */
export async function benchHttp(server: RunningServer, set: QuerySet, options: HttpOptions): Promise<HttpResult> {
  const queries = allQueries(set);
  await sanityCheck(server, queries.slice(0, 50));

  // Distinct bodies, cycled by every connection: the server parses each afresh
  // anyway. Kept few: autocannon encodes every request for every connection up front.
  const singles = queries.slice(0, 256).map((q) => ({ method: "POST" as const, path: "/v1/check", headers: JSON_HEADERS, body: checkBody(q) }));
  const batchBodies: string[] = [];
  for (let b = 0; b < 8; b++) batchBodies.push(batchBody(queries.slice(b * options.batchSize, (b + 1) * options.batchSize)));
  const batches = batchBodies.map((body) => ({ method: "POST" as const, path: "/v1/check/batch", headers: JSON_HEADERS, body }));

  await cannon(server.url, singles, options.connections, options.warmupS);
  const single = await cannon(server.url, singles, options.connections, options.durationS);
  await cannon(server.url, batches, options.batchConnections, options.warmupS);
  const batch = await cannon(server.url, batches, options.batchConnections, options.durationS);

  return {
    single: run(single, options.connections, 1),
    batch: run(batch, options.batchConnections, options.batchSize),
    batchServerMs: await injectTimes(server, batchBodies, options.batchSamples),
    batchEngineMs: engineTimes(server, batchBodies, options.batchSamples),
  };
}

async function sanityCheck(server: RunningServer, sample: readonly Query[]): Promise<void> {
  for (const q of sample) {
    const res = await fetch(`${server.url}/v1/check`, { method: "POST", headers: JSON_HEADERS, body: checkBody(q) });
    const body = (await res.json()) as { allowed?: unknown };
    const expected = server.tree.index.check(q.groups, q.access, q.path);
    if (res.status !== 200 || body.allowed !== expected) {
      throw new Error(`POST /v1/check answered ${res.status} ${JSON.stringify(body)} for ${checkBody(q)}; expected allowed=${expected}`);
    }
  }
}

function cannon(url: string, requests: autocannon.Request[], connections: number, durationS: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: durationS, workers: 1, requests });
}

function run(result: autocannon.Result, connections: number, perRequest: number): LoadRun {
  const ok = result["2xx"];
  const requestsPerSec = ok / result.duration;
  return {
    requestsPerSec,
    decisionsPerSec: requestsPerSec * perRequest,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    connections,
    durationS: result.duration,
  };
}

async function injectTimes(server: RunningServer, bodies: readonly string[], samples: number): Promise<Summary> {
  const times: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const t0 = performance.now();
    const res = await server.app.inject({ method: "POST", url: "/v1/check/batch", headers: JSON_HEADERS, payload: bodies[i % bodies.length] as string });
    const ms = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`batch answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    if (i >= 20) times.push(ms);
  }
  return summarize(times);
}

function engineTimes(server: RunningServer, bodies: readonly string[], samples: number): Summary {
  const index = server.tree.index;
  const times: number[] = [];
  let allowed = 0;
  for (let i = 0; i < samples + 20; i++) {
    // Parsed outside the timing, fresh every time (see QuerySet).
    const { checks } = JSON.parse(bodies[i % bodies.length] as string) as { checks: { groups: string[]; access: Access; path: string }[] };
    const t0 = performance.now();
    for (const c of checks) if (index.check(c.groups, c.access, c.path)) allowed++;
    const ms = performance.now() - t0;
    if (i >= 20) times.push(ms);
  }
  if (allowed < 0) throw new Error("unreachable: keeps the loop's result alive");
  return summarize(times);
}
