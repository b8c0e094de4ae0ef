import type { AgentStatus, Complexity, PlanState, Priority, SignalKind, StepState, TraceOutcome } from "./statuses.js";

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Times in the model are epoch milliseconds; the GraphQL edge turns them into DateTimeISO. */
export type Millis = number;

export interface RetryPolicy {
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
  nonRetryableErrorTypes: string[];
  /** 0..1: each delay is shortened by up to this fraction, by an amount fixed by plan, step and attempt. */
  jitter: number;
}

export interface ExecutionPolicy {
  complexity: Complexity;
  maxParallel: number;
  stepTimeoutMs: number;
  planTimeoutMs: number | null;
  /** A lease not heartbeaten for this long expires and its step is handed out again. */
  heartbeatTimeoutMs: number;
  /** The retry policy of the steps that name none (a step's own fields override it one by one). */
  retry: RetryPolicy;
}

export interface StepError {
  message: string;
  type: string | null;
  retryable: boolean;
  details: Json | null;
}

/** The definition of a step as given at creation (the part an operator writes). */
export interface StepSpec {
  key: string;
  name: string | null;
  description: string | null;
  role: string;
  dependsOn: string[];
  priority: Priority;
  input: Json | null;
  timeoutMs: number;
  retry: RetryPolicy;
  config: Json | null;
  /** Not READY before this time (epoch ms), even with its dependencies done. */
  runAt: Millis | null;
  /** Not READY until this long after its dependencies are done (or the plan started). */
  delayMs: number | null;
  /** A completion reporting a lower quality (or none) counts as a QUALITY_GATE failure. */
  qualityThreshold: number | null;
  /** A READY step not claimed within this long fails (SCHEDULE_TO_START_TIMEOUT). */
  scheduleToStartMs: number | null;
  /** Step made READY (a new visit) when this one succeeds. */
  onSuccess: string | null;
  /** Step made READY when this one fails for good (retries spent); the failure is then handled. */
  onFailure: string | null;
  /** Step that undoes this one's effect if the plan fails after it succeeded (saga). */
  compensate: string | null;
  /** Conditional routes, evaluated in order when the step succeeds; the first match wins. */
  when: RouteRule[] | null;
  /** Most visits (runs started anew by dependencies or transitions); null = no bound. */
  maxVisits: number | null;
  /** When a dependency is SKIPPED, skip this step too instead of treating it as satisfied. */
  skipIfDependencySkipped: boolean;
  /** Builds the agent's input at the claim from the plan input, context and earlier outputs (engine/mappings.ts). */
  inputMapping: Json | null;
  /** Context key → template over the step's output, written when it succeeds. */
  outputMapping: Json | null;
}

/** Operators of a route condition. */
export type RuleOp = "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "in" | "exists" | "matches";

/** What a matching rule does. Exactly one key. */
export type RouteAction =
  | { goto: string }
  | { retry: true }
  | { skip: string[] }
  | { fail: string | null }
  | { complete: true };

/** `if` the value at `path` (output.…, input.… for the plan input, context.…) passes `op value`, `then` act. */
export interface RouteRule {
  if: { path: string; op: RuleOp; value: Json | null };
  then: RouteAction;
}

/** A step inside a plan aggregate: its spec plus its run state. */
export interface StepModel extends StepSpec {
  /** Order among steps free to run, the tie-break after priority. */
  position: number;
  state: StepState;
  output: Json | null;
  error: StepError | null;
  /** Attempts started so far. */
  attempts: number;
  progress: number | null;
  progressMessage: string | null;
  quality: number | null;
  agentId: string | null;
  /** The lease of the attempt running now, if any. */
  leaseId: string | null;
  readyAt: Millis | null;
  startedAt: Millis | null;
  finishedAt: Millis | null;
  /** When a step WAITING for a retry becomes READY again. */
  retryAt: Millis | null;
  /** Attempts made before the last retryStep or visit: the retry policy counts the attempts after it. */
  attemptBase: number;
  /** Times the step was started anew (first run = 1), by its dependencies or a transition. */
  visits: number;
  /** What made the current visit run when a transition or compensation did: {from, via, outcome, output, error} or {compensates}. */
  trigger: Json | null;
  /** The input the last attempt received from the inputMapping (null without one). */
  mappedInput: Json | null;
}

