/**
 * `ClusterSupervisor`: the primary's care of its worker processes. It forks
 * one per slot, resolves `start` once every one listens (or rejects with the
 * first one's failure), restarts a worker that dies while serving (after a
 * backoff that doubles per quick death), relays metrics requests, and stops
 * them all gracefully, killing what outlives the timeout.
 */
import cluster from "node:cluster";
import type { Worker } from "node:cluster";
import type { ClusterLog } from "./cluster-log.js";
import { ClusterError, fromWireError, isWorkerMessage } from "./cluster-protocol.js";
import type { PrimaryMessage, WorkerConfig, WorkerMessage } from "./cluster-protocol.js";
import { MetricsRelay } from "./cluster-relay.js";
import type { SlotWorker } from "./cluster-relay.js";
import type { ClusterWorker } from "../server-options.js";

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;
// A worker that ran this long before dying starts its slot's backoff over.
const STABLE_MS = 10_000;
// How long a SIGKILLed worker may take to be reaped.
const KILL_WAIT_MS = 2_000;
// After a worker exits, how long its channel may take to close: messages sent before the exit arrive before the close.
const DISCONNECT_WAIT_MS = 1_000;

/** Where the workers listen, as the first one to listen reported it. */
export interface BoundAddress {
  readonly address: string;
  readonly port: number;
}

/** What the supervisor needs. */
export interface SupervisorSettings {
  readonly count: number;
  /** The configuration sent to the worker in slot `id`. */
  readonly config: (id: number) => WorkerConfig;
  readonly log: ClusterLog;
  /** How long the relay waits for workers' metrics. */
  readonly metricsTimeoutMs: number;
}

interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
}

interface Slot {
  readonly id: number;
  /** The process in the slot, until it is gone. */
  worker: Worker | undefined;
  /** Settles once that process is gone and handled. */
  ended: Promise<void>;
  listening: boolean;
  forkedAt: number;
  /** Quick deaths in a row, for the backoff. */
  crashes: number;
  restartTimer: NodeJS.Timeout | undefined;
  /** What the process reported before it ended. */
  failure: Error | undefined;
}

type Phase = "starting" | "serving" | "stopping";

/** Supervises the workers of one cluster server; see the module comment. */
export class ClusterSupervisor {
  readonly #settings: SupervisorSettings;
  readonly #slots: Slot[];
  readonly #relay: MetricsRelay;
  #phase: Phase = "starting";
  #bound: BoundAddress | undefined;
  #started: { resolve: (bound: BoundAddress) => void; reject: (error: Error) => void } | undefined;
  #stopping: Promise<void> | undefined;

