import { describe, expect, it, vi } from "vitest";
import { AgentRepository } from "../../src/store/agents.js";
import { useApi } from "../helpers/api.js";

const api = useApi();

const REGISTER = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id name roles concurrency status builtin activeLeases } }`;
const CLAIM = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { id planId stepKey role attempt input config contextVersion expiresAt heartbeatTimeoutMs } }`;
const COMPLETE = `mutation($lease: ID!, $output: JSON, $quality: Float) { completeStep(leaseId: $lease, output: $output, quality: $quality) { key state output quality attempts agent { name } } }`;
const FAIL = `mutation($lease: ID!, $error: StepErrorInput!) { failStep(leaseId: $lease, error: $error) { key state attempts error { message type retryable } } }`;
const HEARTBEAT = `mutation($lease: ID!, $p: Float, $m: String) { heartbeatStep(leaseId: $lease, progress: $p, message: $m) { expiresAt cancelRequested } }`;

async function setup(steps: unknown[], policy: unknown = undefined) {
  const plan = (await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, { input: { name: "p", steps, policy } })).createPlan;
  const agent = (await api.ok(REGISTER, { input: { name: "w", roles: ["r"], concurrency: 3 } })).registerAgent;
  return { planId: plan.id as string, agent };
}

describe("agents over the API", () => {
  it("register, claim, heartbeat with progress, complete: the plan completes with the final output", async () => {
    const { planId, agent } = await setup([{ key: "a", role: "r", input: { q: 1 }, config: { model: "m" } }]);
    expect(agent).toMatchObject({ name: "w", roles: ["r"], concurrency: 3, status: "ONLINE", builtin: false, activeLeases: 0 });
    const [lease] = (await api.ok(CLAIM, { input: { agentId: agent.id, max: 5 } })).claimSteps;
    expect(lease).toMatchObject({ planId, stepKey: "a", role: "r", attempt: 1, input: { q: 1 }, config: { model: "m" }, heartbeatTimeoutMs: 30000 });
    expect(lease.id).toMatch(/^lease_/);
    expect((await api.ok(`query($id: ID!) { agent(id: $id) { activeLeases } }`, { id: agent.id })).agent.activeLeases).toBe(1);

    await api.clock.advance(10_000);
    const hb = (await api.ok(HEARTBEAT, { lease: lease.id, p: 0.5, m: "halfway" })).heartbeatStep;
    expect(hb.cancelRequested).toBe(false);
    expect(Date.parse(hb.expiresAt)).toBe(api.clock.now() + 30_000);
    const mid = await api.ok(`query($id: ID!) { plan(id: $id) { version steps { progress progressMessage state } } }`, { id: planId });
    expect(mid.plan.steps[0]).toEqual({ progress: 0.5, progressMessage: "halfway", state: "RUNNING" });

    const done = (await api.ok(COMPLETE, { lease: lease.id, output: { answer: 42 }, quality: 0.9 })).completeStep;
    expect(done).toEqual({ key: "a", state: "SUCCEEDED", output: { answer: 42 }, quality: 0.9, attempts: 1, agent: { name: "w" } });
    const plan = await api.ok(`query($id: ID!) { plan(id: $id) { state result progress finishedAt traces { stepKey attempt outcome elapsedMs waitMs agent { name } } } }`, { id: planId });
    expect(plan.plan).toMatchObject({ state: "COMPLETED", result: { answer: 42 }, progress: 1 });
    expect(plan.plan.traces).toEqual([{ stepKey: "a", attempt: 1, outcome: "SUCCEEDED", elapsedMs: 10_000, waitMs: 0, agent: { name: "w" } }]);
  });

  it("a completion with a stale or unknown lease is a CONFLICT and changes nothing", async () => {
    const { planId, agent } = await setup([{ key: "a", role: "r" }]);
    const [lease] = (await api.ok(CLAIM, { input: { agentId: agent.id } })).claimSteps;
    await api.ok(COMPLETE, { lease: lease.id, output: 1 });
    const before = (await api.ok(`query($id: ID!) { plan(id: $id) { version } }`, { id: planId })).plan.version;
    const head = await api.store.queries.signals.head();
    for (const r of [await api.exec(COMPLETE, { lease: lease.id, output: 2 }), await api.exec(COMPLETE, { lease: "lease_unknown", output: 2 })]) {
      expect(r.errors?.[0]?.extensions?.["code"]).toBe("CONFLICT");
    }
    const failed = await api.exec(FAIL, { lease: lease.id, error: { message: "late" } });
    expect(failed.errors?.[0]?.extensions?.["code"]).toBe("CONFLICT");
    const after = await api.ok(`query($id: ID!) { plan(id: $id) { version result } }`, { id: planId });
    expect(after.plan).toEqual({ version: before, result: 1 });
    expect(await api.store.queries.signals.head()).toBe(head);
  });

  it("failStep schedules a retry with backoff, then fails the plan when attempts run out", async () => {
    const { planId, agent } = await setup([{ key: "a", role: "r", retry: { maxAttempts: 2, initialIntervalMs: 500 } }, { key: "b", role: "r", dependsOn: ["a"] }]);
    let [lease] = (await api.ok(CLAIM, { input: { agentId: agent.id } })).claimSteps;
    const first = (await api.ok(FAIL, { lease: lease.id, error: { message: "boom", type: "Flaky" } })).failStep;
    expect(first).toEqual({ key: "a", state: "WAITING", attempts: 1, error: { message: "boom", type: "Flaky", retryable: true } });
    expect((await api.ok(CLAIM, { input: { agentId: agent.id } })).claimSteps).toEqual([]);
    await api.clock.advance(499);
    expect((await api.ok(CLAIM, { input: { agentId: agent.id } })).claimSteps).toEqual([]);
    await api.clock.advance(1);
    [lease] = (await api.ok(CLAIM, { input: { agentId: agent.id } })).claimSteps;
    expect(lease.attempt).toBe(2);
    const second = (await api.ok(FAIL, { lease: lease.id, error: { message: "boom again" } })).failStep;
    expect(second.state).toBe("FAILED");
    const plan = await api.ok(`query($id: ID!) { plan(id: $id) { state error { message type } steps { key state } } }`, { id: planId });
    expect(plan.plan.state).toBe("FAILED");
    expect(plan.plan.error.message).toContain("step a failed: boom again");
    expect(plan.plan.steps).toEqual([{ key: "a", state: "FAILED" }, { key: "b", state: "CANCELLED" }]);
    const kinds = (await api.ok(`query($id: ID!) { signals(planId: $id) { edges { node { kind stepKey } } } }`, { id: planId })).signals.edges.map((e: any) => e.node.kind);
    expect(kinds).toEqual(["PLAN_CREATED", "PLAN_STARTED", "STEP_READY", "CHECKPOINT_CREATED", "STEP_STARTED", "STEP_RETRY_SCHEDULED", "STEP_READY", "STEP_STARTED", "STEP_FAILED", "STEP_CANCELLED", "PLAN_FAILED"]);
  });

  it("bad agent input is BAD_USER_INPUT; an unknown agent is NOT_FOUND", async () => {
    const bad = await api.exec(REGISTER, { input: { name: "", roles: [], concurrency: 0 } });
    expect(bad.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0]?.extensions?.["problems"]).toHaveLength(3);
    const { agent } = await setup([{ key: "a", role: "r" }]);
    for (const input of [{ agentId: agent.id, max: 0 }, { agentId: agent.id, waitMs: 30_001 }]) {
      expect((await api.exec(CLAIM, { input })).errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    }
    expect((await api.exec(CLAIM, { input: { agentId: "agt_nope" } })).errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
    const [lease] = (await api.ok(CLAIM, { input: { agentId: agent.id } })).claimSteps;
    expect((await api.exec(HEARTBEAT, { lease: lease.id, p: 1.5 })).errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect((await api.exec(COMPLETE, { lease: lease.id, quality: -1 })).errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it("lists agents, including the node lookup", async () => {
    const { agent } = await setup([{ key: "a", role: "r" }]);
    const d = await api.ok(`query($id: ID!) { agents { id name } node(id: $id) { id ... on Agent { roles } } }`, { id: agent.id });
    expect(d.agents).toEqual([{ id: agent.id, name: "w" }]);
    expect(d.node).toEqual({ id: agent.id, roles: ["r"] });
  });

  it("masks unexpected errors as 'Unexpected error.' with INTERNAL_SERVER_ERROR", async () => {
    const bug = vi.spyOn(AgentRepository.prototype, "list").mockRejectedValue(new Error("a bug: sqlite database at /var/lib, stack"));
    const r = await api.exec(`{ agents { id } }`);
    bug.mockRestore();
    expect(r.errors?.[0]).toMatchObject({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(JSON.stringify(r.errors)).not.toMatch(/database|sqlite|stack/i);
  });
});
