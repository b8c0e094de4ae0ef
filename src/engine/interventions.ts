/**
 * Operator interventions on a plan, pure like decide(): (aggregate, intervention, now) →
 * the changed aggregate, its commands and a diff of the touched fields, or a rejection with a
 * stable code. Each kind has its own validator-and-apply handler; nothing changes unless it
 * holds. The rules are written down in src/engine/README.md ("Interventions").
 */
import { builtinConfigProblems } from "../domain/builtins.js";
import type { Problem } from "../domain/errors.js";
import { newStep, STEP_OUTPUT_PREFIX, type Json, type PlanAggregate, type StepError, type StepModel, type StepSpec } from "../domain/model.js";
import { isFinalPlanState, isFinishedStepState, PlanState, type Priority, type StepState } from "../domain/statuses.js";
import type { EngineCommand } from "./commands.js";
import { TimerKind } from "./commands.js";
import { Draft } from "./draft.js";
import { dependentsOf } from "./graph.js";
import { failPlan } from "./routing.js";
import { dependenciesSatisfied, endPlan, resetStep, setTimer } from "./steps.js";
import { promote } from "./transitions.js";
import { checkStepPatch, graphProblems, MAX_STEPS, type RetryDraft } from "./validate.js";

export const InterventionKind = {
  PAUSE: "PAUSE",
  RESUME: "RESUME",
  CANCEL: "CANCEL",
  RETRY_STEP: "RETRY_STEP",
  RETRY_PLAN: "RETRY_PLAN",
  SKIP_STEP: "SKIP_STEP",
  MODIFY_STEP: "MODIFY_STEP",
  ADD_STEP: "ADD_STEP",
  REMOVE_STEP: "REMOVE_STEP",
  REORDER_STEPS: "REORDER_STEPS",
  RESTORE_CHECKPOINT: "RESTORE_CHECKPOINT",
  UPDATE_CONTEXT: "UPDATE_CONTEXT",
  /** A new plan forked from one of the plan's checkpoints (recorded by the coordinator; the plan itself is not changed). */
  FORK_CHECKPOINT: "FORK_CHECKPOINT",
} as const;
export type InterventionKind = (typeof InterventionKind)[keyof typeof InterventionKind];

export const InterventionStatus = { APPLIED: "APPLIED", REJECTED: "REJECTED" } as const;
export type InterventionStatus = (typeof InterventionStatus)[keyof typeof InterventionStatus];

/** A change to a step that has not started. Absent fields stay as they are. */
export interface StepPatch {
  input?: Json;
  role?: string;
  timeoutMs?: number;
  retry?: RetryDraft;
  priority?: Priority;
  dependsOn?: string[];
  config?: Json;
}

export type InterventionRequest =
  | { kind: "PAUSE" }
  | { kind: "RESUME" }
  /** `compensate`: run the compensations of the steps that succeeded (saga) before ending COMPENSATED. */
  | { kind: "CANCEL"; compensate?: boolean }
  | { kind: "RETRY_STEP"; stepKey: string; input?: Json }
  /** A FAILED plan runs again: the step that failed it (RETRY_STEP of it), or every step a deadline cancelled. */
  | { kind: "RETRY_PLAN" }
  | { kind: "SKIP_STEP"; stepKey: string; output?: Json }
  | { kind: "MODIFY_STEP"; stepKey: string; patch: StepPatch }
  /** `step` is already checked on its own (validateStepDraft); `after`: insert after this key, else at the end. */
  | { kind: "ADD_STEP"; step: StepSpec; after?: string | null }
  | { kind: "REMOVE_STEP"; stepKey: string }
  /** The listed steps take, in this order, the places they hold among themselves. */
  | { kind: "REORDER_STEPS"; order: string[] }
  /** `state`: the plan as the checkpoint holds it (read by the caller). */
  | { kind: "RESTORE_CHECKPOINT"; checkpointId: string; state: PlanAggregate | null };

/** The interventions on a whole plan, which the bulk actions apply to many plans at once. */
export type PlanWideKind = "PAUSE" | "RESUME" | "CANCEL" | "RETRY_PLAN";

