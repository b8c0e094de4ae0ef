/**
 * Global ids and `node(id:)`: every object type is either an entity (implements Node) or a value
 * on purpose (src/client/cache.ts, which tells normalised caches which is which), and every Node
 * type's id leads back to it through `node`, with the access its own read path has.
 */
import { getNamedType, getNullableType, isListType, isObjectType, isScalarType, isEnumType } from "graphql";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/tokens.js";
import { NODE_TYPES, REPLACED_LISTS, VALUE_TYPES } from "../../src/client/cache.js";
import { attemptId, parseStepId, roleLimitId, stepId } from "../../src/domain/ids.js";
import { batonSchema } from "../../src/graphql/schema.js";
import { okAs, principals, useApi } from "../helpers/api.js";

const api = useApi();
const { coder, reviewer, viewer, operator } = principals;
const ROOTS = new Set(["Query", "Mutation", "Subscription"]);

function objectTypes() {
  return Object.values(batonSchema().getTypeMap()).filter((t) => isObjectType(t) && !t.name.startsWith("__") && !ROOTS.has(t.name)).map((t) => t as import("graphql").GraphQLObjectType);
}

describe("entities and values", () => {
  it("every object type implements Node or is listed as a value type on purpose (a new entity without an id fails here)", () => {
    const types = objectTypes();
    const nodes = types.filter((t) => t.getInterfaces().some((i) => i.name === "Node")).map((t) => t.name).sort();
    const values = types.filter((t) => !t.getInterfaces().some((i) => i.name === "Node")).map((t) => t.name).sort();
    expect(nodes).toEqual([...NODE_TYPES].sort());
    expect(values).toEqual([...VALUE_TYPES].sort());
    // A value type has no id field: one with an id is an entity and must implement Node.
    for (const t of types) if (!nodes.includes(t.name)) expect(Object.keys(t.getFields()), t.name).not.toContain("id");
  });

  it("the lists of objects on entities and Query that a cache replaces are exactly the schema's", () => {
    const found: Record<string, string[]> = {};
    for (const t of [...objectTypes(), batonSchema().getQueryType()!]) {
      if (t.name !== "Query" && !t.getInterfaces().some((i) => i.name === "Node")) continue;
      for (const f of Object.values(t.getFields())) {
        const type = getNullableType(f.type);
        const item = getNamedType(f.type);
        if (isListType(type) && !isScalarType(item) && !isEnumType(item)) (found[t.name] ??= []).push(f.name);
      }
    }
    const sorted = (m: Record<string, readonly string[]>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [...v].sort()]));
    expect(sorted(found)).toEqual(sorted(REPLACED_LISTS));
  });

  it("step ids encode any key and decode to their owner and key; anything else is not a step id", () => {
    for (const key of ["a", "build.site", "ünïcødé/ü", "x".repeat(200), "a.b_c-d"]) {
      const id = stepId("plan_0123456789abcdef0123", key);
      expect(id.startsWith("stp_plan_0123456789abcdef0123.")).toBe(true);
      expect(parseStepId(id)).toEqual({ ownerId: "plan_0123456789abcdef0123", key });
    }
    for (const bad of ["stp_", "stp_plan_1", "stp_.YQ", "stp_plan_1.", "stp_plan_1.a+b", "plan_1.YQ", "stp_plan_1.YR"]) expect(parseStepId(bad), bad).toBeNull();
  });
});

const NODE = `query($id: ID!) { node(id: $id) { __typename id
  ... on Step { stepPlan: planId key state mappedInput }
  ... on StepTrace { planId leaseId stepKey attempt outcome }
  ... on StepLease { planId stepKey attempt input context contextVersion }
  ... on ApiToken { name tokenRole: role }
  ... on WebhookDelivery { webhookId signalSequence }
  ... on RoleLimit { role maxConcurrent }
} }`;
const nodeAs = async (p: Principal | null, id: string) => {
  const r = await api.exec(NODE, { id }, p?.name ?? "tester", p ?? undefined);
  return r;
};
const node = async (id: string) => (await api.ok(NODE, { id })).node;

