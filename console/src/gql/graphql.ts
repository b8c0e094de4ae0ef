/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Whether an agent has been heard from recently. */
export type AgentStatus =
  /** Finishing its leases; claims no new work. */
  | 'DRAINING'
  /** Not heard from for longer than the offline threshold. */
  | 'OFFLINE'
  /** Heard from within the offline threshold. */
  | 'ONLINE';

/** Why a checkpoint was taken. */
export type CheckpointReason =
  /** When the plan started. */
  | 'INITIAL'
  /** On request (createCheckpoint). */
  | 'MANUAL'
  /** When the plan was paused. */
  | 'PAUSE'
  /** After the plan was restored to an earlier checkpoint. */
  | 'RESTORE'
  /** After a step completed (the last BATON_CHECKPOINT_KEEP are kept). */
  | 'STEP';

/** Execution profile of a plan; sets the default maxParallel (SIMPLE 1, MEDIUM 2, COMPLEX 3, CRISIS 5). CRISIS plans are claimed ahead of all others and default to 60 s step timeouts. */
export type Complexity =
  /** Up to 3 steps at a time (default maxParallel 3). */
  | 'COMPLEX'
  /** Up to 5 steps at a time, claimed ahead of every other plan, with 60 s default step timeouts. */
  | 'CRISIS'
  /** Up to 2 steps at a time (default maxParallel 2). */
  | 'MEDIUM'
  /** One step at a time (default maxParallel 1). */
  | 'SIMPLE';

/** A new plan. */
export type CreatePlanInput = {
  /** Start this many ms after creation instead of at once. */
  delayMs?: number | null | undefined;
  /** What the plan should achieve. */
  goal?: string | null | undefined;
  /** A second createPlan with the same key and the same request returns the first plan instead of a new one; with a different request it is a CONFLICT. */
  idempotencyKey?: string | null | undefined;
  /** The plan's input. */
  input?: unknown;
  /** Free labels for filtering. */
  labels?: Array<string> | null | undefined;
  /** Display name. */
  name: string;
  /** Execution policy. */
  policy?: PolicyInput | null | undefined;
  /** Values fetched into the plan's context before its first wave (with steps or a template). */
  prefetch?: Array<PrefetchInput> | null | undefined;
  /** Default priority of its steps (default NORMAL). */
  priority?: Priority | null | undefined;
  /** Start no earlier than this: the plan stays IDLE until then (a durable timer; startPlan may start it sooner). */
  runAt?: string | null | undefined;
  /** Start at once (default true); false leaves the plan IDLE until startPlan. */
  start?: boolean | null | undefined;
  /** Inline steps, or leave empty and name a template. */
  steps?: Array<StepInput> | null | undefined;
  /** Instead of steps: the template to make the plan from, "name" (its latest version) or "name@version". Its steps with no input receive the plan's input; the plan's policy fields win over the template's. */
  template?: string | null | undefined;
};

/** A new API token. */
export type CreateTokenInput = {
  /** When it stops working (in the future); omitted: never. */
  expiresAt?: string | null | undefined;
  /** The principal's name (1-200 characters), recorded as the actor of what is done with it. */
  name: string;
  /** What it may do. */
  role: TokenRole;
  /** AGENT tokens only: the roles its agents may register (1 to 100 roles of 1-200 characters; builtin.* roles are reserved). A registration naming another role is FORBIDDEN. Omitted: any role but builtin.*. */
  roles?: Array<string> | null | undefined;
};

/** What an operator asked to change. */
export type InterventionKind =
  /** Add a step to an unfinished plan (addStep). */
  | 'ADD_STEP'
  /** Cancel a plan (cancelPlan). */
  | 'CANCEL'
  /** Start a new plan from one of this plan's checkpoints (forkFromCheckpoint); this plan is not changed, the diff names the new plan (forkedTo). */
  | 'FORK_CHECKPOINT'
  /** Change a step that has not started (modifyStep). */
  | 'MODIFY_STEP'
  /** Pause a RUNNING plan (pausePlan). */
  | 'PAUSE'
  /** Remove a step that has not started and that nothing depends on (removeStep). */
  | 'REMOVE_STEP'
  /** Change the claim order of steps (reorderSteps). */
  | 'REORDER_STEPS'
  /** Bring a plan back to a checkpoint (restoreCheckpoint). */
  | 'RESTORE_CHECKPOINT'
  /** Resume a PAUSED plan (resumePlan). */
  | 'RESUME'
  /** Run a FAILED plan again from the step that failed it (retryPlan, retryPlans). */
  | 'RETRY_PLAN'
  /** Run a FAILED, CANCELLED or SKIPPED step again (retryStep). */
  | 'RETRY_STEP'
  /** Skip a step, optionally with a substitute output (skipStep). */
  | 'SKIP_STEP'
  /** Write keys of a plan's context as an operator (updateContext). */
  | 'UPDATE_CONTEXT';

/** Whether an intervention changed the plan. */
export type InterventionStatus =
  /** Validated and applied atomically, with a new plan version. */
  | 'APPLIED'
  /** Refused; nothing changed. rejectionCode says why. */
  | 'REJECTED';

/** Which plans to list (or to act on: cancelPlans, retryPlans, pausePlans, resumePlans). A plan must match every field given. */
export type PlanFilter = {
  /** Only plans created at or after this time. */
  createdAfter?: string | null | undefined;
  /** Only plans created before this time (exclusive: createdAfter and createdBefore make a half-open range). */
  createdBefore?: string | null | undefined;
  /** Only plans with at least one of these labels. */
  labels?: Array<string> | null | undefined;
  /** Only plans whose name contains this text. */
  nameContains?: string | null | undefined;
  /** Only the plan with exactly this id, or plans whose name contains this text (case-insensitively for ASCII, as nameContains); leading and trailing spaces are ignored. */
  search?: string | null | undefined;
  /** Only plans in one of these states. */
  states?: Array<PlanState> | null | undefined;
  /** Only plans made from this template: "name" (any version) or "name@version". */
  template?: string | null | undefined;
};

