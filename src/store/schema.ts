/**
 * Drizzle table definitions (SQLite). Migrations in db/sqlite/ are generated from this file by
 * drizzle-kit (`npm run db:generate`) and never edited by hand.
 * Times are epoch milliseconds; JSON columns hold JSON text.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ExecutionPolicy, Json, PlanModel, RetryPolicy, RouteRule, StepError, StepModel } from "../domain/model.js";

const json = <T = Json>(name: string) => text(name, { mode: "json" }).$type<T>();

export const plans = sqliteTable(
  "plans",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    goal: text("goal"),
    state: text("state").notNull(),
    version: integer("version").notNull(),
    priority: integer("priority").notNull(),
    labels: json<string[]>("labels").notNull(),
    input: json("input"),
    policy: json<ExecutionPolicy>("policy").notNull(),
    /** Denormalised from policy and steps so the claim query can skip plans at capacity. */
    maxParallel: integer("max_parallel").notNull(),
    runningCount: integer("running_count").notNull(),
    result: json("result"),
    error: json<StepError>("error"),
    idempotencyKey: text("idempotency_key"),
    /** SHA-256 of the createPlan request that used idempotencyKey: the same key with another request is a CONFLICT. Written once, at creation, outside PlanModel. */
    idempotencyHash: text("idempotency_hash"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    /** When the plan was paused (null unless PAUSED). */
    pausedAt: integer("paused_at"),
    /** The checkpoint this plan was forked from, if any. */
    forkedFrom: text("forked_from"),
    /** When one of its steps was last claimed: claims go to the plan served least recently. */
    lastClaimedAt: integer("last_claimed_at"),
    /** The template version it was made from. */
    templateId: text("template_id"),
  },
  (t) => [
    uniqueIndex("plans_idempotency_key").on(t.idempotencyKey),
    index("plans_created").on(t.createdAt, t.id),
    index("plans_state").on(t.state),
    index("plans_template").on(t.templateId),
    /** Template statistics (src/store/stats.ts), as for attempts: finished plans by state and finish time, completed ones by duration. */
    /** Retention (src/store/retention.ts): finished plans, oldest first. */
    index("plans_finished").on(t.finishedAt).where(sql`finished_at IS NOT NULL`),
    index("plans_template_finished")
      .on(t.templateId, t.state, t.finishedAt, t.startedAt)
      .where(sql`finished_at IS NOT NULL`),
    index("plans_template_duration")
      .on(t.templateId, sql`(${t.finishedAt} - ${t.startedAt})`, t.finishedAt, t.startedAt)
      .where(sql`state = 'COMPLETED'`),
  ],
);

export const steps = sqliteTable(
  "steps",
  {
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    position: integer("position").notNull(),
    name: text("name"),
    description: text("description"),
    role: text("role").notNull(),
    state: text("state").notNull(),
    dependsOn: json<string[]>("depends_on").notNull(),
    priority: integer("priority").notNull(),
    input: json("input"),
    output: json("output"),
    error: json<StepError>("error"),
    attempts: integer("attempts").notNull(),
    retry: json<RetryPolicy>("retry").notNull(),
    timeoutMs: integer("timeout_ms").notNull(),
    config: json("config"),
    progress: real("progress"),
    progressMessage: text("progress_message"),
    quality: real("quality"),
    agentId: text("agent_id"),
    leaseId: text("lease_id"),
    readyAt: integer("ready_at"),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    retryAt: integer("retry_at"),
    runAt: integer("run_at"),
    delayMs: integer("delay_ms"),
    qualityThreshold: real("quality_threshold"),
    scheduleToStartMs: integer("schedule_to_start_ms"),
    /** Attempts made before the last retryStep: the retry policy counts attempts after it. */
    attemptBase: integer("attempt_base").notNull().default(0),
    onSuccess: text("on_success"),
    onFailure: text("on_failure"),
    compensate: text("compensate"),
    when: json<RouteRule[]>("route_rules"),
    maxVisits: integer("max_visits"),
    skipIfDependencySkipped: integer("skip_if_dependency_skipped", { mode: "boolean" }).notNull().default(false),
    /** Times started anew (first run = 1). */
    visits: integer("visits").notNull().default(0),
    /** What routed the current visit (transition or compensation). */
    trigger: json("trigger"),
    inputMapping: json("input_mapping"),
    outputMapping: json("output_mapping"),
    /** The input the last attempt received from the input mapping. */
    mappedInput: json("mapped_input"),
    /** The plan's claim order, copied onto its steps for the claim queue: 1 for a CRISIS plan. */
    claimCrisis: integer("claim_crisis").notNull().default(0),
    /** The plan's claim order, copied onto its steps for the claim queue: when it was last served a claim (0 = never). */
    claimServed: integer("claim_served").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.planId, t.key] }),
    /**
     * The claim queue, in claim order: READY steps by role, CRISIS plans first, then priority,
     * then the plan served least recently, then the step READY longest, then plan order.
     */
    index("steps_claim_queue")
      .on(t.role, sql`${t.claimCrisis} DESC`, sql`${t.priority} DESC`, t.claimServed, t.readyAt, t.position)
      .where(sql`state = 'READY'`),
  ],
);

