/** Engine scripts for dynamic plans: a completion that adds steps to its plan (StepCompleted.addSteps). */
import { describe, expect, it } from "vitest";
import type { Json, StepSpec } from "../../src/domain/model.js";
import { Script, commandsOf, err, plan, signalKinds, stepSpec, type StepList, type StepOpts } from "../helpers/engine.js";

const spec = (key: string, opts: StepOpts = {}): StepSpec => stepSpec(key, { role: "worker", ...opts });

/** Claims `key` and completes it with `addSteps` (agent agt_1). */
function plans(s: Script, key: string, addSteps: StepSpec[], output: Json = { plan: key }, quality: number | null = null) {
  const { lease } = s.claim(key);
  return s.do({ type: "StepCompleted", stepKey: key, leaseId: lease, output, quality, addSteps });
}

const keys = (s: Script) => s.agg.steps.map((x) => `${x.position}:${x.key}`);
const started = (steps: StepList) => {
  const s = new Script(plan(steps, { maxParallel: 3 }));
  s.start();
  return s;
};

describe("dynamic plans: a completion adds steps", () => {
  it("appends the steps in order; they run after their dependencies and the plan completes only after them", () => {
    const s = started({ planner: {}, report: { dependsOn: ["planner"] } });
    const before = s.agg.plan.version;
    const d = plans(s, "planner", [spec("write", { dependsOn: ["planner"], input: { part: 1 } }), spec("check", { dependsOn: ["write"] })]);

    expect(keys(s)).toEqual(["0:planner", "1:report", "2:write", "3:check"]);
    expect(s.agg.plan.version).toBe(before + 2); // the claim, then this one decision
    expect(s.states()).toEqual({ planner: "SUCCEEDED", report: "READY", write: "READY", check: "PENDING" });
    expect(s.step("write")).toMatchObject({ input: { part: 1 }, attempts: 0, visits: 1 });
    // The planner's success is signalled first, attributed to its agent and naming what it added.
    expect(signalKinds(d.commands)).toEqual(["STEP_SUCCEEDED", "STEP_READY", "STEP_READY"]);
    const [succeeded] = commandsOf(d.commands, "EmitSignal");
    expect(succeeded).toMatchObject({ stepKey: "planner", agentId: "agt_1", payload: { attempt: 1, output: { plan: "planner" }, added: ["write", "check"] } });
    expect(commandsOf(d.commands, "TakeCheckpoint")).toEqual([{ type: "TakeCheckpoint", reason: "STEP", stepKey: "planner" }]);

    s.run("report");
    s.run("write");
    expect(s.agg.plan.state).toBe("RUNNING");
    expect(s.step("check").state).toBe("READY");
    s.run("check", { ok: true });
    expect(s.agg.plan).toMatchObject({ state: "COMPLETED", result: { report: { from: "report" }, check: { ok: true } } });
  });

  it("added steps may depend on any existing step, and one with no pending dependency is READY at once", () => {
    const s = started({ a: {}, planner: { dependsOn: ["a"] } });
    s.run("a");
    plans(s, "planner", [spec("after-a", { dependsOn: ["a"] }), spec("free")]);
    expect(s.states()).toMatchObject({ "after-a": "READY", free: "READY" });
    s.run("after-a");
    s.run("free");
    expect(s.agg.plan.state).toBe("COMPLETED");
  });

  it("a signal without additions carries no `added`", () => {
    const s = started({ a: {} });
    const d = s.run("a");
    expect(commandsOf(d.commands, "EmitSignal")[0]!.payload).not.toHaveProperty("added");
  });
});

