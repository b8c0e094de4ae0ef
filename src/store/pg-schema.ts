/**
 * Drizzle table definitions (PostgreSQL): the twin of the SQLite tables in ./schema.ts, with the
 * same table, column and index names, so that the repositories can run the same raw SQL on both
 * databases and get rows of the same shape back. Migrations in db/postgres/ are generated from this
 * file by drizzle-kit (`npm run db:generate`) and never edited by hand, with two exceptions in
 * 0000_init.sql: it ends with the INSERT of the signal_log_head row, and its foreign keys reference
 * plain "plans"/"webhooks" rather than drizzle-kit's "public"."plans", so that the migrations apply
 * in whichever schema is first on the search_path. (Later generated migrations that add foreign
 * keys need the same edit.)
 * Times are epoch milliseconds; every SQLite integer is a bigint read as a JS number; booleans are
 * smallint 0/1, as on SQLite; JSON columns are jsonb.
 */
import { sql } from "drizzle-orm";
import { bigint, doublePrecision, index, integer, jsonb, pgTable, primaryKey, smallint, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import type { ExecutionPolicy, Json, PlanModel, RetryPolicy, RouteRule, StepError, StepModel } from "../domain/model.js";

const json = <T = Json>(name: string) => jsonb(name).$type<T>();

export const plans = pgTable(
  "plans",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    goal: text("goal"),
    state: text("state").notNull(),
    version: bigint("version", { mode: "number" }).notNull(),
    priority: bigint("priority", { mode: "number" }).notNull(),
    labels: json<string[]>("labels").notNull(),
    input: json("input"),
    policy: json<ExecutionPolicy>("policy").notNull(),
    /** Denormalised from policy and steps so the claim query can skip plans at capacity. */
    maxParallel: bigint("max_parallel", { mode: "number" }).notNull(),
    runningCount: bigint("running_count", { mode: "number" }).notNull(),
    result: json("result"),
    error: json<StepError>("error"),
    idempotencyKey: text("idempotency_key"),
    /** SHA-256 of the createPlan request that used idempotencyKey: the same key with another request is a CONFLICT. Written once, at creation, outside PlanModel. */
    idempotencyHash: text("idempotency_hash"),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    startedAt: bigint("started_at", { mode: "number" }),
    finishedAt: bigint("finished_at", { mode: "number" }),
    /** When the plan was paused (null unless PAUSED). */
    pausedAt: bigint("paused_at", { mode: "number" }),
    /** The checkpoint this plan was forked from, if any. */
    forkedFrom: text("forked_from"),
    /** When one of its steps was last claimed: claims go to the plan served least recently. */
    lastClaimedAt: bigint("last_claimed_at", { mode: "number" }),
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

export const steps = pgTable(
  "steps",
  {
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    position: bigint("position", { mode: "number" }).notNull(),
    name: text("name"),
    description: text("description"),
    role: text("role").notNull(),
    state: text("state").notNull(),
    dependsOn: json<string[]>("depends_on").notNull(),
    priority: bigint("priority", { mode: "number" }).notNull(),
    input: json("input"),
    output: json("output"),
    error: json<StepError>("error"),
    attempts: bigint("attempts", { mode: "number" }).notNull(),
    retry: json<RetryPolicy>("retry").notNull(),
    timeoutMs: bigint("timeout_ms", { mode: "number" }).notNull(),
    config: json("config"),
    progress: doublePrecision("progress"),
    progressMessage: text("progress_message"),
    quality: doublePrecision("quality"),
    agentId: text("agent_id"),
    leaseId: text("lease_id"),
    readyAt: bigint("ready_at", { mode: "number" }),
    startedAt: bigint("started_at", { mode: "number" }),
    finishedAt: bigint("finished_at", { mode: "number" }),
    retryAt: bigint("retry_at", { mode: "number" }),
    runAt: bigint("run_at", { mode: "number" }),
    delayMs: bigint("delay_ms", { mode: "number" }),
    qualityThreshold: doublePrecision("quality_threshold"),
    scheduleToStartMs: bigint("schedule_to_start_ms", { mode: "number" }),
    /** Attempts made before the last retryStep: the retry policy counts attempts after it. */
    attemptBase: bigint("attempt_base", { mode: "number" }).notNull().default(0),
    onSuccess: text("on_success"),
    onFailure: text("on_failure"),
    compensate: text("compensate"),
    when: json<RouteRule[]>("route_rules"),
    maxVisits: bigint("max_visits", { mode: "number" }),
    skipIfDependencySkipped: smallint("skip_if_dependency_skipped").notNull().default(0),
    /** Times started anew (first run = 1). */
    visits: bigint("visits", { mode: "number" }).notNull().default(0),
    /** What routed the current visit (transition or compensation). */
    trigger: json("trigger"),
    inputMapping: json("input_mapping"),
    outputMapping: json("output_mapping"),
    /** The input the last attempt received from the input mapping. */
    mappedInput: json("mapped_input"),
    /** The plan's claim order, copied onto its steps for the claim queue: 1 for a CRISIS plan. */
    claimCrisis: bigint("claim_crisis", { mode: "number" }).notNull().default(0),
    /** The plan's claim order, copied onto its steps for the claim queue: when it was last served a claim (0 = never). */
    claimServed: bigint("claim_served", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.planId, t.key] }),
    /**
     * The claim queue, in claim order: READY steps by role, CRISIS plans first, then priority,
     * then the plan served least recently, then the step READY longest, then plan order.
     * `DESC NULLS FIRST` is what PostgreSQL's `ORDER BY … DESC` means (drizzle-kit would write
     * NULLS LAST for a bare desc(), which that ORDER BY cannot use).
     */
    index("steps_claim_queue")
      .on(t.role, t.claimCrisis.desc().nullsFirst(), t.priority.desc().nullsFirst(), t.claimServed, t.readyAt, t.position)
      .where(sql`state = 'READY'`),
  ],
);

