/**
 * Engine scripts, happy path: start, dependency order, claims, completion, result,
 * versions and determinism. Failures, retries, leases and deadlines are in
 * decide-failures.test.ts.
 */
import { describe, expect, it } from "vitest";
import { decide } from "../../src/engine/decide.js";
import type { EngineEvent } from "../../src/engine/events.js";
import { Script, T0, commandsOf, deepFreeze, err, expectNoOp, plan, rejected, signalKinds } from "../helpers/engine.js";

describe("PlanStarted", () => {
  it("moves IDLE to RUNNING and makes only the steps without dependencies READY", () => {
    const s = new Script(plan({ a: {}, b: {}, c: { dependsOn: ["a", "b"] } }));
    s.at(5);
    const d = s.start();
    expect(s.agg.plan.state).toBe("RUNNING");
    expect(s.agg.plan.startedAt).toBe(T0 + 5);
    expect(s.states()).toEqual({ a: "READY", b: "READY", c: "PENDING" });
    expect(s.step("a").readyAt).toBe(T0 + 5);
    expect(signalKinds(d.commands)).toEqual(["PLAN_STARTED", "STEP_READY", "STEP_READY"]);
    expect(commandsOf(d.commands, "EmitSignal").slice(1).map((c) => c.stepKey)).toEqual(["a", "b"]);
    expect(commandsOf(d.commands, "SetTimer")).toEqual([]); // no planTimeoutMs, no deadline
  });

  it("arms the PLAN_DEADLINE timer at now + planTimeoutMs", () => {
    const s = new Script(plan({ a: {} }, { planTimeoutMs: 7_000 }));
    s.at(100);
    expect(commandsOf(s.start().commands, "SetTimer")).toEqual([
      { type: "SetTimer", kind: "PLAN_DEADLINE", stepKey: null, ref: null, dueAt: T0 + 7_100, frozen: false },
    ]);
  });

  it.each(["RUNNING", "PAUSED", "COMPLETED", "FAILED", "CANCELLED"] as const)("is rejected on a %s plan", (state) => {
    const agg = plan({ a: {} }, {}, state);
    const r = rejected(decide(agg, { type: "PlanStarted" }, T0));
    expect(r.code).toBe("INVALID_STATE");
    expect(r.message).toContain(state);
  });
});

describe("dependency order", () => {
  it("promotes PENDING to READY only once every dependency SUCCEEDED (diamond)", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] }, c: { dependsOn: ["a"] }, d: { dependsOn: ["b", "c"] } }));
    s.start();
    expect(s.states()).toEqual({ a: "READY", b: "PENDING", c: "PENDING", d: "PENDING" });
    let d = s.run("a");
    expect(s.states()).toEqual({ a: "SUCCEEDED", b: "READY", c: "READY", d: "PENDING" });
    expect(signalKinds(d.commands)).toEqual(["STEP_SUCCEEDED", "STEP_READY", "STEP_READY"]);
    d = s.run("b");
    expect(s.states()).toEqual({ a: "SUCCEEDED", b: "SUCCEEDED", c: "READY", d: "PENDING" });
    expect(signalKinds(d.commands)).toEqual(["STEP_SUCCEEDED"]);
    s.claim("c");
    expect(s.step("d").state).toBe("PENDING"); // c RUNNING is not enough
    s.complete("c");
    expect(s.step("d").state).toBe("READY");
  });

  it("does not release dependents of a step that failed and waits for its retry", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }));
    s.start();
    s.claim("a");
    s.fail("a");
    expect(s.states()).toEqual({ a: "WAITING", b: "PENDING" });
  });
});

