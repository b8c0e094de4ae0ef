/**
 * Property tests of the pure engine (decide + intervene) with fast-check.
 *
 * A run is a random valid plan (2–12 steps, dependencies on earlier steps only, maxParallel 1–4,
 * retry maxAttempts 1–3 with or without backoff, some onFailure / onSuccess routes whose targets
 * carry maxVisits, some saga compensations; every plan passes validatePlanSteps), started, then
 * driven by a generated list of *choices*. Each choice names a category of move (claim, complete,
 * fail, lease expiry, step timeout, RetryDue, heartbeat, stale timer or report, pause, resume,
 * skip, retry, cancel, deadline) and an index: it is read against the current state as "the n-th
 * move of that category that could be sent now" (or of any category when that one has none).
 * Nothing is filtered for legality: claims beyond maxParallel, reports on stale leases and
 * interventions in the wrong state are sent, and the engine must reject or ignore them. Then a
 * "drain" runs the plan to its end (resume, complete what runs, claim what is READY, RetryDue
 * what waits). The invariants are checked after every decision, the drain's included:
 *
 * 1. dependencies: no step is RUNNING or SUCCEEDED unless its dependencies are SUCCEEDED or
 *    SKIPPED (the documented exceptions are listed at dependencyCheck);
 * 2. finished steps change state only through an intervention, a transition or a compensation;
 * 3. versions: +1 per state-changing decision or applied intervention, +0 for a no-op (which
 *    returns the same objects and no commands);
 * 4. never more than policy.maxParallel steps RUNNING;
 * 5. termination: the drain ends every plan COMPLETED, FAILED, CANCELLED or COMPENSATED;
 * 6. determinism: replaying the same moves on a cloned, deep-frozen aggregate gives deep-equal
 *    decisions and rejections (and never mutates its input).
 *
 * Environment: FC_SEED / FC_PATH replay a failure (fast-check prints both), FC_RUNS (300) and
 * FC_BUDGET_MS (1500 per property) set the effort, FC_STATS=1 prints runs, times and what the
 * runs went through.
 * A failure's message holds the plan and the event list with the state after each event.
 */
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { newStep, type PlanAggregate, type StepError, type StepModel } from "../../src/domain/model.js";
import { isFinalPlanState, isFinishedStepState, isSatisfiedStepState, type StepState } from "../../src/domain/statuses.js";
import { decide, type Decision, type Rejection } from "../../src/engine/decide.js";
import type { EngineEvent } from "../../src/engine/events.js";
import { dependentsOf } from "../../src/engine/graph.js";
import { intervene, type InterventionRequest, type InterventionResult } from "../../src/engine/interventions.js";
import { validatePlanSteps, type StepDraft } from "../../src/engine/validate.js";
import { deepFreeze, err, plan, Script, T0, type StepList } from "../helpers/engine.js";

// ------------------------------------------------------------------ plans

interface StepShape {
  /** Interpreted modulo the step's index: dependencies on earlier steps only. */
  deps: number[];
  maxAttempts: number;
  backoffMs: number;
  /** Interpreted modulo the number of steps. */
  onFailure: number | null;
  onSuccess: number | null;
  compensate: number | null;
  maxVisits: number | null;
}
interface Shape {
  n: number;
  /** MAX_STEPS shapes, of which the first n are used: raw numbers that shrink well (to fewer steps, no deps, no routes). */
  steps: StepShape[];
  maxParallel: number;
  planTimeoutMs: number | null;
}
interface Built {
  agg: PlanAggregate;
  drafts: StepDraft[];
}

