/**
 * The pure plan state machine: (aggregate, event, now) → new aggregate + commands.
 * No I/O, no clock, no randomness: the same inputs always give the same decision.
 *
 * Plan states:  IDLE → RUNNING → COMPLETED | FAILED
 * Step states:  PENDING → READY → RUNNING → SUCCEEDED
 *                                  RUNNING → WAITING (retry backoff) → READY
 *                                  RUNNING → READY (lease lost, attempts left)
 *                                  RUNNING → FAILED (no retry left) ⇒ plan FAILED
 *               PENDING | READY | WAITING | RUNNING → CANCELLED (when the plan fails)
 * Each handler checks its precondition first and returns a Rejection when it does not hold.
 * The full diagrams and rules are in src/engine/README.md.
 */
import { finalKeys } from "./graph.js";
import type { Json, PlanAggregate, StepError, StepModel } from "../domain/model.js";
import { isSatisfiedStepState, isUnstartedStepState } from "../domain/statuses.js";
import { TimerKind } from "./commands.js";
import type { EngineCommand } from "./commands.js";
import { Draft, errorJson } from "./draft.js";
import type { EngineEvent, EngineEventType, EventOf } from "./events.js";
import { backoffMs, mayRetry } from "./retry.js";

export type RejectionCode = "INVALID_STATE" | "STALE_LEASE" | "NOT_FOUND";

export interface Rejection {
  ok: false;
  code: RejectionCode;
  message: string;
}

export interface Decision {
  ok: true;
  aggregate: PlanAggregate;
  commands: EngineCommand[];
  /** False when the event changed nothing (e.g. a timer that outlived its reason). */
  changed: boolean;
}

const reject = (code: RejectionCode, message: string): Rejection => ({ ok: false, code, message });

type Handler<T extends EngineEventType> = (d: Draft, e: EventOf<T>) => Rejection | void;

