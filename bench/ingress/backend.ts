/**
 * The backend of `bench/ingress.ts`, in its own process (a realistic
 * backend's cost, off the load generator's and nginx's CPU): a bare
 * `node:http` server on 127.0.0.1 answering every request with the same
 * 1,024-byte body (`text/plain`, `Content-Length`), keep-alive held longer
 * than nginx's upstream keepalive (65 s, the usual advice for Node behind
 * nginx). Counts requests and connections, and remembers the last request's
 * URL and identity headers (the witness that a denied request never came).
 *
 *   node --import tsx bench/ingress/backend.ts
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BODY_BYTES } from "./protocol.js";
import type { ChildReply, ChildRequest, ChildStats } from "./protocol.js";

function main(): void {
  const body = Buffer.alloc(BODY_BYTES, "treerights-ingress-bench ");
  let requests = 0;
  let connections = 0;
  let last: ChildStats["last"];
  const server = createServer((req, res) => {
    requests++;
    const user = req.headers["x-auth-user"];
    last = { url: req.url ?? "", authUser: typeof user === "string" ? user : null, hasToken: typeof req.headers["x-auth-token"] === "string" };
    // A GET carries no body; anything else is drained before the answer.
    req.resume();
    res.writeHead(200, { "content-type": "text/plain", "content-length": String(BODY_BYTES) });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.on("connection", () => { connections++; });
  const send = (message: ChildReply): void => { process.send?.(message); };
  process.on("message", (message: ChildRequest) => {
    if (message.type === "stats") {
      const { user, system } = process.cpuUsage();
      send({ type: "stats", id: message.id, stats: { cpuMicros: user + system, requests, connections, ...(last === undefined ? {} : { last }) } });
    } else {
      server.closeAllConnections();
      server.close(() => {
        send({ type: "closed", id: message.id });
        process.disconnect();
      });
    }
  });
  // The parent gone (killed, crashed): go too.
  process.on("disconnect", () => { process.exit(0); });
  server.listen(0, "127.0.0.1", () => { send({ type: "ready", port: (server.address() as AddressInfo).port }); });
}

main();
