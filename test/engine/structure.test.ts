import { describe, expect, it } from "vitest";
import type { StepSpec } from "../../src/domain/model.js";
import { intervene, type InterventionResult } from "../../src/engine/interventions.js";
import { plan, Script, stepSpec } from "../helpers/engine.js";

const applied = (r: InterventionResult) => {
  if (!r.ok) throw new Error(`expected applied, got ${r.code}: ${r.reason}`);
  return r;
};
const spec = (key: string, dependsOn: string[] = [], role = "worker"): StepSpec => stepSpec(key, { dependsOn, role });
const keys = (r: { aggregate: { steps: { key: string; position: number }[] } }) => r.aggregate.steps.map((s) => `${s.position}:${s.key}`);

describe("addStep", () => {
  it("inserts after the named step, renumbers positions, and the new step runs when its dependencies are met", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] } }));
    s.start();
    const r = applied(intervene(s.agg, { kind: "ADD_STEP", step: spec("x", ["a"]), after: "a" }, s.now));
    expect(keys(r)).toEqual(["0:a", "1:x", "2:b"]);
    expect(r.aggregate.steps[1]!.state).toBe("PENDING");
    const ready = applied(intervene(r.aggregate, { kind: "ADD_STEP", step: spec("y") }, s.now));
    expect(ready.aggregate.steps.at(-1)).toMatchObject({ key: "y", state: "READY", position: 3 });
  });

  it("refuses a duplicate key or a cycle (INVALID_PLAN), an unknown `after` (NOT_FOUND) and a finished plan", () => {
    const s = new Script(plan({ a: {} }));
    s.start();
    expect(intervene(s.agg, { kind: "ADD_STEP", step: spec("a") }, s.now)).toMatchObject({ ok: false, code: "INVALID_PLAN" });
    expect(intervene(s.agg, { kind: "ADD_STEP", step: spec("x", ["ghost"]) }, s.now)).toMatchObject({ ok: false, code: "INVALID_PLAN" });
    expect(intervene(s.agg, { kind: "ADD_STEP", step: spec("x"), after: "nope" }, s.now)).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(intervene(s.agg, { kind: "ADD_STEP", step: spec("h", [], "builtin.http") }, s.now)).toMatchObject({ ok: false, code: "INVALID_PLAN" });
    s.run("a");
    expect(intervene(s.agg, { kind: "ADD_STEP", step: spec("x") }, s.now)).toMatchObject({ ok: false, code: "INVALID_STATE" });
  });
});

describe("removeStep", () => {
  it("removes a step that has not started and no step depends on; the plan may complete", () => {
    const s = new Script(plan({ a: {}, b: {} }));
    s.start();
    s.run("a");
    const r = applied(intervene(s.agg, { kind: "REMOVE_STEP", stepKey: "b" }, s.now));
    expect(keys(r)).toEqual(["0:a"]);
    expect(r.aggregate.plan.state).toBe("COMPLETED");
  });

  it("refuses a running or finished step (INVALID_STATE) and one others depend on (INVALID_PLAN)", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] }, c: {} }));
    s.start();
    expect(intervene(s.agg, { kind: "REMOVE_STEP", stepKey: "a" }, s.now)).toMatchObject({ ok: false, code: "INVALID_PLAN" });
    s.claim("c");
    expect(intervene(s.agg, { kind: "REMOVE_STEP", stepKey: "c" }, s.now)).toMatchObject({ ok: false, code: "INVALID_STATE" });
    expect(applied(intervene(s.agg, { kind: "REMOVE_STEP", stepKey: "b" }, s.now)).diff).toEqual({ removed: "b", state: "PENDING", position: 1 });
  });
});

describe("removeStep and routes", () => {
  it("refuses a step a transition, a compensation or a rule leads to (INVALID_PLAN), naming the reference", () => {
    const s = new Script(
      plan({
        a: { onFailure: "fix" },
        fix: { maxVisits: 2 },
        b: { compensate: "undo" },
        undo: {},
        c: { when: [{ if: { path: "output.ok", op: "eq", value: false }, then: { goto: "again" } }] },
        again: { maxVisits: 2 },
      }),
    );
    s.start();
    for (const key of ["fix", "undo", "again"]) {
      const r = intervene(s.agg, { kind: "REMOVE_STEP", stepKey: key }, s.now);
      expect(r, key).toMatchObject({ ok: false, code: "INVALID_PLAN" });
      expect(!r.ok && r.reason, key).toContain(`"${key}"`);
    }
  });
});

describe("reorderSteps", () => {
  it("moves the listed steps among their own places and makes their new order the claim order", () => {
    const s = new Script(plan({ a: {}, b: {}, c: {}, d: { dependsOn: ["a"] } }));
    s.start();
    s.advance(5);
    const r = applied(intervene(s.agg, { kind: "REORDER_STEPS", order: ["c", "a"] }, s.now));
    expect(keys(r)).toEqual(["0:c", "1:b", "2:a", "3:d"]);
    const ready = Object.fromEntries(r.aggregate.steps.map((x) => [x.key, x.readyAt]));
    expect(ready["c"]).toBeLessThanOrEqual(ready["a"]!);
    expect(r.diff).toEqual({ order: { before: ["a", "b", "c", "d"], after: ["c", "b", "a", "d"] } });
  });

  it("refuses orders that put a step before one it depends on, unknown keys and repeats", () => {
    const s = new Script(plan({ a: {}, b: { dependsOn: ["a"] }, c: { dependsOn: ["b"] } }));
    s.start();
    const r = intervene(s.agg, { kind: "REORDER_STEPS", order: ["c", "a"] }, s.now);
    expect(r).toMatchObject({ ok: false, code: "INVALID_PLAN" });
    expect(!r.ok && r.reason).toContain("c depends on a");
    expect(intervene(s.agg, { kind: "REORDER_STEPS", order: ["a", "zz"] }, s.now)).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(intervene(s.agg, { kind: "REORDER_STEPS", order: ["a", "a"] }, s.now)).toMatchObject({ ok: false, code: "INVALID_PLAN" });
  });
});