export const agents = sqliteTable("agents", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  roles: json<string[]>("roles").notNull(),
  concurrency: integer("concurrency").notNull(),
  status: text("status").notNull(),
  builtin: integer("builtin", { mode: "boolean" }).notNull(),
  metadata: json("metadata"),
  lastSeenAt: integer("last_seen_at"),
  createdAt: integer("created_at").notNull(),
  /** The principal (token name) that registered it: only that principal may claim for it and report its leases. Null when registered without authentication. */
  owner: text("owner"),
});

/** One row per attempt of a step: the lease while it runs, the trace afterwards. */
export const attempts = sqliteTable(
  "attempts",
  {
    id: text("id").primaryKey(),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    stepKey: text("step_key").notNull(),
    attempt: integer("attempt").notNull(),
    agentId: text("agent_id"),
    role: text("role").notNull(),
    outcome: text("outcome").notNull(),
    error: json<StepError>("error"),
    queuedAt: integer("queued_at"),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
    expiresAt: integer("expires_at").notNull(),
    heartbeatTimeoutMs: integer("heartbeat_timeout_ms").notNull(),
    cancelRequested: integer("cancel_requested", { mode: "boolean" }).notNull(),
    /** The attempt's output, when it succeeded. */
    output: json("output"),
    /** The quality (0..1) reported with the completion, when it succeeded with one. */
    quality: real("quality"),
  },
  (t) => [
    index("attempts_plan_step").on(t.planId, t.stepKey, t.attempt),
    index("attempts_agent_running")
      .on(t.agentId)
      .where(sql`outcome = 'RUNNING'`),
    /** The lease timers: running attempts by expiry. */
    index("attempts_expiry")
      .on(t.expiresAt)
      .where(sql`outcome = 'RUNNING'`),
    /** Running leases by role, counted against a role's maxConcurrent. */
    index("attempts_role_running")
      .on(t.role)
      .where(sql`outcome = 'RUNNING'`),
    /**
     * Statistics (src/store/stats.ts), per agent and per role. `*_finished`: finished attempts by
     * outcome and finish time, covering what the counts read. `*_duration`: succeeded attempts by
     * duration, so that a percentile is read by walking to the k-th entry rather than by sorting.
     * The agent's also carry the role, for an agent's figures in one of its roles.
     */
    index("attempts_agent_finished")
      .on(t.agentId, t.outcome, t.finishedAt, t.startedAt, t.quality, t.role)
      .where(sql`finished_at IS NOT NULL`),
    index("attempts_agent_duration")
      .on(t.agentId, sql`(${t.finishedAt} - ${t.startedAt})`, t.finishedAt, t.startedAt, t.role)
      .where(sql`outcome = 'SUCCEEDED'`),
    index("attempts_role_finished")
      .on(t.role, t.outcome, t.finishedAt, t.startedAt, t.quality)
      .where(sql`finished_at IS NOT NULL`),
    index("attempts_role_duration")
      .on(t.role, sql`(${t.finishedAt} - ${t.startedAt})`, t.finishedAt, t.startedAt)
      .where(sql`outcome = 'SUCCEEDED'`),
  ],
);

