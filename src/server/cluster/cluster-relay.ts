/**
 * `MetricsRelay`: the primary's part of a cluster scrape. The worker a
 * scrape landed on asks for the other workers' metrics; the relay asks each
 * of them, and answers with every snapshot, or with an error naming a
 * worker that did not answer in time. A partial answer is never sent: a sum
 * missing a worker would look like a counter reset (prometheus/client_js#181).
 */
import type { Worker } from "node:cluster";
import type { PrimaryMessage } from "./cluster-protocol.js";
import type { MetricsSnapshot } from "../server-metrics.js";

/** A listening worker and its slot. */
export interface SlotWorker {
  readonly slot: number;
  readonly worker: Worker;
}

interface Gathering {
  readonly asker: Worker;
  /** The asker's own request id. */
  readonly askerId: number;
  /** Cluster worker ids not heard from yet, with their slots. */
  readonly waiting: Map<number, number>;
  readonly parts: MetricsSnapshot[];
  readonly timer: NodeJS.Timeout;
}

/** Relays metrics requests between workers; see the module comment. */
export class MetricsRelay {
  readonly #timeoutMs: number;
  readonly #gatherings = new Map<number, Gathering>();
  #next = 0;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** `asker` wants the metrics of `others` (the other listening workers) for its request `askerId`. */
  request(asker: Worker, askerId: number, others: readonly SlotWorker[]): void {
    const id = this.#next++;
    const waiting = new Map(others.filter((o) => o.worker.isConnected()).map((o) => [o.worker.id, o.slot]));
    const timer = setTimeout(() => { this.#timedOut(id); }, this.#timeoutMs);
    this.#gatherings.set(id, { asker, askerId, waiting, parts: [], timer });
    for (const { worker } of others) if (waiting.has(worker.id)) worker.send({ type: "treerights:metrics-collect", id } satisfies PrimaryMessage);
    this.#finishIfComplete(id);
  }

  /** `worker` answered request `id` with its snapshot. */
  part(worker: Worker, id: number, snapshot: MetricsSnapshot): void {
    const gathering = this.#gatherings.get(id);
    if (gathering?.waiting.delete(worker.id) !== true) return;
    gathering.parts.push(snapshot);
    this.#finishIfComplete(id);
  }

  /** `worker` is gone: no request waits for it (its counts went with it), and its own requests are dropped. */
  gone(worker: Worker): void {
    for (const [id, gathering] of this.#gatherings) {
      if (gathering.asker === worker) this.#end(id);
      else if (gathering.waiting.delete(worker.id)) this.#finishIfComplete(id);
    }
  }

  #finishIfComplete(id: number): void {
    const gathering = this.#gatherings.get(id);
    if (gathering === undefined || gathering.waiting.size > 0) return;
    this.#end(id);
    this.#reply(gathering, { type: "treerights:metrics-parts", id: gathering.askerId, parts: gathering.parts });
  }

  #timedOut(id: number): void {
    const gathering = this.#gatherings.get(id);
    if (gathering === undefined) return;
    this.#end(id);
    const slots = [...gathering.waiting.values()].sort((a, b) => a - b);
    const who = slots.length === 1 ? `worker ${String(slots[0])}` : `workers ${slots.join(", ")}`;
    this.#reply(gathering, { type: "treerights:metrics-failed", id: gathering.askerId, message: `${who} did not answer within ${this.#timeoutMs} ms` });
  }

  #end(id: number): void {
    const gathering = this.#gatherings.get(id);
    if (gathering !== undefined) clearTimeout(gathering.timer);
    this.#gatherings.delete(id);
  }

  #reply(gathering: Gathering, message: PrimaryMessage): void {
    if (gathering.asker.isConnected()) gathering.asker.send(message);
  }
}
