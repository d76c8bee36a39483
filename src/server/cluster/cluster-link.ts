/**
 * `WorkerLink`: what a cluster worker's server knows of the cluster: which
 * worker it is (for `/v1/status`), and how to gather every worker's metrics
 * through the primary (for `/metrics`). The worker entry installs one per
 * process before building its server; outside a cluster worker there is none.
 */
import type { PrimaryMessage, WorkerMessage } from "./cluster-protocol.js";
import type { MetricsSnapshot, ServerMetrics } from "../server-metrics.js";

/** Which worker answered: its slot, the worker count, its process id. */
export interface WorkerIdentity {
  readonly id: number;
  readonly count: number;
  readonly pid: number;
}

/** The other workers' metrics did not arrive in time (or the primary is gone). */
export class MetricsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetricsUnavailableError";
  }
}

type Settle = (outcome: { parts: readonly MetricsSnapshot[] } | { error: string }) => void;

/** One worker's side of the cluster; see the module comment. */
export class WorkerLink {
  readonly identity: WorkerIdentity;
  readonly #send: (message: WorkerMessage) => boolean;
  readonly #waitMs: number;
  readonly #pending = new Map<number, Settle>();
  #metrics: ServerMetrics | undefined;
  #next = 0;

  /** `send` posts to the primary (false when the channel is closed); a scrape waits at most `waitMs` for the others' metrics. */
  constructor(identity: WorkerIdentity, send: (message: WorkerMessage) => boolean, waitMs: number) {
    this.identity = identity;
    this.#send = send;
    this.#waitMs = waitMs;
  }

  /** Binds the server's metrics, which the primary's `metrics-collect` requests read. */
  // INVARIANT: a cluster worker process runs exactly one server, so one `attach`.
  attach(metrics: ServerMetrics): void {
    this.#metrics = metrics;
  }

  /** Handles a message from the primary meant for the link; false for any other message. */
  receive(message: PrimaryMessage): boolean {
    switch (message.type) {
      case "treerights:metrics-collect":
        // A snapshot that fails is a part that never arrives: the primary answers the scrape 503.
        this.#answerCollect(message.id).catch(() => undefined);
        return true;
      case "treerights:metrics-parts":
        this.#settle(message.id, { parts: message.parts });
        return true;
      case "treerights:metrics-failed":
        this.#settle(message.id, { error: message.message });
        return true;
      default:
        return false;
    }
  }

  /**
   * The whole cluster's metrics, rendered by `metrics` (this worker's): asks
   * the primary for every other worker's snapshot. Throws a
   * `MetricsUnavailableError` when they do not all arrive within the wait.
   */
  async render(metrics: ServerMetrics): Promise<{ contentType: string; body: string }> {
    const parts = await this.#gather();
    return metrics.renderWith(parts);
  }

  #gather(): Promise<readonly MetricsSnapshot[]> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle(id, { error: `the primary did not answer within ${this.#waitMs} ms` });
      }, this.#waitMs);
      this.#pending.set(id, (outcome) => {
        clearTimeout(timer);
        if ("parts" in outcome) resolve(outcome.parts);
        else reject(new MetricsUnavailableError(`metrics of every worker could not be gathered: ${outcome.error}`));
      });
      if (!this.#send({ type: "treerights:metrics-request", id })) this.#settle(id, { error: "the channel to the primary is closed" });
    });
  }

  #settle(id: number, outcome: Parameters<Settle>[0]): void {
    const settle = this.#pending.get(id);
    this.#pending.delete(id);
    settle?.(outcome);
  }

  async #answerCollect(id: number): Promise<void> {
    // Unanswered, the request times out in the primary: a server not built yet has nothing true to report.
    if (this.#metrics === undefined) return;
    this.#send({ type: "treerights:metrics-part", id, snapshot: await this.#metrics.snapshot() });
  }
}

let installed: WorkerLink | undefined;

/** Makes `link` this process's link; called once by the worker entry. */
export function installWorkerLink(link: WorkerLink): void {
  installed = link;
}

/** This process's link, when it is a treerights cluster worker. */
export function workerLink(): WorkerLink | undefined {
  return installed;
}
