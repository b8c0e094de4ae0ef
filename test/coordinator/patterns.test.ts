/**
 * User regular expressions RE2 cannot run (backreferences, lookaround) are refused wherever steps
 * come in: createPlan, registerTemplate, and an agent's completeStep(addSteps) — every problem at
 * once, naming the path; nothing is created or added.
 */
import { describe, expect, it } from "vitest";
import type { BatonError, Problem } from "../../src/domain/errors.js";
import type { StepDraft } from "../../src/engine/validate.js";
import { claimOne, planReq, rejected, rows } from "../helpers/coordinator.js";
import { makeCoordinator } from "../helpers/fixtures.js";

const RE2 = expect.stringContaining("uses a feature not supported (RE2 syntax");
const problemsOf = async (p: Promise<unknown>): Promise<Problem[]> => {
  const e = (await rejected(p)) as BatonError;
  expect(e.code).toBe("BAD_USER_INPUT");
  return e.details["problems"] as Problem[];
};
/** A step whose rule and a merge step whose PII pattern hold backreferences. */
const planted = (): StepDraft[] => [
  { key: "a", role: "r", when: [{ if: { path: "output.s", op: "matches", value: "(x)\\1" }, then: { fail: true } }] },
  { key: "m", role: "builtin.merge", dependsOn: ["a"], config: { pii: { patterns: ["(?<=a)b"] } } },
];

describe("patterns RE2 cannot run are refused", () => {
  it("at createPlan", async () => {
    const { coordinator, store } = await makeCoordinator();
    expect(await problemsOf(coordinator.createPlan({ name: "p", steps: planted() }, "op"))).toEqual([
      { path: "steps[0].when[0].if.value", message: RE2 },
      { path: "steps[1].config.pii.patterns[0]", message: RE2 },
    ]);
    expect(await rows(store, "plans")).toBe(0);
  });

  it("at registerTemplate", async () => {
    const { coordinator, store } = await makeCoordinator();
    expect(await problemsOf(coordinator.templates.register({ name: "t", steps: planted() }))).toEqual([
      { path: "steps[0].when[0].if.value", message: RE2 },
      { path: "steps[1].config.pii.patterns[0]", message: RE2 },
    ]);
    expect(await store.queries.templates.get("t")).toBeNull();
  });

  it("via completeStep(addSteps): the completion fails with INVALID_PLAN naming them, and nothing is added", async () => {
    const { coordinator, store } = await makeCoordinator();
    const plan = await coordinator.createPlan(planReq([{ key: "planner" }]), "op");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const lease = await claimOne(coordinator, agent.id);
    const added = planted().map((s) => ({ ...s, key: `x${s.key}`, dependsOn: s.dependsOn?.map((d) => `x${d}`) ?? ["planner"] }));
    const { step } = await coordinator.complete(lease.lease.id, { ok: true }, null, added);
    expect(step.state).toBe("FAILED");
    expect(step.error).toMatchObject({ type: "INVALID_PLAN", retryable: false });
    expect((step.error!.details as unknown as { problems: Problem[] }).problems).toEqual([
      { path: "addSteps[0].when[0].if.value", message: RE2 },
      { path: "addSteps[1].config.pii.patterns[0]", message: RE2 },
    ]);
    expect((await store.queries.plans.load(plan.id))!.steps.map((s) => s.key)).toEqual(["planner"]);
  });
});