/** Where a plan is in its life. */
export type PlanState =
  /** Cancelled by an operator. */
  | 'CANCELLED'
  /** Compensation finished. */
  | 'COMPENSATED'
  /** Running compensation steps after a failure. */
  | 'COMPENSATING'
  /** Every step succeeded (or was skipped). */
  | 'COMPLETED'
  /** A step failed for good, or the plan deadline passed. */
  | 'FAILED'
  /** Created with start: false; waits for startPlan. */
  | 'IDLE'
  /** No new claims; running attempts may finish. */
  | 'PAUSED'
  /** Steps are being handed out to agents. */
  | 'RUNNING';

/** A plan a bulk action names, with the version the caller saw. */
export type PlanTarget = {
  /** The plan version the change is based on; a stale one is REJECTED with VERSION_CONFLICT. */
  expectedVersion?: number | null | undefined;
  /** The plan. */
  id: string;
};

/** Execution policy of a plan; omitted fields take defaults. */
export type PolicyInput = {
  /** Execution profile; sets the default maxParallel. Omitted: derived from the plan's shape (a chain of at most 3 steps SIMPLE; over 20 steps, 5 side by side or 8 waves COMPLEX; else MEDIUM). CRISIS is only ever set explicitly. */
  complexity?: Complexity | null | undefined;
  /** Lease lifetime without a heartbeat (default 30000, at least 100). */
  heartbeatTimeoutMs?: number | null | undefined;
  /** Most steps RUNNING at once. */
  maxParallel?: number | null | undefined;
  /** Whole-plan deadline; omitted = none. */
  planTimeoutMs?: number | null | undefined;
  /** Default retry policy of the plan's steps; a step's own retry fields override it one by one. */
  retry?: RetryPolicyInput | null | undefined;
  /** Default step attempt timeout (default 300000; 60000 for CRISIS plans). */
  stepTimeoutMs?: number | null | undefined;
};

/** A value fetched into a new plan's context before its first wave, by a builtin.prefetch step (key prefetch.<key>) that every start step waits for. */
export type PrefetchInput = {
  /** Fetches with the same cache key (of any step or plan) share one request and its value while it is fresh (default: the url). */
  cacheKey?: string | null | undefined;
  /** The context key the value is written to: 1-91 letters, digits, '_', '.', '-', not starting with "steps."; unique within the plan. */
  key: string;
  /** True: a failure fails the step (PREFETCH_FAILED or PREFETCH_TIMEOUT, retried per the plan's retry policy except for 4xx replies), then the plan. False (default): the key is set to null and the step succeeds with a warning. */
  required?: boolean | null | undefined;
  /** The longest wait for the reply, ms, ≥ 1 (default: the step's timeout); then the fetch fails as PREFETCH_TIMEOUT. */
  timeoutMs?: number | null | undefined;
  /** How long a fetched value stays fresh in the cache, ms (default 60000; 0: neither cached nor shared). */
  ttlMs?: number | null | undefined;
  /** GET from here (http or https); the JSON body is the value (a body that is not JSON: its text). */
  url: string;
};

/** Claim order: higher priorities are handed out first, then the oldest READY step. */
export type Priority =
  /** Handed out before NORMAL and LOW steps. */
  | 'HIGH'
  /** Handed out after every other priority. */
  | 'LOW'
  /** The default. */
  | 'NORMAL'
  /** Handed out before every other priority. */
  | 'URGENT';

/** How well a finished plan ran, from its evaluation score (0..100). */
export type QualityGrade =
  /** Score 90 or more. */
  | 'EXCELLENT'
  /** Score 50 to under 75. */
  | 'FAIR'
  /** Score 75 to under 90. */
  | 'GOOD'
  /** Score under 50; every plan that did not complete. */
  | 'POOR';

/** Retry policy of a step; omitted fields take the defaults (3 attempts, 1 s, ×2, at most 60 s). */
export type RetryPolicyInput = {
  /** Each further delay is the previous one times this (1..100). */
  backoffCoefficient?: number | null | undefined;
  /** Delay before the second attempt. */
  initialIntervalMs?: number | null | undefined;
  /** 0..1 (default 0): shorten each delay by up to this fraction, deterministically per plan, step and attempt. */
  jitter?: number | null | undefined;
  /** Most attempts in all, the first included (≥ 1). */
  maxAttempts?: number | null | undefined;
  /** Upper bound of any delay. */
  maxIntervalMs?: number | null | undefined;
  /** Error types that are never retried. */
  nonRetryableErrorTypes?: Array<string> | null | undefined;
};

/** A role's limits: a rate (claims and intervalMs together), a cap (maxConcurrent), or both. */
export type RoleLimitInput = {
  /** Claims per interval (with intervalMs); null = no rate limit. */
  claims?: number | null | undefined;
  /** The interval of the rate in milliseconds (with claims); null = no rate limit. */
  intervalMs?: number | null | undefined;
  /** Most leases of the role RUNNING at once; null = no cap, 0 holds the role's steps back. */
  maxConcurrent?: number | null | undefined;
  /** The role to limit. */
  role: string;
};

