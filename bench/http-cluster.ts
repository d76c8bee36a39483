/**
 * Batches against `serve({ workers })`, the product's multi-process mode:
 * one server on one loopback port (this process is its cluster primary),
 * driven by one autocannon worker thread with 16 connections per worker
 * (a load thread per server worker competes with them for the cores: on 2
 * cores, 2 load threads measured 1.43 M decisions/s where 1 measured 1.72 M).
 * Every worker's answers are checked against the index before any figure
 * (fresh connections until each worker has answered).
 */
import { request } from "node:http";
import autocannon from "autocannon";
import { serveCluster } from "../src/server/index.js";
import { JSON_HEADERS } from "./http-bodies.js";
import type { BatchShape } from "./http-bodies.js";
import { fmt, summarize } from "./stats.js";
import type { Summary } from "./stats.js";

const CONNECTIONS_PER_WORKER = 16;

/** What one shape reached: decisions per second over the rounds (batches of `batchSize`), and failed requests. */
export interface ClusterShapeResult {
  readonly shape: BatchShape["name"];
  readonly decisionsPerSec: Summary;
  readonly failed: number;
}

/** Options of `driveCluster`. */
export interface ClusterDrive {
  readonly workers: number;
  readonly rounds: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly batchSize: number;
}

/** One request on a connection of its own (the cluster balances per connection): its JSON answer. */
function fresh(url: string, method: "GET" | "POST", body?: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: body === undefined ? {} : JSON_HEADERS }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => { text += chunk; });
      res.on("end", () => {
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Throws unless every one of the `workers` answers the first batch of each
 * shape as the index that made it does: fresh connections until every
 * worker id was seen in `/v1/status` (bounded), each also sending a batch.
 */
async function checkEveryWorker(url: string, workers: number, shapes: readonly BatchShape[]): Promise<void> {
  const seen = new Set<number>();
  for (let i = 0; i < 50 * workers && seen.size < workers; i++) {
    for (const shape of shapes) {
      const { results } = (await fresh(`${url}/v1/check/batch`, "POST", shape.bodies[0])) as { results: boolean[] };
      if (JSON.stringify(results) !== JSON.stringify(shape.expected[0])) throw new Error(`${url} answered a ${shape.name} batch differently from the loaded index`);
    }
    const status = (await fresh(`${url}/v1/status`, "GET")) as { worker?: { id: number } };
    if (status.worker !== undefined) seen.add(status.worker.id);
  }
  if (seen.size < workers) throw new Error(`only workers ${[...seen].join(", ")} of ${workers} answered on fresh connections`);
}

/**
 * Serves `dir` from `workers` processes (not watched: the figure is about
 * deciding) and drives each shape for `rounds` interleaved rounds; returns
 * the median and range per shape. Logs each round.
 */
export async function driveCluster(dir: string, shapes: readonly BatchShape[], options: ClusterDrive): Promise<ClusterShapeResult[]> {
  const { workers } = options;
  const sink = { write: (): void => undefined };
  const server = await serveCluster(dir, { workers, host: "127.0.0.1", port: 0, watch: false, logger: { level: "info", stream: sink } });
  try {
    console.log(`serve --workers ${workers} on ${server.url}; autocannon: 1 thread, ${CONNECTIONS_PER_WORKER * workers} connections`);
    const drive = (shape: BatchShape, seconds: number): Promise<autocannon.Result> => autocannon({
      url: server.url, connections: CONNECTIONS_PER_WORKER * workers, duration: seconds, workers: 1,
      requests: shape.bodies.map((body) => ({ method: "POST" as const, path: "/v1/check/batch", headers: JSON_HEADERS, body })),
    });
    await checkEveryWorker(server.url, workers, shapes);
    for (const shape of shapes) await drive(shape, options.warmupS);
    const rounds = shapes.map(() => ({ perSec: [] as number[], failed: 0 }));
    for (let r = 0; r < options.rounds; r++) {
      for (const [i, shape] of shapes.entries()) {
        const result = await drive(shape, options.durationS);
        const perSec = (result["2xx"] / result.duration) * options.batchSize;
        const record = rounds[i] as { perSec: number[]; failed: number };
        record.perSec.push(perSec);
        record.failed += result.non2xx + result.errors;
        console.log(`  round ${r + 1}: ${workers} workers, ${shape.name}: ${fmt(perSec)} decisions/s`);
      }
    }
    return shapes.map((shape, i) => {
      const record = rounds[i] as { perSec: number[]; failed: number };
      return { shape: shape.name, decisionsPerSec: summarize(record.perSec), failed: record.failed };
    });
  } finally {
    await server.close();
  }
}
