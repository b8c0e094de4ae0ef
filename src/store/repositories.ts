/** The repositories of a store, over one `Sql` (./sql.ts): the same classes on both databases. */
import { AgentRepository } from "./agents.js";
import { AttemptRepository } from "./attempts.js";
import { CheckpointRepository } from "./checkpoints.js";
import { ContextRepository } from "./context.js";
import { CountRepository } from "./counts.js";
import { EvaluationRepository } from "./evaluations.js";
import { InterventionRepository } from "./interventions.js";
import { LimitRepository } from "./limits.js";
import { PlanRepository } from "./plans.js";
import { PrefetchCacheRepository } from "./prefetch.js";
import { RetentionRepository } from "./retention.js";
import { SignalRepository } from "./signals.js";
import type { Sql } from "./sql.js";
import { StatsRepository } from "./stats.js";
import type { Repositories } from "./store.js";
import { TemplateRepository } from "./templates.js";
import { TimerRepository } from "./timers.js";
import { TokenRepository } from "./tokens.js";
import { WebhookRepository } from "./webhooks.js";

/**
 * `shared`: other processes write the same database (PostgreSQL), so what a repository keeps in
 * memory is checked against the database before it is used.
 */
export function createRepositories(sql: Sql, shared: boolean): Repositories {
  return {
    plans: new PlanRepository(sql),
    attempts: new AttemptRepository(sql),
    agents: new AgentRepository(sql),
    signals: new SignalRepository(sql),
    timers: new TimerRepository(sql),
    interventions: new InterventionRepository(sql),
    checkpoints: new CheckpointRepository(sql, shared),
    context: new ContextRepository(sql),
    limits: new LimitRepository(sql, shared),
    templates: new TemplateRepository(sql),
    prefetch: new PrefetchCacheRepository(sql),
    tokens: new TokenRepository(sql),
    evaluations: new EvaluationRepository(sql),
    stats: new StatsRepository(sql),
    counts: new CountRepository(sql),
    webhooks: new WebhookRepository(sql),
    retention: new RetentionRepository(sql),
  };
}