/** What a signal on the timeline reports. */
export type SignalKind =
  /** An agent was not heard from within the offline threshold. */
  | 'AGENT_OFFLINE'
  /** An agent registered, or was heard from again after being OFFLINE. */
  | 'AGENT_ONLINE'
  /** A checkpoint other than a STEP one was taken (payload: checkpointId, reason, label). */
  | 'CHECKPOINT_CREATED'
  /** A key of the plan's context was written (the value is not in the payload). */
  | 'CONTEXT_UPDATED'
  /** A signal sent with sendSignal, named freely (e.g. approval_granted). */
  | 'CUSTOM'
  /** An operator's intervention was applied; comes after the signals of its effects. */
  | 'INTERVENTION_APPLIED'
  /** An operator's intervention was refused; nothing changed. */
  | 'INTERVENTION_REJECTED'
  /** A message between agents, addressed to an agent id, a role or * (every agent). */
  | 'MESSAGE'
  /** A plan was cancelled. */
  | 'PLAN_CANCELLED'
  /** A plan's compensation finished. */
  | 'PLAN_COMPENSATED'
  /** A plan started running the compensation steps of its succeeded steps. */
  | 'PLAN_COMPENSATING'
  /** A plan COMPLETED: every step succeeded or was skipped. */
  | 'PLAN_COMPLETED'
  /** A plan was created (IDLE, or about to start). */
  | 'PLAN_CREATED'
  /** A plan FAILED: a step failed for good, or its deadline passed. */
  | 'PLAN_FAILED'
  /** A plan was paused. */
  | 'PLAN_PAUSED'
  /** A paused plan was resumed. */
  | 'PLAN_RESUMED'
  /** A plan started RUNNING. */
  | 'PLAN_STARTED'
  /** A plan made from a template COMPLETED more than 10% worse than the template's earlier runs. */
  | 'REGRESSION'
  /** A step will not run: its plan ended first. */
  | 'STEP_CANCELLED'
  /** A step's effects were undone by its compensation step. */
  | 'STEP_COMPENSATED'
  /** A step failed with no retry left. */
  | 'STEP_FAILED'
  /** An agent reported progress on a running step (payload: progress, message). */
  | 'STEP_PROGRESS'
  /** A step became READY to be claimed (payload.after is set when it is a retry). */
  | 'STEP_READY'
  /** A failed attempt will be retried after a backoff (payload: attempt, delayMs, retryAt, error). */
  | 'STEP_RETRY_SCHEDULED'
  /** A step was skipped (by a rule, an operator, or because no route reached it). */
  | 'STEP_SKIPPED'
  /** An agent claimed a step and holds its lease. */
  | 'STEP_STARTED'
  /** A step finished with an output (also written to the context under steps.<key>.output). */
  | 'STEP_SUCCEEDED'
  /** An attempt ran longer than the step's timeoutMs; its lease was revoked. */
  | 'STEP_TIMED_OUT';

/** One step of a new plan. */
export type StepInput = {
  /** Step that undoes this one: run (in reverse completion order) if the plan fails or is cancelled with compensate after this step succeeded. */
  compensate?: string | null | undefined;
  /** Settings for built-in roles (http url, wait duration, ...). */
  config?: unknown;
  /** Not READY until this many ms after its dependencies are done (or the plan started). */
  delayMs?: number | null | undefined;
  /** Keys of steps that must succeed first. */
  dependsOn?: Array<string> | null | undefined;
  /** What the step is for. */
  description?: string | null | undefined;
  /** Input handed to the agent. */
  input?: unknown;
  /** Builds the agent's input at each claim: a JSON template whose strings starting with $ are JSONPath queries (RFC 9535) over { input (the plan's), context, steps: { <key>: { output } }, step: { key, input } }; merged over the step's own input when both are objects. */
  inputMapping?: unknown;
  /** Unique within the plan: 1-100 letters, digits, '_', '.', '-'. */
  key: string;
  /** Most visits (runs started anew by dependencies or transitions); a loop must pass through a step with one. */
  maxVisits?: number | null | undefined;
  /** Display name. */
  name?: string | null | undefined;
  /** Step to make READY when this one fails for good (retries spent); the failure is handled and the plan goes on. */
  onFailure?: string | null | undefined;
  /** Step to make READY (a new visit) when this one succeeds. A step with no dependencies that some transition names runs only when one fires. */
  onSuccess?: string | null | undefined;
  /** Writes parts of the output to the context when the step succeeds: { contextKey: JSONPath query over { output, input } or a literal }. */
  outputMapping?: unknown;
  /** Claim priority (default: the plan's). */
  priority?: Priority | null | undefined;
  /** 0..1: a completion reporting a lower quality (or none) fails the attempt as QUALITY_GATE, retried under the retry policy. */
  qualityThreshold?: number | null | undefined;
  /** How failed attempts are retried. */
  retry?: RetryPolicyInput | null | undefined;
  /** Which agents may run it (builtin.echo, builtin.wait, builtin.http, builtin.signal, builtin.merge and builtin.prefetch run inside the gateway). */
  role: string;
  /** Not READY before this time, even with its dependencies done (WAITING until then; frozen while paused). */
  runAt?: string | null | undefined;
  /** Fail the step (SCHEDULE_TO_START_TIMEOUT) when it stays READY, unclaimed, this long; onFailure routes it. */
  scheduleToStartMs?: number | null | undefined;
  /** Skip this step when a dependency is SKIPPED (default false: SKIPPED counts as satisfied). */
  skipIfDependencySkipped?: boolean | null | undefined;
  /** Attempt timeout (default: the policy's stepTimeoutMs). */
  timeoutMs?: number | null | undefined;
  /** Conditional routes, checked in order when the step succeeds; the first match wins: [{ if: { path, op, value }, then: { goto: key } | { retry: true } | { skip: key or [keys] } | { fail: true or message } | { complete: true } }]. path starts with output, input (the plan's) or context; op is eq ne gt gte lt lte in exists matches. */
  when?: unknown;
};

/** A change to a step that has not started; omitted fields stay as they are. */
export type StepPatchInput = {
  /** New config (null clears it). */
  config?: unknown;
  /** New dependencies (replaces the list). */
  dependsOn?: Array<string> | null | undefined;
  /** New input (null clears it). */
  input?: unknown;
  /** New claim priority. */
  priority?: Priority | null | undefined;
  /** Retry policy fields to change. */
  retry?: RetryPolicyInput | null | undefined;
  /** New role. */
  role?: string | null | undefined;
  /** New attempt timeout. */
  timeoutMs?: number | null | undefined;
};

/** Where a step is in its life. */
export type StepState =
  /** Will not run: its plan failed or was cancelled. */
  | 'CANCELLED'
  /** Its effects were undone by a compensation step. */
  | 'COMPENSATED'
  /** Failed with no retry left. */
  | 'FAILED'
  /** Waiting for its dependencies. */
  | 'PENDING'
  /** Dependencies satisfied; waiting for an agent to claim it. */
  | 'READY'
  /** Claimed: an agent holds a lease on it. */
  | 'RUNNING'
  /** Skipped; dependents treat it as satisfied. */
  | 'SKIPPED'
  /** Finished with an output. */
  | 'SUCCEEDED'
  /** Waiting for a timer (retry backoff) or a signal. */
  | 'WAITING';

