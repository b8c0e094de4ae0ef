import { describe, expect, it } from "vitest";
import type { PlanAggregate } from "../../src/domain/model.js";
import type { PlanState } from "../../src/domain/statuses.js";
import { intervene, type InterventionRequest, type InterventionResult } from "../../src/engine/interventions.js";
import { commandsOf, deepFreeze, err, plan, Script, signalKinds, T0 } from "../helpers/engine.js";

const applied = (r: InterventionResult) => {
  if (!r.ok) throw new Error(`expected applied, got ${r.code}: ${r.reason}`);
  return r;
};

/** A plan a → (b, c) → d in the given state, with `a` done, and b FAILED when the plan failed. */
function inState(state: PlanState): PlanAggregate {
  const s = new Script(plan({ a: {}, b: { dependsOn: ["a"], retry: { maxAttempts: 1 } }, c: { dependsOn: ["a"] }, d: { dependsOn: ["b", "c"] } }));
  if (state === "IDLE") return s.agg;
  s.start();
  s.run("a");
  if (state === "FAILED") {
    s.claim("b");
    s.fail("b", err("nope"));
    return s.agg;
  }
  if (state === "COMPLETED") {
    for (const k of ["b", "c", "d"]) s.run(k);
    return s.agg;
  }
  if (state === "PAUSED") return applied(intervene(s.agg, { kind: "PAUSE" }, s.now)).aggregate;
  if (state === "CANCELLED") return applied(intervene(s.agg, { kind: "CANCEL" }, s.now)).aggregate;
  return s.agg;
}

/** Which requests each plan state accepts (true) or refuses with INVALID_STATE (false). */
const TABLE: [InterventionRequest, Record<string, boolean>][] = [
  [{ kind: "PAUSE" }, { IDLE: false, RUNNING: true, PAUSED: false, COMPLETED: false, FAILED: false, CANCELLED: false }],
  [{ kind: "RESUME" }, { IDLE: false, RUNNING: false, PAUSED: true, COMPLETED: false, FAILED: false, CANCELLED: false }],
  [{ kind: "CANCEL" }, { IDLE: true, RUNNING: true, PAUSED: true, COMPLETED: false, FAILED: false, CANCELLED: false }],
  [{ kind: "RETRY_STEP", stepKey: "c" }, { IDLE: false, RUNNING: false, PAUSED: false, COMPLETED: false, FAILED: true, CANCELLED: true }],
  [{ kind: "RETRY_PLAN" }, { IDLE: false, RUNNING: false, PAUSED: false, COMPLETED: false, FAILED: true, CANCELLED: false }],
  [{ kind: "SKIP_STEP", stepKey: "c" }, { IDLE: true, RUNNING: true, PAUSED: true, COMPLETED: false, FAILED: false, CANCELLED: false }],
  [{ kind: "MODIFY_STEP", stepKey: "d", patch: { input: { x: 1 } } }, { IDLE: true, RUNNING: true, PAUSED: true, COMPLETED: false, FAILED: false, CANCELLED: false }],
];
const STATES: PlanState[] = ["IDLE", "RUNNING", "PAUSED", "COMPLETED", "FAILED", "CANCELLED"];