/** The plan states in which each plan-wide intervention may apply: its handler refuses the others with INVALID_STATE. */
export const PLAN_STATES_FOR: { readonly [K in PlanWideKind]: readonly PlanState[] } = {
  PAUSE: ["RUNNING"],
  RESUME: ["PAUSED"],
  CANCEL: Object.values(PlanState).filter((s) => !isFinalPlanState(s)),
  RETRY_PLAN: ["FAILED"],
};

export type RejectionCode = "INVALID_STATE" | "VERSION_CONFLICT" | "INVALID_PLAN" | "NOT_FOUND";

export type InterventionResult =
  | { ok: true; aggregate: PlanAggregate; commands: EngineCommand[]; diff: Json }
  | { ok: false; code: RejectionCode; reason: string };

type Handled = { diff: Json } | { code: RejectionCode; reason: string };
type RequestOf<K extends InterventionRequest["kind"]> = Extract<InterventionRequest, { kind: K }>;
type Handler<K extends InterventionRequest["kind"]> = (d: Draft, r: RequestOf<K>) => Handled;

const refuse = (code: RejectionCode, reason: string): Handled => ({ code, reason });
const RETRYABLE: readonly StepState[] = ["FAILED", "CANCELLED", "SKIPPED"];
const SKIPPABLE: readonly StepState[] = ["PENDING", "READY", "FAILED"];
const MODIFIABLE: readonly StepState[] = ["PENDING", "READY", "WAITING"];

/** The step, or a NOT_FOUND refusal. */
function stepOf(d: Draft, key: string): StepModel | Handled {
  return d.step(key) ?? refuse("NOT_FOUND", `plan has no step "${key}"`);
}
const isStep = (s: StepModel | Handled): s is StepModel => "key" in s;

type Kind = InterventionRequest["kind"];
type StructuralKind = "ADD_STEP" | "REMOVE_STEP" | "REORDER_STEPS" | "RESTORE_CHECKPOINT";