export const agents = pgTable("agents", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  roles: json<string[]>("roles").notNull(),
  concurrency: bigint("concurrency", { mode: "number" }).notNull(),
  status: text("status").notNull(),
  builtin: smallint("builtin").notNull(),
  metadata: json("metadata"),
  lastSeenAt: bigint("last_seen_at", { mode: "number" }),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
  /** The principal (token name) that registered it: only that principal may claim for it and report its leases. Null when registered without authentication. */
  owner: text("owner"),
});

/** One row per attempt of a step: the lease while it runs, the trace afterwards. */
export const attempts = pgTable(
  "attempts",
  {
    id: text("id").primaryKey(),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    stepKey: text("step_key").notNull(),
    attempt: bigint("attempt", { mode: "number" }).notNull(),
    agentId: text("agent_id"),
    role: text("role").notNull(),
    outcome: text("outcome").notNull(),
    error: json<StepError>("error"),
    queuedAt: bigint("queued_at", { mode: "number" }),
    startedAt: bigint("started_at", { mode: "number" }).notNull(),
    finishedAt: bigint("finished_at", { mode: "number" }),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
    heartbeatTimeoutMs: bigint("heartbeat_timeout_ms", { mode: "number" }).notNull(),
    cancelRequested: smallint("cancel_requested").notNull(),
    /** The attempt's output, when it succeeded. */
    output: json("output"),
    /** The quality (0..1) reported with the completion, when it succeeded with one. */
    quality: doublePrecision("quality"),
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

/**
 * The append-only signal log. `sequence` is global, increasing, never reused. On PostgreSQL it has
 * no default: the gateway assigns it from signal_log_head, so that it is gapless and in commit order.
 */
export const signals = pgTable(
  "signals",
  {
    sequence: bigint("sequence", { mode: "number" }).primaryKey(),
    kind: text("kind").notNull(),
    name: text("name"),
    planId: text("plan_id"),
    stepKey: text("step_key"),
    agentId: text("agent_id"),
    sender: text("sender").notNull(),
    recipient: text("recipient"),
    payload: json("payload"),
    at: bigint("at", { mode: "number" }).notNull(),
  },
  (t) => [index("signals_plan").on(t.planId, t.sequence)],
);

/**
 * PostgreSQL only. One row (id 1): the last signal sequence handed out. A transaction that appends
 * signals takes the next sequences with `UPDATE signal_log_head SET sequence = sequence + n WHERE
 * id = 1 RETURNING sequence`; the row lock that takes is held until it commits, which serialises
 * the transactions that append signals, so that sequences are consecutive and in commit order (a
 * reader that has seen sequence s never later sees a new signal below s). Its row is inserted by
 * the first migration.
 */
export const signalLogHead = pgTable("signal_log_head", {
  id: smallint("id").primaryKey(),
  sequence: bigint("sequence", { mode: "number" }).notNull(),
});

/**
 * PostgreSQL only. The request budgets of tokens and addresses, shared by every gateway on the
 * database: rate-limiter-flexible's RateLimiterPostgres table (its own layout, which it would
 * otherwise create at run time; src/store/postgres-budgets.ts).
 */
export const requestBudget = pgTable("request_budget", {
  key: varchar("key", { length: 255 }).primaryKey(),
  points: integer("points").notNull().default(0),
  expire: bigint("expire", { mode: "number" }),
});

/** Durable timers: one per (plan, step, kind); the scheduler fires them when due. */
export const timers = pgTable(
  "timers",
  {
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    /** '' for plan-wide timers, so that the key stays a plain primary key. */
    stepKey: text("step_key").notNull(),
    kind: text("kind").notNull(),
    ref: text("ref"),
    dueAt: bigint("due_at", { mode: "number" }).notNull(),
    /** Set while the plan is paused: the timer is frozen with this much time left, and not due. */
    remainingMs: bigint("remaining_ms", { mode: "number" }),
  },
  (t) => [primaryKey({ columns: [t.planId, t.stepKey, t.kind] }), index("timers_due").on(t.dueAt)],
);

/** Every operator intervention, applied or rejected: the audit log of plan control. */
export const interventions = pgTable(
  "interventions",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
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
    planVersion: bigint("plan_version", { mode: "number" }).notNull(),
    at: bigint("at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("interventions_id").on(t.id), index("interventions_plan").on(t.planId, t.seq)],
);

/** Webhooks: HTTP endpoints that receive matching signals as signed POSTs (src/webhooks/). */
export const webhooks = pgTable("webhooks", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  kinds: json<string[]>("kinds").notNull(),
  /** Only this plan's signals; null = every plan's (and plan-less signals). */
  planId: text("plan_id"),
  /** The HMAC-SHA256 key; returned once, at registration. */
  secret: text("secret").notNull(),
  /** The signal log's head at registration: only later signals are delivered. */
  fromSequence: bigint("from_sequence", { mode: "number" }).notNull(),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
  /** False once removed: no new deliveries; its log stays readable. */
  active: smallint("active").notNull(),
});

/** One row per (webhook, signal): the durable delivery queue and its log. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    signalSequence: bigint("signal_sequence", { mode: "number" }).notNull(),
    status: text("status").notNull(),
    attempts: bigint("attempts", { mode: "number" }).notNull(),
    /** When the next attempt is due; null once DELIVERED or FAILED. */
    nextAttemptAt: bigint("next_attempt_at", { mode: "number" }),
    lastStatusCode: bigint("last_status_code", { mode: "number" }),
    lastError: text("last_error"),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    deliveredAt: bigint("delivered_at", { mode: "number" }),
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
export const webhookCursor = pgTable("webhook_cursor", {
  id: bigint("id", { mode: "number" }).primaryKey(),
  sequence: bigint("sequence", { mode: "number" }).notNull(),
});

/**
 * Checkpoints: the plan as it was at a point of its timeline. A `base` row holds every step;
 * the others hold only the steps that changed since the plan's previous checkpoint (and the
 * keys removed), so a plan of n steps costs O(changes), not O(n), per checkpoint.
 */
export const checkpoints = pgTable(
  "checkpoints",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    id: text("id").notNull(),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    stepKey: text("step_key"),
    label: text("label"),
    /** The last signal sequence included. */
    sequence: bigint("sequence", { mode: "number" }).notNull(),
    planVersion: bigint("plan_version", { mode: "number" }).notNull(),
    base: smallint("base").notNull(),
    /** The plan as it was: the whole model on a base, its run state on a delta. */
    plan: json<PlanModel | Partial<PlanModel>>("plan").notNull(),
    /** Steps: all of them (base) or those changed since the previous checkpoint. */
    steps: json<(Partial<StepModel> & { key: string })[]>("steps").notNull(),
    /** Step keys in plan order, when the structure changed (always on a base). */
    order: json<string[]>("order"),
    /** Stored size of plan + steps + order, in bytes. */
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    /** The plan context's version when it was taken: the context is read back from its history. */
    contextVersion: bigint("context_version", { mode: "number" }).notNull().default(0),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("checkpoints_id").on(t.id), index("checkpoints_plan").on(t.planId, t.seq)],
);

/** Plan templates: immutable versions (1, 2, …) of named step lists, as registered (drafts). */
export const templates = pgTable(
  "templates",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    version: bigint("version", { mode: "number" }).notNull(),
    description: text("description"),
    /** The step drafts as registered (validated), instantiated with each plan's policy. */
    steps: json<Json[]>("steps").notNull(),
    policy: json("policy"),
    /** Built-in templates whose steps are built from the plan input (e.g. linear-pipeline). */
    generator: text("generator"),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("templates_name_version").on(t.name, t.version)],
);

