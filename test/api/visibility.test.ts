/**
 * One context visibility rule on every read path (src/graphql/visibility.ts), and the roles an
 * agent may register (in-process Apollo, in-memory database). An entry targeted at another role
 * is hidden from an agent token on plan.context, snapshot, checkpointDiff, the interventions
 * list, node(id) and the signals query (the subscription: test/security/roles.test.ts), while an
 * operator and a viewer see it. builtin.* roles are reserved, a token's role limit bounds what
 * its agents register, claim and read, and registerAgent's lengths are limited.
 */
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/tokens.js";
import type { Json } from "../../src/domain/model.js";
import { okAs, principals, useApi } from "../helpers/api.js";

const api = useApi();

const SECRET = "s3cret-for-reviewers";
const { coder, reviewer, viewer, operator } = principals;

const codeOf = (r: { errors?: { extensions?: Record<string, any> }[] }): unknown => r.errors?.[0]?.extensions?.["code"];

const as = <T = Record<string, any>>(p: Principal, query: string, variables: Record<string, unknown> = {}): Promise<T> => okAs<T>(api, p, query, variables);

const REGISTER = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id roles } }`;
const UPDATE = `mutation($planId: ID!, $key: String!, $value: JSON, $targets: [String!]) { updateContext(planId: $planId, key: $key, value: $value, targets: $targets) { version } }`;
const CHECKPOINT = `mutation($planId: ID!) { createCheckpoint(planId: $planId) { id } }`;

/**
 * A plan whose context holds `public` (for everyone) and `review` (targeted at the reviewer
 * role, value SECRET), with checkpoints before and after the writes; `review` is then written
 * again for everyone (`before` is the secret). The coder and reviewer principals each have an
 * agent of their role.
 */
async function scene() {
  await as(coder, REGISTER, { input: { name: "c", roles: ["coder"] } });
  await as(reviewer, REGISTER, { input: { name: "r", roles: ["reviewer"] } });
  const { createPlan } = await api.ok(`mutation { createPlan(input: { name: "vis", steps: [{ key: "a", role: "coder" }] }) { id } }`);
  const planId = createPlan.id as string;
  const before = (await api.ok(CHECKPOINT, { planId })).createCheckpoint.id as string;
  await api.ok(UPDATE, { planId, key: "public", value: { hello: "all" } });
  await api.ok(UPDATE, { planId, key: "review", value: { note: SECRET }, targets: ["reviewer"] });
  const after = (await api.ok(CHECKPOINT, { planId })).createCheckpoint.id as string;
  await api.ok(UPDATE, { planId, key: "review", value: { note: "now public" } });
  return { planId, before, after };
}

/** Everything an agent can read about the plan's context, in one request. */
const ALL_PATHS = `query($planId: ID!, $before: ID!, $after: ID!) {
  plan(id: $planId) {
    context { data entries { key value } history { key value } entry(key: "review") { value } }
    signals(first: 500) { edges { node { kind payload } } }
    interventions { edges { node { id kind diff args } } }
  }
  atCheckpoint: snapshot(planId: $planId, checkpointId: $after) { context }
  checkpointDiff(from: $before, to: $after) { context }
  interventions(planId: $planId) { edges { node { id kind diff args } } }
  signals(planId: $planId, kinds: [INTERVENTION_APPLIED], first: 500) { edges { node { id payload } } }
}`;

describe("one visibility rule on every read path", () => {
  it("hides an entry targeted at another role from an agent token on every path; operators, viewers and the targeted agent see it", async () => {
    const ids = await scene();
    const seen = await as(coder, ALL_PATHS, ids);
    expect(JSON.stringify(seen)).not.toContain(SECRET);

    // plan.context: the entry written before the restore-free rewrite is absent from history; the current one is public.
    expect(seen.plan.context.data).toEqual({ public: { hello: "all" }, review: { note: "now public" } });
    expect(seen.plan.context.history.map((e: { key: string }) => e.key)).toEqual(["public", "review"]);
    // A snapshot and a diff at the checkpoint taken while `review` was the reviewers' only.
    expect(seen.atCheckpoint.context).toEqual({ public: { hello: "all" } });
    expect(seen.checkpointDiff.context).toEqual({ public: { from: null, to: { hello: "all" } } });

    // Interventions (both lists): the targeted write's values are redacted, the later public write shows its after only.
    const updates = seen.interventions.edges.map((e: { node: any }) => e.node).filter((n: any) => n.kind === "UPDATE_CONTEXT");
    expect(updates.map((n: any) => [n.diff, n.args])).toEqual([
      [{ key: "public", before: null, after: { hello: "all" }, contextVersion: 1 }, { key: "public", value: { hello: "all" }, targets: [] }],
      [{ key: "review", before: null, after: null, contextVersion: 2, redacted: ["after"] }, { key: "review", value: null, targets: ["reviewer"], redacted: ["value"] }],
      [{ key: "review", before: null, after: { note: "now public" }, contextVersion: 3, redacted: ["before"] }, { key: "review", value: { note: "now public" }, targets: [] }],
    ]);
    expect(seen.plan.interventions.edges.filter((e: any) => e.node.kind === "UPDATE_CONTEXT").map((e: any) => e.node)).toEqual(updates);
    // Signals: the INTERVENTION_APPLIED payloads carry the same redacted diffs.
    expect(seen.signals.edges.map((e: any) => e.node.payload.diff)).toEqual(updates.map((n: any) => n.diff));

    // node(id): an intervention and a signal read one by one are redacted too.
    const NODE = `query($id: ID!) { node(id: $id) { ... on Intervention { diff args } ... on Signal { payload } } }`;
    const hiddenIntervention = updates[1].id as string;
    const hiddenSignal = seen.signals.edges[1].node.id as string;
    const one = await as(coder, NODE, { id: hiddenIntervention });
    expect(one.node.diff).toMatchObject({ after: null, redacted: ["after"] });
    expect((await as(coder, NODE, { id: hiddenSignal })).node.payload.diff).toMatchObject({ after: null, redacted: ["after"] });

    // Those allowed see the value on every path: an operator, a viewer, and the agent of the targeted role.
    for (const p of [operator, viewer, reviewer]) {
      const all = await as(p, ALL_PATHS, ids);
      expect(all.atCheckpoint.context.review).toEqual({ note: SECRET });
      expect(all.checkpointDiff.context.review).toEqual({ from: null, to: { note: SECRET } });
      expect(all.signals.edges[1].node.payload.diff).toEqual({ key: "review", before: null, after: { note: SECRET }, contextVersion: 2 });
      expect(all.interventions.edges.find((e: any) => e.node.id === hiddenIntervention).node.args.value).toEqual({ note: SECRET });
      expect((await as(p, NODE, { id: hiddenIntervention })).node.diff.after).toEqual({ note: SECRET });
      expect((await as(p, NODE, { id: hiddenSignal })).node.payload.diff.after).toEqual({ note: SECRET });
      expect(all.plan.context.history.filter((e: { key: string }) => e.key === "review")).toHaveLength(2);
    }
  });

  it("an agent token without agents sees only entries without targets; targeting an agent id shows it to that agent's principal only", async () => {
    const { planId } = await scene();
    const lonely: Principal = { name: "lonely", role: "agent", tokenId: "tok_lonely", roles: null };
    const coderAgent = (await api.store.queries.agents.list()).find((a) => a.owner === coder.name)!;
    await api.ok(UPDATE, { planId, key: "for-c", value: "psst", targets: [coderAgent.id] });
    const q = `query($id: ID!) { plan(id: $id) { context { data } } snapshot(planId: $id) { context } }`;
    const l = await as(lonely, q, { id: planId });
    expect(Object.keys(l.plan.context.data).sort()).toEqual(["public", "review"]);
    expect(Object.keys(l.snapshot.context).sort()).toEqual(["public", "review"]);
    expect((await as(coder, q, { id: planId })).plan.context.data["for-c"]).toBe("psst");
    expect((await as(reviewer, q, { id: planId })).snapshot.context["for-c"]).toBeUndefined();
  });
});

describe("roles an agent may register", () => {
  it("refuses builtin.* roles to any remote registration with FORBIDDEN, and stores no agent", async () => {
    for (const p of [coder, { name: "root", role: "admin", tokenId: null } as Principal]) {
      for (const roles of [["builtin.signal"], ["coder", "builtin.echo"], ["builtin.future"], ["BUILTIN.signal"]]) {
        const r = await api.exec(REGISTER, { input: { name: "forger", roles } }, p.name, p);
        expect(codeOf(r), JSON.stringify(roles)).toBe("FORBIDDEN");
        expect(r.errors![0]!.message).toContain("builtin.* roles are reserved for the gateway's own agents");
      }
    }
    expect((await api.store.queries.agents.list()).filter((a) => a.name === "forger")).toEqual([]);
  });

  it("limits names and role lists (BAD_USER_INPUT, every problem)", async () => {
    const r = await api.exec(REGISTER, { input: { name: "n".repeat(201), roles: ["ok", "r".repeat(201), " "] } });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.errors![0]!.extensions!["problems"].map((p: { path: string }) => p.path)).toEqual(["name", "roles[1]", "roles[2]"]);
    const many = await api.exec(REGISTER, { input: { name: "n", roles: Array.from({ length: 101 }, (_, i) => `r${i}`) } });
    expect(codeOf(many)).toBe("BAD_USER_INPUT");
    expect(many.errors![0]!.message).toBe("roles: at most 100 roles, got 101");
    expect(codeOf(await api.exec(REGISTER, { input: { name: "n".repeat(200), roles: Array.from({ length: 100 }, (_, i) => `r${i}`.padEnd(200, "x")) } }))).toBeUndefined();
  });

  it("a token limited to roles registers only a subset of them; FORBIDDEN names the allowed roles", async () => {
    const limited: Principal = { name: "ci-coders", role: "agent", tokenId: "tok_ci", roles: ["coder", "reviewer"] };
    expect((await as(limited, REGISTER, { input: { name: "ok", roles: ["coder"] } })).registerAgent.roles).toEqual(["coder"]);
    await as(limited, REGISTER, { input: { name: "ok2", roles: ["reviewer", "coder"] } });
    const r = await api.exec(REGISTER, { input: { name: "no", roles: ["coder", "deployer"] } }, limited.name, limited);
    expect(codeOf(r)).toBe("FORBIDDEN");
    expect(r.errors![0]!.message).toBe("this token may register agents only for the roles coder, reviewer; not for deployer");
    expect((await api.store.queries.agents.list()).map((a) => a.name).sort()).toEqual(["ok", "ok2"]);
  });

  it("a restricted token may not use, nor read context through, an agent of its name that serves other roles", async () => {
    const wide: Principal = { name: "ci", role: "agent", tokenId: "tok_wide", roles: null };
    const narrow: Principal = { ...wide, tokenId: "tok_narrow", roles: ["coder"] };
    const deployer = (await as(wide, REGISTER, { input: { name: "d", roles: ["deployer"] } })).registerAgent.id as string;
    const { createPlan } = await api.ok(`mutation { createPlan(input: { name: "p", steps: [{ key: "a", role: "deployer" }] }) { id } }`);
    await api.ok(UPDATE, { planId: createPlan.id, key: "keys", value: "deploy-key", targets: ["deployer"] });
    const claim = await api.exec(`mutation($id: ID!) { claimSteps(input: { agentId: $id }) { id } }`, { id: deployer }, narrow.name, narrow);
    expect(codeOf(claim)).toBe("FORBIDDEN");
    const ctx = `query($id: ID!) { plan(id: $id) { context { data } } }`;
    expect((await as(narrow, ctx, { id: createPlan.id })).plan.context.data).toEqual({});
    expect((await as(wide, ctx, { id: createPlan.id })).plan.context.data).toEqual({ keys: "deploy-key" });
  });

  it("createToken takes roles for agent tokens only, checked; tokens and viewer show them", async () => {
    const CREATE = `mutation($input: CreateTokenInput!) { createToken(input: $input) { info { id role roles } } }`;
    const made = await api.ok(CREATE, { input: { name: "ci-coders", role: "AGENT", roles: ["coder", "reviewer", "coder"] } });
    expect(made.createToken.info).toMatchObject({ role: "AGENT", roles: ["coder", "reviewer"] });
    expect((await api.ok(`{ tokens { name roles } }`)).tokens).toEqual([{ name: "ci-coders", roles: ["coder", "reviewer"] }]);
    const bad = await api.exec(CREATE, { input: { name: "x", role: "OPERATOR", roles: ["builtin.signal", ""] } });
    expect(codeOf(bad)).toBe("BAD_USER_INPUT");
    expect(bad.errors![0]!.extensions!["problems"]).toEqual([
      { path: "roles", message: "only an agent token is limited to roles" },
      { path: "roles[1]", message: "must be 1 to 200 characters, not blank" },
      { path: "roles[0]", message: `builtin.* roles are reserved for the gateway's own agents, got "builtin.signal"` },
    ]);
    expect(codeOf(await api.exec(CREATE, { input: { name: "x", role: "AGENT", roles: [] } }))).toBe("BAD_USER_INPUT");
    // The principal carries the limit from the stored token.
    const { token } = await api.coordinator.tokens.create({ name: "t", role: "agent", roles: ["coder"] }, "test");
    expect((await api.coordinator.tokens.verify(token)).roles).toEqual(["coder"]);
    const v = await as(await api.coordinator.tokens.verify(token), `{ viewer { roles } }`);
    expect(v.viewer.roles).toEqual(["coder"]);
  });
});

