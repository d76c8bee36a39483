/**
 * `ServerMetrics`: the Prometheus metrics of one server, in its own registry.
 * Decisions and their durations are counted in plain numbers on the request
 * path and turned into exposition text only when scraped. In a cluster, the
 * worker answering a scrape renders its own metrics merged with the other
 * workers' snapshots (`renderWith`).
 */
import type { RealmStatus } from "./identity/identity.js";
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { Access } from "../engine/index.js";
import type { TreeHandle } from "../loader/index.js";
import { DurationHistogram } from "./duration-histogram.js";

/** The endpoints whose decision time is measured. */
export type DecisionEndpoint = "check" | "batch" | "explain" | "groups" | "where";

const ENDPOINTS: readonly DecisionEndpoint[] = ["check", "batch", "explain", "groups", "where"];

// Seconds; a single decision takes about a microsecond, a 10,000-check batch milliseconds.
const DURATION_BUCKETS = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1];

/** One server's metrics as plain data, to merge with other workers' (it crosses IPC with structured clone). */
export interface MetricsSnapshot {
  /** The registry's metrics, as prom-client's `getMetricsAsJSON` gives them. */
  readonly registry: Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;
  /** The decision-duration histogram's cells (`DurationHistogram.snapshot`). */
  readonly durations: Float64Array;
}

/** Index of a decision counter slot: READ deny, READ allow, WRITE deny, WRITE allow. */
export function decisionSlot(access: Access, allowed: boolean): number {
  return (access === "WRITE" ? 2 : 0) + (allowed ? 1 : 0);
}

const WATCH_STATES = ["watching", "failed", "off"] as const;