/** The append-only signal log. `sequence` is global, increasing, never reused. */
export const signals = sqliteTable(
  "signals",
  {
    sequence: integer("sequence").primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    name: text("name"),
    planId: text("plan_id"),
    stepKey: text("step_key"),
    agentId: text("agent_id"),
    sender: text("sender").notNull(),
    recipient: text("recipient"),
    payload: json("payload"),
    at: integer("at").notNull(),
  },
  (t) => [index("signals_plan").on(t.planId, t.sequence)],
);

/** Durable timers: one per (plan, step, kind); the scheduler fires them when due. */
export const timers = sqliteTable(
  "timers",
  {
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    /** '' for plan-wide timers, so that the key stays a plain primary key. */
    stepKey: text("step_key").notNull(),
    kind: text("kind").notNull(),
    ref: text("ref"),
    dueAt: integer("due_at").notNull(),
    /** Set while the plan is paused: the timer is frozen with this much time left, and not due. */
    remainingMs: integer("remaining_ms"),
  },
  (t) => [primaryKey({ columns: [t.planId, t.stepKey, t.kind] }), index("timers_due").on(t.dueAt)],
);

/** Every operator intervention, applied or rejected: the audit log of plan control. */
export const interventions = sqliteTable(
  "interventions",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    stepKey: text("step_key"),
    actor: text("actor").notNull(),
    reason: text("reason"),
    status: text("status").notNull(),
    rejectionCode: text("rejection_code"),
    rejectionReason: text("rejection_reason"),
    /** What changed: before/after of the touched fields. */
    diff: json("diff"),
    /** The intervention's arguments as given. */
    args: json("args"),
    planVersion: integer("plan_version").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [uniqueIndex("interventions_id").on(t.id), index("interventions_plan").on(t.planId, t.seq)],
);

/** Webhooks: HTTP endpoints that receive matching signals as signed POSTs (src/webhooks/). */
export const webhooks = sqliteTable("webhooks", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  kinds: json<string[]>("kinds").notNull(),
  /** Only this plan's signals; null = every plan's (and plan-less signals). */
  planId: text("plan_id"),
  /** The HMAC-SHA256 key; returned once, at registration. */
  secret: text("secret").notNull(),
  /** The signal log's head at registration: only later signals are delivered. */
  fromSequence: integer("from_sequence").notNull(),
  createdAt: integer("created_at").notNull(),
  /** False once removed: no new deliveries; its log stays readable. */
  active: integer("active", { mode: "boolean" }).notNull(),
});

/** One row per (webhook, signal): the durable delivery queue and its log. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    signalSequence: integer("signal_sequence").notNull(),
    status: text("status").notNull(),
    attempts: integer("attempts").notNull(),
    /** When the next attempt is due; null once DELIVERED or FAILED. */
    nextAttemptAt: integer("next_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [
    /** Enqueueing is idempotent: a signal is queued once per webhook. */
    uniqueIndex("webhook_deliveries_signal").on(t.webhookId, t.signalSequence),
    /** The due queue: PENDING deliveries by due time. */
    index("webhook_deliveries_due")
      .on(t.nextAttemptAt)
      .where(sql`status = 'PENDING'`),
    index("webhook_deliveries_webhook").on(t.webhookId, t.seq),
  ],
);

/** One row (id 1): every signal up to `sequence` has been enqueued for the webhooks. */
export const webhookCursor = sqliteTable("webhook_cursor", {
  id: integer("id").primaryKey(),
  sequence: integer("sequence").notNull(),
});

/**
 * Checkpoints: the plan as it was at a point of its timeline. A `base` row holds every step;
 * the others hold only the steps that changed since the plan's previous checkpoint (and the
 * keys removed), so a plan of n steps costs O(changes), not O(n), per checkpoint.
 */
export const checkpoints = sqliteTable(
  "checkpoints",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    stepKey: text("step_key"),
    label: text("label"),
    /** The last signal sequence included. */
    sequence: integer("sequence").notNull(),
    planVersion: integer("plan_version").notNull(),
    base: integer("base", { mode: "boolean" }).notNull(),
    /** The plan as it was: the whole model on a base, its run state on a delta. */
    plan: json<PlanModel | Partial<PlanModel>>("plan").notNull(),
    /** Steps: all of them (base) or those changed since the previous checkpoint. */
    steps: json<(Partial<StepModel> & { key: string })[]>("steps").notNull(),
    /** Step keys in plan order, when the structure changed (always on a base). */
    order: json<string[]>("order"),
    /** Stored size of plan + steps + order, in bytes. */
    bytes: integer("bytes").notNull(),
    /** The plan context's version when it was taken: the context is read back from its history. */
    contextVersion: integer("context_version").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("checkpoints_id").on(t.id), index("checkpoints_plan").on(t.planId, t.seq)],
);