describe("interventions in every plan state", () => {
  for (const [request, legal] of TABLE) {
    for (const state of STATES) {
      it(`${request.kind} on a ${state} plan is ${legal[state] ? "applied" : "refused with INVALID_STATE"}`, () => {
        const before = deepFreeze(inState(state));
        const r = intervene(before, request, T0 + 1_000);
        if (legal[state]) {
          expect(r.ok).toBe(true);
          if (r.ok) expect(r.aggregate.plan.version).toBe(before.plan.version + 1);
        } else {
          expect(r).toMatchObject({ ok: false, code: "INVALID_STATE" });
        }
      });
    }
  }

  it("refuses a stale expectedVersion with VERSION_CONFLICT and an unknown step with NOT_FOUND", () => {
    const agg = inState("RUNNING");
    expect(intervene(agg, { kind: "PAUSE" }, T0, agg.plan.version - 1)).toMatchObject({ ok: false, code: "VERSION_CONFLICT" });
    expect(intervene(agg, { kind: "PAUSE" }, T0, agg.plan.version).ok).toBe(true);
    expect(intervene(agg, { kind: "SKIP_STEP", stepKey: "zz" }, T0)).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});

describe("pause and resume", () => {
  it("pause freezes timers and emits PLAN_PAUSED; resume thaws them, shifts retryAt and emits PLAN_RESUMED", () => {
    const s = new Script(plan({ a: { retry: { initialIntervalMs: 1_000 } } }));
    s.start();
    s.claim("a");
    s.fail("a");
    expect(s.step("a")).toMatchObject({ state: "WAITING", retryAt: T0 + 1_000 });
    const paused = applied(intervene(s.agg, { kind: "PAUSE" }, T0 + 400));
    expect(paused.aggregate.plan).toMatchObject({ state: "PAUSED", pausedAt: T0 + 400 });
    expect(commandsOf(paused.commands, "FreezeTimers")).toHaveLength(1);
    expect(signalKinds(paused.commands)).toEqual(["PLAN_PAUSED"]);
    const resumed = applied(intervene(paused.aggregate, { kind: "RESUME" }, T0 + 10_400));
    expect(resumed.aggregate.plan).toMatchObject({ state: "RUNNING", pausedAt: null });
    expect(resumed.aggregate.steps[0]!.retryAt).toBe(T0 + 11_000); // 600 ms left after the pause
    expect(commandsOf(resumed.commands, "ThawTimers")).toHaveLength(1);
    expect(signalKinds(resumed.commands)).toEqual(["PLAN_RESUMED"]);
  });

  it("keeps results that arrive while paused and sets new timers frozen", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] }, c: { retry: { initialIntervalMs: 500 } } }, { maxParallel: 2 }));
    s.start();
    s.claim("a");
    s.claim("c");
    s.agg = applied(intervene(s.agg, { kind: "PAUSE" }, s.now)).aggregate;
    s.complete("a", { kept: true });
    expect(s.states()).toMatchObject({ a: "SUCCEEDED", b: "READY" }); // ready, claimed after resume
    expect(s.try({ type: "StepClaimed", stepKey: "b", leaseId: "l9", agentId: "x" })).toMatchObject({ ok: false, code: "INVALID_STATE" });
    const failed = s.fail("c");
    expect(commandsOf(failed.commands, "SetTimer")).toEqual([{ type: "SetTimer", kind: "RETRY", stepKey: "c", ref: null, dueAt: s.now + 500, frozen: true }]);
  });
});

describe("cancel", () => {
  it("cancels unfinished steps, revokes running leases and emits PLAN_CANCELLED", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }));
    s.start();
    const { lease } = s.claim("a");
    const r = applied(intervene(s.agg, { kind: "CANCEL" }, s.now));
    expect(r.aggregate.plan.state).toBe("CANCELLED");
    expect(r.aggregate.steps.map((x) => x.state)).toEqual(["CANCELLED", "CANCELLED"]);
    expect(commandsOf(r.commands, "EndAttempt")).toEqual([{ type: "EndAttempt", leaseId: lease, outcome: "CANCELLED", error: null }]);
    expect(signalKinds(r.commands)).toEqual(["STEP_CANCELLED", "STEP_CANCELLED", "PLAN_CANCELLED"]);
  });
});

describe("retryStep", () => {
  it("reopens a FAILED plan: the step and the steps cancelled with it run again, with a fresh retry budget and a new input", () => {
    const failed = inState("FAILED");
    expect(failed.steps.map((x) => x.state)).toEqual(["SUCCEEDED", "FAILED", "CANCELLED", "CANCELLED"]);
    const r = applied(intervene(failed, { kind: "RETRY_STEP", stepKey: "b", input: { fixed: true } }, T0 + 5));
    expect(r.aggregate.plan).toMatchObject({ state: "RUNNING", error: null, finishedAt: null });
    expect(r.aggregate.steps.map((x) => x.state)).toEqual(["SUCCEEDED", "READY", "READY", "PENDING"]);
    const b = r.aggregate.steps[1]!;
    expect(b).toMatchObject({ input: { fixed: true }, attempts: 1, attemptBase: 1, error: null });
    expect(r.diff).toMatchObject({ plan: { state: { before: "FAILED", after: "RUNNING" }, reopenedSteps: ["c", "d"] } });
    // b may now fail once more before the plan fails again (maxAttempts 1 counts after the retry).
    const s = new Script(r.aggregate, T0 + 5);
    s.claim("b");
    s.fail("b");
    expect(s.agg.plan.state).toBe("FAILED");
    expect(s.step("b").attempts).toBe(2);
  });

  it("re-runs a SKIPPED step in a running plan", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }));
    s.start();
    s.agg = applied(intervene(s.agg, { kind: "SKIP_STEP", stepKey: "b" }, s.now)).aggregate;
    const r = applied(intervene(s.agg, { kind: "RETRY_STEP", stepKey: "b" }, s.now));
    expect(r.aggregate.steps.map((x) => x.state)).toEqual(["READY", "PENDING"]);
    expect(intervene(s.agg, { kind: "RETRY_STEP", stepKey: "a" }, s.now)).toMatchObject({ ok: false, code: "INVALID_STATE" });
  });
});

