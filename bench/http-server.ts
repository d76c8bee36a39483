/**
 * One server of `bench/http.ts`, in its own process so that the load
 * generator never shares its event loop: either a bare fastify app with one
 * POST route returning a constant, or the treerights server on a tree on
 * disk. Both listen on 127.0.0.1:0 and answer the parent over IPC:
 *
 *   node --import tsx bench/http-server.ts bare
 *   node --import tsx bench/http-server.ts treerights <dir>
 *
 * Messages from the parent: `{ type: "cpu" }` (process CPU time so far, µs),
 * `{ type: "inject", url, bodies, samples }` (in-process timings of
 * `app.inject`, ms), `{ type: "close" }`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { fastify } from "fastify";
import type { FastifyInstance } from "fastify";
import { serve } from "../src/server/index.js";
import { BARE_ANSWER } from "./http-protocol.js";
import type { ParentMessage, ReadyMessage, ReplyMessage } from "./http-protocol.js";

async function bare(): Promise<{ app: FastifyInstance; revision: null }> {
  const app = fastify({ logger: false });
  app.post("/v1/check", (_request, reply) => reply.send(BARE_ANSWER));
  // The same body limit as the batch endpoint, so bare can take batch bodies too.
  app.post("/v1/check/batch", { bodyLimit: 16 * 1024 * 1024 }, (_request, reply) => reply.send(BARE_ANSWER));
  await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, revision: null };
}

async function treerights(dir: string): Promise<{ app: FastifyInstance; revision: string; close: () => Promise<void> }> {
  // As `treerights serve` runs (logger at info, process metrics on), with the
  // log lines thrown away: only lifecycle events are logged anyway.
  const sink = new Writable({ write: (_chunk, _encoding, done) => { done(); } });
  const server = await serve(dir, { host: "127.0.0.1", port: 0, watch: false, logger: { level: "info", stream: sink } });
  return { app: server.app, revision: server.tree.index.revision, close: () => server.close() };
}

async function main(): Promise<void> {
  const [kind, dir] = process.argv.slice(2);
  const send = (message: ReadyMessage | ReplyMessage): void => {
    process.send?.(message);
  };
  let app: FastifyInstance;
  let revision: string | null;
  let close: () => Promise<void>;
  if (kind === "bare") {
    ({ app, revision } = await bare());
    close = () => app.close();
  } else if (kind === "treerights" && dir !== undefined) {
    ({ app, revision, close } = await treerights(dir));
  } else {
    throw new Error("usage: http-server.ts bare | treerights <dir>");
  }
  const port = (app.server.address() as { port: number }).port;
  process.on("message", (message: ParentMessage) => {
    void (async () => {
      switch (message.type) {
        case "cpu": {
          const { user, system } = process.cpuUsage();
          send({ type: "cpu", id: message.id, micros: user + system, threads: threadTicks() });
          break;
        }
        case "inject":
          send({ type: "inject", id: message.id, ms: await injectTimes(app, message.url, message.bodies, message.samples) });
          break;
        case "close":
          await close();
          send({ type: "closed", id: message.id });
          process.disconnect();
          break;
      }
    })();
  });
  send({ type: "ready", port, revision });
}

/** CPU clock ticks (1/100 s) per thread name of this process, from /proc (empty elsewhere): which threads the CPU time went to. */
function threadTicks(): Record<string, number> {
  const ticks: Record<string, number> = {};
  let tasks: string[];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch {
    return ticks;
  }
  for (const tid of tasks) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    } catch {
      continue; // The thread ended meanwhile.
    }
    // "tid (comm) state ...": utime and stime are fields 14 and 15, the 12th and 13th after the comm.
    const close = stat.lastIndexOf(")");
    const name = tid === String(process.pid) ? "main" : stat.slice(stat.indexOf("(") + 1, close).replace(/[0-9]+$/, "");
    const fields = stat.slice(close + 2).split(" ");
    ticks[name] = (ticks[name] ?? 0) + Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** Whole-request times (routing, parsing, validation, deciding, serializing) without a socket, after 20 warm-up requests. */
async function injectTimes(app: FastifyInstance, url: string, bodies: readonly string[], samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const t0 = performance.now();
    const res = await app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload: bodies[i % bodies.length] ?? "" });
    const ms = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    if (i >= 20) times.push(ms);
  }
  return times;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
