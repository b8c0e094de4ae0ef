/**
 * Routes a step's outcome can take beyond its dependents: transitions (onSuccess, onFailure,
 * `when` goto), rules that skip steps or complete the plan, and saga compensation when the
 * plan fails. Pure functions over a Draft, shared by the event handlers.
 */
import type { Json, StepError, StepModel } from "../domain/model.js";
import { isUnstartedStepState } from "../domain/statuses.js";
import { Draft, errorJson } from "./draft.js";
import { dependentsOf } from "./graph.js";
import { endPlan, makeReady, resetStep, skipStep, stopSteps } from "./steps.js";

/** How a transition reached its target: recorded on the target as its `trigger`. */
export interface Trigger {
  from: string;
  via: "onSuccess" | "onFailure" | "when";
  outcome: "SUCCEEDED" | "FAILED";
  output: Json | null;
  error: Json | null;
}

/** A step already READY, WAITING or RUNNING: a transition to it needs no new visit. The step whose outcome routes (`from`) is ending, never on its way. */
const onItsWay = (d: Draft, key: string, from: string): boolean => {
  const state = d.step(key)!.state;
  return key !== from && (state === "READY" || state === "WAITING" || state === "RUNNING");
};

/** A target can be visited again unless its visit limit is spent (a target already on its way needs no new visit). */
export function canEnter(d: Draft, key: string, from: string): boolean {
  const t = d.step(key)!;
  return onItsWay(d, key, from) || t.maxVisits === null || t.visits < t.maxVisits;
}

/** What a route looks like in a signal payload: the target and the visit it starts (or that its limit is spent). */
export function routeJson(d: Draft, key: string, via: Trigger["via"], from: string): Json {
  const t = d.step(key)!;
  if (!canEnter(d, key, from)) return { to: key, via, exhausted: true, maxVisits: t.maxVisits };
  return { to: key, via, visit: onItsWay(d, key, from) ? t.visits : t.visits + 1 };
}

/** A visit the target's limit does not allow. */
export const visitLimitError = (target: StepModel): StepError => ({
  message: `step ${target.key} has used all ${target.maxVisits} of its visits`,
  type: "VISIT_LIMIT_EXCEEDED",
  retryable: false,
  details: { step: target.key, maxVisits: target.maxVisits },
});

/**
 * A transition fires: the target starts a new visit (READY at once, whatever its
 * dependencies), and every step downstream of it that had run goes back to PENDING so it runs
 * again after it. A target already READY, WAITING or RUNNING just records the trigger.
 * Callers check canEnter first.
 */
export function enter(d: Draft, key: string, trigger: Trigger | { compensates: string }): void {
  const t = d.step(key)!;
  const json = trigger as unknown as Json;
  if (t.state === "READY" || t.state === "WAITING" || t.state === "RUNNING") {
    d.patchStep(key, { trigger: json });
    return;
  }
  if (!("compensates" in trigger)) {
    for (const k of dependentsOf(d.steps, key)) if (d.step(k)!.state !== "PENDING") resetStep(d, k);
  }
  resetStep(d, key);
  d.patchStep(key, { visits: t.visits + 1, trigger: json });
  makeReady(d, key, { attempt: t.attempts + 1, visit: t.visits + 1, ...("compensates" in trigger ? trigger : { from: trigger.from, via: trigger.via }) });
}

/** A `complete` rule: the plan is COMPLETED now with this step's output; what has not run is SKIPPED, running attempts revoked. */
export function completeNow(d: Draft, by: StepModel): void {
  for (const s of d.steps) {
    if (s.state === "RUNNING") {
      if (s.leaseId) d.command({ type: "EndAttempt", leaseId: s.leaseId, outcome: "CANCELLED", error: null });
      d.patchStep(s.key, { state: "CANCELLED", leaseId: null, finishedAt: d.now });
      d.emit("STEP_CANCELLED", s.key, { reason: `plan completed by ${by.key}` });
    } else if (isUnstartedStepState(s.state)) {
      skipStep(d, s.key, { reason: "plan completed", by: by.key });
    }
  }
  d.command({ type: "ClearTimers", stepKey: null });
  d.patchPlan({ state: "COMPLETED", result: by.output, finishedAt: d.now, pausedAt: null });
  d.emit("PLAN_COMPLETED", null, { result: by.output, by: by.key });
}

// ---------------------------------------------------------------- saga compensation

/** Keys named by some step's `compensate`. */
const compensationKeys = (d: Draft): Set<string> => new Set(d.steps.flatMap((s) => (s.compensate ? [s.compensate] : [])));

/** SUCCEEDED steps with a compensation still to run, latest completion first (ties: later in plan order first). */
function toCompensate(d: Draft): StepModel[] {
  const compensations = compensationKeys(d);
  return d.steps
    .filter((s) => s.state === "SUCCEEDED" && s.compensate !== null && !compensations.has(s.key))
    .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0) || b.position - a.position);
}

/**
 * The plan fails (error) or is cancelled with compensation (error null). With steps to undo
 * it COMPENSATES: whatever runs is stopped and their compensations run one by one; else it
 * simply ends FAILED or CANCELLED.
 */
export function failPlan(d: Draft, error: StepError | null): void {
  const undo = toCompensate(d);
  if (undo.length === 0) {
    endPlan(d, error ? "FAILED" : "CANCELLED", error);
    return;
  }
  stopSteps(d, error ? "plan failed" : "plan cancelled", compensationKeys(d));
  d.command({ type: "ClearTimers", stepKey: null });
  d.patchPlan({ state: "COMPENSATING", error, pausedAt: null });
  d.emit("PLAN_COMPENSATING", null, { error: error ? errorJson(error) : null, steps: undo.map((s) => s.key) });
  nextCompensation(d);
}

/** A compensation step succeeded: the step it undid is COMPENSATED, and the next one starts. */
export function compensated(d: Draft, by: StepModel): void {
  const undone = (by.trigger as { compensates?: string } | null)?.compensates;
  if (undone && d.step(undone)?.state === "SUCCEEDED") {
    d.patchStep(undone, { state: "COMPENSATED" });
    d.emit("STEP_COMPENSATED", undone, { by: by.key });
  }
  nextCompensation(d);
}

function nextCompensation(d: Draft): void {
  const next = toCompensate(d)[0];
  if (next) {
    enter(d, next.compensate!, { compensates: next.key });
    return;
  }
  d.command({ type: "ClearTimers", stepKey: null });
  d.patchPlan({ state: "COMPENSATED", finishedAt: d.now });
  d.emit("PLAN_COMPENSATED", null, { compensated: d.steps.filter((s) => s.state === "COMPENSATED").map((s) => s.key) });
}

/** A compensation failed for good: the plan ends FAILED, the failure recorded over the original error. */
export function compensationFailed(d: Draft, step: StepModel, error: StepError): void {
  const undone = (step.trigger as { compensates?: string } | null)?.compensates ?? null;
  endPlan(d, "FAILED", {
    message: `compensation ${step.key}${undone ? ` of step ${undone}` : ""} failed: ${error.message}`,
    type: "COMPENSATION_FAILED",
    retryable: false,
    details: { stepKey: step.key, compensates: undone, error: errorJson(error), planError: d.plan.error ? errorJson(d.plan.error) : null },
  });
}
