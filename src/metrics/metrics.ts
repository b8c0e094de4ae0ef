/**
 * Prometheus metrics (prom-client), served at /metrics. Three sources, none on the hot path
 * beyond a counter increment:
 * - the coordinator's observer (src/coordinator/observer.ts): claims, attempt outcomes, dispatch
 *   latency and attempt duration per role, SQLite transaction duration — told after commit;
 * - the signal hub: retries;
 * - queries run at scrape time: plans by state, steps by state and role, the signal log's size,
 *   open subscriptions and WebSockets.
 * GraphQL request durations come from an Apollo plugin (`graphqlPlugin`).
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Committed, CoordinatorObserver } from "../coordinator/observer.js";
import type { SignalModel } from "../domain/model.js";
import type { Store } from "../store/store.js";

/** Seconds: from 1 ms to 10 min. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Distinct operation names given their own label (see graphqlPlugin). */
const MAX_OPERATIONS = 200;
const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** What only the server knows: its open WebSockets and the operations on them. */
export interface LiveCounts {
  connections(): number;
  subscriptions(): number;
}

export class Metrics implements CoordinatorObserver {
  readonly registry = new Registry();
  private readonly claims;
  private readonly attempts;
  private readonly retries;
  private readonly dispatch;
  private readonly duration;
  private readonly transactions;
  private readonly requests;
  private live: LiveCounts = { connections: () => 0, subscriptions: () => 0 };

  constructor(store: Store) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "baton_" });
    this.claims = new Counter({ name: "baton_claims_total", help: "Steps claimed (attempts started), by role.", labelNames: ["role"], registers });
    this.attempts = new Counter({
      name: "baton_attempts_ended_total",
      help: "Attempts ended, by role and outcome: SUCCEEDED (completions), FAILED and TIMED_OUT (failures), LOST (lease expiries), CANCELLED.",
      labelNames: ["role", "outcome"],
      registers,
    });
    this.retries = new Counter({ name: "baton_retries_total", help: "Retries scheduled: after a backoff, or at once (a lost lease).", registers });
    this.dispatch = new Histogram({
      name: "baton_dispatch_latency_seconds",
      help: "From a step becoming READY to an agent claiming it, by role.",
      labelNames: ["role"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.duration = new Histogram({
      name: "baton_step_duration_seconds",
      help: "Attempt duration, from claim to end, by role and outcome.",
      labelNames: ["role", "outcome"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.transactions = new Histogram({ name: "baton_sqlite_transaction_duration_seconds", help: "Coordinator transactions, commit included.", buckets: FAST_BUCKETS, registers });
    this.requests = new Histogram({
      name: "baton_graphql_request_duration_seconds",
      help: "GraphQL requests over HTTP, by operation name and type.",
      labelNames: ["operation", "type"],
      buckets: FAST_BUCKETS,
      registers,
    });

    type Samples = [Record<string, string>, number][];
    /** A gauge read when scraped: its samples, label values → value. */
    const gauge = (name: string, help: string, labelNames: string[], read: () => Samples | Promise<Samples>): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const samples = await read();
          this.reset();
          for (const [labels, value] of samples) this.set(labels, value);
        },
      });
    };
    const counts = store.queries.counts;
    const live = (): LiveCounts => this.live;
    gauge("baton_plans", "Plans by state.", ["state"], async () => (await counts.plansByState()).map((r) => [{ state: r.state }, r.n]));
    gauge("baton_steps", "Steps by state and role.", ["state", "role"], async () => (await counts.stepsByState()).map((r) => [{ state: r.state, role: r.role }, r.n]));
    gauge("baton_signal_log_size", "Signals in the log (its last sequence number).", [], async () => [[{}, await counts.signalLogSize()]]);
    gauge("baton_subscriptions", "GraphQL subscriptions open over WebSockets.", [], () => [[{}, live().subscriptions()]]);
    gauge("baton_websocket_connections", "WebSocket connections open (acknowledged).", [], () => [[{}, live().connections()]]);
  }

  /** Where the WebSocket counts come from (the server, once it runs). */
  countLive(live: LiveCounts): void {
    this.live = live;
  }

  committed(c: Committed): void {
    this.transactions.observe(c.transactionMs / 1000);
    for (const s of c.started) {
      this.claims.inc({ role: s.role });
      if (s.waitMs !== null) this.dispatch.observe({ role: s.role }, s.waitMs / 1000);
    }
    for (const e of c.ended) {
      this.attempts.inc({ role: e.role, outcome: e.outcome });
      if (e.durationMs !== null) this.duration.observe({ role: e.role, outcome: e.outcome }, e.durationMs / 1000);
    }
  }

  /** Counts what signals tell and the observer does not: retries. */
  signals(batch: readonly SignalModel[]): void {
    for (const s of batch) {
      if (s.kind === "STEP_RETRY_SCHEDULED" || (s.kind === "STEP_READY" && (s.payload as { after?: unknown } | null)?.after !== undefined)) this.retries.inc();
    }
  }

  /**
   * Times every GraphQL request served over HTTP. Operation names are the clients' to choose: a
   * name that is not a plain GraphQL name, or past the first MAX_OPERATIONS seen, counts as
   * "(other)", so that no client can make the label set grow without bound.
   */
  graphqlPlugin<T extends object>(): ApolloServerPlugin<T> {
    const requests = this.requests;
    const names = new Set<string>();
    const label = (name: string | null | undefined): string => {
      if (!name) return "(anonymous)";
      if (names.has(name)) return name;
      if (names.size >= MAX_OPERATIONS || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return "(other)";
      names.add(name);
      return name;
    };
    return {
      async requestDidStart() {
        const t0 = performance.now();
        return {
          async willSendResponse({ operationName, operation }) {
            requests.observe({ operation: label(operationName), type: operation?.operation ?? "invalid" }, (performance.now() - t0) / 1000);
          },
        };
      },
    };
  }

  /** The metrics in Prometheus' text format. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
