/**
 * Every status in Baton, as a const object (the values) plus a type and predicates.
 * Each object is registered once as a GraphQL enum in src/graphql/enums.ts.
 */

export const PlanState = {
  IDLE: "IDLE",
  RUNNING: "RUNNING",
  PAUSED: "PAUSED",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
  CANCELLED: "CANCELLED",
  COMPENSATING: "COMPENSATING",
  COMPENSATED: "COMPENSATED",
} as const;
export type PlanState = (typeof PlanState)[keyof typeof PlanState];

/** A finished plan changes only through an intervention (retry, restore). */
export const isFinalPlanState = (s: PlanState): boolean =>
  s === "COMPLETED" || s === "FAILED" || s === "CANCELLED" || s === "COMPENSATED";

export const StepState = {
  PENDING: "PENDING",
  READY: "READY",
  RUNNING: "RUNNING",
  WAITING: "WAITING",
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
  SKIPPED: "SKIPPED",
  CANCELLED: "CANCELLED",
  COMPENSATED: "COMPENSATED",
} as const;
export type StepState = (typeof StepState)[keyof typeof StepState];

export const isFinishedStepState = (s: StepState): boolean =>
  s === "SUCCEEDED" || s === "FAILED" || s === "SKIPPED" || s === "CANCELLED" || s === "COMPENSATED";

/** A dependency in this state lets its dependents run. */
export const isSatisfiedStepState = (s: StepState): boolean => s === "SUCCEEDED" || s === "SKIPPED";

/** Not started yet and not finished: the step still waits for its turn. */
export const isUnstartedStepState = (s: StepState): boolean =>
  s === "PENDING" || s === "READY" || s === "WAITING";

export const Priority = { LOW: "LOW", NORMAL: "NORMAL", HIGH: "HIGH", URGENT: "URGENT" } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];
const PRIORITY_RANK: Record<Priority, number> = { LOW: 0, NORMAL: 1, HIGH: 2, URGENT: 3 };
const RANK_PRIORITY: Priority[] = ["LOW", "NORMAL", "HIGH", "URGENT"];
/** Priorities are stored as ranks so that the claim query can order by them. */
export const priorityRank = (p: Priority): number => PRIORITY_RANK[p];
export const priorityFromRank = (r: number): Priority => RANK_PRIORITY[r] ?? "NORMAL";

export const Complexity = { SIMPLE: "SIMPLE", MEDIUM: "MEDIUM", COMPLEX: "COMPLEX", CRISIS: "CRISIS" } as const;
export type Complexity = (typeof Complexity)[keyof typeof Complexity];

export const AgentStatus = { ONLINE: "ONLINE", OFFLINE: "OFFLINE", DRAINING: "DRAINING" } as const;
export type AgentStatus = (typeof AgentStatus)[keyof typeof AgentStatus];

export const TraceOutcome = {
  RUNNING: "RUNNING",
  SUCCEEDED: "SUCCEEDED",
  FAILED: "FAILED",
  TIMED_OUT: "TIMED_OUT",
  CANCELLED: "CANCELLED",
  LOST: "LOST",
} as const;
export type TraceOutcome = (typeof TraceOutcome)[keyof typeof TraceOutcome];

export const SignalKind = {
  PLAN_CREATED: "PLAN_CREATED",
  PLAN_STARTED: "PLAN_STARTED",
  PLAN_PAUSED: "PLAN_PAUSED",
  PLAN_RESUMED: "PLAN_RESUMED",
  PLAN_COMPLETED: "PLAN_COMPLETED",
  PLAN_FAILED: "PLAN_FAILED",
  PLAN_CANCELLED: "PLAN_CANCELLED",
  PLAN_COMPENSATING: "PLAN_COMPENSATING",
  PLAN_COMPENSATED: "PLAN_COMPENSATED",
  STEP_READY: "STEP_READY",
  STEP_STARTED: "STEP_STARTED",
  STEP_PROGRESS: "STEP_PROGRESS",
  STEP_SUCCEEDED: "STEP_SUCCEEDED",
  STEP_FAILED: "STEP_FAILED",
  STEP_RETRY_SCHEDULED: "STEP_RETRY_SCHEDULED",
  STEP_SKIPPED: "STEP_SKIPPED",
  STEP_TIMED_OUT: "STEP_TIMED_OUT",
  STEP_CANCELLED: "STEP_CANCELLED",
  STEP_COMPENSATED: "STEP_COMPENSATED",
  CHECKPOINT_CREATED: "CHECKPOINT_CREATED",
  INTERVENTION_APPLIED: "INTERVENTION_APPLIED",
  INTERVENTION_REJECTED: "INTERVENTION_REJECTED",
  CONTEXT_UPDATED: "CONTEXT_UPDATED",
  AGENT_ONLINE: "AGENT_ONLINE",
  AGENT_OFFLINE: "AGENT_OFFLINE",
  MESSAGE: "MESSAGE",
  CUSTOM: "CUSTOM",
  /** A plan made from a template COMPLETED more than 10% worse than its template's earlier runs (src/insight/). */
  REGRESSION: "REGRESSION",
} as const;
export type SignalKind = (typeof SignalKind)[keyof typeof SignalKind];
