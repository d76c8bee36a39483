/** `listenToTree`: logs a live tree's reloads, rejections, recoveries, warnings and watch failures, and counts them. */
import type { FastifyBaseLogger } from "fastify";
import { formatProblem } from "../engine/index.js";
import type { RejectedLoad, ReloadEvent, TreeHandle } from "../loader/index.js";
import type { ServerMetrics } from "./server-metrics.js";

// Enough to act on in a log line; the full list is in `/v1/status`.
const PROBLEMS_LOGGED = 20;

// The changed files a reload's log line names; the rest are counted.
const FILES_LOGGED = 5;

/** The first changed files, then how many more: `a/access.rights, b/access.rights and 3 more`. */
export function namedFiles(files: readonly string[]): string {
  const named = files.slice(0, FILES_LOGGED).join(", ");
  return files.length > FILES_LOGGED ? `${named} and ${files.length - FILES_LOGGED} more` : named;
}

/** Subscribes to the tree's events; returns the function that unsubscribes. */
export function listenToTree(tree: TreeHandle, log: FastifyBaseLogger, metrics: ServerMetrics): () => void {
  const onReload = (event: ReloadEvent): void => {
    metrics.reloaded();
    log.info(
      {
        revision: event.index.revision, previous: event.previous.revision, durationMs: event.durationMs,
        changedFiles: event.changedFiles.length, files: namedFiles(event.changedFiles),
        ...(event.commit === undefined ? {} : { commit: event.commit }),
      },
      "rights tree reloaded",
    );
  };
  const onRejected = (rejected: RejectedLoad): void => {
    metrics.rejected();
    const errors = rejected.problems.filter((p) => p.severity === "error");
    log.warn(
      { revision: rejected.revision, problems: errors.slice(0, PROBLEMS_LOGGED).map(formatProblem), problemCount: errors.length },
      "rights tree reload rejected; the previous index keeps answering",
    );
  };
  const onRecovered = (rejected: RejectedLoad): void => {
    log.info({ rejectedRevision: rejected.revision, rejectedAt: rejected.at, revision: tree.index.revision }, "rights tree loads again; the rejection is over");
  };
  const onWatchError = (error: Error): void => {
    log.error({ err: error }, "watching the rights tree failed");
  };
  const onWarning = (message: string): void => {
    log.warn(message);
  };
  tree.on("reload", onReload);
  tree.on("rejected", onRejected);
  tree.on("recovered", onRecovered);
  tree.on("watch-error", onWatchError);
  tree.on("warning", onWarning);
  return () => {
    tree.off("reload", onReload);
    tree.off("rejected", onRejected);
    tree.off("recovered", onRecovered);
    tree.off("watch-error", onWatchError);
    tree.off("warning", onWarning);
  };
}