/** One handler per event kind; the mapped type makes the compiler demand every one. */
const handlers: { [T in EngineEventType]: Handler<T> } = {
  PlanStarted(d) {
    if (d.plan.state !== "IDLE") return reject("INVALID_STATE", `plan is ${d.plan.state}, not IDLE`);
    d.patchPlan({ state: "RUNNING", startedAt: d.now });
    d.emit("PLAN_STARTED");
    if (d.plan.policy.planTimeoutMs !== null) {
      d.command({ type: "SetTimer", kind: TimerKind.PLAN_DEADLINE, stepKey: null, ref: null, dueAt: d.now + d.plan.policy.planTimeoutMs });
    }
    promote(d);
  },

  StepClaimed(d, e) {
    if (d.plan.state !== "RUNNING") return reject("INVALID_STATE", `plan is ${d.plan.state}`);
    const step = d.step(e.stepKey);
    if (!step) return reject("NOT_FOUND", `no step ${e.stepKey}`);
    if (step.state !== "READY") return reject("INVALID_STATE", `step ${step.key} is ${step.state}, not READY`);
    if (d.running() >= d.plan.policy.maxParallel) {
      return reject("INVALID_STATE", `plan already runs ${d.plan.policy.maxParallel} steps`);
    }
    const attempt = step.attempts + 1;
    const expiresAt = d.now + d.plan.policy.heartbeatTimeoutMs;
    d.patchStep(step.key, {
      state: "RUNNING",
      attempts: attempt,
      agentId: e.agentId,
      leaseId: e.leaseId,
      startedAt: d.now,
      finishedAt: null,
      progress: null,
      progressMessage: null,
    });
    d.command({
      type: "StartAttempt",
      leaseId: e.leaseId,
      stepKey: step.key,
      attempt,
      agentId: e.agentId,
      role: step.role,
      queuedAt: step.readyAt,
      expiresAt,
      heartbeatTimeoutMs: d.plan.policy.heartbeatTimeoutMs,
    });
    d.command({ type: "SetTimer", kind: TimerKind.LEASE, stepKey: step.key, ref: e.leaseId, dueAt: expiresAt });
    d.command({ type: "SetTimer", kind: TimerKind.STEP_TIMEOUT, stepKey: step.key, ref: e.leaseId, dueAt: d.now + step.timeoutMs });
    d.emit("STEP_STARTED", step.key, { attempt, leaseId: e.leaseId }, e.agentId);
  },

  StepHeartbeat(d, e) {
    const step = runningStep(d, e.stepKey, e.leaseId);
    if (!("key" in step)) return step;
    const expiresAt = d.now + d.plan.policy.heartbeatTimeoutMs;
    d.command({ type: "ExtendLease", leaseId: e.leaseId, expiresAt });
    d.command({ type: "SetTimer", kind: TimerKind.LEASE, stepKey: step.key, ref: e.leaseId, dueAt: expiresAt });
    if (e.progress !== null || e.message !== null) {
      d.patchStep(step.key, { progress: e.progress ?? step.progress, progressMessage: e.message ?? step.progressMessage }, { bump: false });
      d.emit("STEP_PROGRESS", step.key, { progress: e.progress, message: e.message }, step.agentId);
    }
  },

  StepCompleted(d, e) {
    const step = runningStep(d, e.stepKey, e.leaseId);
    if (!("key" in step)) return step;
    d.patchStep(step.key, {
      state: "SUCCEEDED",
      output: e.output,
      quality: e.quality,
      error: null,
      leaseId: null,
      finishedAt: d.now,
    });
    d.command({ type: "EndAttempt", leaseId: e.leaseId, outcome: "SUCCEEDED", error: null });
    d.command({ type: "ClearTimers", stepKey: step.key });
    d.emit("STEP_SUCCEEDED", step.key, { attempt: step.attempts, output: e.output, quality: e.quality }, step.agentId);
    promote(d);
  },

  StepFailed(d, e) {
    const step = runningStep(d, e.stepKey, e.leaseId);
    if (!("key" in step)) return step;
    d.command({ type: "EndAttempt", leaseId: e.leaseId, outcome: "FAILED", error: e.error });
    attemptFailed(d, step, e.error, true);
  },

  LeaseExpired(d, e) {
    const step = d.step(e.stepKey);
    if (!step || step.state !== "RUNNING" || step.leaseId !== e.leaseId) return; // outlived its lease
    const error: StepError = { message: "lease expired without heartbeat", type: "LEASE_EXPIRED", retryable: true, details: null };
    d.command({ type: "EndAttempt", leaseId: e.leaseId, outcome: "LOST", error });
    attemptFailed(d, step, error, false);
  },

  StepTimedOut(d, e) {
    const step = d.step(e.stepKey);
    if (!step || step.state !== "RUNNING" || step.leaseId !== e.leaseId) return;
    const error: StepError = { message: `attempt exceeded its timeout of ${step.timeoutMs} ms`, type: "TIMEOUT", retryable: true, details: null };
    d.command({ type: "EndAttempt", leaseId: e.leaseId, outcome: "TIMED_OUT", error });
    d.emit("STEP_TIMED_OUT", step.key, { attempt: step.attempts, timeoutMs: step.timeoutMs }, step.agentId);
    attemptFailed(d, step, error, true);
  },

  RetryDue(d, e) {
    const step = d.step(e.stepKey);
    if (!step || step.state !== "WAITING" || d.plan.state !== "RUNNING") return;
    makeReady(d, step.key, { attempt: step.attempts + 1 });
  },

  PlanDeadlineReached(d) {
    if (d.plan.state !== "RUNNING") return;
    failPlan(d, {
      message: `plan exceeded its deadline of ${d.plan.policy.planTimeoutMs} ms`,
      type: "PLAN_TIMEOUT",
      retryable: false,
      details: null,
    });
  },
};

export function decide(aggregate: PlanAggregate, event: EngineEvent, now: number): Decision | Rejection {
  const d = new Draft(aggregate, now);
  const rejection = (handlers[event.type] as Handler<typeof event.type>)(d, event as never);
  if (rejection) return rejection;
  const result = d.result();
  const changed = result.plan !== aggregate.plan || d.commands.length > 0;
  return { ok: true, aggregate: result, commands: d.commands, changed };
}

