/**
 * Engine scripts, unhappy path: retries with backoff, errors that are not retried,
 * exhausted attempts failing the plan, lost leases, step timeouts and plan deadlines.
 */
import { describe, expect, it } from "vitest";
import { Script, T0, commandsOf, err, expectNoOp, plan, signalKinds } from "../helpers/engine.js";

const RETRY = { maxAttempts: 4, initialIntervalMs: 1_000, backoffCoefficient: 2, maxIntervalMs: 3_000 };

describe("retry with exponential backoff", () => {
  it("schedules a retry: WAITING, RETRY timer at now + backoff, STEP_RETRY_SCHEDULED; RetryDue makes it READY", () => {
    const s = new Script(plan({ a: { retry: RETRY } }));
    s.start();
    const { lease } = s.claim("a");
    s.at(50);
    const e = err("flaky", { type: "IO" });
    const d = s.fail("a", e);
    expect(s.step("a")).toMatchObject({ state: "WAITING", attempts: 1, error: e, leaseId: null, agentId: null, retryAt: T0 + 1_050 });
    expect(d.commands).toEqual([
      { type: "EndAttempt", leaseId: lease, outcome: "FAILED", error: e },
      { type: "ClearTimers", stepKey: "a" },
      { type: "SetTimer", kind: "RETRY", stepKey: "a", ref: null, dueAt: T0 + 1_050, frozen: false },
      {
        type: "EmitSignal",
        kind: "STEP_RETRY_SCHEDULED",
        stepKey: "a",
        agentId: null,
        payload: { attempt: 1, delayMs: 1_000, retryAt: T0 + 1_050, error: { message: "flaky", type: "IO", retryable: true, details: null } },
      },
    ]);
    expect(s.agg.plan.state).toBe("RUNNING");

    s.at(1_050);
    const due = s.do({ type: "RetryDue", stepKey: "a" });
    expect(s.step("a")).toMatchObject({ state: "READY", readyAt: T0 + 1_050, retryAt: null });
    expect(due.commands).toEqual([{ type: "EmitSignal", kind: "STEP_READY", stepKey: "a", agentId: null, payload: { attempt: 2 } }]);
  });

  it("doubles the delay each attempt and caps it at maxIntervalMs", () => {
    const s = new Script(plan({ a: { retry: { ...RETRY, maxAttempts: 5 } } }));
    s.start();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      s.claim("a");
      const d = s.fail("a");
      const timer = commandsOf(d.commands, "SetTimer")[0]!;
      delays.push(timer.dueAt - s.now);
      s.now = timer.dueAt;
      s.do({ type: "RetryDue", stepKey: "a" });
    }
    expect(delays).toEqual([1_000, 2_000, 3_000, 3_000]);
    expect(s.step("a").attempts).toBe(4);
  });

  it("makes the step READY at once when the backoff is zero", () => {
    const s = new Script(plan({ a: { retry: { ...RETRY, initialIntervalMs: 0, maxIntervalMs: 0 } } }));
    s.start();
    s.claim("a");
    const d = s.fail("a");
    expect(s.step("a")).toMatchObject({ state: "READY", attempts: 1, leaseId: null });
    expect(commandsOf(d.commands, "SetTimer")).toEqual([]);
    expect(signalKinds(d.commands)).toEqual(["STEP_READY"]);
  });

  it("ignores RetryDue for a step that is not WAITING, or once the plan is no longer RUNNING", () => {
    const s = new Script(plan({ a: { retry: RETRY }, b: {} }));
    s.start();
    expectNoOp(s.try({ type: "RetryDue", stepKey: "a" }), s.agg);
    expectNoOp(s.try({ type: "RetryDue", stepKey: "ghost" }), s.agg);
    s.claim("a");
    s.fail("a");
    s.claim("b");
    s.fail("b", err("fatal", { retryable: false }));
    expect(s.agg.plan.state).toBe("FAILED");
    expectNoOp(s.try({ type: "RetryDue", stepKey: "a" }), s.agg);
  });

  it("makes a WAITING step READY when its retry falls due while the plan is PAUSED (claimed only after resume)", () => {
    const s = new Script(plan({ a: { retry: RETRY } }));
    s.start();
    s.claim("a");
    s.fail("a");
    s.agg = { ...s.agg, plan: { ...s.agg.plan, state: "PAUSED" } };
    s.do({ type: "RetryDue", stepKey: "a" });
    expect(s.step("a").state).toBe("READY");
  });
});

