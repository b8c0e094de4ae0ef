/** Routing through the GraphQL API: route fields in and out, validation, the route in signals, compensation on cancel. */
import { describe, expect, it } from "vitest";
import { useApi } from "../helpers/api.js";

const api = useApi();

const STEP_FIELDS = "key state visits maxVisits onSuccess onFailure compensate when trigger skipIfDependencySkipped";
const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id state steps { ${STEP_FIELDS} } } }`;
const PLAN = `query($id: ID!) { plan(id: $id) { state error { type message } steps { ${STEP_FIELDS} } signals(kinds: [STEP_SUCCEEDED, STEP_FAILED, STEP_SKIPPED, PLAN_COMPENSATING, STEP_COMPENSATED, PLAN_COMPENSATED]) { edges { node { kind stepKey payload } } } } }`;

/** Claims the one READY step of `role` and reports it done (or failed) through the coordinator, as an agent would. */
async function work(role: string, outcome: { output?: unknown; fail?: { message: string; type: string } }) {
  const agent = await api.coordinator.registerAgent({ name: `${role}-agent`, roles: [role] });
  const [grant] = await api.coordinator.claim(agent.id, 1);
  if (!grant) throw new Error(`nothing READY for ${role}`);
  if (outcome.fail) await api.coordinator.fail(grant.lease.id, { ...outcome.fail, retryable: false });
  else await api.coordinator.complete(grant.lease.id, (outcome.output ?? null) as never);
  return grant.step.key;
}

describe("routing over GraphQL", () => {
  it("takes the route fields and returns them with visits and trigger", async () => {
    const when = [{ if: { path: "output.approved", op: "eq", value: false }, then: { fail: "changes requested" } }];
    const { createPlan } = await api.ok(CREATE, {
      input: {
        name: "review loop",
        steps: [
          { key: "code", role: "coder", maxVisits: 3 },
          { key: "review", role: "reviewer", dependsOn: ["code"], onFailure: "code", when },
          { key: "publish", role: "publisher", dependsOn: ["review"], skipIfDependencySkipped: true, compensate: "unpublish" },
          { key: "unpublish", role: "publisher" },
        ],
      },
    });
    expect(createPlan.steps).toEqual([
      { key: "code", state: "READY", visits: 1, maxVisits: 3, onSuccess: null, onFailure: null, compensate: null, when: null, trigger: null, skipIfDependencySkipped: false },
      { key: "review", state: "PENDING", visits: 0, maxVisits: null, onSuccess: null, onFailure: "code", compensate: null, when, trigger: null, skipIfDependencySkipped: false },
      { key: "publish", state: "PENDING", visits: 0, maxVisits: null, onSuccess: null, onFailure: null, compensate: "unpublish", when: null, trigger: null, skipIfDependencySkipped: true },
      { key: "unpublish", state: "PENDING", visits: 0, maxVisits: null, onSuccess: null, onFailure: null, compensate: null, when: null, trigger: null, skipIfDependencySkipped: false },
    ]);

    await work("coder", { output: { files: 1 } });
    await work("reviewer", { output: { approved: false } });
    const { plan } = await api.ok(PLAN, { id: createPlan.id });
    const code = plan.steps.find((s: { key: string }) => s.key === "code");
    expect(code).toMatchObject({ state: "READY", visits: 2, trigger: { from: "review", via: "onFailure", outcome: "FAILED", error: { type: "CONDITION", message: "changes requested" } } });
    const failed = plan.signals.edges.map((e: { node: unknown }) => e.node).find((n: { kind: string }) => n.kind === "STEP_FAILED");
    expect(failed).toMatchObject({ stepKey: "review", payload: { route: { to: "code", via: "onFailure", visit: 2 }, error: { details: { rule: 0, actual: false } } } });
  });

  it("refuses a plan with bad routes: every problem at once, BAD_USER_INPUT, nothing stored", async () => {
    const r = await api.exec(CREATE, {
      input: {
        name: "bad routes",
        steps: [
          { key: "a", role: "r", onSuccess: "nowhere", when: [{ if: { path: "output.x", op: "near", value: 1 }, then: { goto: "a" } }] },
          { key: "b", role: "r", dependsOn: ["a"], onFailure: "a" },
        ],
      },
    });
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const problems = r.errors?.[0]?.extensions?.problems as { path: string; message: string }[];
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(["steps[0].when[0].if.op", "steps[0].onSuccess"]));
    const unbounded = await api.exec(CREATE, { input: { name: "loop", steps: [{ key: "a", role: "r" }, { key: "b", role: "r", dependsOn: ["a"], onFailure: "a" }] } });
    expect(unbounded.errors?.[0]?.extensions?.problems).toEqual([{ path: "steps", message: "loop a -> b -> a has no bound: give one of its steps maxVisits" }]);
    const { plans } = await api.ok(`{ plans { totalCount } }`);
    expect(plans.totalCount).toBe(0);
  });

  it("cancelPlan(compensate: true) undoes the succeeded steps in reverse order and ends COMPENSATED", async () => {
    const { createPlan } = await api.ok(CREATE, {
      input: {
        name: "trip",
        policy: { maxParallel: 1 },
        steps: [
          { key: "flight", role: "booker", compensate: "cancelFlight" },
          { key: "hotel", role: "booker", dependsOn: ["flight"], compensate: "cancelHotel" },
          { key: "pay", role: "payer", dependsOn: ["hotel"] },
          { key: "cancelFlight", role: "undoer" },
          { key: "cancelHotel", role: "undoer" },
        ],
      },
    });
    expect(await work("booker", {})).toBe("flight");
    await api.clock.advance(10);
    expect(await work("booker", {})).toBe("hotel");
    const { cancelPlan } = await api.ok(`mutation($id: ID!) { cancelPlan(id: $id, compensate: true, reason: "customer changed plans") { status diff } }`, { id: createPlan.id });
    expect(cancelPlan).toEqual({ status: "APPLIED", diff: { state: { before: "RUNNING", after: "COMPENSATING" } } });
    expect(await work("undoer", {})).toBe("cancelHotel");
    expect(await work("undoer", {})).toBe("cancelFlight");
    const { plan } = await api.ok(PLAN, { id: createPlan.id });
    expect(plan.state).toBe("COMPENSATED");
    expect(plan.steps.map((s: { key: string; state: string }) => `${s.key}:${s.state}`)).toEqual([
      "flight:COMPENSATED",
      "hotel:COMPENSATED",
      "pay:CANCELLED",
      "cancelFlight:SUCCEEDED",
      "cancelHotel:SUCCEEDED",
    ]);
    expect(plan.signals.edges.map((e: { node: { kind: string; stepKey: string | null } }) => `${e.node.kind}:${e.node.stepKey ?? ""}`).filter((k: string) => !k.startsWith("STEP_SUCCEEDED"))).toEqual([
      "PLAN_COMPENSATING:",
      "STEP_COMPENSATED:hotel",
      "STEP_COMPENSATED:flight",
      "PLAN_COMPENSATED:",
    ]);
  });
});