/** The step RUNNING under this lease, or a rejection naming why the lease is stale. */
function runningStep(d: Draft, key: string, leaseId: string): StepModel | Rejection {
  const step = d.step(key);
  if (!step) return reject("NOT_FOUND", `no step ${key}`);
  if (step.state !== "RUNNING" || step.leaseId !== leaseId) {
    return reject("STALE_LEASE", `lease ${leaseId} no longer holds step ${key} (step is ${step.state})`);
  }
  return step;
}

function makeReady(d: Draft, key: string, payload: Json): void {
  d.patchStep(key, { state: "READY", readyAt: d.now, retryAt: null, leaseId: null });
  d.emit("STEP_READY", key, payload);
}

/**
 * An attempt ended without success: retry (after backoff, or at once for a lost lease)
 * while the policy allows, else the step FAILS and with it the plan.
 */
function attemptFailed(d: Draft, step: StepModel, error: StepError, withBackoff: boolean): void {
  d.command({ type: "ClearTimers", stepKey: step.key });
  if (mayRetry(step.retry, step.attempts, error)) {
    const delayMs = withBackoff ? backoffMs(step.retry, step.attempts) : 0;
    if (delayMs === 0) {
      d.patchStep(step.key, { error, agentId: null });
      makeReady(d, step.key, { attempt: step.attempts + 1, after: errorJson(error) });
      return;
    }
    const retryAt = d.now + delayMs;
    d.patchStep(step.key, { state: "WAITING", error, leaseId: null, agentId: null, retryAt });
    d.command({ type: "SetTimer", kind: TimerKind.RETRY, stepKey: step.key, ref: null, dueAt: retryAt });
    d.emit("STEP_RETRY_SCHEDULED", step.key, { attempt: step.attempts, delayMs, retryAt, error: errorJson(error) });
    return;
  }
  d.patchStep(step.key, { state: "FAILED", error, leaseId: null, finishedAt: d.now });
  d.emit("STEP_FAILED", step.key, { attempt: step.attempts, error: errorJson(error) }, step.agentId);
  failPlan(d, { ...error, message: `step ${step.key} failed: ${error.message}`, details: { stepKey: step.key } });
}

/** The plan FAILS: every step not finished is CANCELLED and running leases are revoked. */
function failPlan(d: Draft, error: StepError): void {
  for (const s of d.steps) {
    if (s.state === "RUNNING" && s.leaseId) {
      d.command({ type: "EndAttempt", leaseId: s.leaseId, outcome: "CANCELLED", error: null });
    }
    if (s.state === "RUNNING" || isUnstartedStepState(s.state)) {
      d.patchStep(s.key, { state: "CANCELLED", leaseId: null, retryAt: null, finishedAt: d.now });
      d.emit("STEP_CANCELLED", s.key, { reason: "plan failed" });
    }
  }
  d.command({ type: "ClearTimers", stepKey: null });
  d.patchPlan({ state: "FAILED", error, finishedAt: d.now });
  d.emit("PLAN_FAILED", null, { error: errorJson(error) });
}

/** PENDING steps whose dependencies are all satisfied become READY; a fully done plan completes. */
function promote(d: Draft): void {
  if (d.plan.state !== "RUNNING") return;
  let done = true;
  for (const s of d.steps) {
    if (!isSatisfiedStepState(s.state)) done = false;
    if (s.state !== "PENDING") continue;
    if (s.dependsOn.every((k) => isSatisfiedStepState(d.step(k)!.state))) makeReady(d, s.key, { attempt: s.attempts + 1 });
  }
  if (done) completePlan(d);
}

function completePlan(d: Draft): void {
  const finals = finalKeys(d.steps);
  const result: Json =
    finals.length === 1
      ? d.step(finals[0]!)!.output
      : Object.fromEntries(finals.map((k) => [k, d.step(k)!.output] as const));
  d.command({ type: "ClearTimers", stepKey: null });
  d.patchPlan({ state: "COMPLETED", result, finishedAt: d.now });
  d.emit("PLAN_COMPLETED", null, { result });
}
