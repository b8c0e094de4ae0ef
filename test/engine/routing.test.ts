/**
 * Engine scripts for routing: transitions with visit counts, route rules, SKIPPED by routing,
 * quality gates and schedule-to-start failures that route, and determinism.
 */
import { describe, expect, it } from "vitest";
import type { EngineEvent } from "../../src/engine/events.js";
import { Script, T0, commandsOf, err, plan, signalKinds, type StepList } from "../helpers/engine.js";

const ONE = { maxAttempts: 1 };
const payloadOf = (s: Script, kind: string, key: string) =>
  s.decisions.flatMap((d) => commandsOf(d.commands, "EmitSignal")).filter((c) => c.kind === kind && c.stepKey === key).map((c) => c.payload);

describe("onSuccess / onFailure transitions", () => {
  it("a step reached only through a transition runs only when it fires", () => {
    const s = new Script(plan({ a: { onSuccess: "b" }, b: {}, c: {} }));
    s.start();
    expect(s.states()).toEqual({ a: "READY", b: "PENDING", c: "READY" });
    s.run("c");
    expect(s.states()).toMatchObject({ b: "PENDING" });
    s.run("a");
    expect(s.step("b")).toMatchObject({ state: "READY", visits: 1, trigger: { from: "a", via: "onSuccess", outcome: "SUCCEEDED", output: { from: "a" } } });
    expect(payloadOf(s, "STEP_SUCCEEDED", "a")[0]).toMatchObject({ route: { to: "b", via: "onSuccess", visit: 1 } });
    s.run("b");
    expect(s.agg.plan.state).toBe("COMPLETED");
  });

  it("a target with no dependencies that its own downstream loops back to is a start step, not held", () => {
    const s = new Script(plan({ code: { maxVisits: 2 }, review: { dependsOn: ["code"], onFailure: "code", retry: ONE } }));
    s.start();
    expect(s.states()).toEqual({ code: "READY", review: "PENDING" });
    s.run("code");
    s.claim("review");
    s.fail("review");
    expect(s.step("code")).toMatchObject({ state: "READY", visits: 2 });
  });

  it("a transition target that never fires is SKIPPED once nothing else can run, and the plan completes", () => {
    const s = new Script(plan({ a: { onFailure: "recover" }, recover: {}, b: { dependsOn: ["a"] } }));
    s.start();
    s.run("a");
    const d = s.run("b");
    expect(s.states()).toEqual({ a: "SUCCEEDED", recover: "SKIPPED", b: "SUCCEEDED" });
    expect(signalKinds(d.commands)).toEqual(["STEP_SUCCEEDED", "STEP_SKIPPED", "PLAN_COMPLETED"]);
    expect(payloadOf(s, "STEP_SKIPPED", "recover")).toEqual([{ reason: "no route led to it" }]);
    expect(s.agg.plan.result).toEqual({ from: "b" });
  });

  it("onFailure handles a failure: the target runs, the failed step's dependents are SKIPPED, the plan completes", () => {
    const s = new Script(plan({ deploy: { retry: ONE, onFailure: "rollback" }, rollback: {}, announce: { dependsOn: ["deploy"] } }));
    s.start();
    s.claim("deploy");
    s.fail("deploy", err("bad config", { type: "CONFIG" }));
    expect(s.states()).toEqual({ deploy: "FAILED", rollback: "READY", announce: "PENDING" });
    expect(s.step("rollback").trigger).toMatchObject({ from: "deploy", via: "onFailure", outcome: "FAILED", error: { message: "bad config" } });
    expect(payloadOf(s, "STEP_FAILED", "deploy")[0]).toMatchObject({ route: { to: "rollback", via: "onFailure", visit: 1 } });
    s.run("rollback");
    expect(s.states()).toEqual({ deploy: "FAILED", rollback: "SUCCEEDED", announce: "SKIPPED" });
    expect(s.agg.plan.state).toBe("COMPLETED");
  });

  it("retries come first: onFailure fires only once the retry policy is spent", () => {
    const s = new Script(plan({ a: { retry: { maxAttempts: 2, initialIntervalMs: 0, maxIntervalMs: 0 }, onFailure: "b" }, b: {} }));
    s.start();
    s.claim("a");
    s.fail("a");
    expect(s.states()).toEqual({ a: "READY", b: "PENDING" });
    s.claim("a");
    s.fail("a");
    expect(s.states()).toEqual({ a: "FAILED", b: "READY" });
  });

  const website: StepList = {
    spec: {},
    code: { dependsOn: ["spec"], maxVisits: 3 },
    review: { dependsOn: ["code"], onFailure: "code", retry: ONE },
  };

  it("review → fix → review: each rejection brings the coder back (a new visit) and the review runs again after it", () => {
    const s = new Script(plan(website));
    s.start();
    s.run("spec");
    s.run("code");
    s.claim("review");
    s.fail("review", err("needs work", { type: "REJECTED" }));
    expect(s.states()).toEqual({ spec: "SUCCEEDED", code: "READY", review: "PENDING" });
    expect(s.step("code")).toMatchObject({ visits: 2, attempts: 1, attemptBase: 1, output: null, trigger: { from: "review", via: "onFailure" } });
    expect(s.step("review")).toMatchObject({ visits: 1, error: null });
    s.run("code", { v: 2 });
    expect(s.step("review")).toMatchObject({ state: "READY", visits: 2 });
    s.run("review", { approved: true });
    expect(s.agg.plan).toMatchObject({ state: "COMPLETED", result: { approved: true } });
  });

  it("the loop is bounded: when the coder has used its visits the reviewer's failure stands and the plan fails", () => {
    const s = new Script(plan(website));
    s.start();
    s.run("spec");
    for (let visit = 1; visit <= 3; visit++) {
      s.run("code");
      s.claim("review");
      s.fail("review", err(`rejection ${visit}`, { type: "REJECTED" }));
    }
    expect(s.step("code").visits).toBe(3);
    expect(s.agg.plan.state).toBe("FAILED");
    expect(s.agg.plan.error).toMatchObject({ type: "REJECTED", message: "step review failed: rejection 3" });
    expect(payloadOf(s, "STEP_FAILED", "review").at(-1)).toMatchObject({ route: { to: "code", via: "onFailure", exhausted: true, maxVisits: 3 } });
  });

  it("a success route to a step that has used its visits fails the step that asked (VISIT_LIMIT_EXCEEDED)", () => {
    const s = new Script(plan({ x: {}, a: { dependsOn: ["x"], onSuccess: "b" }, b: { maxVisits: 1, onSuccess: "a" } }));
    s.start();
    s.run("x");
    s.run("a");
    s.run("b");
    expect(s.step("a")).toMatchObject({ state: "READY", visits: 2 });
    s.claim("a");
    s.complete("a");
    expect(s.step("a")).toMatchObject({ state: "FAILED", error: { type: "VISIT_LIMIT_EXCEEDED" } });
    expect(s.agg.plan.state).toBe("FAILED");
  });

  it("quality-gate and schedule-to-start failures follow onFailure", () => {
    const q = new Script(plan({ a: { qualityThreshold: 0.8, retry: ONE, onFailure: "fix" }, fix: {} }));
    q.start();
    q.claim("a");
    q.complete("a", { draft: 1 }, 0.5);
    expect(q.states()).toEqual({ a: "FAILED", fix: "READY" });
    expect(q.step("fix").trigger).toMatchObject({ error: { type: "QUALITY_GATE" } });

    const t = new Script(plan({ a: { scheduleToStartMs: 1_000, onFailure: "escalate" }, escalate: {} }));
    t.start();
    t.at(1_000).do({ type: "ScheduleToStartTimedOut", stepKey: "a" });
    expect(t.states()).toEqual({ a: "FAILED", escalate: "READY" });
    expect(t.agg.plan.state).toBe("RUNNING");
  });
});