describe("errors that are not retried", () => {
  it("fails at once for an error type listed in nonRetryableErrorTypes", () => {
    const s = new Script(plan({ a: { retry: { ...RETRY, nonRetryableErrorTypes: ["AUTH", "QUOTA"] } } }));
    s.start();
    s.claim("a");
    const d = s.fail("a", err("denied", { type: "QUOTA" }));
    expect(s.step("a")).toMatchObject({ state: "FAILED", attempts: 1 });
    expect(s.agg.plan.state).toBe("FAILED");
    expect(signalKinds(d.commands)).toEqual(["STEP_FAILED", "PLAN_FAILED"]);
  });

  it("retries an error type that is not listed", () => {
    const s = new Script(plan({ a: { retry: { ...RETRY, nonRetryableErrorTypes: ["AUTH"] } } }));
    s.start();
    s.claim("a");
    s.fail("a", err("x", { type: "auth" })); // types match exactly
    expect(s.step("a").state).toBe("WAITING");
  });

  it("fails at once for retryable: false", () => {
    const s = new Script(plan({ a: { retry: RETRY } }));
    s.start();
    s.claim("a");
    s.fail("a", err("bad input", { retryable: false }));
    expect(s.step("a").state).toBe("FAILED");
    expect(s.agg.plan.error).toMatchObject({ message: "step a failed: bad input", retryable: false, details: { stepKey: "a" } });
  });
});

describe("attempts exhausted", () => {
  it("fails the step and the plan, cancels unfinished steps and revokes running leases", () => {
    const s = new Script(
      plan(
        { a: { retry: { ...RETRY, maxAttempts: 2 } }, b: {}, w: { retry: RETRY }, c: { dependsOn: ["a"] }, r: {} },
        { maxParallel: 5 },
      ),
    );
    s.start();
    s.claim("w");
    s.fail("w"); // w WAITING for its retry
    s.claim("a");
    s.fail("a");
    s.do({ type: "RetryDue", stepKey: "a" });
    const leaseA = s.claim("a").lease;
    const leaseB = s.claim("b").lease;
    s.at(7_000);
    const d = s.fail("a", err("gave up", { type: "X" }));

    expect(s.states()).toEqual({ a: "FAILED", b: "CANCELLED", w: "CANCELLED", c: "CANCELLED", r: "CANCELLED" });
    expect(s.step("a")).toMatchObject({ attempts: 2, finishedAt: T0 + 7_000, leaseId: null });
    expect(s.step("b")).toMatchObject({ leaseId: null, finishedAt: T0 + 7_000 });
    expect(s.step("w").retryAt).toBeNull();
    expect(s.agg.plan).toMatchObject({
      state: "FAILED",
      finishedAt: T0 + 7_000,
      error: { message: "step a failed: gave up", type: "X", retryable: true, details: { stepKey: "a" } },
    });
    expect(commandsOf(d.commands, "EndAttempt")).toEqual([
      { type: "EndAttempt", leaseId: leaseA, outcome: "FAILED", error: err("gave up", { type: "X" }) },
      { type: "EndAttempt", leaseId: leaseB, outcome: "CANCELLED", error: null },
    ]);
    expect(commandsOf(d.commands, "ClearTimers")).toContainEqual({ type: "ClearTimers", stepKey: null });
    expect(commandsOf(d.commands, "SetTimer")).toEqual([]);
    expect(signalKinds(d.commands)).toEqual(["STEP_FAILED", "STEP_CANCELLED", "STEP_CANCELLED", "STEP_CANCELLED", "STEP_CANCELLED", "PLAN_FAILED"]);
  });

  it("counts every attempt: maxAttempts 1 fails on the first retryable error", () => {
    const s = new Script(plan({ a: { retry: { ...RETRY, maxAttempts: 1 } } }));
    s.start();
    s.claim("a");
    s.fail("a");
    expect(s.step("a").state).toBe("FAILED");
  });
});

