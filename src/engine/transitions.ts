/** Transitions shared by the event handlers (decide.ts) and the interventions (interventions.ts). */
import type { Json, StepError, StepModel } from "../domain/model.js";
import { isSatisfiedStepState, isUnstartedStepState } from "../domain/statuses.js";
import { TimerKind } from "./commands.js";
import { Draft, errorJson } from "./draft.js";
import { finalKeys } from "./graph.js";
import { backoffMs, mayRetry } from "./retry.js";

export function makeReady(d: Draft, key: string, payload: Json): void {
  const step = d.patchStep(key, { state: "READY", readyAt: d.now, retryAt: null, leaseId: null });
  d.emit("STEP_READY", key, payload);
  if (step.scheduleToStartMs !== null) setTimer(d, TimerKind.SCHEDULE_TO_START, key, null, d.now + step.scheduleToStartMs);
}

/**
 * An attempt ended without success: retry (after backoff, or at once for a lost lease)
 * while the policy allows, else the step FAILS and with it the plan.
 */
export function attemptFailed(d: Draft, step: StepModel, error: StepError, withBackoff: boolean): void {
  d.command({ type: "ClearTimers", stepKey: step.key });
  if (mayRetry(step.retry, step.attempts - step.attemptBase, error)) {
    const delayMs = withBackoff ? backoffMs(step.retry, step.attempts - step.attemptBase, `${d.plan.id}/${step.key}/${step.attempts}`) : 0;
    if (delayMs === 0) {
      d.patchStep(step.key, { error, agentId: null });
      makeReady(d, step.key, { attempt: step.attempts + 1, after: errorJson(error) });
      return;
    }
    // While paused the timer is frozen with delayMs left; retryAt is kept on the same footing
    // (pause start + delay) so that resume shifts both alike.
    const retryAt = (d.plan.state === "PAUSED" ? (d.plan.pausedAt ?? d.now) : d.now) + delayMs;
    d.patchStep(step.key, { state: "WAITING", error, leaseId: null, agentId: null, retryAt });
    setTimer(d, TimerKind.RETRY, step.key, null, d.now + delayMs);
    d.emit("STEP_RETRY_SCHEDULED", step.key, { attempt: step.attempts, delayMs, retryAt, error: errorJson(error) });
    return;
  }
  failStep(d, step, error);
}

/** The step FAILS for good, and with it the plan. */
export function failStep(d: Draft, step: StepModel, error: StepError): void {
  d.patchStep(step.key, { state: "FAILED", error, leaseId: null, finishedAt: d.now });
  d.emit("STEP_FAILED", step.key, { attempt: step.attempts, error: errorJson(error) }, step.agentId);
  endPlan(d, "FAILED", { ...error, message: `step ${step.key} failed: ${error.message}`, details: { stepKey: step.key } });
}

/**
 * The plan ends FAILED (with the error) or CANCELLED: every step not finished is CANCELLED,
 * running leases are revoked (their agents learn it from heartbeatStep) and timers cleared.
 */
export function endPlan(d: Draft, state: "FAILED" | "CANCELLED", error: StepError | null): void {
  const reason = state === "FAILED" ? "plan failed" : "plan cancelled";
  for (const s of d.steps) {
    if (s.state === "RUNNING" && s.leaseId) {
      d.command({ type: "EndAttempt", leaseId: s.leaseId, outcome: "CANCELLED", error: null });
    }
    if (s.state === "RUNNING" || isUnstartedStepState(s.state)) {
      d.patchStep(s.key, { state: "CANCELLED", leaseId: null, retryAt: null, finishedAt: d.now });
      d.emit("STEP_CANCELLED", s.key, { reason });
    }
  }
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

/**
 * PENDING steps whose dependencies are all satisfied become READY; a fully done plan completes.
 * Runs while PAUSED too: results of attempts that finish during a pause are kept and move the
 * plan on, but nothing is claimed until it resumes.
 */
export const dependenciesSatisfied = (d: Draft, s: StepModel): boolean => s.dependsOn.every((k) => isSatisfiedStepState(d.step(k)!.state));

export function promote(d: Draft): void {
  if (d.plan.state !== "RUNNING" && d.plan.state !== "PAUSED") return;
  let done = true;
  for (const s of d.steps) {
    if (!isSatisfiedStepState(s.state)) done = false;
    if (s.state !== "PENDING") continue;
    if (!dependenciesSatisfied(d, s)) continue;
    const notBefore = Math.max(s.runAt ?? 0, s.delayMs ? d.now + s.delayMs : 0);
    if (notBefore > d.now) {
      // Scheduled: it waits like a retry backoff (frozen while paused), then becomes READY.
      // (While paused, retryAt counts from the pause, as a frozen timer does: resume shifts both.)
      const retryAt = d.plan.state === "PAUSED" ? (d.plan.pausedAt ?? d.now) + (notBefore - d.now) : notBefore;
      d.patchStep(s.key, { state: "WAITING", retryAt });
      setTimer(d, TimerKind.RETRY, s.key, null, notBefore);
    } else {
      makeReady(d, s.key, { attempt: s.attempts + 1 });
    }
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
  d.patchPlan({ state: "COMPLETED", result, finishedAt: d.now, pausedAt: null });
  d.emit("PLAN_COMPLETED", null, { result });
}