/** Plan templates: immutable versions (1, 2, …) of named step lists, as registered (drafts). */
export const templates = sqliteTable(
  "templates",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    version: integer("version").notNull(),
    description: text("description"),
    /** The step drafts as registered (validated), instantiated with each plan's policy. */
    steps: json<Json[]>("steps").notNull(),
    policy: json("policy"),
    /** Built-in templates whose steps are built from the plan input (e.g. linear-pipeline). */
    generator: text("generator"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("templates_name_version").on(t.name, t.version)],
);

/** Queue policies per role (src/coordinator/limits.ts): a claim rate as a token bucket, and a cap on running leases. */
export const roleLimits = sqliteTable("role_limits", {
  role: text("role").primaryKey(),
  /** The rate: `claims` per `interval_ms` (both null = no rate limit). */
  claims: integer("claims"),
  intervalMs: integer("interval_ms"),
  /** Most leases of the role RUNNING at once; null = no cap. */
  maxConcurrent: integer("max_concurrent"),
  /** The bucket: tokens left at `refilled_at` (null without a rate). Kept here so that a restart does not refill it. */
  tokens: real("tokens"),
  refilledAt: integer("refilled_at"),
  updatedAt: integer("updated_at").notNull(),
  /** Who set them: an actor, or 'system' for BATON_RATE_LIMITS at start-up. */
  updatedBy: text("updated_by").notNull(),
});

/**
 * Shared context: every write of a plan's context, kept (append-only). The current entries are
 * the newest row per key; the context as it was at plan context version V is the newest row per
 * key with context_version ≤ V, which is how checkpoints capture it.
 */
export const contextEntries = sqliteTable(
  "context_entries",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: json("value"),
    /** Roles or agent ids that may see it; empty = everyone. */
    targets: json<string[]>("targets").notNull(),
    /** The entry's version: 1 for the first write of the key, then one more per write. */
    version: integer("version").notNull(),
    /** The plan context's version after this write (one more per write to any key). */
    contextVersion: integer("context_version").notNull(),
    /** A restore removed the key (it did not exist at the restored point). */
    deleted: integer("deleted", { mode: "boolean" }).notNull(),
    updatedBy: text("updated_by").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("context_entries_key").on(t.planId, t.key, t.seq), uniqueIndex("context_entries_version").on(t.planId, t.contextVersion)],
);

/**
 * Values fetched by builtin.prefetch steps, by cache key: shared by every step and plan that
 * names the key while fresh (until expires_at).
 */
export const prefetchCache = sqliteTable("prefetch_cache", {
  cacheKey: text("cache_key").primaryKey(),
  /** The reply's body: its JSON, or its text when it is not JSON. */
  value: json("value"),
  /** The body's size in bytes. */
  bytes: integer("bytes").notNull(),
  /** The reply's HTTP status. */
  status: integer("status").notNull(),
  fetchedAt: integer("fetched_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

/**
 * API tokens. The token itself is never stored: only its SHA-256 (it is 256 random bits, so a
 * fast hash is as good as a slow one) and its first characters, to recognise it in a list.
 * Revoked tokens are kept (revoked_at set) for the record.
 */
export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  /** The principal: recorded as the actor of everything done with the token. */
  name: text("name").notNull(),
  /** viewer, operator, agent or admin. */
  role: text("role").notNull(),
  hash: text("hash").notNull().unique(),
  /** The token's first characters (baton_ and four more). */
  prefix: text("prefix").notNull(),
  createdAt: integer("created_at").notNull(),
  createdBy: text("created_by").notNull(),
  expiresAt: integer("expires_at"),
  revokedAt: integer("revoked_at"),
  /** Agent tokens only: the roles its agents may register (a JSON array); null: any role but the reserved builtin.* ones. */
  roles: json<string[]>("roles"),
});