export interface PlanModel {
  id: string;
  name: string;
  goal: string | null;
  state: PlanState;
  /** Rises by one with every state change of the plan or its steps. */
  version: number;
  priority: Priority;
  labels: string[];
  input: Json | null;
  policy: ExecutionPolicy;
  result: Json | null;
  error: StepError | null;
  idempotencyKey: string | null;
  createdAt: Millis;
  startedAt: Millis | null;
  finishedAt: Millis | null;
  /** When it was paused; null unless PAUSED. */
  pausedAt: Millis | null;
  /** The checkpoint it was forked from, if any. */
  forkedFrom: string | null;
  /** When one of its steps was last claimed (fair share across plans). */
  lastClaimedAt: Millis | null;
  /** The template version it was made from, if any. */
  templateId: string | null;
}

/** A plan and its steps: the unit the engine decides on and the store saves atomically. */
export interface PlanAggregate {
  plan: PlanModel;
  /** In position order. */
  steps: StepModel[];
}

export interface AgentModel {
  id: string;
  name: string;
  roles: string[];
  concurrency: number;
  status: AgentStatus;
  builtin: boolean;
  metadata: Json | null;
  lastSeenAt: Millis | null;
  createdAt: Millis;
  /** The principal that registered it (only it may claim for it and report its leases); null without authentication. */
  owner: string | null;
}

/** One attempt of one step, which is also the lease an agent holds while running it. */
export interface AttemptModel {
  id: string;
  planId: string;
  stepKey: string;
  attempt: number;
  agentId: string | null;
  role: string;
  outcome: TraceOutcome;
  error: StepError | null;
  queuedAt: Millis | null;
  startedAt: Millis;
  finishedAt: Millis | null;
  expiresAt: Millis;
  heartbeatTimeoutMs: number;
  cancelRequested: boolean;
  /** What the attempt produced, when it succeeded (the step keeps only its last output). */
  output: Json | null;
  /** The quality (0..1) reported with a successful completion, if any. */
  quality: number | null;
}

export interface SignalModel {
  sequence: number;
  kind: SignalKind;
  name: string | null;
  planId: string | null;
  stepKey: string | null;
  agentId: string | null;
  sender: string;
  recipient: string | null;
  payload: Json | null;
  at: Millis;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maxIntervalMs: 60_000,
  nonRetryableErrorTypes: [],
  jitter: 0,
};

export const DEFAULT_POLICY: ExecutionPolicy = {
  complexity: "MEDIUM",
  maxParallel: 2,
  stepTimeoutMs: 300_000,
  planTimeoutMs: null,
  heartbeatTimeoutMs: 30_000,
  retry: DEFAULT_RETRY,
};

/** Context keys under this prefix hold step outputs (`steps.<key>.output`): written by Baton only. */
export const STEP_OUTPUT_PREFIX = "steps.";

/** A policy as stored, completed with the fields added since (plans stored before them). */
export const storedPolicy = (p: Omit<ExecutionPolicy, "retry"> & { retry?: RetryPolicy }): ExecutionPolicy => (p.retry ? (p as ExecutionPolicy) : { ...p, retry: DEFAULT_RETRY });

/** The run state of a step that has not run. */
const UNSTARTED = {
  state: "PENDING",
  output: null,
  error: null,
  attempts: 0,
  progress: null,
  progressMessage: null,
  quality: null,
  agentId: null,
  leaseId: null,
  readyAt: null,
  startedAt: null,
  finishedAt: null,
  retryAt: null,
  attemptBase: 0,
  visits: 0,
  trigger: null,
  mappedInput: null,
} as const satisfies Omit<StepModel, keyof StepSpec | "position">;

/**
 * A step as created: its spec, PENDING, with no run state yet. (Object.assign, not a spread: on
 * V8 a spread followed by many new keys costs ten times as much, and plans are made of many steps.)
 */
export const newStep = (spec: StepSpec, position: number): StepModel => Object.assign({}, spec, UNSTARTED, { position });
