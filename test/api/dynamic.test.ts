/** Dynamic plans over the API: completeStep(addSteps) checks each new step as addStep does, then the whole plan. */
import { describe, expect, it } from "vitest";
import { useApi } from "../helpers/api.js";

const api = useApi();

const CLAIM = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { id stepKey } }`;
const COMPLETE = `mutation($lease: ID!, $output: JSON, $steps: [StepInput!]) {
  completeStep(leaseId: $lease, output: $output, addSteps: $steps) { key state output error { message type retryable details } }
}`;
const PLAN = `query($id: ID!) { plan(id: $id) { state version steps { key state priority timeoutMs dependsOn } } }`;

async function planned() {
  const input = { name: "p", priority: "HIGH", policy: { stepTimeoutMs: 5_000 }, steps: [{ key: "planner", role: "r" }] };
  const planId = (await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, { input })).createPlan.id as string;
  const agentId = (await api.ok(`mutation { registerAgent(input: { name: "w", roles: ["r"] }) { id } }`)).registerAgent.id as string;
  const [lease] = (await api.ok(CLAIM, { input: { agentId } })).claimSteps;
  return { planId, agentId, lease: lease.id as string };
}

describe("completeStep with addSteps", () => {
  it("adds the steps with the plan's defaults; the STEP_SUCCEEDED names them and is sent by the agent", async () => {
    const { planId, agentId, lease } = await planned();
    const steps = [
      { key: "x", role: "r", dependsOn: ["planner"] },
      { key: "y", role: "r", dependsOn: ["x"], priority: "LOW", timeoutMs: 9_000 },
    ];
    const done = (await api.ok(COMPLETE, { lease, output: { n: 2 }, steps })).completeStep;
    expect(done).toEqual({ key: "planner", state: "SUCCEEDED", output: { n: 2 }, error: null });
    expect((await api.ok(PLAN, { id: planId })).plan.steps).toEqual([
      { key: "planner", state: "SUCCEEDED", priority: "HIGH", timeoutMs: 5_000, dependsOn: [] },
      { key: "x", state: "READY", priority: "HIGH", timeoutMs: 5_000, dependsOn: ["planner"] },
      { key: "y", state: "PENDING", priority: "LOW", timeoutMs: 9_000, dependsOn: ["x"] },
    ]);
    const signals = (await api.ok(`query($id: ID!) { signals(planId: $id, kinds: [STEP_SUCCEEDED]) { edges { node { stepKey agentId sender payload } } } }`, { id: planId })).signals.edges;
    expect(signals.map((e: any) => e.node)).toEqual([{ stepKey: "planner", agentId, sender: agentId, payload: expect.objectContaining({ added: ["x", "y"] }) }]);
  });

  it("steps that are invalid on their own fail the attempt with INVALID_PLAN, every problem named, and add nothing", async () => {
    const { planId, lease } = await planned();
    const steps = [
      { key: "bad key!", role: "r" },
      { key: "z", role: " ", timeoutMs: 0 },
      { key: "w", role: "builtin.wait" },
    ];
    const before = (await api.ok(PLAN, { id: planId })).plan;
    const done = (await api.ok(COMPLETE, { lease, output: { n: 3 }, steps })).completeStep;
    expect(done).toMatchObject({ key: "planner", state: "FAILED", output: null, error: { type: "INVALID_PLAN", retryable: false } });
    for (const path of ["addSteps[0].key", "addSteps[1].role", "addSteps[1].timeoutMs", "addSteps[2].config.ms"]) expect(done.error.message).toContain(path);
    expect(done.error.details).toMatchObject({ output: { n: 3 }, problems: expect.arrayContaining([expect.objectContaining({ path: "addSteps[0].key" })]) });
    const after = (await api.ok(PLAN, { id: planId })).plan;
    expect(after.steps.map((s: any) => s.key)).toEqual(before.steps.map((s: any) => s.key));
    expect(after.state).toBe("FAILED");
  });

  it("an empty list adds nothing", async () => {
    const { planId, lease } = await planned();
    expect((await api.ok(COMPLETE, { lease, output: 1, steps: [] })).completeStep.state).toBe("SUCCEEDED");
    expect((await api.ok(PLAN, { id: planId })).plan).toMatchObject({ state: "COMPLETED", steps: [{ key: "planner" }] });
  });
});