/** What a token may do. Every role but METRICS may read (queries and subscriptions). */
export type TokenRole =
  /** Everything, including tokens, webhooks and /metrics. */
  | 'ADMIN'
  /** Viewer, plus registering its agents, claiming steps for them and reporting their leases; context writes and messages under its own leases. */
  | 'AGENT'
  /** Only /metrics (for a Prometheus scraper); no GraphQL. */
  | 'METRICS'
  /** Viewer, plus plans, interventions, signals, context, messages, templates, checkpoints and role limits. */
  | 'OPERATOR'
  /** Queries and subscriptions only. */
  | 'VIEWER';

/** How one attempt of a step ended. */
export type TraceOutcome =
  /** Revoked because the plan ended. */
  | 'CANCELLED'
  /** Failed by its agent. */
  | 'FAILED'
  /** Its lease expired without a heartbeat. */
  | 'LOST'
  /** Still running under its lease. */
  | 'RUNNING'
  /** Completed by its agent. */
  | 'SUCCEEDED'
  /** Ran longer than the step's timeoutMs; its lease was revoked. */
  | 'TIMED_OUT';

/** Where a webhook delivery is in its life. */
export type WebhookDeliveryStatus =
  /** The endpoint answered 2xx. */
  | 'DELIVERED'
  /** Given up: not accepted within the retry period, or the webhook was removed. */
  | 'FAILED'
  /** Not accepted yet: waiting for its first attempt or for a retry. */
  | 'PENDING';

export type ConsoleViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleViewerQuery = { viewer: { name: string, role: TokenRole, tokenId: string | null, version: string } };

export type ConsoleLogHeadQueryVariables = Exact<{
  planId?: string | null | undefined;
}>;


export type ConsoleLogHeadQuery = { signals: { edges: Array<{ node: { id: string, sequence: number } }> } };

export type ConsoleSignalsSubscriptionVariables = Exact<{
  afterSequence?: number | null | undefined;
  planId?: string | null | undefined;
  kinds?: Array<SignalKind> | SignalKind | null | undefined;
}>;


export type ConsoleSignalsSubscription = { signals: { id: string, sequence: number, kind: SignalKind, planId: string | null, stepKey: string | null, at: string } };

export type ConsolePlansQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  filter?: PlanFilter | null | undefined;
}>;


export type ConsolePlansQuery = { plans: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ node: { id: string, name: string, state: PlanState, progress: number, version: number, labels: Array<string>, createdAt: string, startedAt: string | null, finishedAt: string | null, template: { id: string, name: string, version: number } | null } }> } };

export type ConsolePlanQueryVariables = Exact<{
  id: string;
}>;


export type ConsolePlanQuery = { plan: { id: string, name: string, goal: string | null, state: PlanState, progress: number, version: number, labels: Array<string>, createdAt: string, startedAt: string | null, finishedAt: string | null, error: { type: string | null, message: string } | null, template: { id: string, name: string, version: number } | null, steps: Array<{ id: string, key: string, name: string | null, description: string | null, role: string, state: StepState, attempts: number, visits: number, dependsOn: Array<string>, onSuccess: string | null, onFailure: string | null, compensate: string | null, progress: number | null, progressMessage: string | null, input: unknown, inputMapping: unknown, mappedInput: unknown, output: unknown, startedAt: string | null, finishedAt: string | null, error: { type: string | null, message: string, retryable: boolean, details: unknown } | null, agent: { id: string, name: string, roles: Array<string> } | null }>, traces: Array<{ id: string, stepKey: string, attempt: number, outcome: TraceOutcome, queuedAt: string | null, startedAt: string, finishedAt: string | null, elapsedMs: number | null, waitMs: number | null, agent: { id: string, name: string } | null, error: { type: string | null, message: string } | null }> } | null };

export type ConsoleAgentsQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleAgentsQuery = { agents: Array<{ id: string, name: string, roles: Array<string>, status: AgentStatus, lastSeenAt: string | null, activeLeases: number, concurrency: number, builtin: boolean, createdAt: string, stats: { completed: number, failed: number, successRate: number, p50Ms: number | null, p95Ms: number | null } | null }> };

export type ConsoleRunningStepsQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleRunningStepsQuery = { plans: { edges: Array<{ node: { id: string, name: string, steps: Array<{ key: string, state: StepState, role: string, startedAt: string | null, attempts: number, agent: { id: string } | null }> } }> } };

export type ConsoleTemplatesQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleTemplatesQuery = { templates: Array<{ id: string, name: string, version: number, description: string | null, builtin: boolean, createdAt: string, steps: Array<{ key: string, role: string }> }> };

export type ConsoleTemplateStatsQueryVariables = Exact<{
  name: string;
  version?: number | null | undefined;
}>;


export type ConsoleTemplateStatsQuery = { templateStats: { runs: number, completed: number, failed: number, cancelled: number, successRate: number, p50DurationMs: number | null, p95DurationMs: number | null } };

export type ConsoleCreatePlanMutationVariables = Exact<{
  input: CreatePlanInput;
}>;


export type ConsoleCreatePlanMutation = { createPlan: { id: string, name: string, state: PlanState } };

export type ConsoleValidatePlanQueryVariables = Exact<{
  input: CreatePlanInput;
}>;


export type ConsoleValidatePlanQuery = { validatePlan: { valid: boolean, problems: Array<{ code: string, path: string | null, message: string }> } };

export type ConsoleWebhooksQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleWebhooksQuery = { webhooks: Array<{ id: string, url: string, active: boolean, kinds: Array<SignalKind>, planId: string | null, fromSequence: number, createdAt: string }> };

export type ConsoleWebhookDeliveriesQueryVariables = Exact<{
  status?: WebhookDeliveryStatus | null | undefined;
}>;


export type ConsoleWebhookDeliveriesQuery = { webhookDeliveries: { edges: Array<{ node: { id: string, webhookId: string, status: WebhookDeliveryStatus, attempts: number, lastStatusCode: number | null, lastError: string | null, signalSequence: number, createdAt: string, deliveredAt: string | null, nextAttemptAt: string | null, signal: { kind: SignalKind, planId: string | null, stepKey: string | null } | null } }> } };

export type ConsoleTokensQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleTokensQuery = { tokens: Array<{ id: string, name: string, prefix: string, role: TokenRole, roles: Array<string> | null, createdAt: string, createdBy: string, expiresAt: string | null, revokedAt: string | null }> };

export type ConsoleRoleLimitsQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleRoleLimitsQuery = { roleLimits: Array<{ id: string, role: string, maxConcurrent: number | null, running: number, claims: number | null, intervalMs: number | null, tokens: number | null, updatedAt: string, updatedBy: string }> };

export type ConsoleCreateTokenMutationVariables = Exact<{
  input: CreateTokenInput;
}>;


export type ConsoleCreateTokenMutation = { createToken: { token: string, info: { id: string, name: string, prefix: string, role: TokenRole, roles: Array<string> | null, createdAt: string, createdBy: string, expiresAt: string | null, revokedAt: string | null } } };

export type ConsoleRevokeTokenMutationVariables = Exact<{
  id: string;
}>;


export type ConsoleRevokeTokenMutation = { revokeToken: { id: string, revokedAt: string | null } };

export type ConsoleSetRoleLimitMutationVariables = Exact<{
  input: RoleLimitInput;
}>;


export type ConsoleSetRoleLimitMutation = { setRoleLimit: { id: string, role: string, maxConcurrent: number | null, running: number, claims: number | null, intervalMs: number | null, tokens: number | null, updatedAt: string, updatedBy: string } };

export type ConsoleRemoveRoleLimitMutationVariables = Exact<{
  role: string;
}>;


export type ConsoleRemoveRoleLimitMutation = { removeRoleLimit: boolean };

export type ConsoleCheckpointsQueryVariables = Exact<{
  planId: string;
  last?: number | null | undefined;
}>;


export type ConsoleCheckpointsQuery = { plan: { id: string, forkedFrom: string | null } | null, checkpoints: { edges: Array<{ node: { id: string, createdAt: string, reason: CheckpointReason, stepKey: string | null, label: string | null, planVersion: number, sequence: number, completedSteps: Array<string> } }> } };

export type ConsoleCheckpointDiffQueryVariables = Exact<{
  from: string;
  to: string;
}>;


export type ConsoleCheckpointDiffQuery = { checkpointDiff: { from: string, to: string, steps: unknown, context: unknown } };

export type ConsoleRestoreCheckpointMutationVariables = Exact<{
  planId: string;
  checkpointId: string;
  reason: string;
  expectedVersion: number;
}>;