describe("dynamic plans: invalid additions fail the planner with INVALID_PLAN and add nothing", () => {
  const cases: [string, StepSpec[], RegExp[]][] = [
    ["a duplicate of an existing key", [spec("report")], [/duplicate key "report"/]],
    ["a key given twice", [spec("x"), spec("x")], [/duplicate key "x"/]],
    ["an unknown dependency", [spec("x", { dependsOn: ["ghost"] })], [/unknown step "ghost"/]],
    ["a cycle", [spec("x", { dependsOn: ["y"] }), spec("y", { dependsOn: ["x"] })], [/dependency cycle: (x -> y -> x|y -> x -> y)/]],
    ["a built-in role without its config", [spec("h", { role: "builtin.http" })], [/addSteps\[0\]\.config\.url/]],
    ["several problems at once", [spec("report"), spec("x", { dependsOn: ["ghost"] })], [/duplicate key "report"/, /unknown step "ghost"/]],
  ];
  for (const [name, additions, messages] of cases) {
    it(name, () => {
      const s = started({ planner: {}, report: { dependsOn: ["planner"] } });
      const steps = s.agg.steps.map((x) => x.key);
      const d = plans(s, "planner", additions);
      expect(s.agg.steps.map((x) => x.key)).toEqual(steps);
      const error = s.step("planner").error!;
      expect(s.step("planner").state).toBe("FAILED"); // not retried, though the policy allows 3 attempts
      expect(error).toMatchObject({ type: "INVALID_PLAN", retryable: false, details: { output: { plan: "planner" } } });
      for (const m of messages) expect(error.message).toMatch(m);
      expect(commandsOf(d.commands, "EndAttempt")).toMatchObject([{ outcome: "FAILED", error: { type: "INVALID_PLAN" } }]);
      expect(s.agg.plan).toMatchObject({ state: "FAILED", error: { type: "INVALID_PLAN" } });
      expect(s.states()).toEqual({ planner: "FAILED", report: "CANCELLED" });
    });
  }

  it("the planner's onFailure route handles the failure like any other", () => {
    const s = started({ planner: { onFailure: "fallback" }, report: { dependsOn: ["planner"] }, fallback: {} });
    plans(s, "planner", [spec("x", { dependsOn: ["ghost"] })]);
    expect(s.states()).toEqual({ planner: "FAILED", report: "PENDING", fallback: "READY" });
    expect(s.agg.plan.state).toBe("RUNNING");
  });
});

describe("dynamic plans: a completion turned into a failure adds nothing", () => {
  it("a fail rule", () => {
    const s = started({ planner: { retry: { maxAttempts: 1 }, when: [{ if: { path: "output.ok", op: "eq", value: false }, then: { fail: "no plan" } }] } });
    plans(s, "planner", [spec("x", { dependsOn: ["planner"] })], { ok: false });
    expect(keys(s)).toEqual(["0:planner"]);
    expect(s.step("planner")).toMatchObject({ state: "FAILED", error: { type: "CONDITION", message: "no plan" } });
  });

  it("a retry rule, and a retry after it adds them once", () => {
    const s = started({ planner: { when: [{ if: { path: "output.ok", op: "eq", value: false }, then: { retry: true } }] } });
    plans(s, "planner", [spec("x", { dependsOn: ["planner"] })], { ok: false });
    expect(keys(s)).toEqual(["0:planner"]);
    expect(s.step("planner")).toMatchObject({ state: "WAITING", error: { type: "CONDITION_RETRY" } });
    s.advance(1_000).do({ type: "RetryDue", stepKey: "planner" });
    plans(s, "planner", [spec("x", { dependsOn: ["planner"] })], { ok: true });
    expect(keys(s)).toEqual(["0:planner", "1:x"]);
  });

  it("the quality gate", () => {
    const s = started({ planner: { qualityThreshold: 0.8 } });
    plans(s, "planner", [spec("x")], { plan: "p" }, 0.5);
    expect(keys(s)).toEqual(["0:planner"]);
    expect(s.step("planner")).toMatchObject({ state: "WAITING", error: { type: "QUALITY_GATE" } });
  });

  it("a compensation: the plan being undone takes no new steps", () => {
    const s = started({ a: { compensate: "undo" }, b: { dependsOn: ["a"], retry: { maxAttempts: 1 } }, undo: {} });
    s.run("a");
    s.claim("b");
    s.fail("b", err("boom"));
    expect(s.agg.plan.state).toBe("COMPENSATING");
    plans(s, "undo", [spec("x")]);
    expect(keys(s)).toEqual(["0:a", "1:b", "2:undo"]);
    expect(s.step("undo")).toMatchObject({ state: "FAILED", error: { type: "INVALID_PLAN", message: expect.stringContaining("compensating") } });
    expect(s.agg.plan).toMatchObject({ state: "FAILED", error: { type: "COMPENSATION_FAILED" } });
  });
});
