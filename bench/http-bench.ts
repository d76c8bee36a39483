/**
 * The HTTP decision service on loopback: autocannon (in a worker thread, so
 * the load generator does not share the server's event loop) against
 * `POST /v1/check` and `POST /v1/check/batch`, plus the server-side time of
 * one 1,000-check batch measured in process.
 */
import autocannon from "autocannon";
import type { Access } from "../src/engine/index.js";
import { buildServer } from "../src/server/index.js";
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
  /**
   * Server time of one batch, ms: fastify's own `reply.elapsedTime`, from
   * taking the request (before its body is read) to the end of the response,
   * for a request made with `app.inject`: reading and parsing the body,
   * validation, checks, serialization. Without the simulated client's work.
   */
  readonly batchServerMs: Summary;
  /** Wall time of the whole `app.inject` call, ms: the server time plus light-my-request building the request and collecting the response. */
  readonly batchInjectMs: Summary;
  /** Process CPU time of the whole `app.inject` call, ms: what it costs when other processes do not take the CPU. */
  readonly batchServerCpuMs: Summary;
  /** Only the 1,000 `index.check` calls of one batch, on freshly parsed strings, ms. */
  readonly batchEngineMs: Summary;
  readonly batchEngineCpuMs: Summary;
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
    ...(await injectTimes(server, batchBodies, options.batchSamples)),
    ...(await engineTimes(server, batchBodies, options.batchSamples)),
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

/** Wall and process CPU time of `work`, in ms. */
async function timed(work: () => unknown): Promise<[number, number]> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu0);
  return [ms, (used.user + used.system) / 1000];
}

async function injectTimes(server: RunningServer, bodies: readonly string[], samples: number): Promise<Pick<HttpResult, "batchServerMs" | "batchInjectMs" | "batchServerCpuMs">> {
  // A second app on the same live tree, built as `serve` builds it, with a
  // hook the production server does not pay for: fastify's own elapsed time.
  const app = await buildServer(server.tree, { logger: false });
  let elapsed = Number.NaN;
  app.addHook("onResponse", (_request, reply, done) => {
    elapsed = reply.elapsedTime;
    done();
  });
  await app.ready();
  const serverMs: number[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  try {
    for (let i = 0; i < samples + 20; i++) {
      let status = 0;
      let body = "";
      elapsed = Number.NaN;
      const [ms, cpuMs] = await timed(async () => {
        const res = await app.inject({ method: "POST", url: "/v1/check/batch", headers: JSON_HEADERS, payload: bodies[i % bodies.length] as string });
        status = res.statusCode;
        body = res.body;
      });
      if (status !== 200) throw new Error(`batch answered ${status}: ${body.slice(0, 200)}`);
      if (Number.isNaN(elapsed)) throw new Error("the onResponse hook did not run");
      if (i >= 20) {
        serverMs.push(elapsed);
        wall.push(ms);
        cpu.push(cpuMs);
      }
    }
  } finally {
    await app.close();
  }
  return { batchServerMs: summarize(serverMs), batchInjectMs: summarize(wall), batchServerCpuMs: summarize(cpu) };
}

async function engineTimes(server: RunningServer, bodies: readonly string[], samples: number): Promise<Pick<HttpResult, "batchEngineMs" | "batchEngineCpuMs">> {
  const index = server.tree.index;
  const wall: number[] = [];
  const cpu: number[] = [];
  let allowed = 0;
  for (let i = 0; i < samples + 20; i++) {
    // Parsed outside the timing, fresh every time (see QuerySet).
    const { checks } = JSON.parse(bodies[i % bodies.length] as string) as { checks: { groups: string[]; access: Access; path: string }[] };
    const [ms, cpuMs] = await timed(() => {
      for (const c of checks) if (index.check(c.groups, c.access, c.path)) allowed++;
    });
    if (i >= 20) {
      wall.push(ms);
      cpu.push(cpuMs);
    }
  }
  if (allowed < 0) throw new Error("unreachable: keeps the loop's result alive");
  return { batchEngineMs: summarize(wall), batchEngineCpuMs: summarize(cpu) };
}