  constructor(settings: SupervisorSettings) {
    this.#settings = settings;
    this.#relay = new MetricsRelay(settings.metricsTimeoutMs);
    this.#slots = Array.from({ length: settings.count }, (_, i) => ({
      id: i + 1, worker: undefined, ended: Promise.resolve(), listening: false, forkedAt: 0, crashes: 0, restartTimer: undefined, failure: undefined,
    }));
  }

  /** Forks every worker; resolves once all listen, rejects with the first failure or after `timeoutMs`. Call once. */
  start(timeoutMs: number): Promise<BoundAddress> {
    return new Promise<BoundAddress>((resolve, reject) => {
      const timer = setTimeout(() => {
        const waiting = this.#slots.filter((s) => !s.listening).length;
        this.#startFailed(new ClusterError(`${String(waiting)} of ${String(this.#slots.length)} workers were not listening after ${String(timeoutMs)} ms`, "start_timeout"));
      }, timeoutMs);
      const settled = (): void => {
        clearTimeout(timer);
        this.#started = undefined;
      };
      this.#started = {
        resolve: (bound) => { settled(); resolve(bound); },
        reject: (error) => { settled(); reject(error); },
      };
      for (const slot of this.#slots) this.#fork(slot);
    });
  }

  /**
   * Asks every worker to shut down gracefully and resolves once all are
   * gone; after `timeoutMs`, kills the rest and rejects (`stop_timeout`).
   * No worker is restarted from then on. Idempotent.
   */
  stop(timeoutMs: number): Promise<void> {
    this.#stopping ??= this.#stopAll(timeoutMs);
    return this.#stopping;
  }

  /** The slots as they are now. */
  workers(): readonly ClusterWorker[] {
    return this.#slots.map((s) => ({ id: s.id, pid: s.worker?.process.pid, state: slotState(s) }));
  }

  #fork(slot: Slot): void {
    const worker = cluster.fork();
    slot.worker = worker;
    slot.listening = false;
    slot.failure = undefined;
    slot.forkedAt = performance.now();
    slot.ended = processGone(worker).then((exit) => { this.#ended(slot, worker, exit); });
    worker.on("message", (message: unknown) => { this.#onMessage(slot, worker, message); });
    // A failed send on a closing channel; the exit that follows is what counts.
    worker.on("error", (error: Error) => { this.#settings.log.warn({ worker: slot.id, err: error }, "worker channel error"); });
  }

  #onMessage(slot: Slot, worker: Worker, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    switch (message.type) {
      case "treerights:hello":
        send(worker, this.#phase === "stopping" ? { type: "treerights:shutdown" } : { type: "treerights:start", config: this.#settings.config(slot.id) });
        break;
      case "treerights:ready":
        this.#ready(slot, worker, message);
        break;
      case "treerights:failed":
        slot.failure = fromWireError(message.error);
        break;
      case "treerights:log":
        this.#settings.log.raw(message.line);
        break;
      case "treerights:metrics-request":
        this.#relay.request(worker, message.id, this.#listeningWorkers().filter((o) => o.worker !== worker));
        break;
      case "treerights:metrics-part":
        this.#relay.part(worker, message.id, message.snapshot);
        break;
    }
  }

  #ready(slot: Slot, worker: Worker, bound: Extract<WorkerMessage, { type: "treerights:ready" }>): void {
    slot.listening = true;
    if (this.#phase === "serving") {
      this.#settings.log.info({ worker: slot.id, pid: worker.process.pid }, "worker restarted");
      // The shared socket closes when the last worker is gone; asked for port 0, the replacements get another one.
      if (bound.port !== this.#bound?.port) this.#settings.log.error({ worker: slot.id, port: bound.port, previousPort: this.#bound?.port }, "every worker had died and the replacement listens on another port");
      return;
    }
    if (this.#phase !== "starting") return;
    // Workers share the primary's listening socket: all report the same address.
    this.#bound ??= { address: bound.address, port: bound.port };
    if (this.#slots.every((s) => s.listening)) {
      this.#phase = "serving";
      this.#started?.resolve(this.#bound);
    }
  }

  #ended(slot: Slot, worker: Worker, exit: Exit): void {
    slot.worker = undefined;
    slot.listening = false;
    this.#relay.gone(worker);
    if (this.#phase === "starting") {
      const how = exit.signal === null ? `code ${String(exit.code)}` : exit.signal;
      this.#startFailed(slot.failure ?? new ClusterError(`worker ${String(slot.id)} exited (${how}) before listening`, "worker_exited"));
    } else if (this.#phase === "serving") {
      this.#restartLater(slot, worker, exit);
    }
  }

  #restartLater(slot: Slot, worker: Worker, exit: Exit): void {
    if (performance.now() - slot.forkedAt >= STABLE_MS) slot.crashes = 0;
    const delay = Math.min(FIRST_BACKOFF_MS * 2 ** slot.crashes, MAX_BACKOFF_MS);
    slot.crashes++;
    const failure = slot.failure === undefined ? {} : { err: slot.failure };
    this.#settings.log.warn({ worker: slot.id, pid: worker.process.pid, code: exit.code, signal: exit.signal, restartInMs: delay, ...failure }, "worker exited unexpectedly; restarting it");
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.#phase === "serving") this.#fork(slot);
    }, delay);
  }

  #startFailed(error: Error): void {
    this.#started?.reject(error);
  }

  #listeningWorkers(): SlotWorker[] {
    const listening: SlotWorker[] = [];
    for (const s of this.#slots) if (s.listening && s.worker !== undefined) listening.push({ slot: s.id, worker: s.worker });
    return listening;
  }

  async #stopAll(timeoutMs: number): Promise<void> {
    this.#phase = "stopping";
    this.#startFailed(new ClusterError("the server was closed before every worker listened", "stopped"));
    for (const slot of this.#slots) {
      clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
      if (slot.worker !== undefined) send(slot.worker, { type: "treerights:shutdown" });
    }
    if (await settlesWithin(Promise.all(this.#slots.map((s) => s.ended)), timeoutMs)) return;
    const stuck = this.#slots.filter((s) => s.worker !== undefined);
    for (const slot of stuck) slot.worker?.process.kill("SIGKILL");
    await settlesWithin(Promise.all(stuck.map((s) => s.ended)), KILL_WAIT_MS);
    const ids = stuck.map((s) => s.id).join(", ");
    throw new ClusterError(`worker${stuck.length === 1 ? "" : "s"} ${ids} did not stop within ${String(timeoutMs)} ms and ${stuck.length === 1 ? "was" : "were"} killed`, "stop_timeout");
  }
}

function slotState(slot: Slot): ClusterWorker["state"] {
  if (slot.listening) return "listening";
  if (slot.worker !== undefined) return "starting";
  return slot.restartTimer === undefined ? "stopped" : "restarting";
}

function send(worker: Worker, message: PrimaryMessage): void {
  if (worker.isConnected()) worker.send(message);
}

/** Resolves once `worker` has exited and its channel has closed (or a moment after the exit). */
function processGone(worker: Worker): Promise<Exit> {
  const disconnected = new Promise<void>((resolve) => {
    if (worker.isConnected()) worker.once("disconnect", resolve);
    else resolve();
  });
  return new Promise<Exit>((resolve) => {
    worker.once("exit", (code: number | null, signal: string | null) => {
      const exit = { code, signal };
      const timer = setTimeout(() => { resolve(exit); }, DISCONNECT_WAIT_MS);
      void disconnected.then(() => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
  });
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => { resolve(false); }, ms); });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