describe("route rules (when)", () => {
  const rules = (when: unknown) => ({ when: when as never });

  it("goto: the first matching rule routes; the decision is in the STEP_SUCCEEDED payload", () => {
    const s = new Script(
      plan({
        classify: rules([
          { if: { path: "output.kind", op: "eq", value: "bug" }, then: { goto: "fix" } },
          { if: { path: "output.kind", op: "in", value: ["docs", "typo"] }, then: { goto: "docs" } },
        ]),
        fix: {},
        docs: {},
        merge: { dependsOn: ["fix", "docs"] },
      }),
    );
    s.start();
    s.run("classify", { kind: "typo" });
    expect(s.states()).toMatchObject({ fix: "PENDING", docs: "READY" });
    expect(payloadOf(s, "STEP_SUCCEEDED", "classify")[0]).toMatchObject({
      rule: { rule: 1, if: { path: "output.kind", op: "in" }, then: { goto: "docs" }, actual: "typo" },
      route: { to: "docs", via: "when", visit: 1 },
    });
    s.run("docs");
    // fix is ruled out, and the join runs: SKIPPED counts as satisfied.
    expect(s.states()).toMatchObject({ fix: "SKIPPED", merge: "READY" });
    s.run("merge");
    expect(s.agg.plan.state).toBe("COMPLETED");
  });

  it("no matching rule: the default route (onSuccess, dependents) applies", () => {
    const s = new Script(plan({ a: { ...rules([{ if: { path: "output.n", op: "gt", value: 10 }, then: { goto: "big" } }]), onSuccess: "small" }, big: {}, small: {} }));
    s.start();
    s.run("a", { n: 3 });
    expect(s.states()).toMatchObject({ big: "PENDING", small: "READY" });
    expect(payloadOf(s, "STEP_SUCCEEDED", "a")[0]).not.toHaveProperty("rule");
  });

  it("skip: the named steps are SKIPPED at once; a dependent that asks to be skipped with them is too", () => {
    const s = new Script(
      plan({
        check: rules([{ if: { path: "input.cached", op: "eq", value: true }, then: { skip: ["build"] } }]),
        build: { dependsOn: ["check"] },
        test: { dependsOn: ["build"], skipIfDependencySkipped: true },
        report: { dependsOn: ["build"] },
      }, {}, "IDLE", { input: { cached: true } }),
    );
    s.start();
    const d = s.run("check");
    expect(s.states()).toEqual({ check: "SUCCEEDED", build: "SKIPPED", test: "SKIPPED", report: "READY" });
    expect(payloadOf(s, "STEP_SKIPPED", "build")[0]).toMatchObject({ reason: "rule", by: "check" });
    expect(signalKinds(d.commands).filter((k) => k === "STEP_SKIPPED")).toHaveLength(2);
  });

  it("fail: the completion counts as a failure of type CONDITION, not retried, and follows onFailure", () => {
    const s = new Script(plan({ review: { ...rules([{ if: { path: "output.approved", op: "eq", value: false }, then: { fail: "changes requested" } }]), onFailure: "rework" }, rework: {} }));
    s.start();
    s.claim("review");
    s.complete("review", { approved: false });
    expect(s.step("review")).toMatchObject({ state: "FAILED", attempts: 1, error: { type: "CONDITION", message: "changes requested", retryable: false, details: { rule: 0, output: { approved: false } } } });
    expect(s.states()).toMatchObject({ rework: "READY" });
  });

  it("retry: the step runs again (with backoff) while its retry policy allows, then fails", () => {
    const s = new Script(plan({ poll: { ...rules([{ if: { path: "output.done", op: "ne", value: true }, then: { retry: true } }]), retry: { maxAttempts: 2, initialIntervalMs: 500, maxIntervalMs: 500 } } }));
    s.start();
    s.claim("poll");
    s.complete("poll", { done: false });
    expect(s.step("poll")).toMatchObject({ state: "WAITING", error: { type: "CONDITION_RETRY" } });
    s.at(500).do({ type: "RetryDue", stepKey: "poll" });
    s.claim("poll");
    s.complete("poll", { done: false });
    expect(s.step("poll").state).toBe("FAILED");
    expect(s.agg.plan.state).toBe("FAILED");
  });

  it("complete: the plan completes now with the step's output; what had not run is SKIPPED, running attempts cancelled", () => {
    const s = new Script(plan({ probe: rules([{ if: { path: "output.found", op: "exists" }, then: { complete: true } }]), slow: {}, later: { dependsOn: ["probe"] } }, { maxParallel: 2 }));
    s.start();
    s.claim("slow");
    const { lease } = s.claim("probe");
    const d = s.complete("probe", { found: "it" });
    void lease;
    expect(s.states()).toEqual({ probe: "SUCCEEDED", slow: "CANCELLED", later: "SKIPPED" });
    expect(s.agg.plan).toMatchObject({ state: "COMPLETED", result: { found: "it" } });
    expect(commandsOf(d.commands, "EndAttempt").map((c) => c.outcome)).toEqual(["SUCCEEDED", "CANCELLED"]);
  });
});