describe("LeaseExpired", () => {
  it("ends the attempt as LOST and makes the step READY again at once, counting the attempt", () => {
    const s = new Script(plan({ a: { retry: RETRY } }, { heartbeatTimeoutMs: 2_000 }));
    s.start();
    const { lease } = s.claim("a", "agt_a");
    s.at(2_000);
    const d = s.do({ type: "LeaseExpired", stepKey: "a", leaseId: lease });
    const error = { message: "lease expired without heartbeat", type: "LEASE_EXPIRED", retryable: true, details: null };
    expect(d.commands).toEqual([
      { type: "EndAttempt", leaseId: lease, outcome: "LOST", error },
      { type: "ClearTimers", stepKey: "a" },
      { type: "EmitSignal", kind: "STEP_READY", stepKey: "a", agentId: null, payload: { attempt: 2, after: error } },
    ]);
    expect(s.step("a")).toMatchObject({ state: "READY", attempts: 1, leaseId: null, agentId: null, error, readyAt: T0 + 2_000 });
    const again = s.claim("a", "agt_b");
    expect(s.step("a")).toMatchObject({ attempts: 2, agentId: "agt_b", leaseId: again.lease });
  });

  it("fails the step when the lost attempt was the last one", () => {
    const s = new Script(plan({ a: { retry: { ...RETRY, maxAttempts: 1 } } }));
    s.start();
    const { lease } = s.claim("a");
    s.do({ type: "LeaseExpired", stepKey: "a", leaseId: lease });
    expect(s.step("a")).toMatchObject({ state: "FAILED", error: { type: "LEASE_EXPIRED" } });
    expect(s.agg.plan.state).toBe("FAILED");
  });

  it("is a no-op (changed: false) for a lease id that no longer holds the step", () => {
    const s = new Script(plan({ a: {} }));
    s.start();
    const { lease } = s.claim("a");
    expectNoOp(s.try({ type: "LeaseExpired", stepKey: "a", leaseId: "lease_old" }), s.agg);
    s.complete("a");
    expectNoOp(s.try({ type: "LeaseExpired", stepKey: "a", leaseId: lease }), s.agg);
    expectNoOp(s.try({ type: "LeaseExpired", stepKey: "ghost", leaseId: lease }), s.agg);
  });
});

describe("StepTimedOut", () => {
  it("ends the attempt as TIMED_OUT, emits STEP_TIMED_OUT and retries after backoff", () => {
    const s = new Script(plan({ a: { timeoutMs: 500, retry: RETRY } }));
    s.start();
    const { lease } = s.claim("a");
    s.at(500);
    const d = s.do({ type: "StepTimedOut", stepKey: "a", leaseId: lease });
    const error = { message: "attempt exceeded its timeout of 500 ms", type: "TIMEOUT", retryable: true, details: null };
    expect(commandsOf(d.commands, "EndAttempt")).toEqual([{ type: "EndAttempt", leaseId: lease, outcome: "TIMED_OUT", error }]);
    expect(signalKinds(d.commands)).toEqual(["STEP_TIMED_OUT", "STEP_RETRY_SCHEDULED"]);
    expect(commandsOf(d.commands, "EmitSignal")[0]!.payload).toEqual({ attempt: 1, timeoutMs: 500 });
    expect(s.step("a")).toMatchObject({ state: "WAITING", error, retryAt: T0 + 1_500 });
    expect(commandsOf(d.commands, "SetTimer")).toEqual([{ type: "SetTimer", kind: "RETRY", stepKey: "a", ref: null, dueAt: T0 + 1_500, frozen: false }]);
  });

  it("fails the plan when the timed-out attempt was the last, and ignores a stale lease", () => {
    const s = new Script(plan({ a: { retry: { ...RETRY, maxAttempts: 1 } } }));
    s.start();
    const { lease } = s.claim("a");
    expectNoOp(s.try({ type: "StepTimedOut", stepKey: "a", leaseId: "lease_other" }), s.agg);
    s.do({ type: "StepTimedOut", stepKey: "a", leaseId: lease });
    expect(s.states()).toEqual({ a: "FAILED" });
    expect(s.agg.plan.error?.type).toBe("TIMEOUT");
  });
});