/** Handlers of the run-state interventions. */
const handlers: { [K in Exclude<Kind, StructuralKind>]: Handler<K> } = {
  PAUSE(d) {
    if (!PLAN_STATES_FOR.PAUSE.includes(d.plan.state)) return refuse("INVALID_STATE", `only a RUNNING plan can be paused; it is ${d.plan.state}`);
    d.patchPlan({ state: "PAUSED", pausedAt: d.now });
    d.command({ type: "FreezeTimers" });
    d.emit("PLAN_PAUSED");
    d.command({ type: "TakeCheckpoint", reason: "PAUSE", stepKey: null });
    return { diff: { state: { before: "RUNNING", after: "PAUSED" } } };
  },

  RESUME(d) {
    if (!PLAN_STATES_FOR.RESUME.includes(d.plan.state)) return refuse("INVALID_STATE", `only a PAUSED plan can be resumed; it is ${d.plan.state}`);
    const pausedFor = d.now - (d.plan.pausedAt ?? d.now);
    for (const s of d.steps) if (s.state === "WAITING" && s.retryAt !== null) d.patchStep(s.key, { retryAt: s.retryAt + pausedFor });
    d.patchPlan({ state: "RUNNING", pausedAt: null });
    d.command({ type: "ThawTimers" });
    d.emit("PLAN_RESUMED", null, { pausedMs: pausedFor });
    promote(d);
    return { diff: { state: { before: "PAUSED", after: d.plan.state } } };
  },

  CANCEL(d, r) {
    const before = d.plan.state;
    if (!PLAN_STATES_FOR.CANCEL.includes(before)) return refuse("INVALID_STATE", `the plan is already ${before}`);
    if (r.compensate && before !== "COMPENSATING") failPlan(d, null);
    else endPlan(d, "CANCELLED", null);
    return { diff: { state: { before, after: d.plan.state } } };
  },

  RETRY_STEP(d, r) {
    const step = stepOf(d, r.stepKey);
    if (!isStep(step)) return step;
    const plan = d.plan.state;
    if (plan !== "RUNNING" && plan !== "PAUSED" && plan !== "FAILED" && plan !== "CANCELLED") {
      return refuse("INVALID_STATE", `steps of a ${plan} plan cannot be retried`);
    }
    if (!RETRYABLE.includes(step.state)) return refuse("INVALID_STATE", `step ${step.key} is ${step.state}; only FAILED, CANCELLED or SKIPPED steps can be retried`);
    const reopened = plan === "FAILED" || plan === "CANCELLED" ? reopenPlan(d) : [];
    const diff = retryStep(d, step, r.input);
    if (reopened.length) diff["plan"] = { state: { before: plan, after: "RUNNING" }, reopenedSteps: reopened };
    promote(d);
    return { diff };
  },

  RETRY_PLAN(d) {
    if (!PLAN_STATES_FOR.RETRY_PLAN.includes(d.plan.state)) return refuse("INVALID_STATE", `only a FAILED plan can be retried; it is ${d.plan.state}`);
    // Its compensations ran (some steps may be COMPENSATED): which steps to run again is the operator's call (retryStep).
    if (d.plan.error?.type === "COMPENSATION_FAILED") return refuse("INVALID_STATE", "the plan failed while compensating: retry its steps one by one with retryStep");
    const failedBy = (d.plan.error?.details as { stepKey?: unknown } | null)?.stepKey;
    const step = typeof failedBy === "string" ? d.step(failedBy) : undefined;
    const reopened = reopenPlan(d);
    const diff: Record<string, Json> = { plan: { state: { before: "FAILED", after: "RUNNING" }, reopenedSteps: reopened } };
    // A plan failed by its deadline has no failed step: the steps it cancelled run again.
    if (step?.state === "FAILED") Object.assign(diff, retryStep(d, step));
    promote(d);
    return { diff };
  },

  SKIP_STEP(d, r) {
    const step = stepOf(d, r.stepKey);
    if (!isStep(step)) return step;
    if (isFinalPlanState(d.plan.state)) return refuse("INVALID_STATE", `the plan is ${d.plan.state}`);
    // A skipped compensation would leave its step neither undone nor to be undone: cancel the plan instead.
    if (d.plan.state === "COMPENSATING") return refuse("INVALID_STATE", "the plan is COMPENSATING: its steps cannot be skipped (cancelPlan stops the compensation)");
    if (!SKIPPABLE.includes(step.state)) return refuse("INVALID_STATE", `step ${step.key} is ${step.state}; only PENDING, READY or FAILED steps can be skipped`);
    const output = r.output ?? null;
    d.patchStep(step.key, { state: "SKIPPED", output, finishedAt: d.now, retryAt: null });
    d.command({ type: "ClearTimers", stepKey: step.key });
    d.emit("STEP_SKIPPED", step.key, { output });
    // The substitute output is what dependents see: it is the step's output in the context too.
    if (r.output !== undefined) d.command({ type: "WriteContext", key: `${STEP_OUTPUT_PREFIX}${step.key}.output`, value: output, announce: false });
    promote(d);
    return { diff: { state: { before: step.state, after: "SKIPPED" }, output: { before: step.output, after: output } } };
  },

  MODIFY_STEP(d, r) {
    const step = stepOf(d, r.stepKey);
    if (!isStep(step)) return step;
    if (isFinalPlanState(d.plan.state)) return refuse("INVALID_STATE", `the plan is ${d.plan.state}`);
    if (!MODIFIABLE.includes(step.state)) return refuse("INVALID_STATE", `step ${step.key} is ${step.state}; only PENDING, READY or WAITING steps can be modified`);
    const p = r.patch;
    const next: Partial<StepModel> = {};
    if (p.input !== undefined) next.input = p.input;
    if (p.role !== undefined) next.role = p.role;
    if (p.timeoutMs !== undefined) next.timeoutMs = p.timeoutMs;
    if (p.priority !== undefined) next.priority = p.priority;
    if (p.config !== undefined) next.config = p.config;
    if (p.dependsOn !== undefined) next.dependsOn = [...new Set(p.dependsOn)];
    const checked = checkStepPatch({ retry: p.retry }, step.retry);
    if (checked.retry) next.retry = checked.retry;
    const patched = d.steps.map((s) => (s.key === step.key ? { ...s, ...next } : s));
    const patchedStep = patched.find((s) => s.key === step.key)!;
    const problems = [
      ...checked.problems,
      ...graphProblems(patched),
      ...builtinConfigProblems(patchedStep.role, patchedStep.config, `steps[${step.position}]`),
    ];
    if (problems.length) return refuse("INVALID_PLAN", describe(problems));
    const diff: Record<string, Json> = {};
    for (const [field, after] of Object.entries(next)) diff[field] = { before: step[field as keyof StepModel] as Json, after: after as Json };
    if (Object.keys(diff).length === 0) return refuse("INVALID_PLAN", "the patch changes nothing");
    d.patchStep(step.key, next);
    // New dependencies may hold a READY step back, or free a PENDING one.
    const updated = d.step(step.key)!;
    if (updated.state === "READY" && !dependenciesSatisfied(d, updated)) d.patchStep(step.key, { state: "PENDING", readyAt: null });
    promote(d);
    return { diff };
  },
};