export type ConsoleRestoreCheckpointMutation = { restoreCheckpoint: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleForkCheckpointMutationVariables = Exact<{
  checkpointId: string;
  name?: string | null | undefined;
  reason: string;
}>;


export type ConsoleForkCheckpointMutation = { forkFromCheckpoint: { id: string, name: string, state: PlanState, forkedFrom: string | null } };

export type ConsoleIntervenePauseMutationVariables = Exact<{
  id: string;
  reason: string;
  expectedVersion: number;
}>;


export type ConsoleIntervenePauseMutation = { pausePlan: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleInterveneResumeMutationVariables = Exact<{
  id: string;
  reason: string;
  expectedVersion: number;
}>;


export type ConsoleInterveneResumeMutation = { resumePlan: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleInterveneCancelMutationVariables = Exact<{
  id: string;
  reason: string;
  expectedVersion: number;
  compensate: boolean;
}>;


export type ConsoleInterveneCancelMutation = { cancelPlan: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleInterveneRetryPlanMutationVariables = Exact<{
  id: string;
  reason: string;
  expectedVersion: number;
}>;


export type ConsoleInterveneRetryPlanMutation = { retryPlan: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleInterveneRetryStepMutationVariables = Exact<{
  planId: string;
  stepKey: string;
  reason: string;
  expectedVersion: number;
  input?: unknown;
}>;


export type ConsoleInterveneRetryStepMutation = { retryStep: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleInterveneSkipStepMutationVariables = Exact<{
  planId: string;
  stepKey: string;
  reason: string;
  expectedVersion: number;
  output?: unknown;
}>;


export type ConsoleInterveneSkipStepMutation = { skipStep: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleInterveneModifyStepMutationVariables = Exact<{
  planId: string;
  stepKey: string;
  reason: string;
  expectedVersion: number;
  patch: StepPatchInput;
}>;


export type ConsoleInterveneModifyStepMutation = { modifyStep: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleInterveneRemoveStepMutationVariables = Exact<{
  planId: string;
  stepKey: string;
  reason: string;
  expectedVersion: number;
}>;


export type ConsoleInterveneRemoveStepMutation = { removeStep: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleInterveneAddStepMutationVariables = Exact<{
  planId: string;
  reason: string;
  expectedVersion: number;
  step: StepInput;
  after?: string | null | undefined;
}>;


export type ConsoleInterveneAddStepMutation = { addStep: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsoleInterveneReorderMutationVariables = Exact<{
  planId: string;
  reason: string;
  expectedVersion: number;
  order: Array<string> | string;
}>;


export type ConsoleInterveneReorderMutation = { reorderSteps: { id: string, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, planVersion: number } };

export type ConsolePlanSignalsQueryVariables = Exact<{
  id: string;
  last: number;
}>;


export type ConsolePlanSignalsQuery = { plan: { id: string, signals: { edges: Array<{ node: { id: string, sequence: number, kind: SignalKind, stepKey: string | null, sender: string, name: string | null, payload: unknown, at: string } }> } } | null };

export type ConsolePlanContextQueryVariables = Exact<{
  id: string;
}>;


export type ConsolePlanContextQuery = { plan: { id: string, context: { version: number, entries: Array<{ key: string, value: unknown, version: number, contextVersion: number, updatedBy: string, updatedAt: string, targets: Array<string> }> } } | null };

export type ConsolePlanAuditQueryVariables = Exact<{
  id: string;
  last: number;
}>;


export type ConsolePlanAuditQuery = { plan: { id: string, interventions: { edges: Array<{ node: { id: string, kind: InterventionKind, actor: string, reason: string | null, status: InterventionStatus, rejectionCode: string | null, rejectionReason: string | null, stepKey: string | null, planVersion: number, at: string } }> } } | null };

export type ConsolePlanEvaluationQueryVariables = Exact<{
  id: string;
}>;


export type ConsolePlanEvaluationQuery = { plan: { id: string, evaluation: { score: number, grade: QualityGrade, successRate: number, meanQuality: number | null, retries: number, durationMs: number | null, recommendations: Array<string>, regression: { detected: boolean, runs: number, details: Array<string>, baselineDurationMs: number | null, baselineQuality: number | null, baselineRetries: number } | null } | null } | null };

export type ConsoleBulkCountQueryVariables = Exact<{
  filter?: PlanFilter | null | undefined;
}>;


export type ConsoleBulkCountQuery = { plans: { totalCount: number } };

export type ConsoleCancelPlansMutationVariables = Exact<{
  plans?: Array<PlanTarget> | PlanTarget | null | undefined;
  filter?: PlanFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  reason: string;
  compensate?: boolean | null | undefined;
}>;


export type ConsoleCancelPlansMutation = { cancelPlans: { hasMore: boolean, endCursor: string | null, applied: Array<{ planId: string, interventionId: string, planVersion: number, state: PlanState }>, rejected: Array<{ planId: string, code: string, message: string, interventionId: string | null }> } };

export type ConsoleRetryPlansMutationVariables = Exact<{
  plans?: Array<PlanTarget> | PlanTarget | null | undefined;
  filter?: PlanFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  reason: string;
}>;


export type ConsoleRetryPlansMutation = { retryPlans: { hasMore: boolean, endCursor: string | null, applied: Array<{ planId: string, interventionId: string, planVersion: number, state: PlanState }>, rejected: Array<{ planId: string, code: string, message: string, interventionId: string | null }> } };

export type ConsolePausePlansMutationVariables = Exact<{
  plans?: Array<PlanTarget> | PlanTarget | null | undefined;
  filter?: PlanFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  reason: string;
}>;


export type ConsolePausePlansMutation = { pausePlans: { hasMore: boolean, endCursor: string | null, applied: Array<{ planId: string, interventionId: string, planVersion: number, state: PlanState }>, rejected: Array<{ planId: string, code: string, message: string, interventionId: string | null }> } };

export type ConsoleResumePlansMutationVariables = Exact<{
  plans?: Array<PlanTarget> | PlanTarget | null | undefined;
  filter?: PlanFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  reason: string;
}>;


export type ConsoleResumePlansMutation = { resumePlans: { hasMore: boolean, endCursor: string | null, applied: Array<{ planId: string, interventionId: string, planVersion: number, state: PlanState }>, rejected: Array<{ planId: string, code: string, message: string, interventionId: string | null }> } };


export const ConsoleViewerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleViewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tokenId"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]} as unknown as DocumentNode<ConsoleViewerQuery, ConsoleViewerQueryVariables>;
export const ConsoleLogHeadDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleLogHead"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signals"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"IntValue","value":"1"}},{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sequence"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsoleLogHeadQuery, ConsoleLogHeadQueryVariables>;
export const ConsoleSignalsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ConsoleSignals"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"afterSequence"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"kinds"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SignalKind"}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signals"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"afterSequence"},"value":{"kind":"Variable","name":{"kind":"Name","value":"afterSequence"}}},{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}},{"kind":"Argument","name":{"kind":"Name","value":"kinds"},"value":{"kind":"Variable","name":{"kind":"Name","value":"kinds"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sequence"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"stepKey"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<ConsoleSignalsSubscription, ConsoleSignalsSubscriptionVariables>;
export const ConsolePlansDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsolePlans"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"last"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"before"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plans"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"Variable","name":{"kind":"Name","value":"last"}}},{"kind":"Argument","name":{"kind":"Name","value":"before"},"value":{"kind":"Variable","name":{"kind":"Name","value":"before"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"labels"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"template"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsolePlansQuery, ConsolePlansQueryVariables>;
export const ConsolePlanDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsolePlan"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"goal"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"labels"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"template"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"visits"}},{"kind":"Field","name":{"kind":"Name","value":"dependsOn"}},{"kind":"Field","name":{"kind":"Name","value":"onSuccess"}},{"kind":"Field","name":{"kind":"Name","value":"onFailure"}},{"kind":"Field","name":{"kind":"Name","value":"compensate"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"progressMessage"}},{"kind":"Field","name":{"kind":"Name","value":"input"}},{"kind":"Field","name":{"kind":"Name","value":"inputMapping"}},{"kind":"Field","name":{"kind":"Name","value":"mappedInput"}},{"kind":"Field","name":{"kind":"Name","value":"output"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"retryable"}},{"kind":"Field","name":{"kind":"Name","value":"details"}}]}},{"kind":"Field","name":{"kind":"Name","value":"agent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"roles"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"traces"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"stepKey"}},{"kind":"Field","name":{"kind":"Name","value":"attempt"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"queuedAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"elapsedMs"}},{"kind":"Field","name":{"kind":"Name","value":"waitMs"}},{"kind":"Field","name":{"kind":"Name","value":"agent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsolePlanQuery, ConsolePlanQueryVariables>;
export const ConsoleAgentsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleAgents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"agents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"roles"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"activeLeases"}},{"kind":"Field","name":{"kind":"Name","value":"concurrency"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"stats"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"completed"}},{"kind":"Field","name":{"kind":"Name","value":"failed"}},{"kind":"Field","name":{"kind":"Name","value":"successRate"}},{"kind":"Field","name":{"kind":"Name","value":"p50Ms"}},{"kind":"Field","name":{"kind":"Name","value":"p95Ms"}}]}}]}}]}}]} as unknown as DocumentNode<ConsoleAgentsQuery, ConsoleAgentsQueryVariables>;
export const ConsoleRunningStepsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleRunningSteps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plans"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"200"}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"states"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"RUNNING"},{"kind":"EnumValue","value":"PAUSED"},{"kind":"EnumValue","value":"COMPENSATING"}]}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"agent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsoleRunningStepsQuery, ConsoleRunningStepsQueryVariables>;
export const ConsoleTemplatesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleTemplates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"templates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}}]}}]}}]} as unknown as DocumentNode<ConsoleTemplatesQuery, ConsoleTemplatesQueryVariables>;
export const ConsoleTemplateStatsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleTemplateStats"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"version"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"templateStats"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"version"},"value":{"kind":"Variable","name":{"kind":"Name","value":"version"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"runs"}},{"kind":"Field","name":{"kind":"Name","value":"completed"}},{"kind":"Field","name":{"kind":"Name","value":"failed"}},{"kind":"Field","name":{"kind":"Name","value":"cancelled"}},{"kind":"Field","name":{"kind":"Name","value":"successRate"}},{"kind":"Field","name":{"kind":"Name","value":"p50DurationMs"}},{"kind":"Field","name":{"kind":"Name","value":"p95DurationMs"}}]}}]}}]} as unknown as DocumentNode<ConsoleTemplateStatsQuery, ConsoleTemplateStatsQueryVariables>;
export const ConsoleCreatePlanDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleCreatePlan"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreatePlanInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createPlan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]} as unknown as DocumentNode<ConsoleCreatePlanMutation, ConsoleCreatePlanMutationVariables>;
export const ConsoleValidatePlanDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleValidatePlan"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreatePlanInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"validatePlan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"valid"}},{"kind":"Field","name":{"kind":"Name","value":"problems"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<ConsoleValidatePlanQuery, ConsoleValidatePlanQueryVariables>;
export const ConsoleWebhooksDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleWebhooks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"webhooks"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"includeRemoved"},"value":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"kinds"}},{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"fromSequence"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]} as unknown as DocumentNode<ConsoleWebhooksQuery, ConsoleWebhooksQueryVariables>;
export const ConsoleWebhookDeliveriesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleWebhookDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookDeliveryStatus"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"webhookDeliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"IntValue","value":"50"}},{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"webhookId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatusCode"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"signalSequence"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"deliveredAt"}},{"kind":"Field","name":{"kind":"Name","value":"nextAttemptAt"}},{"kind":"Field","name":{"kind":"Name","value":"signal"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"stepKey"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsoleWebhookDeliveriesQuery, ConsoleWebhookDeliveriesQueryVariables>;
export const ConsoleTokensDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleTokens"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tokens"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"roles"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]} as unknown as DocumentNode<ConsoleTokensQuery, ConsoleTokensQueryVariables>;
export const ConsoleRoleLimitsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleRoleLimits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"roleLimits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"maxConcurrent"}},{"kind":"Field","name":{"kind":"Name","value":"running"}},{"kind":"Field","name":{"kind":"Name","value":"claims"}},{"kind":"Field","name":{"kind":"Name","value":"intervalMs"}},{"kind":"Field","name":{"kind":"Name","value":"tokens"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}}]}}]}}]} as unknown as DocumentNode<ConsoleRoleLimitsQuery, ConsoleRoleLimitsQueryVariables>;
export const ConsoleCreateTokenDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleCreateToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateTokenInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"token"}},{"kind":"Field","name":{"kind":"Name","value":"info"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"roles"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]}}]} as unknown as DocumentNode<ConsoleCreateTokenMutation, ConsoleCreateTokenMutationVariables>;
export const ConsoleRevokeTokenDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleRevokeToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]} as unknown as DocumentNode<ConsoleRevokeTokenMutation, ConsoleRevokeTokenMutationVariables>;
export const ConsoleSetRoleLimitDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleSetRoleLimit"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RoleLimitInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setRoleLimit"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"maxConcurrent"}},{"kind":"Field","name":{"kind":"Name","value":"running"}},{"kind":"Field","name":{"kind":"Name","value":"claims"}},{"kind":"Field","name":{"kind":"Name","value":"intervalMs"}},{"kind":"Field","name":{"kind":"Name","value":"tokens"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}}]}}]}}]} as unknown as DocumentNode<ConsoleSetRoleLimitMutation, ConsoleSetRoleLimitMutationVariables>;
export const ConsoleRemoveRoleLimitDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleRemoveRoleLimit"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"role"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"removeRoleLimit"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"role"},"value":{"kind":"Variable","name":{"kind":"Name","value":"role"}}}]}]}}]} as unknown as DocumentNode<ConsoleRemoveRoleLimitMutation, ConsoleRemoveRoleLimitMutationVariables>;
export const ConsoleCheckpointsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleCheckpoints"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"last"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"forkedFrom"}}]}},{"kind":"Field","name":{"kind":"Name","value":"checkpoints"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}},{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"Variable","name":{"kind":"Name","value":"last"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"stepKey"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}},{"kind":"Field","name":{"kind":"Name","value":"sequence"}},{"kind":"Field","name":{"kind":"Name","value":"completedSteps"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsoleCheckpointsQuery, ConsoleCheckpointsQueryVariables>;
export const ConsoleCheckpointDiffDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleCheckpointDiff"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkpointDiff"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"steps"}},{"kind":"Field","name":{"kind":"Name","value":"context"}}]}}]}}]} as unknown as DocumentNode<ConsoleCheckpointDiffQuery, ConsoleCheckpointDiffQueryVariables>;
export const ConsoleRestoreCheckpointDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleRestoreCheckpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"checkpointId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"restoreCheckpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}},{"kind":"Argument","name":{"kind":"Name","value":"checkpointId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"checkpointId"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleRestoreCheckpointMutation, ConsoleRestoreCheckpointMutationVariables>;
export const ConsoleForkCheckpointDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleForkCheckpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"checkpointId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"forkFromCheckpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"checkpointId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"checkpointId"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"forkedFrom"}}]}}]}}]} as unknown as DocumentNode<ConsoleForkCheckpointMutation, ConsoleForkCheckpointMutationVariables>;
export const ConsoleIntervenePauseDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleIntervenePause"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pausePlan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleIntervenePauseMutation, ConsoleIntervenePauseMutationVariables>;
export const ConsoleInterveneResumeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleInterveneResume"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resumePlan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleInterveneResumeMutation, ConsoleInterveneResumeMutationVariables>;
export const ConsoleInterveneCancelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleInterveneCancel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"compensate"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cancelPlan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}},{"kind":"Argument","name":{"kind":"Name","value":"compensate"},"value":{"kind":"Variable","name":{"kind":"Name","value":"compensate"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleInterveneCancelMutation, ConsoleInterveneCancelMutationVariables>;
export const ConsoleInterveneRetryPlanDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleInterveneRetryPlan"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryPlan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleInterveneRetryPlanMutation, ConsoleInterveneRetryPlanMutationVariables>;
export const ConsoleInterveneRetryStepDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleInterveneRetryStep"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"stepKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"JSON"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryStep"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}},{"kind":"Argument","name":{"kind":"Name","value":"stepKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"stepKey"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleInterveneRetryStepMutation, ConsoleInterveneRetryStepMutationVariables>;
export const ConsoleInterveneSkipStepDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleInterveneSkipStep"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"stepKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"output"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"JSON"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"skipStep"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}},{"kind":"Argument","name":{"kind":"Name","value":"stepKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"stepKey"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}},{"kind":"Argument","name":{"kind":"Name","value":"output"},"value":{"kind":"Variable","name":{"kind":"Name","value":"output"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleInterveneSkipStepMutation, ConsoleInterveneSkipStepMutationVariables>;
export const ConsoleInterveneModifyStepDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleInterveneModifyStep"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"stepKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"patch"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"StepPatchInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modifyStep"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}},{"kind":"Argument","name":{"kind":"Name","value":"stepKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"stepKey"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}},{"kind":"Argument","name":{"kind":"Name","value":"patch"},"value":{"kind":"Variable","name":{"kind":"Name","value":"patch"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleInterveneModifyStepMutation, ConsoleInterveneModifyStepMutationVariables>;
export const ConsoleInterveneRemoveStepDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleInterveneRemoveStep"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"stepKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"removeStep"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}},{"kind":"Argument","name":{"kind":"Name","value":"stepKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"stepKey"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleInterveneRemoveStepMutation, ConsoleInterveneRemoveStepMutationVariables>;
export const ConsoleInterveneAddStepDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleInterveneAddStep"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"step"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"StepInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"addStep"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}},{"kind":"Argument","name":{"kind":"Name","value":"step"},"value":{"kind":"Variable","name":{"kind":"Name","value":"step"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleInterveneAddStepMutation, ConsoleInterveneAddStepMutationVariables>;
export const ConsoleInterveneReorderDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleInterveneReorder"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"planId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"order"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reorderSteps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"planId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"planId"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"expectedVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expectedVersion"}}},{"kind":"Argument","name":{"kind":"Name","value":"order"},"value":{"kind":"Variable","name":{"kind":"Name","value":"order"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}}]}}]}}]} as unknown as DocumentNode<ConsoleInterveneReorderMutation, ConsoleInterveneReorderMutationVariables>;
export const ConsolePlanSignalsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsolePlanSignals"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"last"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"signals"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"Variable","name":{"kind":"Name","value":"last"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sequence"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"stepKey"}},{"kind":"Field","name":{"kind":"Name","value":"sender"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"payload"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsolePlanSignalsQuery, ConsolePlanSignalsQueryVariables>;
export const ConsolePlanContextDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsolePlanContext"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"context"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"entries"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"contextVersion"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"targets"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsolePlanContextQuery, ConsolePlanContextQueryVariables>;
export const ConsolePlanAuditDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsolePlanAudit"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"last"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"interventions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"Variable","name":{"kind":"Name","value":"last"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionCode"}},{"kind":"Field","name":{"kind":"Name","value":"rejectionReason"}},{"kind":"Field","name":{"kind":"Name","value":"stepKey"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsolePlanAuditQuery, ConsolePlanAuditQueryVariables>;
export const ConsolePlanEvaluationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsolePlanEvaluation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plan"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"evaluation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"grade"}},{"kind":"Field","name":{"kind":"Name","value":"successRate"}},{"kind":"Field","name":{"kind":"Name","value":"meanQuality"}},{"kind":"Field","name":{"kind":"Name","value":"retries"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"recommendations"}},{"kind":"Field","name":{"kind":"Name","value":"regression"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"detected"}},{"kind":"Field","name":{"kind":"Name","value":"runs"}},{"kind":"Field","name":{"kind":"Name","value":"details"}},{"kind":"Field","name":{"kind":"Name","value":"baselineDurationMs"}},{"kind":"Field","name":{"kind":"Name","value":"baselineQuality"}},{"kind":"Field","name":{"kind":"Name","value":"baselineRetries"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsolePlanEvaluationQuery, ConsolePlanEvaluationQueryVariables>;
export const ConsoleBulkCountDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleBulkCount"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"plans"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"1"}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}}]} as unknown as DocumentNode<ConsoleBulkCountQuery, ConsoleBulkCountQueryVariables>;
export const ConsoleCancelPlansDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleCancelPlans"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"plans"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanTarget"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"compensate"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cancelPlans"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"plans"},"value":{"kind":"Variable","name":{"kind":"Name","value":"plans"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}},{"kind":"Argument","name":{"kind":"Name","value":"compensate"},"value":{"kind":"Variable","name":{"kind":"Name","value":"compensate"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"applied"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"interventionId"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rejected"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"interventionId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hasMore"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]} as unknown as DocumentNode<ConsoleCancelPlansMutation, ConsoleCancelPlansMutationVariables>;
export const ConsoleRetryPlansDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleRetryPlans"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"plans"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanTarget"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryPlans"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"plans"},"value":{"kind":"Variable","name":{"kind":"Name","value":"plans"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"applied"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"interventionId"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rejected"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"interventionId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hasMore"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]} as unknown as DocumentNode<ConsoleRetryPlansMutation, ConsoleRetryPlansMutationVariables>;
export const ConsolePausePlansDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsolePausePlans"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"plans"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanTarget"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pausePlans"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"plans"},"value":{"kind":"Variable","name":{"kind":"Name","value":"plans"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"applied"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"interventionId"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rejected"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"interventionId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hasMore"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]} as unknown as DocumentNode<ConsolePausePlansMutation, ConsolePausePlansMutationVariables>;
export const ConsoleResumePlansDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConsoleResumePlans"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"plans"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanTarget"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PlanFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resumePlans"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"plans"},"value":{"kind":"Variable","name":{"kind":"Name","value":"plans"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"applied"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"interventionId"}},{"kind":"Field","name":{"kind":"Name","value":"planVersion"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rejected"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"planId"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"interventionId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hasMore"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]} as unknown as DocumentNode<ConsoleResumePlansMutation, ConsoleResumePlansMutationVariables>;