/** Queue policies per role (src/coordinator/limits.ts): a claim rate as a token bucket, and a cap on running leases. */
export const roleLimits = pgTable("role_limits", {
  role: text("role").primaryKey(),
  /** The rate: `claims` per `interval_ms` (both null = no rate limit). */
  claims: bigint("claims", { mode: "number" }),
  intervalMs: bigint("interval_ms", { mode: "number" }),
  /** Most leases of the role RUNNING at once; null = no cap. */
  maxConcurrent: bigint("max_concurrent", { mode: "number" }),
  /** The bucket: tokens left at `refilled_at` (null without a rate). Kept here so that a restart does not refill it. */
  tokens: doublePrecision("tokens"),
  refilledAt: bigint("refilled_at", { mode: "number" }),
  updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  /** Who set them: an actor, or 'system' for BATON_RATE_LIMITS at start-up. */
  updatedBy: text("updated_by").notNull(),
});

/**
 * Shared context: every write of a plan's context, kept (append-only). The current entries are
 * the newest row per key; the context as it was at plan context version V is the newest row per
 * key with context_version ≤ V, which is how checkpoints capture it.
 */
export const contextEntries = pgTable(
  "context_entries",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: json("value"),
    /** Roles or agent ids that may see it; empty = everyone. */
    targets: json<string[]>("targets").notNull(),
    /** The entry's version: 1 for the first write of the key, then one more per write. */
    version: bigint("version", { mode: "number" }).notNull(),
    /** The plan context's version after this write (one more per write to any key). */
    contextVersion: bigint("context_version", { mode: "number" }).notNull(),
    /** A restore removed the key (it did not exist at the restored point). */
    deleted: smallint("deleted").notNull(),
    updatedBy: text("updated_by").notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [index("context_entries_key").on(t.planId, t.key, t.seq), uniqueIndex("context_entries_version").on(t.planId, t.contextVersion)],
);