/** Handlers of the structural edits: the step list changes, and the whole plan is validated again. */
const structural: { [K in StructuralKind]: Handler<K> } = {
  ADD_STEP(d, r) {
    if (isFinalPlanState(d.plan.state)) return refuse("INVALID_STATE", `the plan is ${d.plan.state}`);
    if (d.step(r.step.key)) return refuse("INVALID_PLAN", `the plan already has a step "${r.step.key}"`);
    let at = d.steps.length;
    if (r.after != null) {
      const after = d.step(r.after);
      if (!after) return refuse("NOT_FOUND", `plan has no step "${r.after}"`);
      at = d.steps.indexOf(after) + 1;
    }
    const problems = insertSteps(d, [r.step], at, () => "step");
    if (problems.length) return refuse("INVALID_PLAN", describe(problems));
    promote(d);
    return { diff: { added: r.step.key, after: r.after ?? null, position: at } };
  },

  REMOVE_STEP(d, r) {
    const step = stepOf(d, r.stepKey);
    if (!isStep(step)) return step;
    if (isFinalPlanState(d.plan.state)) return refuse("INVALID_STATE", `the plan is ${d.plan.state}`);
    if (step.state === "RUNNING" || isFinishedStepState(step.state)) {
      return refuse("INVALID_STATE", `step ${step.key} is ${step.state}; only steps that have not started can be removed`);
    }
    const dependents = d.steps.filter((s) => s.dependsOn.includes(step.key)).map((s) => s.key);
    if (dependents.length) return refuse("INVALID_PLAN", `steps ${dependents.join(", ")} depend on ${step.key}`);
    if (d.steps.length === 1) return refuse("INVALID_PLAN", "a plan needs at least one step");
    // What is left must be a whole plan: no transition, compensation or rule leads to the step.
    const rest = d.steps.filter((s) => s.key !== step.key);
    const problems = graphProblems(rest);
    if (problems.length) return refuse("INVALID_PLAN", `without ${step.key}: ${describe(problems)}`);
    if (step.state === "WAITING") d.command({ type: "ClearTimers", stepKey: step.key });
    d.restructure(rest);
    promote(d);
    return { diff: { removed: step.key, state: step.state, position: step.position } };
  },

  /**
   * Rewinds the plan in place: steps take their state, output and structure at the checkpoint;
   * leases running now are revoked (their late results refused); attempts at the checkpoint
   * run again as new attempts. The version still rises, and history is never deleted.
   */
  RESTORE_CHECKPOINT(d, r) {
    if (!r.state || r.state.plan.id !== d.plan.id) return refuse("NOT_FOUND", `plan has no checkpoint ${r.checkpointId}`);
    // A PAUSED plan stays paused, an IDLE one (checkpointed by hand before it started) idle.
    const keep = d.plan.state === "PAUSED" || d.plan.state === "IDLE" ? d.plan.state : "RUNNING";
    const reopens = isFinalPlanState(d.plan.state);
    const now = new Map(d.steps.map((s) => [s.key, s] as const));
    for (const s of d.steps) if (s.state === "RUNNING" && s.leaseId) d.command({ type: "EndAttempt", leaseId: s.leaseId, outcome: "CANCELLED", error: null });
    d.command({ type: "ClearTimers", stepKey: null });
    const changed: Record<string, Json> = {};
    const steps = r.state.steps.map((old): StepModel => {
      const current = now.get(old.key);
      const attempts = Math.max(old.attempts, current?.attempts ?? 0);
      // Attempts in flight at the checkpoint run again; so do failed or cancelled steps, since
      // the plan runs on after a restore (a checkpoint may hold a plan that had failed).
      const rerun = old.state === "RUNNING" || old.state === "WAITING" || old.state === "READY" || old.state === "FAILED" || old.state === "CANCELLED";
      const restored: StepModel = {
        ...old,
        attempts,
        // Every step that will run again gets its whole retry budget.
        attemptBase: old.state === "SUCCEEDED" || old.state === "SKIPPED" ? old.attemptBase : attempts,
        ...(rerun
          ? { state: "PENDING" as const, leaseId: null, agentId: null, retryAt: null, readyAt: null, startedAt: null, finishedAt: null, error: null, progress: null, progressMessage: null }
          : {}),
      };
      if (current?.state !== restored.state) changed[old.key] = { before: current?.state ?? null, after: restored.state };
      return restored;
    });
    for (const key of now.keys()) if (!steps.some((s) => s.key === key)) changed[key] = { before: now.get(key)!.state, after: null };
    d.restructure(steps);
    d.patchPlan({ state: keep, result: null, error: null, finishedAt: null });
    if (reopens) d.emit("PLAN_RESUMED", null, { reason: "restore" });
    if (keep !== "IDLE" && d.plan.policy.planTimeoutMs !== null) setTimer(d, TimerKind.PLAN_DEADLINE, null, null, d.now + d.plan.policy.planTimeoutMs);
    promote(d);
    d.command({ type: "TakeCheckpoint", reason: "RESTORE", stepKey: null });
    return { diff: { checkpointId: r.checkpointId, steps: changed } };
  },

  REORDER_STEPS(d, r) {
    if (isFinalPlanState(d.plan.state)) return refuse("INVALID_STATE", `the plan is ${d.plan.state}`);
    const missing = r.order.filter((k) => !d.step(k));
    if (missing.length) return refuse("NOT_FOUND", `plan has no step ${missing.map((k) => `"${k}"`).join(", ")}`);
    if (new Set(r.order).size !== r.order.length) return refuse("INVALID_PLAN", "a step is listed twice");
    const contradiction = firstContradiction(d, r.order);
    if (contradiction) return refuse("INVALID_PLAN", contradiction);
    const listed = new Set(r.order);
    const slots = d.steps.flatMap((s, i) => (listed.has(s.key) ? [i] : []));
    const before = d.steps.map((s) => s.key);
    const steps = [...d.steps];
    slots.forEach((slot, i) => (steps[slot] = d.step(r.order[i]!)!));
    // Claims go by priority, then by how long a step has been READY: the READY steps listed
    // trade their ready times so that, among themselves, the new order is the claim order.
    const ready = r.order.map((k) => d.step(k)!).filter((s) => s.state === "READY");
    const times = ready.map((s) => s.readyAt ?? d.now).sort((a, b) => a - b);
    d.restructure(steps);
    ready.forEach((s, i) => d.patchStep(s.key, { readyAt: times[i]! }));
    return { diff: { order: { before, after: d.steps.map((s) => s.key) } } };
  },
};

