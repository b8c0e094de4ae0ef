import type { Json, StepError, StepSpec } from "../domain/model.js";

/**
 * Events the engine decides on: facts that happened to one plan. Past tense.
 * Agent events name the lease they hold; timer events name what the timer was set for,
 * so a timer that outlived its reason is recognised and ignored.
 */
export type EngineEvent =
  | { type: "PlanStarted" }
  /** The plan is to start at `at` (createPlan with runAt / delayMs). */
  | { type: "PlanStartScheduled"; at: number }
  /** `context`: the plan's context data, given when the step has an inputMapping. */
  | { type: "StepClaimed"; stepKey: string; leaseId: string; agentId: string; context?: Json | null }
  | { type: "StepHeartbeat"; stepKey: string; leaseId: string; progress: number | null; message: string | null }
  /** `addSteps`: steps the agent adds to the plan (dynamic plans), each already checked on its own; the engine checks the whole plan. */
  /** `context`: the plan's context data, given when a route rule reads it. */
  | { type: "StepCompleted"; stepKey: string; leaseId: string; output: Json | null; quality: number | null; addSteps?: StepSpec[]; context?: Json | null }
  | { type: "StepFailed"; stepKey: string; leaseId: string; error: StepError }
  | { type: "LeaseExpired"; stepKey: string; leaseId: string }
  | { type: "StepTimedOut"; stepKey: string; leaseId: string }
  | { type: "RetryDue"; stepKey: string }
  | { type: "PlanDeadlineReached" }
  | { type: "ScheduleToStartTimedOut"; stepKey: string };

export type EngineEventType = EngineEvent["type"];
export type EventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;