describe("builtin.* work is the gateway's own", () => {
  it("a remote agent row serving builtin.signal (from an old database) never claims a builtin.signal step", async () => {
    // Such a row can no longer be registered: write it as an old gateway would have.
    const now = api.clock.now();
    await api.store.transact(async (s) => {
      await s.agents.insert({ id: "agt_forged", name: "forger", roles: ["builtin.signal", "coder"], concurrency: 5, status: "ONLINE", builtin: false, metadata: null, lastSeenAt: now, createdAt: now, owner: coder.name });
    });
    const steps: Json = [
      { key: "approval", role: "builtin.signal", config: { name: "approved" } },
      { key: "code", role: "coder" },
    ];
    const { createPlan } = await api.ok(`mutation($steps: [StepInput!]!) { createPlan(input: { name: "release", steps: $steps }) { id } }`, { steps });
    const leases = await as<{ claimSteps: { stepKey: string }[] }>(coder, `mutation { claimSteps(input: { agentId: "agt_forged", max: 5 }) { stepKey } }`);
    expect(leases.claimSteps.map((l) => l.stepKey)).toEqual(["code"]);
    const approval = await api.ok(`query($id: ID!) { plan(id: $id) { steps { key state } } }`, { id: createPlan.id });
    expect(approval.plan.steps.find((s: { key: string }) => s.key === "approval").state).toBe("READY");
  });
});
