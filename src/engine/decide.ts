/**
 * The pure plan state machine: (aggregate, event, now) → new aggregate + commands.
 * No I/O, no clock, no randomness: the same inputs always give the same decision.
 *
 * Plan states:  IDLE → RUNNING → COMPLETED | FAILED | COMPENSATING → COMPENSATED | FAILED
 * Step states:  PENDING → READY → RUNNING → SUCCEEDED (→ COMPENSATED when its compensation ran)
 *                                  RUNNING → WAITING (retry backoff) → READY
 *                                  RUNNING → READY (lease lost, attempts left)
 *                                  RUNNING → FAILED (no retry left) ⇒ onFailure route, or plan FAILED
 *               PENDING | READY | WAITING → SKIPPED (ruled out by a rule or by routing)
 *               PENDING | READY | WAITING | RUNNING → CANCELLED (when the plan fails)
 *               any finished step → READY again when a transition brings it back (a new visit)
 * Each handler checks its precondition first and returns a Rejection when it does not hold.
 * The full diagrams and rules are in src/engine/README.md.
 */
import { STEP_OUTPUT_PREFIX, type Json, type PlanAggregate, type StepError, type StepModel } from "../domain/model.js";
import { isUnstartedStepState } from "../domain/statuses.js";
import { TimerKind } from "./commands.js";
import type { EngineCommand } from "./commands.js";
import { Draft } from "./draft.js";
import type { EngineEvent, EngineEventType, EventOf } from "./events.js";
import { firstMatch } from "./conditions.js";
import { agentInput, inputDocument, tryMapping } from "./mappings.js";
import { insertSteps, invalidAdditions } from "./interventions.js";
import { canEnter, compensated, completeNow, enter, failPlan, routeJson, visitLimitError } from "./routing.js";
import { setTimer, skipStep } from "./steps.js";
import { attemptFailed, failStep, runAgain, promote } from "./transitions.js";

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
    if (d.plan.policy.planTimeoutMs !== null) setTimer(d, TimerKind.PLAN_DEADLINE, null, null, d.now + d.plan.policy.planTimeoutMs);
    promote(d);
    d.command({ type: "TakeCheckpoint", reason: "INITIAL", stepKey: null });
  },

  PlanStartScheduled(d, e) {
    if (d.plan.state !== "IDLE") return reject("INVALID_STATE", `plan is ${d.plan.state}, not IDLE`);
    setTimer(d, TimerKind.PLAN_START, null, null, e.at);
  },

  StepClaimed(d, e) {
    if (d.plan.state !== "RUNNING" && d.plan.state !== "COMPENSATING") return reject("INVALID_STATE", `plan is ${d.plan.state}`);
    const step = d.step(e.stepKey);
    if (!step) return reject("NOT_FOUND", `no step ${e.stepKey}`);
    if (step.state !== "READY") return reject("INVALID_STATE", `step ${step.key} is ${step.state}, not READY`);
    if (d.running() >= d.plan.policy.maxParallel) {
      return reject("INVALID_STATE", `plan already runs ${d.plan.policy.maxParallel} steps`);
    }
    let mappedInput: Json | null = null;
    if (step.inputMapping !== null) {
      const mapped = tryMapping(step.inputMapping, inputDocument(d.plan.input, e.context ?? null, d.steps, step), "inputMapping");
      if ("error" in mapped) return failStep(d, step, mapped.error); // nothing to hand out: the step fails instead
      mappedInput = agentInput(step, mapped.value);
    }
    const attempt = step.attempts + 1;
    const expiresAt = d.now + d.plan.policy.heartbeatTimeoutMs;
    d.patchPlan({ lastClaimedAt: d.now });
    d.patchStep(step.key, {
      state: "RUNNING",
      attempts: attempt,
      agentId: e.agentId,
      leaseId: e.leaseId,
      startedAt: d.now,
      finishedAt: null,
      progress: null,
      progressMessage: null,
      mappedInput,
    });
    if (step.scheduleToStartMs !== null) d.command({ type: "ClearTimers", stepKey: step.key }); // started in time
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
    setTimer(d, TimerKind.STEP_TIMEOUT, step.key, e.leaseId, d.now + step.timeoutMs);
    d.emit("STEP_STARTED", step.key, { attempt, leaseId: e.leaseId }, e.agentId);
  },

  StepHeartbeat(d, e) {
    const step = runningStep(d, e.stepKey, e.leaseId);
    if (!("key" in step)) return step;
    const expiresAt = d.now + d.plan.policy.heartbeatTimeoutMs;
    d.command({ type: "ExtendLease", leaseId: e.leaseId, expiresAt });
    if (e.progress !== null || e.message !== null) {
      d.patchStep(step.key, { progress: e.progress ?? step.progress, progressMessage: e.message ?? step.progressMessage }, { bump: false });
      d.emit("STEP_PROGRESS", step.key, { progress: e.progress, message: e.message }, step.agentId);
    }
  },

  StepCompleted(d, e) {
    const step = runningStep(d, e.stepKey, e.leaseId);
    if (!("key" in step)) return step;
    const threshold = step.qualityThreshold;
    if (threshold !== null && (e.quality === null || e.quality < threshold)) {
      // Below the quality gate: a failure like any other (retried under the policy), the gap recorded.
      const gap = e.quality === null ? null : Math.round((threshold - e.quality) * 1e6) / 1e6;
      const error: StepError = {
        message: e.quality === null ? `no quality reported; the gate is ${threshold}` : `quality ${e.quality} is below the gate ${threshold}`,
        type: "QUALITY_GATE",
        retryable: true,
        details: { quality: e.quality, threshold, gap, output: e.output },
      };
      return failAttempt(d, step, e.leaseId, error);
    }
    if (d.plan.state === "COMPENSATING") {
      // The plan is being undone: it takes no new steps.
      if (e.addSteps?.length) return failAttempt(d, step, e.leaseId, invalidAdditions([{ path: "addSteps", message: "a compensating plan takes no new steps" }], e.output));
      compensated(d, succeed(d, step, e.leaseId, e.output, e.quality, null));
      d.command({ type: "TakeCheckpoint", reason: "STEP", stepKey: step.key });
      return;
    }
    // Route rules first: one may turn the completion into a failure (fail, retry).
    const match = step.when ? firstMatch(step.when, { output: e.output, input: d.plan.input, context: e.context ?? null }) : null;
    const rule: Json | null = match ? { rule: match.index, if: match.rule.if, then: match.rule.then, actual: match.actual } : null;
    const action = match?.rule.then;
    if (action && ("fail" in action || "retry" in action)) {
      const error: StepError = {
        message: "fail" in action ? (action.fail ?? `rule ${match.index} failed the step`) : `rule ${match.index} asked for a retry`,
        type: "fail" in action ? "CONDITION" : "CONDITION_RETRY",
        retryable: "retry" in action,
        details: { ...(rule as object), output: e.output },
      };
      return failAttempt(d, step, e.leaseId, error);
    }
    const target = action && "goto" in action ? action.goto : step.onSuccess;
    const via = action && "goto" in action ? "when" : "onSuccess";
    if (target !== null && !canEnter(d, target, step.key)) {
      // The route is closed (the target spent its visits): the step cannot end as it asked.
      const error = visitLimitError(d.step(target)!);
      d.command({ type: "EndAttempt", leaseId: e.leaseId, outcome: "FAILED", error });
      failStep(d, step, { ...error, details: { ...(error.details as object), route: routeJson(d, target, via, step.key) } });
      return;
    }
    const writes = step.outputMapping === null ? null : tryMapping(step.outputMapping, { output: e.output, input: d.plan.input }, "outputMapping");
    if (writes && "error" in writes) return failAttempt(d, step, e.leaseId, writes.error);
    // Dynamic plans: the steps the agent adds join the plan (one restructure) before it moves on.
    const added = e.addSteps?.length ? e.addSteps : null;
    const problems = added ? insertSteps(d, added, d.steps.length, (i) => `addSteps[${i}]`) : [];
    if (problems.length) return failAttempt(d, step, e.leaseId, invalidAdditions(problems, e.output));
    const route = target !== null ? routeJson(d, target, via, step.key) : null;
    const decision = { ...(rule ? { rule } : {}), ...(route ? { route } : {}), ...(added ? { added: added.map((s) => s.key) } : {}) };
    const done = succeed(d, step, e.leaseId, e.output, e.quality, decision);
    for (const [key, value] of Object.entries((writes?.value ?? {}) as { [key: string]: Json })) d.command({ type: "WriteContext", key, value, announce: true });
    if (action && "complete" in action) completeNow(d, done);
    else {
      if (action && "skip" in action) {
        for (const k of action.skip) if (isUnstartedStepState(d.step(k)!.state)) skipStep(d, k, { reason: "rule", by: step.key, rule });
      }
      if (target !== null) enter(d, target, { from: step.key, via, outcome: "SUCCEEDED", output: e.output, error: null });
      promote(d);
    }
    d.command({ type: "TakeCheckpoint", reason: "STEP", stepKey: step.key });
  },

  StepFailed(d, e) {
    const step = runningStep(d, e.stepKey, e.leaseId);
    if (!("key" in step)) return step;
    failAttempt(d, step, e.leaseId, e.error);
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
    if (!step || step.state !== "WAITING") return;
    runAgain(d, step.key, { attempt: step.attempts + 1 });
  },

  ScheduleToStartTimedOut(d, e) {
    const step = d.step(e.stepKey);
    if (!step || step.state !== "READY") return; // claimed (or gone) in time
    const error: StepError = {
      message: `not claimed within ${step.scheduleToStartMs} ms of becoming READY`,
      type: "SCHEDULE_TO_START_TIMEOUT",
      retryable: false,
      details: { readyAt: step.readyAt, scheduleToStartMs: step.scheduleToStartMs },
    };
    failStep(d, step, error);
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

/** The attempt ended in a failure (reported, or a completion turned into one): retried with backoff or failed, as the policy says. */
function failAttempt(d: Draft, step: StepModel, leaseId: string, error: StepError): void {
  d.command({ type: "EndAttempt", leaseId, outcome: "FAILED", error });
  attemptFailed(d, step, error, true);
}

/** The attempt succeeded: the step is SUCCEEDED with its output; `decision` (rule, route, added) goes into the signal. */
function succeed(d: Draft, step: StepModel, leaseId: string, output: Json | null, quality: number | null, decision: { [key: string]: Json } | null): StepModel {
  const done = d.patchStep(step.key, { state: "SUCCEEDED", output, quality, error: null, leaseId: null, finishedAt: d.now });
  d.command({ type: "EndAttempt", leaseId, outcome: "SUCCEEDED", error: null });
  d.command({ type: "ClearTimers", stepKey: step.key });
  d.emit("STEP_SUCCEEDED", step.key, { attempt: step.attempts, output, quality, ...decision }, step.agentId);
  d.command({ type: "WriteContext", key: `${STEP_OUTPUT_PREFIX}${step.key}.output`, value: output, announce: false });
  return done;
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