describe("PlanDeadlineReached", () => {
  it("fails a RUNNING plan with PLAN_TIMEOUT, cancelling steps and revoking leases", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }, { planTimeoutMs: 9_000 }));
    s.start();
    const { lease } = s.claim("a");
    s.at(9_000);
    const d = s.do({ type: "PlanDeadlineReached" });
    expect(s.agg.plan).toMatchObject({
      state: "FAILED",
      finishedAt: T0 + 9_000,
      error: { message: "plan exceeded its deadline of 9000 ms", type: "PLAN_TIMEOUT", retryable: false, details: null },
    });
    expect(s.states()).toEqual({ a: "CANCELLED", b: "CANCELLED" });
    expect(commandsOf(d.commands, "EndAttempt")).toEqual([{ type: "EndAttempt", leaseId: lease, outcome: "CANCELLED", error: null }]);
    expect(signalKinds(d.commands)).toEqual(["STEP_CANCELLED", "STEP_CANCELLED", "PLAN_FAILED"]);
  });

  it("is a no-op once the plan has finished", () => {
    const s = new Script(plan({ a: {} }, { planTimeoutMs: 9_000 }));
    s.start();
    s.run("a");
    expectNoOp(s.try({ type: "PlanDeadlineReached" }), s.agg);
    expect(s.agg.plan.state).toBe("COMPLETED");
  });
});

describe("quality gates", () => {
  it("a completion below qualityThreshold fails the attempt as QUALITY_GATE with the gap, and is retried", () => {
    const s = new Script(plan({ a: { retry: { maxAttempts: 2, initialIntervalMs: 100 } } }));
    s.agg = { ...s.agg, steps: s.agg.steps.map((x) => ({ ...x, qualityThreshold: 0.8 })) };
    s.start();
    s.claim("a");
    const d = s.complete("a", { draft: 1 }, 0.5);
    expect(s.step("a")).toMatchObject({ state: "WAITING", output: null });
    expect(s.step("a").error).toEqual({
      message: "quality 0.5 is below the gate 0.8",
      type: "QUALITY_GATE",
      retryable: true,
      details: { quality: 0.5, threshold: 0.8, gap: 0.3, output: { draft: 1 } },
    });
    expect(signalKinds(d.commands)).toEqual(["STEP_RETRY_SCHEDULED"]);
    s.advance(100).do({ type: "RetryDue", stepKey: "a" });
    s.claim("a");
    s.complete("a", { draft: 2 }, 0.9);
    expect(s.agg.plan).toMatchObject({ state: "COMPLETED", result: { draft: 2 } });
  });

  it("no quality reported counts as below the gate; the last attempt fails the plan", () => {
    const s = new Script(plan({ a: { retry: { maxAttempts: 1 } } }));
    s.agg = { ...s.agg, steps: s.agg.steps.map((x) => ({ ...x, qualityThreshold: 0.1 })) };
    s.start();
    s.claim("a");
    s.complete("a", 1, null);
    expect(s.step("a")).toMatchObject({ state: "FAILED", error: { type: "QUALITY_GATE", details: { quality: null, gap: null } } });
    expect(s.agg.plan.state).toBe("FAILED");
  });
});
