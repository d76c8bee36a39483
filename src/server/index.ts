/**
 * The HTTP decision service: `buildServer` over a live tree (for tests and
 * embedding), `serve` to open a tree and listen, in one process or in
 * several on one port (`workers`).
 */

// Building and running the server
export { buildServer } from "./build-server.js";
export { serve } from "./serve.js";
export { serveCluster } from "./cluster/cluster-primary.js";

// Configuration and the running server
export { MAX_WORKERS } from "./server-options.js";
export type { ServerOptions, ServeOptions, ClusterOptions, ListeningServer, RunningServer, ClusterServer, ClusterWorker } from "./server-options.js";
export { ClusterError, CLUSTER_ERROR_CODES } from "./cluster/cluster-protocol.js";
export type { ClusterErrorCode } from "./cluster/cluster-protocol.js";

// HTTP error codes and bodies, and the change feed's answer
export { API_ERROR_CODES } from "./api-error.js";
export type { ApiErrorCode, ErrorBody } from "./api-error.js";
export type { ChangeFeed } from "./changes-route.js";