describe("StepClaimed", () => {
  it("starts an attempt: RUNNING, lease (its expiry is the attempt's expiresAt), STEP_TIMEOUT timer, STEP_STARTED", () => {
    const s = new Script(plan({ a: { role: "writer", timeoutMs: 90_000 } }, { heartbeatTimeoutMs: 4_000 }));
    s.at(10).start();
    s.at(25);
    const { lease, d } = s.claim("a", "agt_x");
    expect(s.step("a")).toMatchObject({ state: "RUNNING", attempts: 1, agentId: "agt_x", leaseId: lease, startedAt: T0 + 25 });
    expect(d.commands).toEqual([
      {
        type: "StartAttempt",
        leaseId: lease,
        stepKey: "a",
        attempt: 1,
        agentId: "agt_x",
        role: "writer",
        queuedAt: T0 + 10,
        expiresAt: T0 + 25 + 4_000,
        heartbeatTimeoutMs: 4_000,
      },
      { type: "SetTimer", kind: "STEP_TIMEOUT", stepKey: "a", ref: lease, dueAt: T0 + 90_025, frozen: false },
      { type: "EmitSignal", kind: "STEP_STARTED", stepKey: "a", agentId: "agt_x", payload: { attempt: 1, leaseId: lease } },
    ]);
  });

  it("enforces maxParallel: a claim beyond it is rejected until a running step finishes", () => {
    const s = new Script(plan({ a: {}, b: {}, c: {} }, { maxParallel: 2 }));
    s.start();
    s.claim("a");
    s.claim("b");
    const before = s.agg;
    const r = rejected(s.try({ type: "StepClaimed", stepKey: "c", leaseId: "lease_c", agentId: "agt_1" }));
    expect(r.code).toBe("INVALID_STATE");
    expect(r.message).toContain("2");
    expect(s.agg).toBe(before);
    s.complete("a");
    s.claim("c");
    expect(s.states()).toEqual({ a: "SUCCEEDED", b: "RUNNING", c: "RUNNING" });
  });

  it.each([
    ["PENDING", "b"],
    ["RUNNING", "a"],
  ])("rejects a claim of a %s step", (_state, key) => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }, { maxParallel: 5 }));
    s.start();
    s.claim("a");
    const r = rejected(s.try({ type: "StepClaimed", stepKey: key, leaseId: "lease_z", agentId: "agt_2" }));
    expect(r.code).toBe("INVALID_STATE");
    expect(s.step("a").leaseId).toBe("lease_1");
  });

  it("rejects a claim of an unknown step (NOT_FOUND) and a claim on a plan not RUNNING", () => {
    const s = new Script(plan({ a: {} }));
    expect(rejected(s.try({ type: "StepClaimed", stepKey: "a", leaseId: "l", agentId: "g" })).code).toBe("INVALID_STATE");
    s.start();
    expect(rejected(s.try({ type: "StepClaimed", stepKey: "zz", leaseId: "l", agentId: "g" })).code).toBe("NOT_FOUND");
  });
});

describe("StepCompleted", () => {
  it("stores output and quality, ends the attempt, clears the step's timers", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }));
    s.start();
    const { lease } = s.claim("a");
    s.at(300);
    const d = s.complete("a", { n: 1 }, 0.75);
    expect(s.step("a")).toMatchObject({ state: "SUCCEEDED", output: { n: 1 }, quality: 0.75, leaseId: null, finishedAt: T0 + 300 });
    expect(d.commands.slice(0, 3)).toEqual([
      { type: "EndAttempt", leaseId: lease, outcome: "SUCCEEDED", error: null },
      { type: "ClearTimers", stepKey: "a" },
      { type: "EmitSignal", kind: "STEP_SUCCEEDED", stepKey: "a", agentId: "agt_1", payload: { attempt: 1, output: { n: 1 }, quality: 0.75 } },
    ]);
  });

  it("rejects a stale lease with STALE_LEASE and changes nothing", () => {
    const s = new Script(plan({ a: {} }, { heartbeatTimeoutMs: 1_000 }));
    s.start();
    const { lease: first } = s.claim("a");
    s.do({ type: "LeaseExpired", stepKey: "a", leaseId: first }); // lost: READY again
    const { lease: second } = s.claim("a", "agt_2");
    const before = s.agg;
    for (const ev of [
      { type: "StepCompleted", stepKey: "a", leaseId: first, output: 1, quality: null },
      { type: "StepFailed", stepKey: "a", leaseId: first, error: err() },
      { type: "StepHeartbeat", stepKey: "a", leaseId: first, progress: 0.5, message: null },
    ] satisfies EngineEvent[]) {
      const r = rejected(s.try(ev));
      expect(r.code).toBe("STALE_LEASE");
      expect(r.message).toContain(first);
    }
    expect(s.agg).toBe(before);
    s.complete("a");
    expect(s.step("a").state).toBe("SUCCEEDED");
    expect(rejected(s.try({ type: "StepCompleted", stepKey: "a", leaseId: second, output: 2, quality: null })).code).toBe("STALE_LEASE");
  });

  it("rejects completion of an unknown step with NOT_FOUND", () => {
    const s = new Script(plan({ a: {} }));
    s.start();
    expect(rejected(s.try({ type: "StepCompleted", stepKey: "nope", leaseId: "l", output: null, quality: null })).code).toBe("NOT_FOUND");
  });
});

