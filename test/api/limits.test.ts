import { describe, expect, it } from "vitest";
import { useApi } from "../helpers/api.js";

const api = useApi();

const FIELDS = "role claims intervalMs maxConcurrent tokens running updatedAt updatedBy";
const SET = `mutation($input: RoleLimitInput!) { setRoleLimit(input: $input) { ${FIELDS} } }`;
const REMOVE = `mutation($role: String!) { removeRoleLimit(role: $role) }`;
const LIST = `query { roleLimits { ${FIELDS} } }`;
const CLAIM = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { id role } }`;

describe("role limits over the API", () => {
  it("setRoleLimit sets and replaces a role's limits, roleLimits shows tokens and running leases, removeRoleLimit removes them", async () => {
    const at = new Date(api.clock.now()).toISOString();
    const set = (await api.ok(SET, { input: { role: "coder", claims: 2, intervalMs: 1_000, maxConcurrent: 5 } })).setRoleLimit;
    expect(set).toEqual({ role: "coder", claims: 2, intervalMs: 1_000, maxConcurrent: 5, tokens: 2, running: 0, updatedAt: at, updatedBy: "tester" });

    await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, {
      input: { name: "p", policy: { maxParallel: 10 }, steps: [1, 2, 3].map((i) => ({ key: `s${i}`, role: "coder" })) },
    });
    const agent = (await api.ok(`mutation { registerAgent(input: { name: "w", roles: ["coder"], concurrency: 5 }) { id } }`)).registerAgent;
    expect((await api.ok(CLAIM, { input: { agentId: agent.id, max: 5 } })).claimSteps).toHaveLength(2);
    await api.clock.advance(250);
    expect((await api.ok(LIST)).roleLimits).toEqual([{ ...set, tokens: 0.5, running: 2 }]);

    // Only a cap now: no rate, no tokens.
    const capped = (await api.ok(SET, { input: { role: "coder", maxConcurrent: 2 } })).setRoleLimit;
    expect(capped).toMatchObject({ role: "coder", claims: null, intervalMs: null, maxConcurrent: 2, tokens: null, running: 2 });
    await api.ok(SET, { input: { role: "builtin.http", claims: 100, intervalMs: 60_000 } });
    expect((await api.ok(LIST)).roleLimits.map((l: { role: string }) => l.role)).toEqual(["builtin.http", "coder"]);

    expect((await api.ok(REMOVE, { role: "coder" })).removeRoleLimit).toBe(true);
    expect((await api.ok(REMOVE, { role: "coder" })).removeRoleLimit).toBe(false);
    expect((await api.ok(LIST)).roleLimits).toMatchObject([{ role: "builtin.http", maxConcurrent: null, tokens: 100 }]);
    expect((await api.ok(CLAIM, { input: { agentId: agent.id, max: 5 } })).claimSteps).toHaveLength(1);
  });

  it.each([
    [{ role: "coder", claims: 2 }, ["intervalMs"]],
    [{ role: "coder", intervalMs: 1_000 }, ["claims"]],
    [{ role: "coder" }, ["maxConcurrent"]],
    [{ role: " ", maxConcurrent: 1 }, ["role"]],
    [{ role: "coder", claims: 0, intervalMs: -5, maxConcurrent: -1 }, ["claims", "intervalMs", "maxConcurrent"]],
  ])("refuses %j with BAD_USER_INPUT naming the problems, and sets nothing", async (input, paths) => {
    const r = await api.exec(SET, { input });
    expect(r.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.extensions?.["problems"].map((p: { path: string }) => p.path)).toEqual(paths);
    expect((await api.ok(LIST)).roleLimits).toEqual([]);
  });

  it("a missing role is a GraphQL validation error", async () => {
    const r = await api.exec(SET, { input: { claims: 1, intervalMs: 1_000 } });
    expect(r.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });
});
