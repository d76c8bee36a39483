/**
 * treerights for `bench/ingress.ts`, in its own process: `serve(tree, {
 * configFile, port: 0, logger: false, watch: false, processMetrics: false
 * })` on 127.0.0.1, optionally with `workers` (a cluster primary forking
 * its workers; their CPU is read from /proc). Counts requests and
 * connections (single process only; in cluster mode they are NaN).
 *
 *   node --import tsx bench/ingress/server.ts <tree dir> <server config> [workers]
 */
import { readFileSync } from "node:fs";
import { serve, serveCluster } from "../../src/server/index.js";
import type { ChildReply, ChildRequest } from "./protocol.js";
import { procCpuMicros } from "./protocol.js";

function readStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${String(pid)}/stat`, "utf8");
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const [dir, configFile, workersArg] = process.argv.slice(2);
  if (dir === undefined || configFile === undefined) throw new Error("usage: server.ts <tree dir> <server config> [workers]");
  const workers = Number(workersArg ?? "1");
  const common = { configFile, host: "127.0.0.1", port: 0, watch: false, logger: false, processMetrics: false } as const;
  let requests = 0;
  let connections = 0;
  let cpuOfWorkers: () => number = () => 0;
  let close: () => Promise<void>;
  let port: number;
  if (workers === 1) {
    const server = await serve(dir, common);
    server.app.server.on("request", () => { requests++; });
    server.app.server.on("connection", () => { connections++; });
    close = () => server.close();
    port = server.port;
  } else {
    const server = await serveCluster(dir, { ...common, workers });
    requests = Number.NaN;
    connections = Number.NaN;
    cpuOfWorkers = () => server.workers().reduce((sum, w) => sum + (w.pid === undefined ? Number.NaN : procCpuMicros(readStat(w.pid))), 0);
    close = () => server.close();
    port = server.port;
  }
  const send = (message: ChildReply): void => { process.send?.(message); };
  process.on("message", (message: ChildRequest) => {
    void (async () => {
      if (message.type === "stats") {
        const { user, system } = process.cpuUsage();
        send({ type: "stats", id: message.id, stats: { cpuMicros: user + system + cpuOfWorkers(), requests, connections } });
      } else {
        await close();
        send({ type: "closed", id: message.id });
        process.disconnect();
      }
    })();
  });
  process.on("disconnect", () => {
    void close().finally(() => { process.exit(0); });
  });
  send({ type: "ready", port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