const MAX_STEPS = 12;
/** `arb` once in `1 + nulls` times, else null (null first, so it shrinks to no route). */
const sometimes = <T>(arb: fc.Arbitrary<T>, nulls: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: nulls, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
const index = fc.nat(MAX_STEPS - 1);

const stepShape: fc.Arbitrary<StepShape> = fc.record({
  deps: fc.array(index, { maxLength: 3 }),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  backoffMs: fc.constantFrom(0, 0, 250, 1_000),
  onFailure: sometimes(index, 3),
  onSuccess: sometimes(index, 8),
  compensate: sometimes(index, 6),
  maxVisits: sometimes(fc.integer({ min: 1, max: 3 }), 3),
});

const shapes: fc.Arbitrary<Shape> = fc.record({
  n: fc.integer({ min: 2, max: MAX_STEPS }),
  steps: fc.array(stepShape, { minLength: MAX_STEPS, maxLength: MAX_STEPS }),
  maxParallel: fc.integer({ min: 1, max: 4 }),
  planTimeoutMs: sometimes(fc.constant(600_000), 4),
});

const key = (i: number): string => `s${i}`;

/** Drafts as a client would send them. Every transition target gets maxVisits, so every loop is bounded. */
function draftsOf(shape: Shape): StepDraft[] {
  const steps = shape.steps.slice(0, shape.n);
  const target = (t: number | null): number | null => (t === null ? null : t % shape.n);
  const visits = steps.map((s) => s.maxVisits);
  const targets = new Set<number>();
  for (const s of steps) {
    for (const t of [target(s.onFailure), target(s.onSuccess)]) {
      if (t === null) continue;
      visits[t] ??= 2;
      targets.add(t);
    }
    if (s.compensate !== null) targets.add(target(s.compensate)!);
  }
  return steps.map((s, i) => ({
    key: key(i),
    role: "worker",
    dependsOn: i === 0 ? [] : [...new Set(s.deps.map((d) => key(d % i)))],
    retry: { maxAttempts: s.maxAttempts, initialIntervalMs: s.backoffMs },
    onFailure: s.onFailure === null ? null : key(target(s.onFailure)!),
    onSuccess: s.onSuccess === null ? null : key(target(s.onSuccess)!),
    compensate: s.compensate === null ? null : key(target(s.compensate)!),
    maxVisits: visits[i] ?? null,
  }));
}

/**
 * A valid IDLE plan from a shape: the drafts go through validatePlanSteps (graphProblems
 * included); while it finds problems (a step that cannot be reached, a start with no end, …)
 * the routes are dropped, last step first. A plain DAG is always valid.
 */
function build(shape: Shape): Built {
  const drafts = draftsOf(shape);
  const policy = { maxParallel: shape.maxParallel, planTimeoutMs: shape.planTimeoutMs };
  let v = validatePlanSteps(drafts, policy);
  for (let i = drafts.length - 1; v.problems.length > 0 && i >= 0; i--) {
    drafts[i] = { ...drafts[i]!, onFailure: null, onSuccess: null, compensate: null };
    v = validatePlanSteps(drafts, policy);
  }
  if (v.problems.length > 0) throw new Error(`generator: invalid plan ${JSON.stringify(v.problems)}`);
  const built: Built = { agg: { plan: plan({}, v.policy).plan, steps: v.steps.map((s, i) => newStep(s, i)) }, drafts };
  // fast-check prints a counterexample with this: the plan's shape, not the whole aggregate.
  return Object.assign(built, { [fc.toStringMethod]: () => describePlan(built) });
}

const plans: fc.Arbitrary<Built> = shapes.map(build);

function describePlan(b: Built): string {
  const p = b.agg.plan.policy;
  const lines = b.drafts.map((d) => {
    const parts = [`${d.key} <- [${(d.dependsOn ?? []).join(",")}]`, `maxAttempts ${d.retry?.maxAttempts}`, `backoff ${d.retry?.initialIntervalMs}ms`];
    if (d.onFailure) parts.push(`onFailure ${d.onFailure}`);
    if (d.onSuccess) parts.push(`onSuccess ${d.onSuccess}`);
    if (d.compensate) parts.push(`compensate ${d.compensate}`);
    if (d.maxVisits != null) parts.push(`maxVisits ${d.maxVisits}`);
    return `  ${parts.join(", ")}`;
  });
  return `plan (maxParallel ${p.maxParallel}, planTimeoutMs ${p.planTimeoutMs}):\n${lines.join("\n")}`;
}

// ------------------------------------------------------------------ runs

type Move = { kind: "event"; event: EngineEvent } | { kind: "intervene"; request: InterventionRequest };
type Act = Move & { at: number };
type Result = Decision | Rejection | InterventionResult;
type Applied = Extract<Result, { ok: true }>;
/** An invariant, checked after each applied decision (one instance per run: it may keep state). */
type Check = (before: PlanAggregate, r: Applied, act: Act) => void;

class Violation extends Error {}

/** What the runs went through, counted once per run (printed with FC_STATS=1): evidence that the generators reach the interesting states. */
const coverage = new Map<string, number>();
const COVER = Boolean(process.env["FC_STATS"]);

const SHORT: Record<StepState, string> = {
  PENDING: "P",
  READY: "Y",
  RUNNING: "R",
  WAITING: "W",
  SUCCEEDED: "S",
  FAILED: "F",
  SKIPPED: "K",
  CANCELLED: "C",
  COMPENSATED: "X",
};
const states = (a: PlanAggregate): string => a.steps.map((s) => `${s.key}=${SHORT[s.state]}`).join(" ");

function describeMove(m: Move): string {
  if (m.kind === "intervene") {
    const { kind, ...rest } = m.request;
    return `intervene ${kind}${Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : ""}`;
  }
  const e = m.event;
  switch (e.type) {
    case "StepClaimed":
      return `StepClaimed ${e.stepKey} ${e.leaseId}`;
    case "StepCompleted":
      return `StepCompleted ${e.stepKey} ${e.leaseId}`;
    case "StepFailed":
      return `StepFailed ${e.stepKey} ${e.leaseId} retryable=${e.error.retryable}`;
    case "StepHeartbeat":
      return `StepHeartbeat ${e.stepKey} ${e.leaseId} progress=${e.progress}`;
    case "LeaseExpired":
    case "StepTimedOut":
      return `${e.type} ${e.stepKey} ${e.leaseId}`;
    case "RetryDue":
    case "ScheduleToStartTimedOut":
      return `${e.type} ${e.stepKey}`;
    default:
      return e.type;
  }
}

/** A run: applies moves to `decide` / `intervene`, keeps the log and the results, checks the invariants. */
class Sim {
  agg: PlanAggregate;
  now = T0;
  readonly log: Act[] = [];
  readonly results: Result[] = [];
  /** Every lease handed out by an accepted claim, for stale timers and reports. */
  readonly issued: { stepKey: string; leaseId: string }[] = [];
  private leases = 0;

  /** What this run went through (see `coverage`). */
  readonly seen = new Set<string>();

  constructor(
    readonly initial: PlanAggregate,
    private readonly checks: readonly Check[] = [],
  ) {
    this.agg = initial;
  }

  private note(act: Act, r: Result): void {
    const what = act.kind === "event" ? act.event.type : act.request.kind;
    if (!r.ok) return void this.seen.add(`rejected ${r.code}`);
    if ("changed" in r && !r.changed) this.seen.add(`no-op ${what}`);
    this.seen.add(`plan ${r.aggregate.plan.state}`);
    for (const st of r.aggregate.steps) this.seen.add(`step ${st.state}`);
    for (const c of r.commands) {
      if (c.type !== "EmitSignal") continue;
      const payload = (c.payload ?? {}) as Record<string, unknown>;
      if (c.kind === "STEP_READY" && "via" in payload) this.seen.add(`transition ${String(payload["via"])}`);
      if (c.kind === "STEP_READY" && "compensates" in payload) this.seen.add("compensation started");
      if (c.kind === "STEP_RETRY_SCHEDULED") this.seen.add("retry with backoff");
      if (c.kind === "STEP_READY" && "after" in payload) this.seen.add("retry at once");
    }
  }

  newLease(): string {
    return `L${++this.leases}`;
  }

  apply(m: Move): Result {
    const act: Act = { ...m, at: this.now };
    const before = this.agg;
    const r = act.kind === "event" ? decide(before, act.event, act.at) : intervene(before, act.request, act.at);
    this.log.push(act);
    this.results.push(r);
    if (COVER) this.note(act, r);
    if (!r.ok) return r;
    this.agg = r.aggregate;
    if (act.kind === "event" && act.event.type === "StepClaimed") this.issued.push({ stepKey: act.event.stepKey, leaseId: act.event.leaseId });
    for (const check of this.checks) check(before, r, act);
    return r;
  }

  /** Like apply, but a rejection is a violation (the drain only sends what must be accepted). */
  must(m: Move): void {
    const r = this.apply(m);
    if (!r.ok) throw new Violation(`drain: ${describeMove(m)} was refused: ${"message" in r ? r.message : r.reason}`);
  }

  /** The event list with the state after each event; a long one keeps its start and its end. */
  describe(): string {
    const lines = this.log.map((a, i) => {
      const r = this.results[i]!;
      const dt = a.at - (i === 0 ? T0 : this.log[i - 1]!.at);
      const outcome = r.ok ? `v${r.aggregate.plan.version} ${r.aggregate.plan.state} | ${states(r.aggregate)}` : `rejected ${r.code}`;
      return `  #${i} +${dt}ms ${describeMove(a)} -> ${outcome}`;
    });
    return lines.length <= 80 ? lines.join("\n") : [...lines.slice(0, 50), `  … ${lines.length - 70} more …`, ...lines.slice(-20)].join("\n");
  }
}

// ------------------------------------------------------------------ choices

const CATEGORIES = [
  ["claim", 30],
  ["complete", 20],
  ["fail", 20],
  ["expire", 6],
  ["timeout", 6],
  ["retryDue", 10],
  ["heartbeat", 3],
  ["stale", 4],
  ["claimAny", 2],
  ["pause", 3],
  ["resume", 5],
  ["skip", 4],
  ["retryStep", 5],
  ["cancel", 1],
  ["deadline", 1],
] as const;
type Category = (typeof CATEGORIES)[number][0];

/** One move to make: a category, the index of the move in it (modulo their number), and the time elapsed before it. */
interface Choice {
  cat: Category;
  pick: number;
  dt: number;
}
const choice: fc.Arbitrary<Choice> = fc.record({
  cat: fc.oneof(...CATEGORIES.map(([cat, weight]) => ({ weight, arbitrary: fc.constant(cat) }))),
  pick: fc.nat(99),
  dt: fc.constantFrom(0, 100, 1_000, 30_000),
});
const choices = fc.array(choice, { maxLength: 60, size: "max" }); // "max": the default size makes most lists shorter than 10

const retryable: StepError = { message: "boom", type: null, retryable: true, details: null };
const fatal: StepError = { message: "fatal", type: "FATAL", retryable: false, details: null };
const ev = (event: EngineEvent): Move => ({ kind: "event", event });
const iv = (request: InterventionRequest): Move => ({ kind: "intervene", request });

/** The moves of a category that could be sent now, as thunks (a claim takes a fresh lease id only when chosen). */
function candidates(sim: Sim, cat: Category): (() => Move)[] {
  const steps = sim.agg.steps;
  const inState = (state: StepState): StepModel[] => steps.filter((s) => s.state === state);
  const claim = (s: StepModel) => () => ev({ type: "StepClaimed", stepKey: s.key, leaseId: sim.newLease(), agentId: "agent" });
  const running = inState("RUNNING");
  const lease = (s: StepModel): string => s.leaseId ?? "none";
  switch (cat) {
    case "claim":
      return inState("READY").map(claim);
    case "claimAny":
      return steps.map(claim);
    case "complete":
      return running.map((s) => () => ev({ type: "StepCompleted", stepKey: s.key, leaseId: lease(s), output: { by: s.key }, quality: null }));
    case "fail":
      return running.flatMap((s) => [retryable, fatal].map((error) => () => ev({ type: "StepFailed", stepKey: s.key, leaseId: lease(s), error })));
    case "expire":
      return running.map((s) => () => ev({ type: "LeaseExpired", stepKey: s.key, leaseId: lease(s) }));
    case "timeout":
      return running.map((s) => () => ev({ type: "StepTimedOut", stepKey: s.key, leaseId: lease(s) }));
    case "retryDue":
      return inState("WAITING").map((s) => () => ev({ type: "RetryDue", stepKey: s.key }));
    case "heartbeat":
      return running.flatMap((s) => [null, 0.5].map((progress) => () => ev({ type: "StepHeartbeat", stepKey: s.key, leaseId: lease(s), progress, message: null })));
    case "stale": {
      const old = sim.issued.filter(({ stepKey, leaseId }) => steps.find((s) => s.key === stepKey)?.leaseId !== leaseId);
      return [
        ...old.flatMap(({ stepKey, leaseId }) => [
          () => ev({ type: "LeaseExpired", stepKey, leaseId }),
          () => ev({ type: "StepTimedOut", stepKey, leaseId }),
          () => ev({ type: "StepCompleted", stepKey, leaseId, output: null, quality: null }),
        ]),
        ...steps.filter((s) => s.state !== "WAITING").map((s) => () => ev({ type: "RetryDue", stepKey: s.key })),
      ];
    }
    case "pause":
      return [() => iv({ kind: "PAUSE" })];
    case "resume":
      return [() => iv({ kind: "RESUME" })];
    case "skip":
      return steps.map((s) => () => iv({ kind: "SKIP_STEP", stepKey: s.key }));
    case "retryStep":
      return steps.map((s) => () => iv({ kind: "RETRY_STEP", stepKey: s.key }));
    case "cancel":
      return [() => iv({ kind: "CANCEL" }), () => iv({ kind: "CANCEL", compensate: true })];
    case "deadline":
      return sim.agg.plan.policy.planTimeoutMs === null ? [] : [() => ev({ type: "PlanDeadlineReached" })];
  }
}

function choose(sim: Sim, c: Choice): Move | null {
  let list = candidates(sim, c.cat);
  if (list.length === 0) list = CATEGORIES.flatMap(([cat]) => candidates(sim, cat));
  return list.length === 0 ? null : list[c.pick % list.length]!();
}

/**
 * Runs a plan to its end: resume if paused, complete what runs, claim what is READY, fire
 * RetryDue for what waits. Every move must be accepted. Returns the number of moves it took.
 * A plan that does not end is a violation when `strict` (the termination property); the other
 * properties just stop there, so that each property fails for its own reason only.
 */
function drain(sim: Sim, bound: number, strict: boolean): number {
  for (let i = 0; i < bound; i++) {
    const { plan: p, steps } = sim.agg;
    if (isFinalPlanState(p.state)) return i;
    sim.now += 10;
    const running = steps.find((s) => s.state === "RUNNING");
    const ready = steps.find((s) => s.state === "READY");
    const waiting = steps.find((s) => s.state === "WAITING");
    if (p.state === "IDLE") sim.must(ev({ type: "PlanStarted" }));
    else if (p.state === "PAUSED") sim.must(iv({ kind: "RESUME" }));
    else if (running) sim.must(ev({ type: "StepCompleted", stepKey: running.key, leaseId: running.leaseId!, output: { by: running.key }, quality: null }));
    else if (ready) sim.must(ev({ type: "StepClaimed", stepKey: ready.key, leaseId: sim.newLease(), agentId: "drain" }));
    else if (waiting) sim.must(ev({ type: "RetryDue", stepKey: waiting.key }));
    else if (strict) throw new Violation(`drain: the plan is ${p.state} but no step is READY, RUNNING or WAITING (${states(sim.agg)})`);
    else return i;
  }
  if (!strict) return bound;
  throw new Violation(`drain: the plan did not end within ${bound} moves (${sim.agg.plan.state}: ${states(sim.agg)})`);
}

const DRAIN_BOUND = 2_000;

/** Starts the plan, plays the choices, then drains it. A violation is rethrown with the plan and the event list. */
function simulate(built: Built, cs: readonly Choice[], checks: readonly Check[], opts: { drain: "strict" | "soft" }): { sim: Sim; drained: number } {
  const sim = new Sim(built.agg, checks);
  let drained = 0;
  try {
    sim.apply(ev({ type: "PlanStarted" }));
    for (const c of cs) {
      const m = choose(sim, c);
      if (!m) break;
      sim.now += c.dt;
      sim.apply(m);
    }
    drained = drain(sim, DRAIN_BOUND, opts.drain === "strict");
    if (COVER) {
      sim.seen.add(`plan ends ${sim.agg.plan.state}`);
      if (built.drafts.some((d) => d.onFailure || d.onSuccess || d.compensate)) sim.seen.add("plan has routes");
      for (const k of sim.seen) coverage.set(k, (coverage.get(k) ?? 0) + 1);
      coverage.set("runs", (coverage.get("runs") ?? 0) + 1);
    }
  } catch (e) {
    if (!(e instanceof Violation)) throw e;
    throw new Error(`${e.message}\n${describePlan(built)}\nevents (state after each; ${Object.entries(SHORT).map(([k, v]) => `${v}=${k}`).join(" ")}):\n${sim.describe()}`);
  }
  return { sim, drained };
}

// ------------------------------------------------------------------ invariants

const stepMap = (a: PlanAggregate): Map<string, StepModel> => new Map(a.steps.map((s) => [s.key, s] as const));
const what = (act: Act): string => describeMove(act);

/**
 * Dependencies: a RUNNING or SUCCEEDED step has every dependency SUCCEEDED or SKIPPED.
 * Exceptions (documented engine behaviour):
 * - a step with a non-null `trigger`: it was entered by a transition (onSuccess / onFailure /
 *   goto make the target READY "whatever its dependencies") or is a compensation step. The
 *   trigger stays set on later visits, so such a step is exempt from then on;
 * - a SUCCEEDED step whose dependency is COMPENSATED, or was made READY again by the saga as a
 *   compensation step (its trigger is `{compensates}`; validation accepts a step that depends on
 *   its own compensation step): the saga acts after the step succeeded, and never resets it;
 * - a step that was already RUNNING or SUCCEEDED (same lease) when an operator's RETRY_STEP
 *   reopened one of its dependencies: RETRY_STEP holds back only dependents that are CANCELLED,
 *   READY or WAITING, so a running attempt goes on. The licence lasts while the step stays
 *   RUNNING or SUCCEEDED; a new attempt (after a retry) must wait for its dependencies again.
 */
function dependencyCheck(): Check {
  const licensed = new Set<string>();
  return (before, r, act) => {
    const after = stepMap(r.aggregate);
    const prev = stepMap(before);
    for (const s of r.aggregate.steps) {
      if (s.state !== "RUNNING" && s.state !== "SUCCEEDED") {
        licensed.delete(s.key);
        continue;
      }
      if (s.trigger !== null || licensed.has(s.key)) continue;
      const unmet = s.dependsOn.filter((k) => {
        const dep = after.get(k)!;
        if (isSatisfiedStepState(dep.state)) return false;
        const saga = dep.state === "COMPENSATED" || (dep.trigger !== null && "compensates" in (dep.trigger as object));
        return !(s.state === "SUCCEEDED" && saga);
      });
      if (unmet.length === 0) continue;
      const p = prev.get(s.key);
      if (act.kind === "intervene" && act.request.kind === "RETRY_STEP" && p?.state === s.state && p.leaseId === s.leaseId) {
        licensed.add(s.key);
        continue;
      }
      throw new Violation(
        `dependencies: ${s.key} is ${s.state} (trigger null) after "${what(act)}" but ${unmet.map((k) => `${k} is ${after.get(k)!.state}`).join(", ")}`,
      );
    }
  };
}

/**
 * Finished steps (SUCCEEDED, SKIPPED, FAILED, CANCELLED, COMPENSATED) change state only through:
 * - a transition: the target of a STEP_READY carrying `via` and every step downstream of it
 *   (through dependsOn) that the transition sends back to PENDING (and promotion may make READY);
 * - a compensation: the step a STEP_READY `{compensates}` starts, and SUCCEEDED → COMPENSATED of
 *   the step a STEP_COMPENSATED names;
 * - an operator's RETRY_STEP (the step itself, and CANCELLED steps it reopens or holds back) or
 *   SKIP_STEP (the step itself).
 * Any other change is a violation. The cause is read from the decision's own signals.
 */
const finishedCheck: Check = (before, r, act) => {
  const allowed = new Set<string>();
  const compensated = new Set<string>();
  for (const c of r.commands) {
    if (c.type !== "EmitSignal" || c.stepKey === null) continue;
    const payload = (c.payload ?? {}) as Record<string, unknown>;
    if (c.kind === "STEP_READY" && "via" in payload) {
      allowed.add(c.stepKey);
      for (const k of dependentsOf(r.aggregate.steps, c.stepKey)) allowed.add(k);
    }
    if (c.kind === "STEP_READY" && "compensates" in payload) allowed.add(c.stepKey);
    if (c.kind === "STEP_COMPENSATED") compensated.add(c.stepKey);
  }
  if (act.kind === "intervene" && act.request.kind === "RETRY_STEP") {
    allowed.add(act.request.stepKey);
    for (const s of before.steps) if (s.state === "CANCELLED") allowed.add(s.key);
  }
  if (act.kind === "intervene" && act.request.kind === "SKIP_STEP") allowed.add(act.request.stepKey);
  const after = stepMap(r.aggregate);
  for (const p of before.steps) {
    if (!isFinishedStepState(p.state)) continue;
    const next = after.get(p.key);
    if (!next || next.state === p.state || allowed.has(p.key)) continue;
    if (compensated.has(p.key) && p.state === "SUCCEEDED" && next.state === "COMPENSATED") continue;
    throw new Violation(`finished step: ${p.key} went ${p.state} -> ${next.state} on "${what(act)}", neither an intervention on it nor a transition or compensation`);
  }
};

/** The aggregate without what a bump or telemetry changes: the version, and progress (a heartbeat's, not a state change). */
const stateOf = (a: PlanAggregate) => ({
  plan: { ...a.plan, version: 0 },
  steps: a.steps.map(({ progress: _p, progressMessage: _m, ...rest }) => rest),
});

/**
 * Versions: an applied intervention bumps the version by exactly one. A decision bumps it by one
 * when it changes the plan or any step (beyond progress), and not at all otherwise; a decision
 * with `changed: false` returns the same plan object, the same step objects and no commands.
 * So the version only grows.
 */
const versionCheck: Check = (before, r, act) => {
  const v0 = before.plan.version;
  const v1 = r.aggregate.plan.version;
  const moved = !isDeepStrictEqual(stateOf(before), stateOf(r.aggregate));
  if (act.kind === "intervene") {
    if (v1 !== v0 + 1) throw new Violation(`version: "${what(act)}" was applied but the version went ${v0} -> ${v1}`);
    return;
  }
  const d = r as Decision;
  if (!d.changed) {
    const same = r.aggregate.plan === before.plan && r.aggregate.steps.length === before.steps.length && r.aggregate.steps.every((s, i) => s === before.steps[i]);
    if (!same || r.commands.length > 0) throw new Violation(`version: "${what(act)}" is changed:false but returned new objects or ${r.commands.length} commands`);
  }
  if (moved && !d.changed) throw new Violation(`version: "${what(act)}" changed the state but says changed:false`);
  const expected = v0 + (moved ? 1 : 0);
  if (v1 !== expected) throw new Violation(`version: "${what(act)}" ${moved ? "changed" : "did not change"} the state, but the version went ${v0} -> ${v1}`);
};

/** maxParallel: claims are refused once maxParallel steps run, and nothing else makes a step RUNNING. */
const parallelCheck: Check = (_before, r, act) => {
  const running = r.aggregate.steps.filter((s) => s.state === "RUNNING").length;
  const max = r.aggregate.plan.policy.maxParallel;
  if (running > max) throw new Violation(`maxParallel: ${running} steps RUNNING (max ${max}) after "${what(act)}"`);
};

// ------------------------------------------------------------------ fast-check settings

const seed = process.env["FC_SEED"] ? Number(process.env["FC_SEED"]) : undefined;
const path = process.env["FC_PATH"];
const RUNS = Number(process.env["FC_RUNS"] ?? 300);
/** fast-check stops a property after this much time (and passes with the runs done): the file stays under ~10 s. */
const BUDGET_MS = Number(process.env["FC_BUDGET_MS"] ?? 1_500);
const stats: string[] = [];
/** Each property gets its budget, plus room for the shrinking of a failure. */
const TEST_TIMEOUT = Math.max(30_000, BUDGET_MS * 3);

/** fc.assert, with the runs done kept for a summary (FC_STATS=1 prints it). */
function check(name: string, property: fc.IProperty<[Built, Choice[]]>): void {
  const started = performance.now();
  const details = fc.check(property, {
    numRuns: RUNS,
    plugins: [fc.interruptAfterTimeLimit(BUDGET_MS)],
    ...(seed !== undefined ? { seed } : {}),
    ...(path !== undefined ? { path } : {}),
  });
  stats.push(`${name}: ${details.numRuns} runs${details.interrupted ? " (time budget reached)" : ""}, ${Math.round(performance.now() - started)} ms, seed ${details.seed}`);
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${fc.defaultReportMessage(details)}\n\n${cause}`);
  }
}
afterAll(() => {
  if (!COVER) return;
  const runs = coverage.get("runs") ?? 1;
  const seen = [...coverage].filter(([k]) => k !== "runs").sort(([a], [b]) => a.localeCompare(b));
  console.log(`${stats.join("\n")}\n\nruns that went through (of ${runs}, all properties):\n${seen.map(([k, n]) => `  ${k}: ${((100 * n) / runs).toFixed(1)}%`).join("\n")}`);
});

const runProperty = (name: string, checks: () => Check[]) =>
  check(
    name,
    fc.property(plans, choices, (built, cs) => {
      simulate(built, cs, checks(), { drain: "soft" });
    }),
  );

// ------------------------------------------------------------------ tests

describe("engine properties over random plans and event interleavings", () => {
  it("no step is RUNNING or SUCCEEDED before its dependencies are satisfied (transition targets and compensations aside)", () => {
    runProperty("dependencies", () => [dependencyCheck()]);
  }, TEST_TIMEOUT);

  it("a finished step changes state only through an intervention, a transition or a compensation", () => {
    runProperty("finished steps", () => [finishedCheck]);
  }, TEST_TIMEOUT);

  it("the version rises by exactly one per state-changing decision, and not for a no-op", () => {
    runProperty("versions", () => [versionCheck]);
  }, TEST_TIMEOUT);

  it("never more than maxParallel steps RUNNING", () => {
    runProperty("maxParallel", () => [parallelCheck]);
  }, TEST_TIMEOUT);

  it("every plan ends: draining it reaches COMPLETED, FAILED, CANCELLED or COMPENSATED", () => {
    let most = 0;
    check(
      "termination",
      fc.property(plans, choices, (built, cs) => {
        const { sim, drained } = simulate(built, cs, [], { drain: "strict" });
        most = Math.max(most, drained);
        expect(isFinalPlanState(sim.agg.plan.state)).toBe(true);
      }),
    );
    stats.push(`termination: the longest drain took ${most} moves (bound ${DRAIN_BOUND})`);
  }, TEST_TIMEOUT);

  it("is deterministic: replaying the events from a (frozen, cloned) aggregate gives deep-equal decisions", () => {
    check(
      "determinism",
      fc.property(plans, choices, (built, cs) => {
        const { sim } = simulate(built, cs, [], { drain: "soft" });
        let agg = deepFreeze(structuredClone(built.agg));
        const replayed = sim.log.map((a) => {
          const r = a.kind === "event" ? decide(agg, a.event, a.at) : intervene(agg, a.request, a.at);
          if (r.ok) agg = deepFreeze(r.aggregate);
          return r;
        });
        // (isDeepStrictEqual first: toStrictEqual is slow on thousands of runs, and only needed for its diff.)
        if (!isDeepStrictEqual(replayed, sim.results)) expect(replayed).toStrictEqual(sim.results);
      }),
    );
  }, TEST_TIMEOUT);
});

// ------------------------------------------------------------------ found bugs, now fixed

/**
 * Engine bugs these properties found, each shrunk to a minimal counterexample and kept as a
 * regression test (the termination property found A, B, C, E, F; the dependency property D).
 * Lease ids in the event lists are written L1, L2, … as in the properties' messages (Script names
 * them lease_1, lease_2, …). The setups are checked by plain tests, so that each test reaches
 * the state just before the bug.
 */
const BUG_A: StepList = { a: { onSuccess: "a", maxVisits: 2 }, b: { dependsOn: ["a"] } };
const BUG_B: StepList = {
  a: { onFailure: "b", retry: { maxAttempts: 1 } },
  b: { dependsOn: ["a"], retry: { maxAttempts: 2, initialIntervalMs: 250 } },
};
const BUG_C: StepList = { a: { compensate: "undo" }, undo: {}, b: { retry: { maxAttempts: 1 } } };
const BUG_D: StepList = { a: {}, b: { dependsOn: ["a"] } };
const BUG_E: StepList = { a: { onFailure: "h" }, h: {}, b: { dependsOn: ["h"], retry: { initialIntervalMs: 1_000 } } };
const BUG_F: StepList = { a: { compensate: "undo" }, x: {}, undo: { dependsOn: ["x"], retry: { initialIntervalMs: 1_000 } } };

const asDrafts = (steps: StepList): StepDraft[] => Object.entries(steps).map(([k, o]) => ({ ...(o as StepDraft), key: k, role: "worker" }));
const active = (a: PlanAggregate): boolean => a.steps.some((s) => s.state === "READY" || s.state === "RUNNING" || s.state === "WAITING");

/** B up to the RetryDue: a FAILED and routed to b, whose first attempt failed with a backoff. */
function bugB(): Script {
  const s = new Script(plan(BUG_B));
  s.start();
  s.claim("a");
  s.fail("a", err());
  s.claim("b");
  s.fail("b", err());
  return s;
}

/** C up to the skip: b failed, so the plan compensates a, and its compensation `undo` is READY. */
function bugC(): Script {
  const s = new Script(plan(BUG_C));
  s.start();
  s.run("a");
  s.claim("b");
  s.fail("b", err());
  return s;
}

/** Applies an intervention that must be accepted. */
function apply(s: Script, request: InterventionRequest): void {
  const r = intervene(s.agg, request, s.now);
  if (!r.ok) throw new Error(`${request.kind} refused: ${r.code} ${r.reason}`);
  s.agg = r.aggregate;
}

/** D up to the lost lease: a skipped, b claimed (L1), then a retried by the operator while b runs. */
function bugD(): { s: Script; lease: string } {
  const s = new Script(plan(BUG_D));
  s.start();
  apply(s, { kind: "SKIP_STEP", stepKey: "a" });
  const { lease } = s.claim("b");
  apply(s, { kind: "RETRY_STEP", stepKey: "a" });
  return { s, lease };
}

/** E up to the RetryDue: h (held, skipped: no route led to it) retried while b runs; b then failed with a backoff. */
function bugE(): Script {
  const s = new Script(plan(BUG_E));
  s.start();
  s.run("a");
  s.claim("b");
  apply(s, { kind: "RETRY_STEP", stepKey: "h" });
  s.fail("b", err());
  return s;
}

/** F up to the RetryDue: a done, the plan cancelled with compensation (x CANCELLED), undo's first attempt failed with a backoff. */
function bugF(): Script {
  const s = new Script(plan(BUG_F));
  s.start();
  s.run("a");
  apply(s, { kind: "CANCEL", compensate: true });
  s.claim("undo");
  s.fail("undo", err());
  return s;
}

describe("known engine bugs (minimal counterexamples)", () => {
  it("their plans are valid, and their setups reach the state before the bug", () => {
    for (const steps of [BUG_A, BUG_B, BUG_C, BUG_D, BUG_E, BUG_F]) expect(validatePlanSteps(asDrafts(steps), {}).problems).toEqual([]);
    const b = bugB();
    expect(b.states()).toEqual({ a: "FAILED", b: "WAITING" });
    const c = bugC();
    expect(c.agg.plan.state).toBe("COMPENSATING");
    expect(c.states()).toEqual({ a: "SUCCEEDED", undo: "READY", b: "FAILED" });
    expect(bugD().s.states()).toEqual({ a: "READY", b: "RUNNING" });
    expect(bugE().states()).toEqual({ a: "SUCCEEDED", h: "PENDING", b: "WAITING" });
    const f = bugF();
    expect(f.agg.plan.state).toBe("COMPENSATING");
    expect(f.states()).toEqual({ a: "SUCCEEDED", x: "CANCELLED", undo: "WAITING" });
  });

  // Events: PlanStarted; then StepClaimed a / StepCompleted a, three times.
  // Cause: StepCompleted checks canEnter(onSuccess target) while the step is still RUNNING, and
  // canEnter lets a RUNNING target in without looking at its visits; enter() then finds it
  // SUCCEEDED and starts a new visit. Visits go 2, 3, 4, … past maxVisits 2; b never runs.
  it("A: a step whose onSuccess is itself loops past maxVisits, and the plan never ends", () => {
    const s = new Script(plan(BUG_A));
    s.start();
    for (let i = 0; i < 3 && s.step("a").state === "READY"; i++) s.run("a");
    expect(s.step("a").visits).toBeLessThanOrEqual(2);
    expect(isFinalPlanState(s.agg.plan.state)).toBe(true); // README: the step that asked fails with VISIT_LIMIT_EXCEEDED
  });

  // Events: PlanStarted, StepClaimed a L1, StepFailed a L1 (a FAILED, onFailure enters b),
  // StepClaimed b L2, StepFailed b L2 (b WAITING 250 ms), RetryDue b.
  // Cause: RetryDue sends a step whose dependencies are not satisfied back to PENDING (meant for
  // a dependency added by modifyStep), but a transition target runs "whatever its dependencies";
  // and RetryDue runs no promotion, so nothing skips b or ends the plan. The plan stays RUNNING
  // with nothing READY, RUNNING or WAITING and no timer: it hangs (a PAUSE + RESUME promotes and
  // completes it). With a 0 ms backoff b is READY again at once and the plan completes.
  it("B: RetryDue of a transition target behind a FAILED dependency strands the plan RUNNING", () => {
    const s = bugB();
    s.advance(250).do({ type: "RetryDue", stepKey: "b" });
    expect(isFinalPlanState(s.agg.plan.state) || active(s.agg)).toBe(true);
  });

  // Events: PlanStarted, StepClaimed a L1, StepCompleted a L1, StepClaimed b L2, StepFailed b L2
  // (plan COMPENSATING, undo READY with trigger {compensates: a}), intervene SKIP_STEP undo.
  // Cause: SKIP_STEP accepts a READY step in a COMPENSATING plan; the skip runs promote, which
  // does nothing while COMPENSATING, so the saga never moves to the next compensation or ends.
  // The plan stays COMPENSATING with nothing to run (only CANCEL gets it out).
  it("C: SKIP_STEP on the running compensation leaves the plan COMPENSATING for ever", () => {
    const s = bugC();
    const r = intervene(s.agg, { kind: "SKIP_STEP", stepKey: "undo" }, s.now);
    expect(!r.ok || isFinalPlanState(r.aggregate.plan.state) || active(r.aggregate)).toBe(true);
  });

  // Events: PlanStarted, intervene SKIP_STEP a (b READY), StepClaimed b L1, intervene RETRY_STEP a
  // (a READY again; b keeps running), LeaseExpired b L1, StepClaimed b L2.
  // Cause: a lost lease (or a failure with a 0 ms backoff) makes the step READY at once, without
  // the dependency check RetryDue does after a backoff (with a backoff, b goes back to PENDING
  // and waits for a). So b's new attempt starts, and may succeed, while a is READY: b runs
  // without the output of the a the operator asked to run again.
  it("D: a new attempt after a lost lease starts before a dependency that RETRY_STEP reopened", () => {
    const { s, lease } = bugD();
    s.do({ type: "LeaseExpired", stepKey: "b", leaseId: lease });
    const claim = s.try({ type: "StepClaimed", stepKey: "b", leaseId: "L2", agentId: "agt_1" });
    expect(claim.ok && s.step("b").state === "RUNNING").toBe(false);
  });

  // Events: PlanStarted, StepClaimed a L1, StepCompleted a L1 (h, a held transition target, is
  // SKIPPED: no route led to it; b READY), StepClaimed b L2, intervene RETRY_STEP h (h PENDING,
  // held, so not promoted; b keeps running), StepFailed b L2 (b WAITING 1 s), RetryDue b.
  // Cause: as B, RetryDue sends b back to PENDING and runs no promotion, so the held h is never
  // SKIPPED again and b never released: the plan stays RUNNING with nothing to run and no timer.
  it("E: RetryDue after RETRY_STEP of a held step strands the plan RUNNING", () => {
    const s = bugE();
    s.advance(1_000).do({ type: "RetryDue", stepKey: "b" });
    expect(isFinalPlanState(s.agg.plan.state) || active(s.agg)).toBe(true);
  });

  // Events: PlanStarted, StepClaimed a L1, StepCompleted a L1, intervene CANCEL {compensate: true}
  // (x CANCELLED; undo READY with trigger {compensates: a}), StepClaimed undo L2, StepFailed undo
  // L2 (undo WAITING 1 s), RetryDue undo. (A plain failure of another step gets there too.)
  // Cause: as B, RetryDue checks the dependencies of a step the saga entered regardless of them:
  // undo goes back to PENDING behind the CANCELLED x, and nothing in COMPENSATING ever promotes
  // it. The plan stays COMPENSATING with nothing to run and no timer; a is never COMPENSATED.
  it("F: RetryDue of a compensation step with a dependency strands the plan COMPENSATING", () => {
    const s = bugF();
    s.advance(1_000).do({ type: "RetryDue", stepKey: "undo" });
    expect(isFinalPlanState(s.agg.plan.state) || active(s.agg)).toBe(true);
  });
});
