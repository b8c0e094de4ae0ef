/**
 * The plain state changes of steps and plans that route nothing further: a step made READY, reset
 * to PENDING or SKIPPED, steps stopped, the plan ended, a timer set. Shared by routing.ts,
 * transitions.ts, the event handlers (decide.ts) and the interventions (interventions.ts); it
 * imports none of them, so the engine's modules form no import cycle. Pure functions over a Draft.
 */
import type { Json, StepError, StepModel } from "../domain/model.js";
import { isSatisfiedStepState, isUnstartedStepState } from "../domain/statuses.js";
import { TimerKind } from "./commands.js";
import { Draft, errorJson } from "./draft.js";

/** A step becomes READY, to be claimed; its schedule-to-start timer is armed when it has one. */
export function makeReady(d: Draft, key: string, payload: Json): void {
  const step = d.patchStep(key, { state: "READY", readyAt: d.now, retryAt: null, leaseId: null });
  d.emit("STEP_READY", key, payload);
  if (step.scheduleToStartMs !== null) setTimer(d, TimerKind.SCHEDULE_TO_START, key, null, d.now + step.scheduleToStartMs);
}

/**
 * A step back to PENDING with a fresh retry budget (its attempt count goes on): a running
 * attempt is revoked and its timers cleared. `input` replaces its input when given.
 */
export function resetStep(d: Draft, key: string, input?: Json): void {
  const s = d.step(key)!;
  if (s.state === "RUNNING" && s.leaseId) d.command({ type: "EndAttempt", leaseId: s.leaseId, outcome: "CANCELLED", error: null });
  if (s.state === "WAITING" || s.state === "READY" || s.state === "RUNNING") d.command({ type: "ClearTimers", stepKey: key });
  d.patchStep(key, {
    state: "PENDING",
    attemptBase: s.attempts,
    error: null,
    output: null,
    quality: null,
    agentId: null,
    leaseId: null,
    progress: null,
    progressMessage: null,
    readyAt: null,
    startedAt: null,
    finishedAt: null,
    retryAt: null,
    ...(input !== undefined ? { input } : {}),
  });
}

/** A step that has not started is ruled out: SKIPPED, with why. */
export function skipStep(d: Draft, key: string, payload: Json): void {
  const s = d.step(key)!;
  if (s.state === "WAITING" || s.state === "READY") d.command({ type: "ClearTimers", stepKey: key });
  d.patchStep(key, { state: "SKIPPED", retryAt: null, finishedAt: d.now });
  d.emit("STEP_SKIPPED", key, payload);
}

/** Every step RUNNING or not started yet is CANCELLED (running leases revoked; their agents learn it from heartbeatStep), but those in `keep`. */
export function stopSteps(d: Draft, reason: string, keep?: ReadonlySet<string>): void {
  for (const s of d.steps) {
    if (keep?.has(s.key)) continue;
    if (s.state === "RUNNING" && s.leaseId) {
      d.command({ type: "EndAttempt", leaseId: s.leaseId, outcome: "CANCELLED", error: null });
    }
    if (s.state === "RUNNING" || isUnstartedStepState(s.state)) {
      d.patchStep(s.key, { state: "CANCELLED", leaseId: null, retryAt: null, finishedAt: d.now });
      d.emit("STEP_CANCELLED", s.key, { reason });
    }
  }
}

/** The plan ends FAILED (with the error) or CANCELLED: every step not finished is CANCELLED and timers cleared. */
export function endPlan(d: Draft, state: "FAILED" | "CANCELLED", error: StepError | null): void {
  stopSteps(d, state === "FAILED" ? "plan failed" : "plan cancelled");
  d.command({ type: "ClearTimers", stepKey: null });
  d.patchPlan({ state, error, finishedAt: d.now, pausedAt: null });
  d.emit(state === "FAILED" ? "PLAN_FAILED" : "PLAN_CANCELLED", null, error ? { error: errorJson(error) } : null);
}

/**
 * Sets a durable timer. While the plan is PAUSED its clocks are frozen: the timer is stored
 * with the time it has left and starts running on resume. (Lease expiry is not one of these
 * timers: it is the attempt's expires_at, and never freezes.)
 */
export function setTimer(d: Draft, kind: TimerKind, stepKey: string | null, ref: string | null, dueAt: number): void {
  const frozen = d.plan.state === "PAUSED";
  d.command({ type: "SetTimer", kind, stepKey, ref, dueAt, frozen });
}

export const dependenciesSatisfied = (d: Draft, s: StepModel): boolean => s.dependsOn.every((k) => isSatisfiedStepState(d.step(k)!.state));