/**
 * Values fetched by builtin.prefetch steps, by cache key: shared by every step and plan that
 * names the key while fresh (until expires_at).
 */
export const prefetchCache = pgTable("prefetch_cache", {
  cacheKey: text("cache_key").primaryKey(),
  /** The reply's body: its JSON, or its text when it is not JSON. */
  value: json("value"),
  /** The body's size in bytes. */
  bytes: bigint("bytes", { mode: "number" }).notNull(),
  /** The reply's HTTP status. */
  status: bigint("status", { mode: "number" }).notNull(),
  fetchedAt: bigint("fetched_at", { mode: "number" }).notNull(),
  expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
});

/**
 * API tokens. The token itself is never stored: only its SHA-256 (it is 256 random bits, so a
 * fast hash is as good as a slow one) and its first characters, to recognise it in a list.
 * Revoked tokens are kept (revoked_at set) for the record.
 */
export const apiTokens = pgTable("api_tokens", {
  id: text("id").primaryKey(),
  /** The principal: recorded as the actor of everything done with the token. */
  name: text("name").notNull(),
  /** viewer, operator, agent or admin. */
  role: text("role").notNull(),
  hash: text("hash").notNull().unique(),
  /** The token's first characters (baton_ and four more). */
  prefix: text("prefix").notNull(),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
  createdBy: text("created_by").notNull(),
  expiresAt: bigint("expires_at", { mode: "number" }),
  revokedAt: bigint("revoked_at", { mode: "number" }),
  /** Agent tokens only: the roles its agents may register (a JSON array); null: any role but the reserved builtin.* ones. */
  roles: json<string[]>("roles"),
});