/** One handler per kind; the mapped type makes the compiler demand every one. */
const ALL: { [K in Kind]: Handler<K> } = { ...handlers, ...structural };

export function intervene(aggregate: PlanAggregate, request: InterventionRequest, now: number, expectedVersion?: number | null): InterventionResult {
  if (expectedVersion != null && expectedVersion !== aggregate.plan.version) {
    return { ok: false, code: "VERSION_CONFLICT", reason: `the plan is at version ${aggregate.plan.version}, not ${expectedVersion}` };
  }
  const d = new Draft(aggregate, now);
  const handled = (ALL[request.kind] as Handler<typeof request.kind>)(d, request as never);
  if ("code" in handled) return { ok: false, ...handled };
  return { ok: true, aggregate: d.result(), commands: d.commands, diff: handled.diff };
}

/**
 * Inserts new steps (each already checked on its own: validateStepDraft) at `at`, in the order
 * given, as one restructure — unless the plan they would make is invalid (the graph checks of the
 * whole plan, the built-in roles' config of the new steps, at most MAX_STEPS steps): then nothing
 * changes and every problem is returned. `path(i)` names the i-th new step in problems of its
 * own; graph problems number the plan's steps. Shared by ADD_STEP and dynamic plans
 * (StepCompleted.addSteps). The caller promotes.
 */