describe("plan completion and result", () => {
  it("uses the output of the single final step as the result", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }));
    s.start();
    s.run("a", { partial: true });
    s.at(900);
    const d = s.run("b", { answer: 42 });
    expect(s.agg.plan).toMatchObject({ state: "COMPLETED", result: { answer: 42 }, finishedAt: T0 + 900 });
    expect(d.commands.slice(-3)).toEqual([
      { type: "ClearTimers", stepKey: null },
      { type: "EmitSignal", kind: "PLAN_COMPLETED", stepKey: null, agentId: null, payload: { result: { answer: 42 } } },
      { type: "TakeCheckpoint", reason: "STEP", stepKey: "b" },
    ]);
  });

  it("keys the result by final step when there are several, in step order", () => {
    const s = new Script(plan({ root: {}, y: { dependsOn: ["root"] }, x: { dependsOn: ["root"] } }, { maxParallel: 3 }));
    s.start();
    s.run("root", "r");
    s.claim("y");
    s.claim("x");
    s.complete("x", "X");
    expect(s.agg.plan.state).toBe("RUNNING");
    s.complete("y", null);
    expect(s.agg.plan.result).toEqual({ y: null, x: "X" });
    expect(Object.keys(s.agg.plan.result as object)).toEqual(["y", "x"]);
  });

  it("a single-step plan's result is that step's output, even null", () => {
    const s = new Script(plan({ only: {} }));
    s.start();
    s.run("only", null);
    expect(s.agg.plan.state).toBe("COMPLETED");
    expect(s.agg.plan.result).toBeNull();
  });
});

