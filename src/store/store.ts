/**
 * The store port: the repositories, reached only through a unit of work. `transact` runs one
 * transaction and hands its function the repositories bound to it; `read` runs reads that see only
 * committed data; `queries` is the read port the resolvers use (each call one read). Everything is
 * asynchronous so that a PostgreSQL adapter fits the same port; the SQLite adapter
 * (./sqlite-store.ts) runs its synchronous prepared statements one unit of work at a time.
 */
import type { AgentRepository } from "./agents.js";
import type { AttemptRepository } from "./attempts.js";
import type { CheckpointRepository } from "./checkpoints.js";
import type { ContextRepository } from "./context.js";
import type { CountRepository } from "./counts.js";
import type { EvaluationRepository } from "./evaluations.js";
import type { InterventionRepository } from "./interventions.js";
import type { LimitRepository } from "./limits.js";
import type { Notice, NoticeFeed } from "./notices.js";
import type { PlanRepository } from "./plans.js";
import type { PrefetchCacheRepository } from "./prefetch.js";
import type { RetentionRepository } from "./retention.js";
import type { SignalRepository } from "./signals.js";
import type { StatsRepository } from "./stats.js";
import type { TemplateRepository } from "./templates.js";
import type { TimerRepository } from "./timers.js";
import type { TokenRepository } from "./tokens.js";
import type { WebhookRepository } from "./webhooks.js";

/** The repositories, as one unit of work sees them. */
export interface Repositories {
  readonly plans: PlanRepository;
  readonly attempts: AttemptRepository;
  readonly agents: AgentRepository;
  readonly signals: SignalRepository;
  readonly timers: TimerRepository;
  readonly interventions: InterventionRepository;
  readonly checkpoints: CheckpointRepository;
  readonly context: ContextRepository;
  readonly limits: LimitRepository;
  readonly templates: TemplateRepository;
  readonly prefetch: PrefetchCacheRepository;
  readonly tokens: TokenRepository;
  readonly evaluations: EvaluationRepository;
  readonly stats: StatsRepository;
  readonly counts: CountRepository;
  readonly webhooks: WebhookRepository;
  readonly retention: RetentionRepository;
}

/** The names of the repositories, for what is built over all of them. */
export const REPOSITORIES = [
  "plans",
  "attempts",
  "agents",
  "signals",
  "timers",
  "interventions",
  "checkpoints",
  "context",
  "limits",
  "templates",
  "prefetch",
  "tokens",
  "evaluations",
  "stats",
  "counts",
  "webhooks",
  "retention",
] as const satisfies readonly (keyof Repositories)[];

/** The repositories inside a transaction, and its savepoints. */
export interface Session extends Repositories {
  /**
   * Runs `fn` as a savepoint of the transaction: a throw undoes only `fn`'s writes and goes on
   * to the caller.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** Sends a notice to the other gateways when (and if) this transaction commits (./notices.ts); none on SQLite. */
  announce(n: Notice): Promise<void>;
}

export interface Store {
  /** Which adapter this is. */
  readonly dialect: "sqlite" | "postgres";
  /**
   * Runs `fn` in ONE transaction; commits when it resolves, rolls back when it throws. `fn` must
   * await nothing but the session's repositories (no network, no timers): a transaction holds the
   * database's writer. A storage failure leaves it as a BatonError with a STORAGE_* code
   * (./storage-errors.ts). A unit of work never starts another (it would wait for itself): that
   * is refused with an error.
   */
  transact<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /** Runs reads that see committed data only, never a transaction's uncommitted writes. */
  read<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
  /** The read port: each method call is one `read`. For reads outside the coordinator (the resolvers, metrics, webhooks). */
  readonly queries: Repositories;
  /** Notices from the gateways on the same database (./notices.ts); null when there can be no other (SQLite). */
  readonly notices: NoticeFeed | null;
  /** Resolves when the database answers (at once for SQLite's file); rejects with why not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

type Method = (...args: unknown[]) => unknown;

/** Synchronous methods about this process's caches and listeners, not the data: passed through as they are. */
const LOCAL = new Set(["constructor", "forgetAll", "watch", "changed"]);

/**
 * The read port over `read`: an object shaped like the repositories whose every method call runs
 * as one read. Built once, from the repositories' prototypes.
 */
export function readPort(repos: Repositories, read: Store["read"]): Repositories {
  const port: Record<string, Record<string, Method>> = {};
  for (const name of REPOSITORIES) {
    const repo = repos[name];
    const methods: Record<string, Method> = {};
    for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(repo))) {
      const method = (repo as unknown as Record<string, unknown>)[key];
      if (typeof method !== "function") continue;
      if (LOCAL.has(key)) {
        if (key !== "constructor") methods[key] = (method as Method).bind(repo);
        continue;
      }
      methods[key] = (...args) => read((r) => (r[name] as unknown as Record<string, Method>)[key]!(...args) as Promise<unknown>);
    }
    port[name] = methods;
  }
  return port as unknown as Repositories;
}