export function insertSteps(d: Draft, specs: readonly StepSpec[], at: number, path: (i: number) => string): Problem[] {
  const added = specs.map((s, i) => newStep(s, at + i));
  const steps = [...d.steps.slice(0, at), ...added, ...d.steps.slice(at)];
  const problems = [...graphProblems(steps), ...added.flatMap((s, i) => builtinConfigProblems(s.role, s.config, path(i)))];
  if (steps.length > MAX_STEPS) problems.push({ path: "steps", message: `a plan has at most ${MAX_STEPS} steps; this would make ${steps.length}` });
  if (problems.length === 0) d.restructure(steps);
  return problems;
}

/**
 * The failure of a completion whose steps to add are invalid: every problem in the message. Not
 * retryable (the same completion would be refused again); the output is kept in the details.
 */
export function invalidAdditions(problems: readonly Problem[], output: Json | null): StepError {
  return {
    message: `invalid steps to add: ${describe(problems)}`,
    type: "INVALID_PLAN",
    retryable: false,
    details: { problems: problems.map((p) => ({ path: p.path, message: p.message })), output },
  };
}

/** A FAILED or CANCELLED plan runs again: every step it cancelled goes back to PENDING. */
function reopenPlan(d: Draft): string[] {
  const reopened: string[] = [];
  for (const s of d.steps) {
    if (s.state !== "CANCELLED") continue;
    resetStep(d, s.key);
    reopened.push(s.key);
  }
  d.patchPlan({ state: "RUNNING" as PlanState, error: null, finishedAt: null });
  d.emit("PLAN_RESUMED", null, { reason: "retry" });
  if (d.plan.policy.planTimeoutMs !== null) setTimer(d, TimerKind.PLAN_DEADLINE, null, null, d.now + d.plan.policy.planTimeoutMs);
  return reopened;
}

/**
 * Resets `step` (with a new input when one is given) and the dependents held back with it, in a
 * plan that runs (reopened already when it had ended): the diff of the step. The caller promotes.
 */
function retryStep(d: Draft, step: StepModel, input?: Json): Record<string, Json> {
  resetStep(d, step.key, input);
  // Dependents cancelled with it, or released by a skip and not yet started, wait for it again.
  for (const key of dependentsToHoldBack(d, step.key)) resetStep(d, key);
  const diff: Record<string, Json> = { step: { key: step.key, state: { before: step.state, after: "PENDING" } } };
  if (input !== undefined) diff["input"] = { before: step.input, after: input };
  return diff;
}

/** Keys of the CANCELLED, READY or WAITING steps that depend, directly or not, on `key`. */
const dependentsToHoldBack = (d: Draft, key: string): string[] =>
  dependentsOf(d.steps, key).filter((k) => ["CANCELLED", "READY", "WAITING"].includes(d.step(k)!.state));

const describe = (problems: readonly { path: string; message: string }[]): string => problems.map((x) => `${x.path}: ${x.message}`).join("; ");

/** Why an order contradicts the dependencies (a step listed before one it depends on), or null. */
function firstContradiction(d: Draft, order: readonly string[]): string | null {
  const at = new Map(order.map((k, i) => [k, i] as const));
  const upstream = (key: string, seen = new Set<string>()): Set<string> => {
    for (const dep of d.step(key)!.dependsOn) if (!seen.has(dep)) upstream(dep, seen.add(dep));
    return seen;
  };
  for (const key of order) {
    for (const dep of upstream(key)) {
      if ((at.get(dep) ?? -1) > at.get(key)!) return `${key} depends on ${dep}, so it cannot come before it`;
    }
  }
  return null;
}