describe("determinism", () => {
  /** A script exercising retries with jitter, a quality gate, a rule, a loop and a timer. */
  function script(): EngineEvent[] {
    return [
      { type: "PlanStarted" },
      { type: "StepClaimed", stepKey: "spec", leaseId: "l1", agentId: "agt_a" },
      { type: "StepFailed", stepKey: "spec", leaseId: "l1", error: err("flaky") },
      { type: "RetryDue", stepKey: "spec" },
      { type: "StepClaimed", stepKey: "spec", leaseId: "l2", agentId: "agt_a" },
      { type: "StepCompleted", stepKey: "spec", leaseId: "l2", output: { pages: 3 }, quality: null },
      { type: "StepClaimed", stepKey: "code", leaseId: "l3", agentId: "agt_b" },
      { type: "StepCompleted", stepKey: "code", leaseId: "l3", output: { files: 3 }, quality: null },
      { type: "StepClaimed", stepKey: "review", leaseId: "l4", agentId: "agt_c" },
      { type: "StepCompleted", stepKey: "review", leaseId: "l4", output: { approved: false }, quality: 0.9 },
      { type: "StepClaimed", stepKey: "code", leaseId: "l5", agentId: "agt_b" },
      { type: "StepCompleted", stepKey: "code", leaseId: "l5", output: { files: 4 }, quality: null },
      { type: "StepClaimed", stepKey: "review", leaseId: "l6", agentId: "agt_c" },
      { type: "StepCompleted", stepKey: "review", leaseId: "l6", output: { approved: true }, quality: 0.95 },
    ];
  }
  const steps: StepList = {
    spec: { retry: { maxAttempts: 3, initialIntervalMs: 1_000, maxIntervalMs: 10_000, jitter: 0.5 } },
    code: { dependsOn: ["spec"], maxVisits: 4 },
    review: {
      dependsOn: ["code"],
      onFailure: "code",
      qualityThreshold: 0.5,
      retry: ONE,
      when: [{ if: { path: "output.approved", op: "eq", value: false }, then: { fail: "rejected" } }],
    },
  };
  const run = () => {
    const s = new Script(plan(steps));
    let t = 0;
    for (const e of script()) {
      const d = s.at((t += 250)).try(e);
      if (!d.ok) throw new Error(`${e.type}: ${d.message}`);
    }
    return s;
  };

  it("the same event script run twice gives identical commands and states", () => {
    const a = run();
    const b = run();
    expect(b.decisions.map((d) => d.commands)).toEqual(a.decisions.map((d) => d.commands));
    expect(b.agg).toEqual(a.agg);
    expect(a.agg.plan.state).toBe("COMPLETED");
    expect(a.step("code").visits).toBe(2);
    // the jittered backoff is part of the decision, so replays agree on it
    const retry = commandsOf(a.decisions[2]!.commands, "SetTimer")[0]!;
    expect(retry.dueAt).toBe(commandsOf(b.decisions[2]!.commands, "SetTimer")[0]!.dueAt);
    expect(retry.dueAt - (T0 + 750)).toBeLessThanOrEqual(1_000);
  });
});