const REGISTER = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`;
const CLAIM = `mutation($id: ID!) { claimSteps(input: { agentId: $id }) { id planId stepKey input context contextVersion } }`;

async function planWithSteps(): Promise<string> {
  const { createPlan } = await api.ok(
    `mutation($steps: [StepInput!]!) { createPlan(input: { name: "ids", steps: $steps }) { id steps { id key planId } } }`,
    {
      steps: [
        { key: "code", role: "coder", inputMapping: { secret: "$.context.secret" } },
        { key: "review.final", role: "reviewer", dependsOn: ["code"] },
      ],
    },
  );
  for (const s of createPlan.steps) {
    expect(s.planId).toBe(createPlan.id);
    expect(s.id).toBe(stepId(createPlan.id, s.key));
  }
  return createPlan.id as string;
}

describe("node(id:) finds every Node type again", () => {
  it("Step: the same id on every read path (plan, step(key), snapshot now, completeStep); node gives it back", async () => {
    const planId = await planWithSteps();
    const read = await api.ok(`query($id: ID!) { plan(id: $id) { steps { id } step(key: "review.final") { id } } snapshot(planId: $id) { steps { id } } }`, { id: planId });
    const ids = [stepId(planId, "code"), stepId(planId, "review.final")];
    expect(read.plan.steps.map((s: { id: string }) => s.id)).toEqual(ids);
    expect(read.snapshot.steps.map((s: { id: string }) => s.id)).toEqual(ids);
    expect(read.plan.step.id).toBe(ids[1]);
    expect(await node(ids[1]!)).toMatchObject({ __typename: "Step", id: ids[1], stepPlan: planId, key: "review.final", state: "PENDING" });

    const agentId = (await okAs(api, coder, REGISTER, { input: { name: "c", roles: ["coder"] } })).registerAgent.id;
    const [lease] = (await okAs(api, coder, CLAIM, { id: agentId })).claimSteps;
    const done = await okAs(api, coder, `mutation($l: ID!) { completeStep(leaseId: $l, output: { ok: true }) { id planId state } }`, { l: lease.id });
    expect(done.completeStep).toEqual({ id: ids[0], planId, state: "SUCCEEDED" });
    expect(await node(ids[0]!)).toMatchObject({ id: ids[0], state: "SUCCEEDED" });

    expect(await node(stepId(planId, "missing"))).toBeNull();
    expect(await node(stepId("plan_00000000000000000000", "code"))).toBeNull();
    expect(await node("stp_garbage")).toBeNull();
  });

  it("Step of a checkpoint's snapshot: an id of its own (the step as it was), found by node as it was", async () => {
    const planId = await planWithSteps();
    const { createCheckpoint } = await api.ok(`mutation($id: ID!) { createCheckpoint(planId: $id, label: "before") { id } }`, { id: planId });
    const agentId = (await okAs(api, coder, REGISTER, { input: { name: "c", roles: ["coder"] } })).registerAgent.id;
    const [lease] = (await okAs(api, coder, CLAIM, { id: agentId })).claimSteps;
    await okAs(api, coder, `mutation($l: ID!) { completeStep(leaseId: $l) { id } }`, { l: lease.id });

    const snap = await api.ok(`query($p: ID!, $c: ID!) { snapshot(planId: $p, checkpointId: $c) { steps { id key planId state } } }`, { p: planId, c: createCheckpoint.id });
    const code = snap.snapshot.steps.find((s: { key: string }) => s.key === "code");
    expect(code.id).toBe(stepId(createCheckpoint.id, "code"));
    expect(code.id).not.toBe(stepId(planId, "code"));
    expect(code.planId).toBe(planId);
    expect(await node(code.id)).toMatchObject({ __typename: "Step", id: code.id, stepPlan: planId, key: "code", state: code.state });
    expect(code.state).not.toBe("SUCCEEDED");
    expect(await node(stepId(planId, "code"))).toMatchObject({ state: "SUCCEEDED" });
  });

  it("Step of a template: owned by the template version, planId null", async () => {
    const { registerTemplate } = await api.ok(`mutation { registerTemplate(input: { name: "t", steps: [{ key: "only", role: "r" }] }) { id steps { id key planId } } }`);
    const [s] = registerTemplate.steps;
    expect(s).toEqual({ id: stepId(registerTemplate.id, "only"), key: "only", planId: null });
    expect(await node(s.id)).toMatchObject({ __typename: "Step", id: s.id, stepPlan: null, key: "only" });
  });

  it("Step.mappedInput through node is hidden from agents that did not claim the attempt, as through plan.steps", async () => {
    const planId = await planWithSteps();
    await api.ok(`mutation($p: ID!) { updateContext(planId: $p, key: "secret", value: "s3", targets: ["coder"]) { version } }`, { p: planId });
    const agentId = (await okAs(api, coder, REGISTER, { input: { name: "c", roles: ["coder"] } })).registerAgent.id;
    await okAs(api, coder, CLAIM, { id: agentId });
    const id = stepId(planId, "code");
    expect((await okAs(api, coder, NODE, { id })).node.mappedInput).toEqual({ secret: "s3" });
    expect((await okAs(api, reviewer, NODE, { id })).node.mappedInput).toBeNull();
    expect((await okAs(api, viewer, NODE, { id })).node.mappedInput).toEqual({ secret: "s3" });
  });

  it("StepTrace (att_<lease id>) and StepLease (lease_…): node finds both; a lease only while it runs, and only for its own agent's token", async () => {
    const planId = await planWithSteps();
    await api.ok(`mutation($p: ID!) { updateContext(planId: $p, key: "secret", value: "s3", targets: ["reviewer"]) { version } }`, { p: planId });
    const agentId = (await okAs(api, coder, REGISTER, { input: { name: "c", roles: ["coder"] } })).registerAgent.id;
    const [lease] = (await okAs(api, coder, CLAIM, { id: agentId })).claimSteps;

    const traces = await api.ok(`query($p: ID!) { plan(id: $p) { traces { id leaseId planId } } traces(planId: $p) { id } }`, { p: planId });
    expect(traces.plan.traces).toEqual([{ id: attemptId(lease.id), leaseId: lease.id, planId }]);
    expect(traces.traces).toEqual([{ id: attemptId(lease.id) }]);
    expect(await node(attemptId(lease.id))).toMatchObject({ __typename: "StepTrace", leaseId: lease.id, planId, stepKey: "code", attempt: 1, outcome: "RUNNING" });

    // The running lease, as its agent sees it: the same as the claim handed out (the context
    // has not changed since), the reviewer-targeted key left out.
    const asOwner = (await okAs(api, coder, NODE, { id: lease.id })).node;
    expect(asOwner).toEqual({ __typename: "StepLease", id: lease.id, planId, stepKey: "code", attempt: 1, input: lease.input, context: lease.context, contextVersion: lease.contextVersion });
    expect(asOwner.context).toEqual({});
    expect((await okAs(api, operator, NODE, { id: lease.id })).node).toEqual(asOwner);
    const other = await nodeAs(reviewer, lease.id);
    expect(other.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    await okAs(api, coder, `mutation($l: ID!) { completeStep(leaseId: $l) { id } }`, { l: lease.id });
    expect(await node(lease.id)).toBeNull();
    expect(await node(attemptId(lease.id))).toMatchObject({ outcome: "SUCCEEDED" });
    expect(await node("att_lease_00000000000000000000")).toBeNull();
  });

  it("ApiToken and WebhookDelivery: admins only, as their lists", async () => {
    const { record } = await api.coordinator.tokens.create({ name: "dash", role: "viewer" }, "admin");
    expect(await node(record.id)).toEqual({ __typename: "ApiToken", id: record.id, name: "dash", tokenRole: "VIEWER" });

    const planId = await planWithSteps();
    const { registerWebhook } = await api.ok(`mutation($p: ID!) { registerWebhook(url: "https://example.com/hook", kinds: [STEP_SUCCEEDED], planId: $p) { webhook { id } } }`, { p: planId });
    const webhookId = registerWebhook.webhook.id as string;
    await api.store.transact(async (s) => {
      await s.webhooks.enqueue([{ webhookId, signalSequence: 1 }], api.clock.now());
    });
    const { webhookDeliveries } = await api.ok(`{ webhookDeliveries { edges { node { id } } } }`);
    const deliveryId = webhookDeliveries.edges[0].node.id as string;
    expect(await node(deliveryId)).toEqual({ __typename: "WebhookDelivery", id: deliveryId, webhookId, signalSequence: 1 });
    expect(await node("whd_999999")).toBeNull();

    for (const p of [viewer, operator, coder]) {
      for (const id of [record.id, deliveryId]) expect((await nodeAs(p, id)).errors?.[0]?.extensions?.code, `${p.name} ${id}`).toBe("FORBIDDEN");
    }
  });

  it("RoleLimit (lim_<role>): the same id from setRoleLimit, roleLimits and node; null once removed", async () => {
    const { setRoleLimit } = await api.ok(`mutation { setRoleLimit(input: { role: "gpu/large", maxConcurrent: 2 }) { id role } }`);
    expect(setRoleLimit.id).toBe(roleLimitId("gpu/large"));
    expect((await api.ok(`{ roleLimits { id } }`)).roleLimits).toEqual([{ id: setRoleLimit.id }]);
    expect((await okAs(api, viewer, NODE, { id: setRoleLimit.id })).node).toEqual({ __typename: "RoleLimit", id: setRoleLimit.id, role: "gpu/large", maxConcurrent: 2 });
    await api.ok(`mutation { removeRoleLimit(role: "gpu/large") }`);
    expect(await node(setRoleLimit.id)).toBeNull();
  });
});