/** The metrics of one server; `registry` is what `/metrics` renders. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #decisions = new Float64Array(4);
  readonly #reloads: Counter;
  readonly #rejected: Counter;
  readonly #durations: DurationHistogram<DecisionEndpoint>;
  readonly #series: Readonly<Record<DecisionEndpoint, number>>;
  #refusals: Counter<"realm" | "code"> | undefined;

  /** `tree` is read at scrape time for the gauges (file count, revision, a pending rejection, the watch state). */
  constructor(tree: Pick<TreeHandle, "index" | "status">, version: string, processMetrics: boolean) {
    const currentIndex = () => tree.index;
    const registers = [this.registry];
    const decisions = this.#decisions;
    new Counter({
      name: "treerights_decisions_total",
      help: "Decisions answered, by access level and result (a batch counts each check)",
      labelNames: ["access", "result"] as const,
      registers,
      collect() {
        this.reset();
        for (const access of ["READ", "WRITE"] as const) {
          this.inc({ access, result: "deny" }, decisions[decisionSlot(access, false)]);
          this.inc({ access, result: "allow" }, decisions[decisionSlot(access, true)]);
        }
      },
    });
    this.#reloads = new Counter({ name: "treerights_reloads_total", help: "Rights tree reloads swapped in", registers });
    this.#rejected = new Counter({ name: "treerights_rejected_reloads_total", help: "Rights tree reloads rejected (the previous index kept answering)", registers });
    // Label values are the constant endpoint names: nothing to escape.
    const durations = new DurationHistogram({
      name: "treerights_decision_duration_seconds",
      help: "Time spent deciding per request, without parsing and serialization",
      label: "endpoint",
      values: ENDPOINTS,
      bounds: DURATION_BUCKETS,
    });
    this.#durations = durations;
    this.#series = { check: durations.series("check"), batch: durations.series("batch"), explain: durations.series("explain"), groups: durations.series("groups"), where: durations.series("where") };
    // Merged over cluster workers, gauges keep the first snapshot's value: the answering worker's.
    new Gauge({
      name: "treerights_index_files",
      help: "Rights files in the serving index",
      registers,
      aggregator: "first",
      collect() {
        this.set(currentIndex().fileCount);
      },
    });
    new Gauge({
      name: "treerights_info",
      help: "The serving index revision and the treerights version (always 1)",
      labelNames: ["revision", "version"] as const,
      registers,
      // One series per revision any worker serves, each 1 (workers converge on one after a reload).
      aggregator: "first",
      collect() {
        this.reset();
        this.set({ revision: currentIndex().revision, version }, 1);
      },
    });
    // Gauges an alert can clear itself on: a broken edit raises one, its fix lowers it.
    new Gauge({
      name: "treerights_rejected_load_pending",
      help: "1 while the last load of the tree was rejected (the previous index keeps answering), else 0",
      registers,
      aggregator: "max",
      collect() {
        this.set(tree.status.rejected === null ? 0 : 1);
      },
    });
    new Gauge({
      name: "treerights_watch_state",
      help: "The file watcher's state: 1 for the current one of watching, failed and off",
      labelNames: ["state"] as const,
      registers,
      aggregator: "max",
      collect() {
        const now = tree.status.watch.state;
        for (const state of WATCH_STATES) this.set({ state }, state === now ? 1 : 0);
      },
    });
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Adds the identity metrics: refused credentials by realm and code, and per
   * realm its readiness and the age of its key set (OIDC).
   */
  watchRealms(realms: () => readonly RealmStatus[]): void {
    const registers = [this.registry];
    this.#refusals = new Counter({
      name: "treerights_auth_refusals_total",
      help: "Credentials refused, by realm (empty when no realm recognised the credential) and code",
      labelNames: ["realm", "code"] as const,
      registers,
    });
    new Gauge({
      name: "treerights_realm_ready",
      help: "1 while the realm can verify credentials, 0 while it cannot (its file does not load, its keys are too stale)",
      labelNames: ["realm", "kind"] as const,
      registers,
      aggregator: "min",
      collect() {
        this.reset();
        for (const r of realms()) this.set({ realm: r.name, kind: r.kind }, r.ready ? 1 : 0);
      },
    });
    new Gauge({
      name: "treerights_realm_keys_age_seconds",
      help: "Seconds since an OIDC realm last fetched its JWKS successfully",
      labelNames: ["realm"] as const,
      registers,
      aggregator: "max",
      collect() {
        this.reset();
        for (const r of realms()) if (r.keys?.ageSeconds !== undefined && r.keys.ageSeconds !== null) this.set({ realm: r.name }, r.keys.ageSeconds);
      },
    });
  }

  /** Counts a refused credential. */
  refused(realm: string | null, code: string): void {
    this.#refusals?.inc({ realm: realm ?? "", code });
  }

  /** Counts one decision. */
  decided(access: Access, allowed: boolean): void {
    const i = decisionSlot(access, allowed);
    this.#decisions[i] = (this.#decisions[i] ?? 0) + 1;
  }

  /** Counts a batch of decisions, tallied per `decisionSlot`. */
  decidedAll(counts: Float64Array): void {
    for (let i = 0; i < 4; i++) this.#decisions[i] = (this.#decisions[i] ?? 0) + (counts[i] ?? 0);
  }

  /** Records how long an endpoint spent deciding, from a `performance.now()` start. */
  timed(endpoint: DecisionEndpoint, startMs: number): void {
    this.#durations.observe(this.#series[endpoint], (performance.now() - startMs) / 1000);
  }

  /** Counts a reload that was swapped in. */
  reloaded(): void {
    this.#reloads.inc();
  }

  /** Counts a reload that was rejected. */
  rejected(): void {
    this.#rejected.inc();
  }

  /** The Prometheus text exposition and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    const body = await this.registry.metrics();
    return { contentType: this.registry.contentType, body: `${body}\n${this.#durations.render()}` };
  }

  /** This server's metrics as data, for another worker's `renderWith`. */
  async snapshot(): Promise<MetricsSnapshot> {
    return { registry: await this.registry.getMetricsAsJSON(), durations: this.#durations.snapshot() };
  }

  /**
   * The exposition of this server's metrics merged with `others` (the other
   * cluster workers'): counters and histograms summed, gauges by each
   * metric's `aggregator` (prom-client's `AggregatorRegistry.aggregate`;
   * this server's snapshot comes first, so `first` means this server's).
   */
  async renderWith(others: readonly MetricsSnapshot[]): Promise<{ contentType: string; body: string }> {
    const own = await this.registry.getMetricsAsJSON();
    const merged = AggregatorRegistry.aggregate([own, ...others.map((o) => o.registry)]);
    const body = await merged.metrics();
    return { contentType: this.registry.contentType, body: `${body}\n${this.#durations.render(others.map((o) => o.durations))}` };
  }
}
