/**
 * ReDoS through user regular expressions, against the real gateway process (production mode,
 * authentication on): a `matches` rule and a builtin.merge PII pattern `(a+)+$` over text built
 * to backtrack (with JavaScript's RegExp, about 8 s per evaluation at 30 a's, doubling with each
 * further a) run on RE2 in linear time — planted by an operator or by an agent through
 * completeStep(addSteps) — while a well-behaved client keeps its latency; patterns RE2 cannot run
 * are refused up front.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, startTarget, underAttack, type Target } from "../helpers/attack.js";

let target: Target;
let operator: string;
let probe: string;

/** A fair bound for a well-behaved client's slowest answer while the attack runs (not a benchmark). */
const FAIR_MS = 300;
const EVIL = "(a+)+$";
/** Text on which EVIL backtracks: a's, then a character that makes the match fail at the end. */
const poison = (i: number): string => `${"a".repeat(30 + (i % 3))}!`;
/** An echo step (its output is its input) with a rule over the poison, and a merge of it masking with EVIL. */
const evilSteps = (prefix: string, after: string[] = []) => [
  {
    key: `${prefix}echo`,
    role: "builtin.echo",
    dependsOn: after,
    input: { s: poison(0), sections: Array.from({ length: 6 }, (_, i) => ({ title: `t${i}`, body: poison(i) })) },
    when: [
      { if: { path: "output.s", op: "matches", value: EVIL }, then: { fail: "matched" } },
      { if: { path: "output.sections.1.body", op: "matches", value: EVIL }, then: { fail: "matched" } },
    ],
  },
  { key: `${prefix}merge`, role: "builtin.merge", dependsOn: [`${prefix}echo`], config: { pii: { patterns: [EVIL, "b(a+)+$"] } } },
];

const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const PLAN = `query($id: ID!) { plan(id: $id) { state steps { key state output error { type message } } } }`;

async function ok(query: string, variables: Record<string, unknown>, token: string): Promise<Record<string, any>> {
  const r = await target.post(query, variables, token);
  if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
  return r.body.data!;
}

/** Polls the plan until it is in a final state. */
async function finished(planId: string): Promise<Record<string, any>> {
  for (;;) {
    const plan = (await ok(PLAN, { id: planId }, operator)).plan;
    if (["COMPLETED", "FAILED", "CANCELLED", "COMPENSATED"].includes(plan.state)) return plan;
  }
}

beforeAll(async () => {
  target = await startTarget({ BATON_TOKEN_RATE_LIMIT: "off" });
  operator = await target.token("OPERATOR", "operator");
  probe = await target.token("VIEWER", "bystander");
});
afterAll(() => target?.stop());

describe("user regular expressions run in linear time", () => {
  it("an operator's plan with a matches rule and a PII pattern (a+)+$ over backtracking text completes; the gateway stays responsive", async () => {
    await target.post(`{ viewer { name } }`, {}, probe);
    const { result: plans, latency } = await underAttack(target, probe, async () => {
      const ids = await Promise.all(Array.from({ length: 3 }, async (_, i) => (await ok(CREATE, { input: { name: `evil-${i}`, steps: evilSteps("") } }, operator)).createPlan.id as string));
      return Promise.all(ids.map(finished));
    });
    for (const plan of plans) {
      expect(plan.state).toBe("COMPLETED");
      const merge = plan.steps.find((s: { key: string }) => s.key === "merge");
      expect(merge.output.sections.map((s: { body: string }) => s.body)).toEqual(Array.from({ length: 6 }, (_, i) => poison(i))); // nothing matched, nothing masked
      expect(merge.output.pii.custom).toBe(0);
    }
    expect(latency.failures).toBe(0);
    expect(latency.maxMs).toBeLessThan(FAIR_MS);
  });

  it("an agent planting the same through completeStep(addSteps) cannot freeze the gateway either", async () => {
    const agentToken = await target.token("AGENT", "planter");
    const agentId = (await ok(`mutation { registerAgent(input: { name: "planter", roles: ["planner"] }) { id } }`, {}, agentToken)).registerAgent.id as string;
    const planId = (await ok(CREATE, { input: { name: "dynamic", steps: [{ key: "plan", role: "planner" }] } }, operator)).createPlan.id as string;
    await target.post(`{ viewer { name } }`, {}, probe);
    const { result: plan, latency } = await underAttack(target, probe, async () => {
      const [lease] = (await ok(`mutation($a: ID!) { claimSteps(input: { agentId: $a, waitMs: 5000 }) { id } }`, { a: agentId }, agentToken)).claimSteps;
      const done = await ok(
        `mutation($l: ID!, $steps: [StepInput!]) { completeStep(leaseId: $l, output: { ok: true }, addSteps: $steps) { state } }`,
        { l: lease.id, steps: evilSteps("x", ["plan"]) },
        agentToken,
      );
      expect(done.completeStep.state).toBe("SUCCEEDED");
      return finished(planId);
    });
    expect(plan.state).toBe("COMPLETED");
    expect(plan.steps.map((s: { key: string; state: string }) => [s.key, s.state])).toEqual([["plan", "SUCCEEDED"], ["xecho", "SUCCEEDED"], ["xmerge", "SUCCEEDED"]]);
    expect(latency.failures).toBe(0);
    expect(latency.maxMs).toBeLessThan(FAIR_MS);
  });

  it("refuses patterns RE2 cannot run: createPlan is BAD_USER_INPUT naming the path; an agent's addSteps fail its attempt with INVALID_PLAN", async () => {
    const steps = [{ key: "a", role: "builtin.echo", when: [{ if: { path: "output.s", op: "matches", value: "(a)\\1" }, then: { fail: true } }] }];
    const r = await target.post(CREATE, { input: { name: "backref", steps } }, operator);
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.body.errors![0]!.extensions!["problems"]).toEqual([{ path: "steps[0].when[0].if.value", message: expect.stringContaining("uses a feature not supported (RE2 syntax") }]);

    const agentToken = await target.token("AGENT", "planter-2");
    const agentId = (await ok(`mutation { registerAgent(input: { name: "planter-2", roles: ["planner2"] }) { id } }`, {}, agentToken)).registerAgent.id as string;
    const planId = (await ok(CREATE, { input: { name: "dynamic-2", steps: [{ key: "plan", role: "planner2" }] } }, operator)).createPlan.id as string;
    const [lease] = (await ok(`mutation($a: ID!) { claimSteps(input: { agentId: $a, waitMs: 5000 }) { id } }`, { a: agentId }, agentToken)).claimSteps;
    const done = await ok(
      `mutation($l: ID!, $steps: [StepInput!]) { completeStep(leaseId: $l, output: null, addSteps: $steps) { state error { type message } } }`,
      { l: lease.id, steps: [{ key: "m", role: "builtin.merge", dependsOn: ["plan"], config: { pii: { patterns: ["(?<=a)b"] } } }] },
      agentToken,
    );
    expect(done.completeStep.state).toBe("FAILED");
    expect(done.completeStep.error.type).toBe("INVALID_PLAN");
    expect(done.completeStep.error.message).toContain("addSteps[0].config.pii.patterns[0]");
    expect((await finished(planId)).state).toBe("FAILED");
  });
});
