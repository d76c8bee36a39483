/**
 * The HTTP decision service: `buildServer` over a live tree (for tests and
 * embedding), `serve` to open a tree and listen.
 */

// Building and running the server
export { buildServer } from "./build-server.js";
export { serve } from "./serve.js";

// Configuration and the running server
export type { ServerOptions, RunningServer } from "./server-options.js";

// HTTP error codes and bodies, and the change feed's answer
export { API_ERROR_CODES } from "./api-error.js";
export type { ApiErrorCode, ErrorBody } from "./api-error.js";
export type { ChangeFeed } from "./changes-route.js";
