/**
 * A step's inputMapping sees only the context its claiming agent may see, and its result
 * (Step.mappedInput) is shown to an agent token only when one of its usable agents claimed that
 * attempt (in-process Apollo, in-memory database). Operators, viewers and admins see it.
 */
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/tokens.js";
import type { Json } from "../../src/domain/model.js";
import { okAs, principals, useApi } from "../helpers/api.js";

const api = useApi();

const SECRET = "s3cret-for-reviewers";
const { coder, reviewer, viewer, operator } = principals;
const coder2: Principal = { name: "coder-bot-2", role: "agent", tokenId: "tok_coder2", roles: null };

const as = <T = Record<string, any>>(p: Principal, query: string, variables: Record<string, unknown> = {}): Promise<T> => okAs<T>(api, p, query, variables);

const REGISTER = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`;
const UPDATE = `mutation($planId: ID!, $key: String!, $value: JSON, $targets: [String!]) { updateContext(planId: $planId, key: $key, value: $value, targets: $targets) { version } }`;
const CLAIM = `mutation($id: ID!) { claimSteps(input: { agentId: $id }) { id stepKey input context } }`;
const STEPS = `query($id: ID!) { plan(id: $id) { steps { key mappedInput } } snapshot(planId: $id) { steps { key mappedInput } } }`;

interface Lease {
  id: string;
  stepKey: string;
  input: Record<string, Json> | null;
  context: Record<string, Json> | null;
}
const claim = async (p: Principal, agentId: string): Promise<Lease> => {
  const leases = (await as<{ claimSteps: Lease[] }>(p, CLAIM, { id: agentId })).claimSteps;
  expect(leases).toHaveLength(1);
  return leases[0]!;
};
const register = async (p: Principal, roles: string[]): Promise<string> => (await as(p, REGISTER, { input: { name: p.name, roles } })).registerAgent.id as string;

/** mappedInput by step key, from plan.steps and from the snapshot (which must agree). */
async function mapped(p: Principal, planId: string): Promise<Record<string, Json | null>> {
  const r = await as(p, STEPS, { id: planId });
  const byKey = (steps: { key: string; mappedInput: Json | null }[]) => Object.fromEntries(steps.map((s) => [s.key, s.mappedInput]));
  expect(byKey(r.snapshot.steps)).toEqual(byKey(r.plan.steps));
  return byKey(r.plan.steps);
}

async function createPlan(steps: Json): Promise<string> {
  const { createPlan } = await api.ok(`mutation($steps: [StepInput!]!) { createPlan(input: { name: "map", steps: $steps }) { id } }`, { steps });
  return createPlan.id as string;
}

describe("inputMapping and the context its agent may see", () => {
  it("a coder's mapping of a reviewer-targeted key gets null (even through a wildcard); the reviewer's gets the value; mappedInput is shown to the claimer's token and to operators only", async () => {
    const coderAgent = await register(coder, ["coder"]);
    const reviewerAgent = await register(reviewer, ["reviewer"]);
    const mapping = { secret: "$.context.review", pub: "$.context.public", all: "$.context.*" };
    const planId = await createPlan([
      { key: "code", role: "coder", inputMapping: mapping },
      { key: "review", role: "reviewer", inputMapping: mapping },
    ]);
    await api.ok(UPDATE, { planId, key: "public", value: "for all" });
    await api.ok(UPDATE, { planId, key: "review", value: { note: SECRET }, targets: ["reviewer"] });

    // The coder's lease: the targeted key is absent for its mapping, as for its context.
    const code = await claim(coder, coderAgent);
    expect(code.stepKey).toBe("code");
    expect(code.input).toEqual({ secret: null, pub: "for all", all: ["for all"] });
    expect(code.context).toEqual({ public: "for all" });
    expect(JSON.stringify(code)).not.toContain(SECRET);
    // Not merely hidden on the way out: what was stored is the coder's view.
    expect((await api.store.queries.plans.load(planId))!.steps.find((s) => s.key === "code")!.mappedInput).toEqual(code.input);

    // The reviewer's lease maps the same key and gets the value.
    const review = await claim(reviewer, reviewerAgent);
    expect(review.stepKey).toBe("review");
    expect(review.input).toEqual({ secret: { note: SECRET }, pub: "for all", all: ["for all", { note: SECRET }] });

    // plan.steps.mappedInput (and a snapshot's steps): the coder's token sees its own step's, not the reviewer's.
    const asCoder = await mapped(coder, planId);
    expect(asCoder).toEqual({ code: code.input, review: null });
    expect(await mapped(reviewer, planId)).toEqual({ code: null, review: review.input });
    for (const p of [operator, viewer]) expect(await mapped(p, planId)).toEqual({ code: code.input, review: review.input });

    // Still the claimer's after its attempt failed (the step no longer names an agent): the attempt does.
    const FAIL = `mutation($leaseId: ID!) { failStep(leaseId: $leaseId, error: { message: "try again" }) { state mappedInput } }`;
    const failed = await as(reviewer, FAIL, { leaseId: review.id });
    expect(failed.failStep.mappedInput).toEqual(review.input);
    expect((await api.store.queries.plans.load(planId))!.steps.find((s) => s.key === "review")!.agentId).toBeNull();
    expect((await mapped(reviewer, planId)).review).toEqual(review.input);
    expect((await mapped(coder, planId)).review).toBeNull();
    expect((await mapped(operator, planId)).review).toEqual(review.input);
  });

  it("a key targeted at one agent id maps for that agent only; another token's agent of the same role sees neither the value nor the first attempt's mappedInput", async () => {
    const first = await register(coder, ["coder"]);
    const second = await register(coder2, ["coder"]);
    const planId = await createPlan([
      { key: "a", role: "coder", inputMapping: { key: "$.context.forFirst" } },
      { key: "b", role: "coder", inputMapping: { key: "$.context.forFirst" } },
    ]);
    await api.ok(UPDATE, { planId, key: "forFirst", value: "psst", targets: [first] });

    const a = await claim(coder, first);
    const b = await claim(coder2, second);
    expect([a.stepKey, a.input]).toEqual(["a", { key: "psst" }]);
    expect([b.stepKey, b.input]).toEqual(["b", { key: null }]);
    expect(await mapped(coder2, planId)).toEqual({ a: null, b: { key: null } });
    expect(await mapped(coder, planId)).toEqual({ a: { key: "psst" }, b: null });
    expect(await mapped(operator, planId)).toEqual({ a: { key: "psst" }, b: { key: null } });
  });
});