describe("versions", () => {
  it("rises by exactly one per changing decision, however much it changes", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] }, c: { dependsOn: ["a"] }, d: { dependsOn: ["a"] } }, { maxParallel: 3 }));
    const seen = [s.agg.plan.version];
    const step = (f: () => unknown): void => {
      f();
      seen.push(s.agg.plan.version);
    };
    step(() => s.start()); // plan + step a
    step(() => s.claim("a"));
    step(() => s.complete("a")); // a + three promotions
    step(() => s.claim("b"));
    step(() => s.claim("c"));
    step(() => s.fail("c", err("fatal", { retryable: false }))); // c, b, d and the plan
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(s.decisions.every((d) => d.changed)).toBe(true);
  });

  it("does not rise for a decision that changes nothing", () => {
    const s = new Script(plan({ a: {} }));
    s.start();
    const before = s.agg;
    expectNoOp(s.try({ type: "RetryDue", stepKey: "a" }), before); // a is READY, not WAITING
    expectNoOp(s.try({ type: "LeaseExpired", stepKey: "a", leaseId: "lease_nope" }), before);
    expect(s.agg.plan.version).toBe(2);
  });

  it("a heartbeat without progress extends the lease but changes no state and no version", () => {
    const s = new Script(plan({ a: {} }, { heartbeatTimeoutMs: 3_000 }));
    s.start();
    const { lease } = s.claim("a");
    const before = s.agg;
    s.at(2_000);
    const d = s.do({ type: "StepHeartbeat", stepKey: "a", leaseId: lease, progress: null, message: null });
    expect(d.changed).toBe(true);
    expect(d.commands).toEqual([
      { type: "ExtendLease", leaseId: lease, expiresAt: T0 + 5_000 },
    ]);
    expect(d.aggregate.plan).toBe(before.plan);
    expect(d.aggregate.steps[0]).toBe(before.steps[0]);
  });

  it("a heartbeat with progress emits STEP_PROGRESS, records it, and does NOT bump the version", () => {
    const s = new Script(plan({ a: {} }));
    s.start();
    const { lease } = s.claim("a");
    const version = s.agg.plan.version;
    const d = s.do({ type: "StepHeartbeat", stepKey: "a", leaseId: lease, progress: 0.4, message: "warming up" });
    expect(commandsOf(d.commands, "EmitSignal")).toEqual([
      { type: "EmitSignal", kind: "STEP_PROGRESS", stepKey: "a", agentId: "agt_1", payload: { progress: 0.4, message: "warming up" } },
    ]);
    expect(s.step("a")).toMatchObject({ progress: 0.4, progressMessage: "warming up", state: "RUNNING" });
    expect(s.agg.plan.version).toBe(version);
  });

  it("a heartbeat with only a message keeps the earlier progress", () => {
    const s = new Script(plan({ a: {} }));
    s.start();
    const { lease } = s.claim("a");
    s.do({ type: "StepHeartbeat", stepKey: "a", leaseId: lease, progress: 0.4, message: null });
    s.do({ type: "StepHeartbeat", stepKey: "a", leaseId: lease, progress: null, message: "still going" });
    expect(s.step("a")).toMatchObject({ progress: 0.4, progressMessage: "still going" });
  });
});

describe("determinism", () => {
  /** A script touching every event kind; returns every decision. */
  const script = (): Script => {
    const s = new Script(plan({ a: { retry: { maxAttempts: 3 } }, b: { dependsOn: ["a"] }, c: { dependsOn: ["a"], timeoutMs: 500 } }, { planTimeoutMs: 1e6 }));
    s.start();
    const { lease } = s.claim("a");
    s.advance(10).do({ type: "StepHeartbeat", stepKey: "a", leaseId: lease, progress: 0.5, message: "half" });
    s.advance(10).fail("a");
    s.advance(1_000).do({ type: "RetryDue", stepKey: "a" });
    const second = s.claim("a").lease;
    s.advance(20).do({ type: "LeaseExpired", stepKey: "a", leaseId: second });
    s.run("a", { v: 1 });
    const c = s.claim("c").lease;
    s.advance(500).do({ type: "StepTimedOut", stepKey: "c", leaseId: c });
    s.run("b");
    s.advance(2_000).do({ type: "RetryDue", stepKey: "c" });
    s.run("c");
    s.do({ type: "PlanDeadlineReached" });
    return s;
  };

  it("gives deep-equal commands and aggregates for the same script run twice", () => {
    const one = script();
    const two = script();
    expect(one.agg.plan.state).toBe("COMPLETED");
    expect(two.decisions).toEqual(one.decisions);
    expect(two.agg).toEqual(one.agg);
    expect(one.decisions.length).toBeGreaterThan(10);
  });

  it("never mutates the aggregate it decides on", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }));
    s.start();
    const frozen = deepFreeze(structuredClone(s.agg));
    const copy = structuredClone(frozen);
    const d = decide(frozen, { type: "StepClaimed", stepKey: "a", leaseId: "l1", agentId: "g" }, T0 + 1);
    expect(d.ok).toBe(true);
    expect(frozen).toEqual(copy);
  });
});
