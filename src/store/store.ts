import type Database from "better-sqlite3";
import { AgentRepository } from "./agents.js";
import { AttemptRepository } from "./attempts.js";
import { CheckpointRepository } from "./checkpoints.js";
import { ContextRepository } from "./context.js";
import { CountRepository } from "./counts.js";
import { EvaluationRepository } from "./evaluations.js";
import { InterventionRepository } from "./interventions.js";
import { LimitRepository } from "./limits.js";
import { openDatabase, type OpenDatabase } from "./database.js";
import { storageFailure } from "./storage-errors.js";
import { PlanRepository } from "./plans.js";
import { PrefetchCacheRepository } from "./prefetch.js";
import { SignalRepository } from "./signals.js";
import { StatsRepository } from "./stats.js";
import { TemplateRepository } from "./templates.js";
import { TimerRepository } from "./timers.js";
import { TokenRepository } from "./tokens.js";
import { WebhookRepository } from "./webhooks.js";

/** The repositories over one database, and its transactions. */
export class Store {
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

  private readonly runner: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(readonly database: OpenDatabase) {
    const { db, sqlite } = database;
    this.runner = sqlite.transaction((fn: () => unknown) => fn());
    this.plans = new PlanRepository(db, sqlite);
    this.attempts = new AttemptRepository(db, sqlite);
    this.agents = new AgentRepository(db, sqlite);
    this.signals = new SignalRepository(db, sqlite);
    this.timers = new TimerRepository(sqlite);
    this.interventions = new InterventionRepository(db, sqlite);
    this.checkpoints = new CheckpointRepository(db, sqlite);
    this.context = new ContextRepository(sqlite);
    this.limits = new LimitRepository(sqlite);
    this.templates = new TemplateRepository(db);
    this.prefetch = new PrefetchCacheRepository(sqlite);
    this.tokens = new TokenRepository(sqlite);
    this.evaluations = new EvaluationRepository(sqlite);
    this.stats = new StatsRepository(sqlite);
    this.counts = new CountRepository(sqlite);
    this.webhooks = new WebhookRepository(sqlite);
  }

  /**
   * Runs `fn` in one synchronous IMMEDIATE transaction (the write lock is taken at BEGIN,
   * so two processes never deadlock upgrading a read). `fn` must not be async. Called inside
   * a transaction, it runs as a savepoint: a throw undoes only `fn`'s writes. A storage failure
   * (full disk, read-only file…) leaves the outermost transaction as a BatonError with a STORAGE_*
   * code (./storage-errors.ts); inside, it stays the SQLite error, so that no caller takes it for
   * a refusal of its own and goes on writing after SQLite rolled the whole transaction back.
   */
  transaction<T>(fn: () => T): T {
    const outermost = !this.database.sqlite.inTransaction;
    try {
      return this.runner.immediate(fn) as T;
    } catch (e) {
      this.plans.forgetAll();
      this.checkpoints.forgetAll();
      this.limits.forgetAll();
      throw (outermost && storageFailure(e)) || e;
    }
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

export const openStore = (file: string): Store => new Store(openDatabase(file));
