/**
 * One server of `bench/identity.ts`, in its own process so that autocannon
 * (in the parent) never shares its event loop: `serve(dir, { configFile,
 * port: 0, logger: false })` on 127.0.0.1, tree not watched, no process
 * metrics.
 *
 *   node --import tsx bench/identity/server.ts <tree dir> <server config>
 *
 * Messages from the parent over IPC: `{ type: "cpu", id }` (process CPU time
 * so far, µs), `{ type: "close", id }`. Sends `{ type: "ready", port }` once
 * listening.
 */
import { serve } from "../../src/server/index.js";

/** Messages the parent sends. */
export type ServerRequest = { readonly type: "cpu"; readonly id: number } | { readonly type: "close"; readonly id: number };
/** What this process sends back. */
export type ServerReply =
  | { readonly type: "ready"; readonly port: number }
  | { readonly type: "cpu"; readonly id: number; readonly micros: number }
  | { readonly type: "closed"; readonly id: number };

async function main(): Promise<void> {
  const [dir, configFile] = process.argv.slice(2);
  if (dir === undefined || configFile === undefined) throw new Error("usage: server.ts <tree dir> <server config>");
  const server = await serve(dir, { configFile, host: "127.0.0.1", port: 0, watch: false, logger: false, processMetrics: false });
  const send = (message: ServerReply): void => { process.send?.(message); };
  process.on("message", (message: ServerRequest) => {
    void (async () => {
      if (message.type === "cpu") {
        const { user, system } = process.cpuUsage();
        send({ type: "cpu", id: message.id, micros: user + system });
      } else {
        await server.close();
        send({ type: "closed", id: message.id });
        process.disconnect();
      }
    })();
  });
  send({ type: "ready", port: server.port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
