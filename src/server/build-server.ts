/** `buildServer`: a configured fastify instance answering decisions from a live tree. */
import { fastify, LogController } from "fastify";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import type { TreeHandle } from "../loader/index.js";
import { AnswerCache } from "./answers.js";
import { registerChangesRoute } from "./changes-route.js";
import type { ServerConfig } from "./config/server-config.js";
import { registerDecisionRoutes } from "./decision-routes.js";
import { registerIdentityRoutes } from "./identity/identity-routes.js";
import { registerAuthzRoutes } from "./ingress/authz-route.js";
import { openIdentity } from "./identity/open-identity.js";
import { useJsonParser } from "./json-body.js";
import { createNotFoundHandler, handleClientError, handleError } from "./error-handler.js";
import { registerOpenApi } from "./openapi.js";
import { registerOpsRoutes } from "./ops-routes.js";
import type { ServerState } from "./ops-routes.js";
import { resolveServerOptions } from "./server-options.js";
import type { ResolvedServerOptions, ServerOptions } from "./server-options.js";
import { ServerMetrics } from "./server-metrics.js";
import { listenToTree } from "./tree-listeners.js";
import { createValidatorCompiler, formatSchemaErrors } from "./validation.js";
import { VERSION } from "./version.js";
import { registerWhereRoute } from "./where-route.js";
import { registerExplorerRoutes } from "./explorer-routes.js";
import { defaultUiDir, registerUiRoutes } from "./ui-routes.js";

const REAP_INTERVAL_MS = 25;
// Without a server config: no realms, nothing protected, no tokens, no decision log.
const NO_IDENTITY_CONFIG: ServerConfig = Object.freeze({ file: "", realms: [], api: {}, ui: false });
// How soon answers follow a commit that moved without a swap (see `AnswerCache.refresh`).
const COMMIT_REFRESH_MS = 1000;

/**
 * Builds the decision server over `tree` without listening; call `listen`
 * or `inject` on the result. Closing the server unsubscribes from the tree
 * but leaves the tree open: its owner closes it.
 */
export async function buildServer(tree: TreeHandle, options: ServerOptions = {}): Promise<FastifyInstance> {
  const resolved = resolveServerOptions(options);
  const app = fastify(fastifyOptions(resolved));
  app.setValidatorCompiler(createValidatorCompiler());
  app.setErrorHandler(handleError);
  // Only JSON bodies: fastify would otherwise parse text/plain into a string.
  app.removeContentTypeParser("text/plain");
  useJsonParser(app);

  const routes = new Map<string, Set<string>>();
  app.addHook("onRoute", ({ url, method }) => {
    const methods = routes.get(url) ?? new Set<string>();
    for (const m of Array.isArray(method) ? method : [method]) methods.add(m);
    routes.set(url, methods);
  });
  app.setNotFoundHandler(createNotFoundHandler(routes));
  await registerOpenApi(app);
  // First, so that an unbuilt page fails before anything is opened. A flag (`ui`) wins over the config's `ui`.
  if (options.ui ?? options.serverConfig?.ui ?? false) await registerUiRoutes(app, { dir: options.uiDir ?? defaultUiDir() });

  const state: ServerState = { closing: false, startedAt: performance.now() };
  const metrics = new ServerMetrics(tree, VERSION, resolved.processMetrics);
  const answers = new AnswerCache(tree);
  const refresher = setInterval(() => { answers.refresh(); }, COMMIT_REFRESH_MS).unref();
  // A tree that says when its commit moved without a swap (ref mode) is followed at once, not at the next refresh.
  const onCommit = (): void => { answers.refresh(); };
  tree.on("commit", onCommit);
  const identity = await openIdentity(options.serverConfig ?? NO_IDENTITY_CONFIG, {
    log: app.log,
    index: () => answers.current().index,
    refused: (realm, code) => { metrics.refused(realm, code); },
    ...(options.decisionLogStream === undefined ? {} : { decisionLogStream: options.decisionLogStream }),
    ...(options.identityPollMs === undefined ? {} : { pollMs: options.identityPollMs }),
  });
  const { gatekeeper, decisionLog } = identity;
  metrics.watchRealms(() => gatekeeper.authenticator.status());
  // Before any route: each route of a protected family gets its guard as it is registered.
  gatekeeper.protect(app);
  registerDecisionRoutes(app, { answers, metrics, maxBatch: resolved.maxBatch, batchBodyLimit: resolved.batchBodyLimit, decisionLog });
  registerWhereRoute(app, { answers, metrics });
  registerChangesRoute(app, { tree, answers });
  registerIdentityRoutes(app, { gatekeeper, answers, metrics, issuer: identity.issuer, decisionLog, maxBatch: resolved.maxBatch });
  registerAuthzRoutes(app, { gatekeeper, answers, metrics, issuer: identity.issuer, decisionLog, ingress: options.serverConfig?.ingress });
  registerOpsRoutes(app, { tree, metrics, state, gatekeeper });
  registerExplorerRoutes(app, { tree, answers });

  const unlisten = listenToTree(tree, app.log, metrics);
  let reaper: NodeJS.Timeout | undefined;
  app.addHook("preClose", (done) => {
    state.closing = true;
    // Closing only reaps the connections idle at that moment; a keep-alive
    // connection whose request was in flight would linger for the keep-alive
    // timeout once answered, and hold the close up.
    reaper = setInterval(() => { app.server.closeIdleConnections(); }, REAP_INTERVAL_MS).unref();
    app.server.once("close", () => { clearInterval(reaper); });
    done();
  });
  app.addHook("onClose", async () => {
    clearInterval(reaper);
    clearInterval(refresher);
    tree.off("commit", onCommit);
    unlisten();
    await identity.close();
  });
  return app;
}

function fastifyOptions(options: ResolvedServerOptions): FastifyServerOptions {
  return {
    logger: options.logger === false ? false : { ...options.logger },
    // Decisions are too frequent to log one by one; lifecycle events are logged instead.
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger: pino builds one with a bindings string for
    // every request (~0.5 µs) and nothing logs per request but a 500, whose
    // line names the request id itself (see `handleError`).
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.bodyLimit,
    schemaErrorFormatter: formatSchemaErrors,
    // Errors raised before routing (a malformed URL) get the same error body,
    // and so do requests Node's HTTP parser refuses before fastify sees them.
    frameworkErrors: handleError,
    clientErrorHandler: handleClientError,
    // Requests already on an open connection are still answered while draining;
    // `/readyz` reports 503 so that balancers stop sending new ones.
    return503OnClosing: false,
  };
}
