/**
 * Transitions shared by the event handlers (decide.ts) and the interventions (interventions.ts):
 * promotion, retries, a step failing for good, the plan completing. Routes come from routing.ts,
 * plain state changes from steps.ts.
 */
import type { Json, StepError, StepModel } from "../domain/model.js";
import { TimerKind } from "./commands.js";
import { Draft, errorJson } from "./draft.js";
import { finalKeys } from "./graph.js";
import { backoffMs, mayRetry } from "./retry.js";
import { canEnter, compensationFailed, enter, failPlan, routeJson, visitLimitError } from "./routing.js";
import { dependenciesSatisfied, makeReady, setTimer, skipStep } from "./steps.js";

/**
 * A step due to run again (a retry, at once or after its backoff): READY, unless a dependency is
 * no longer satisfied (reopened by retryStep, added by modifyStep) — then it waits PENDING and the
 * plan moves on from there. A step a transition or a compensation entered runs whatever its
 * dependencies, as it did on that visit's first attempt.
 */
export function runAgain(d: Draft, key: string, payload: Json): void {
  const step = d.step(key)!;
  if (step.trigger !== null || dependenciesSatisfied(d, step)) return makeReady(d, key, payload);
  d.patchStep(key, { state: "PENDING", retryAt: null, leaseId: null, agentId: null });
  promote(d);
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
      runAgain(d, step.key, { attempt: step.attempts + 1, after: errorJson(error) });
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

/**
 * The step FAILS for good (no retry left). Its onFailure route, when it can be taken, handles
 * the failure and the plan goes on; otherwise the plan fails (and compensates). A failed
 * compensation fails the plan.
 */
export function failStep(d: Draft, step: StepModel, error: StepError): void {
  d.patchStep(step.key, { state: "FAILED", error, leaseId: null, finishedAt: d.now });
  const payload = { attempt: step.attempts, error: errorJson(error) };
  if (d.plan.state === "COMPENSATING") {
    d.emit("STEP_FAILED", step.key, payload, step.agentId);
    compensationFailed(d, step, error);
    return;
  }
  const target = step.onFailure;
  const routed = target !== null && canEnter(d, target, step.key);
  d.emit("STEP_FAILED", step.key, target ? { ...payload, route: routeJson(d, target, "onFailure", step.key) } : payload, step.agentId);
  if (routed) {
    enter(d, target, { from: step.key, via: "onFailure", outcome: "FAILED", output: null, error: errorJson(error) });
    promote(d);
    return;
  }
  failPlan(d, { ...error, message: `step ${step.key} failed: ${error.message}`, details: { stepKey: step.key } });
}

/** Where a PENDING step stands with its dependencies. */
function dependencyState(d: Draft, s: StepModel): "ready" | "wait" | "blocked" | "skip" {
  let wait = false;
  let skipped = false;
  for (const k of s.dependsOn) {
    const state = d.step(k)!.state;
    if (state === "SUCCEEDED") continue;
    if (state === "SKIPPED") skipped = true;
    else if (state === "FAILED" || state === "CANCELLED" || state === "COMPENSATED") return "blocked";
    else wait = true;
  }
  return wait ? "wait" : skipped && s.skipIfDependencySkipped ? "skip" : "ready";
}

/**
 * Moves the plan on. PENDING steps whose dependencies are satisfied start a new visit (READY,
 * or WAITING for their runAt / delayMs); when nothing is READY, RUNNING or WAITING any more,
 * the PENDING steps that can no longer run (held for a transition that never fired, or after a
 * dependency that failed) are SKIPPED, which may free others; when nothing is left the plan
 * completes. Runs while PAUSED too: results of attempts that finish during a pause are kept
 * and move the plan on, but nothing is claimed until it resumes.
 */
export function promote(d: Draft): void {
  const held = d.held();
  for (;;) {
    if (d.plan.state !== "RUNNING" && d.plan.state !== "PAUSED") return;
    let active = false;
    let moved = false;
    for (const s of d.steps) {
      if (s.state === "READY" || s.state === "RUNNING" || s.state === "WAITING") active = true;
      if (s.state !== "PENDING" || held(s)) continue;
      const deps = dependencyState(d, s);
      if (deps === "wait" || deps === "blocked") continue;
      moved = true;
      if (deps === "skip") skipStep(d, s.key, { reason: "a dependency was skipped" });
      else if (s.maxVisits !== null && s.visits >= s.maxVisits) {
        failStep(d, s, visitLimitError(s));
        break; // the failure may have routed or ended the plan: look again
      } else activate(d, s);
    }
    if (moved) continue;
    if (active) return;
    const ruledOut = d.steps.filter((s) => s.state === "PENDING" && (held(s) || dependencyState(d, s) === "blocked"));
    if (ruledOut.length === 0) return completePlan(d);
    for (const s of ruledOut) skipStep(d, s.key, { reason: held(s) ? "no route led to it" : "a dependency did not succeed" });
  }
}

/** A PENDING step starts a visit: READY now, or WAITING (like a retry backoff, frozen while paused) until its runAt / delayMs. */
function activate(d: Draft, s: StepModel): void {
  const visits = s.visits + 1;
  const notBefore = Math.max(s.runAt ?? 0, s.delayMs ? d.now + s.delayMs : 0);
  if (notBefore > d.now) {
    // (While paused, retryAt counts from the pause, as a frozen timer does: resume shifts both.)
    const retryAt = d.plan.state === "PAUSED" ? (d.plan.pausedAt ?? d.now) + (notBefore - d.now) : notBefore;
    d.patchStep(s.key, { state: "WAITING", retryAt, visits, trigger: null });
    setTimer(d, TimerKind.RETRY, s.key, null, notBefore);
  } else {
    d.patchStep(s.key, { visits, trigger: null });
    makeReady(d, s.key, visits > 1 ? { attempt: s.attempts + 1, visit: visits } : { attempt: s.attempts + 1 });
  }
}

/** The result: the outputs of the final steps, leaving out held ones (compensations, transition-only steps) when others exist. */
function completePlan(d: Draft): void {
  const held = d.held();
  const all = finalKeys(d.steps);
  const kept = all.filter((k) => !held(d.step(k)!));
  const finals = kept.length > 0 ? kept : all;
  const result: Json =
    finals.length === 1
      ? d.step(finals[0]!)!.output
      : Object.fromEntries(finals.map((k) => [k, d.step(k)!.output] as const));
  d.command({ type: "ClearTimers", stepKey: null });
  d.patchPlan({ state: "COMPLETED", result, finishedAt: d.now, pausedAt: null });
  d.emit("PLAN_COMPLETED", null, { result });
}
