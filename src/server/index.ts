/**
 * The HTTP decision service: `buildServer` over a live tree (for tests and
 * embedding), `serve` to open a tree and listen.
 */

// Building and running the server
export { buildServer } from "./build-server.js";
export { serve } from "./serve.js";

// Configuration and the running server
export type { ServerOptions, RunningServer } from "./server-options.js";