describe("retryPlan", () => {
  it("runs a FAILED plan again from the step that failed it, as RETRY_STEP of that step does", () => {
    const failed = deepFreeze(inState("FAILED"));
    const r = applied(intervene(failed, { kind: "RETRY_PLAN" }, T0 + 5));
    const byStep = applied(intervene(failed, { kind: "RETRY_STEP", stepKey: "b" }, T0 + 5));
    expect(r.aggregate).toEqual(byStep.aggregate);
    expect(r.commands).toEqual(byStep.commands);
    expect(r.aggregate.steps.map((x) => x.state)).toEqual(["SUCCEEDED", "READY", "READY", "PENDING"]);
    expect(r.diff).toEqual({
      plan: { state: { before: "FAILED", after: "RUNNING" }, reopenedSteps: ["c", "d"] },
      step: { key: "b", state: { before: "FAILED", after: "PENDING" } },
    });
  });

  it("a plan failed by its deadline runs the steps it cancelled again, with a new deadline", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }, { planTimeoutMs: 9_000 }));
    s.start();
    s.claim("a");
    s.at(9_000).do({ type: "PlanDeadlineReached" });
    const r = applied(intervene(s.agg, { kind: "RETRY_PLAN" }, s.now));
    expect(r.aggregate.plan).toMatchObject({ state: "RUNNING", error: null, finishedAt: null });
    expect(r.aggregate.steps.map((x) => x.state)).toEqual(["READY", "PENDING"]);
    expect(r.diff).toEqual({ plan: { state: { before: "FAILED", after: "RUNNING" }, reopenedSteps: ["a", "b"] } });
    expect(commandsOf(r.commands, "SetTimer")).toMatchObject([{ kind: "PLAN_DEADLINE", dueAt: s.now + 9_000 }]);
  });

  it("refuses a plan that failed while compensating (which steps to run again is the operator's call)", () => {
    const s = new Script(plan({ a: { compensate: "undo" }, b: { dependsOn: ["a"], retry: { maxAttempts: 1 } }, undo: { retry: { maxAttempts: 1 } } }));
    s.start();
    s.run("a");
    s.claim("b");
    s.fail("b", err("boom"));
    s.claim("undo");
    s.fail("undo", err("cannot undo"));
    expect(s.agg.plan).toMatchObject({ state: "FAILED", error: { type: "COMPENSATION_FAILED" } });
    expect(intervene(s.agg, { kind: "RETRY_PLAN" }, s.now)).toMatchObject({ ok: false, code: "INVALID_STATE", reason: expect.stringContaining("retryStep") });
  });
});

describe("skipStep", () => {
  it("dependents see the substitute output and become READY; a plan whose steps are all done completes", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }));
    s.start();
    const r = applied(intervene(s.agg, { kind: "SKIP_STEP", stepKey: "a", output: { stub: 1 } }, s.now));
    expect(r.aggregate.steps.map((x) => [x.state, x.output])).toEqual([["SKIPPED", { stub: 1 }], ["READY", null]]);
    expect(signalKinds(r.commands)).toEqual(["STEP_SKIPPED", "STEP_READY"]);
    const done = applied(intervene(r.aggregate, { kind: "SKIP_STEP", stepKey: "b" }, s.now));
    expect(done.aggregate.plan.state).toBe("COMPLETED");
  });
});

describe("modifyStep", () => {
  it("patches a step with a diff, and new dependencies can hold a READY step back", () => {
    const s = new Script(plan({ a: {}, b: {} }));
    s.start();
    const r = applied(intervene(s.agg, { kind: "MODIFY_STEP", stepKey: "b", patch: { dependsOn: ["a"], role: "reviewer", retry: { maxAttempts: 7 } } }, s.now));
    const b = r.aggregate.steps[1]!;
    expect(b).toMatchObject({ state: "PENDING", role: "reviewer", dependsOn: ["a"], readyAt: null });
    expect(b.retry.maxAttempts).toBe(7);
    expect(b.retry.initialIntervalMs).toBe(s.step("b").retry.initialIntervalMs);
    expect(r.diff).toMatchObject({ role: { before: "worker", after: "reviewer" }, dependsOn: { before: [], after: ["a"] } });
  });

  it("refuses cycles and unknown dependencies with INVALID_PLAN, and a step that has started with INVALID_STATE", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }));
    s.start();
    const cycle = intervene(s.agg, { kind: "MODIFY_STEP", stepKey: "a", patch: { dependsOn: ["b"] } }, s.now);
    expect(cycle).toMatchObject({ ok: false, code: "INVALID_PLAN" });
    expect(!cycle.ok && cycle.reason).toContain("dependency cycle");
    expect(intervene(s.agg, { kind: "MODIFY_STEP", stepKey: "b", patch: { dependsOn: ["ghost"] } }, s.now)).toMatchObject({ ok: false, code: "INVALID_PLAN" });
    s.claim("a");
    expect(intervene(s.agg, { kind: "MODIFY_STEP", stepKey: "a", patch: { input: 1 } }, s.now)).toMatchObject({ ok: false, code: "INVALID_STATE" });
  });
});
