/** Engine scripts for saga compensation: order, outcome, failure of a compensation, cancel with compensate. */
import { describe, expect, it } from "vitest";
import { intervene } from "../../src/engine/interventions.js";
import { Script, err, plan, signalKinds, type StepList } from "../helpers/engine.js";

const ONE = { maxAttempts: 1 };
const trip: StepList = {
  flight: { compensate: "cancelFlight" },
  hotel: { dependsOn: ["flight"], compensate: "cancelHotel" },
  car: { dependsOn: ["flight"], compensate: "cancelCar" },
  pay: { dependsOn: ["hotel", "car"], retry: ONE },
  cancelFlight: {},
  cancelHotel: {},
  cancelCar: {},
};

/** Runs flight, then car, then hotel (in that completion order), then fails pay. */
function failedTrip(): Script {
  const s = new Script(plan(trip, { maxParallel: 3 }));
  s.start();
  s.at(1_000).run("flight");
  s.claim("hotel");
  s.claim("car");
  s.at(2_000).complete("car");
  s.at(3_000).complete("hotel");
  s.claim("pay");
  s.at(4_000).fail("pay", err("card declined", { type: "PAYMENT" }));
  return s;
}

describe("saga compensation", () => {
  it("compensations never run while the plan goes well, and are SKIPPED when it completes", () => {
    const s = new Script(plan(trip, { maxParallel: 3 }));
    s.start();
    expect(s.states()).toMatchObject({ flight: "READY", cancelFlight: "PENDING", cancelHotel: "PENDING", cancelCar: "PENDING" });
    for (const k of ["flight", "hotel", "car", "pay"]) s.run(k);
    expect(s.agg.plan.state).toBe("COMPLETED");
    expect(s.states()).toMatchObject({ cancelFlight: "SKIPPED", cancelHotel: "SKIPPED", cancelCar: "SKIPPED" });
    expect(s.agg.plan.result).toEqual({ from: "pay" });
  });

  it("a failed plan compensates the steps that succeeded, in reverse completion order, then ends COMPENSATED", () => {
    const s = failedTrip();
    expect(s.agg.plan).toMatchObject({ state: "COMPENSATING", error: { type: "PAYMENT", message: "step pay failed: card declined" } });
    const failing = s.decisions.at(-1)!;
    expect(signalKinds(failing.commands)).toEqual(["STEP_FAILED", "PLAN_COMPENSATING", "STEP_READY"]);
    const order: string[] = [];
    while (s.agg.plan.state === "COMPENSATING") {
      const next = s.agg.steps.find((x) => x.state === "READY")!;
      order.push(next.key);
      expect(next.trigger).toHaveProperty("compensates");
      s.run(next.key);
    }
    expect(order).toEqual(["cancelHotel", "cancelCar", "cancelFlight"]);
    expect(s.agg.plan).toMatchObject({ state: "COMPENSATED", error: { type: "PAYMENT" } });
    expect(s.states()).toMatchObject({ flight: "COMPENSATED", hotel: "COMPENSATED", car: "COMPENSATED", pay: "FAILED" });
    expect(signalKinds(s.decisions.at(-1)!.commands)).toEqual(["STEP_SUCCEEDED", "STEP_COMPENSATED", "PLAN_COMPENSATED"]);
  });

  it("steps still running when the plan fails are cancelled; their compensations do not run (they never succeeded)", () => {
    const s = new Script(plan(trip, { maxParallel: 3 }));
    s.start();
    s.run("flight");
    s.claim("hotel");
    s.claim("car");
    s.fail("car", err("sold out", { retryable: false }));
    expect(s.states()).toMatchObject({ flight: "SUCCEEDED", hotel: "CANCELLED", car: "FAILED", cancelFlight: "READY", cancelHotel: "PENDING" });
    s.run("cancelFlight");
    expect(s.agg.plan.state).toBe("COMPENSATED");
  });

  it("a compensation that fails (after its retries) ends the plan FAILED, recorded with the original error", () => {
    const s = failedTrip();
    s.claim("cancelHotel");
    s.fail("cancelHotel", err("hotel API down"));
    s.do({ type: "RetryDue", stepKey: "cancelHotel" });
    s.claim("cancelHotel");
    s.fail("cancelHotel", err("hotel API down"));
    s.do({ type: "RetryDue", stepKey: "cancelHotel" });
    s.claim("cancelHotel");
    s.fail("cancelHotel", err("hotel API down"));
    expect(s.agg.plan).toMatchObject({
      state: "FAILED",
      error: {
        type: "COMPENSATION_FAILED",
        message: "compensation cancelHotel of step hotel failed: hotel API down",
        details: { stepKey: "cancelHotel", compensates: "hotel", planError: { type: "PAYMENT" } },
      },
    });
    expect(s.states()).toMatchObject({ hotel: "SUCCEEDED", cancelCar: "CANCELLED", cancelFlight: "CANCELLED" });
  });

  it("a plan without anything to compensate simply fails", () => {
    const s = new Script(plan({ a: { retry: ONE, compensate: "undo" }, undo: {} }));
    s.start();
    s.claim("a");
    s.fail("a");
    expect(s.agg.plan.state).toBe("FAILED");
    expect(s.states()).toEqual({ a: "FAILED", undo: "CANCELLED" });
  });

  it("the plan deadline fails the plan into compensation too", () => {
    const s = new Script(plan(trip, { maxParallel: 3, planTimeoutMs: 5_000 }));
    s.start();
    s.run("flight");
    s.at(5_000).do({ type: "PlanDeadlineReached" });
    expect(s.agg.plan).toMatchObject({ state: "COMPENSATING", error: { type: "PLAN_TIMEOUT" } });
    expect(s.states()).toMatchObject({ cancelFlight: "READY", hotel: "CANCELLED" });
  });

  it("cancelPlan with compensate undoes what succeeded and ends COMPENSATED; without, it just cancels", () => {
    const s = new Script(plan(trip, { maxParallel: 3 }));
    s.start();
    s.run("flight");
    const r = intervene(s.agg, { kind: "CANCEL", compensate: true }, s.now);
    if (!r.ok) throw new Error(r.reason);
    expect(r.diff).toEqual({ state: { before: "RUNNING", after: "COMPENSATING" } });
    s.agg = r.aggregate;
    expect(s.agg.plan.error).toBeNull();
    s.run("cancelFlight");
    expect(s.agg.plan.state).toBe("COMPENSATED");

    const plain = new Script(plan(trip));
    plain.start();
    plain.run("flight");
    const c = intervene(plain.agg, { kind: "CANCEL" }, plain.now);
    expect(c.ok && c.aggregate.plan.state).toBe("CANCELLED");
  });
});
