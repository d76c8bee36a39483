/**
 * Batches against `serve({ workers })`, the product's multi-process mode:
 * one server on one loopback port (this process is its cluster primary),
 * driven by as many autocannon threads as workers, 16 connections each.
 * Every worker's answers are checked against the index before any figure.
 */
import autocannon from "autocannon";
import { serveCluster } from "../src/server/index.js";
import { checkAnswers, JSON_HEADERS } from "./http-bodies.js";
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
    console.log(`serve --workers ${workers} on ${server.url}; autocannon: ${workers} thread${workers === 1 ? "" : "s"}, ${CONNECTIONS_PER_WORKER * workers} connections`);
    const drive = (shape: BatchShape, seconds: number): Promise<autocannon.Result> => autocannon({
      url: server.url, connections: CONNECTIONS_PER_WORKER * workers, duration: seconds, workers,
      requests: shape.bodies.map((body) => ({ method: "POST" as const, path: "/v1/check/batch", headers: JSON_HEADERS, body })),
    });
    for (const shape of shapes) {
      // Fresh connections reach every worker in turn: a few answers from each before anything is timed.
      for (let i = 0; i < 2 * workers; i++) await checkAnswers(server.url, shape);
      await drive(shape, options.warmupS);
    }
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
