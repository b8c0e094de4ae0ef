/**
 * Roles and context visibility against the real gateway process (production mode, auth on):
 * an agent token cannot register builtin.* roles, so it cannot do the gateway's own work (a
 * human approval is a builtin.signal step), not even through an agent row serving builtin.signal
 * left in an old database while the built-in agent is busy; a token limited to roles registers
 * no other role; and an agent token reading snapshots, checkpoint diffs, interventions, node(id)
 * and signals (the query, and the subscription over WebSocket, replayed and live) never sees a
 * context value targeted at another role, while a viewer does.
 *
 * Needs the compiled gateway: run `npx tsc -p tsconfig.json` first.
 */
import Database from "better-sqlite3";
import { createClient as createWsClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { codeOf, startTarget, type Target } from "../helpers/attack.js";
import { waitFor } from "../helpers/fixtures.js";

let target: Target;
let operator: string;
let viewer: string;
beforeAll(async () => {
  target = await startTarget();
  operator = await target.token("OPERATOR", "ops");
  viewer = await target.token("VIEWER", "vera");
}, 60_000);
afterAll(() => target?.stop());

const REGISTER = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id roles } }`;
const CLAIM = `mutation($agentId: ID!) { claimSteps(input: { agentId: $agentId, max: 10 }) { id stepKey } }`;
const CREATE_PLAN = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const STEPS = `query($id: ID!) { plan(id: $id) { state steps { key state output agent { id } } } }`;

async function ok(query: string, variables: Record<string, unknown>, token: string): Promise<Record<string, any>> {
  const r = await target.post(query, variables, token);
  if (r.body.errors) throw new Error(`unexpected errors: ${JSON.stringify(r.body.errors)}`);
  return r.body.data!;
}

const stepsOf = async (planId: string): Promise<{ key: string; state: string; output: any; agent: { id: string } | null }[]> => (await ok(STEPS, { id: planId }, operator)).plan.steps;

describe("builtin.* roles belong to the gateway", () => {
  it("refuses registerAgent with a builtin.* role (FORBIDDEN) and stores no agent", async () => {
    const mallory = await target.token("AGENT", "mallory-1");
    for (const roles of [["builtin.signal"], ["coder", "builtin.signal"], ["builtin.merge"]]) {
      const r = await target.post(REGISTER, { input: { name: "forger", roles } }, mallory);
      expect(codeOf(r), JSON.stringify(roles)).toBe("FORBIDDEN");
      expect(r.body.data).toBeNull();
    }
    const { agents } = await ok(`{ agents { name roles builtin } }`, {}, viewer);
    expect(agents.filter((a: { name: string }) => a.name === "forger")).toEqual([]);
    for (const a of agents) if (a.roles.some((r: string) => r.startsWith("builtin."))) expect(a.builtin).toBe(true);
  });

  it("an approval step is completed by a matching signal only: a remote agent can neither claim it nor report the built-in agent's lease", async () => {
    const mallory = await target.token("AGENT", "mallory-2");
    const steps = [
      { key: "approval", role: "builtin.signal", config: { name: "approved", match: { decision: "yes" } }, timeoutMs: 600_000, retry: { maxAttempts: 1 } },
      { key: "deploy", role: "coder", dependsOn: ["approval"] },
    ];
    const planId = (await ok(CREATE_PLAN, { input: { name: "release", steps } }, operator)).createPlan.id as string;
    await waitFor(async () => (await stepsOf(planId)).find((s) => s.key === "approval")!.state === "RUNNING");

    const agentId = (await ok(REGISTER, { input: { name: "m", roles: ["coder"] } }, mallory)).registerAgent.id as string;
    expect((await ok(CLAIM, { agentId }, mallory)).claimSteps).toEqual([]);
    // The built-in agent's lease id is in STEP_STARTED (signals are readable): reporting it is FORBIDDEN.
    const { signals } = await ok(`query($id: ID!) { signals(planId: $id, kinds: [STEP_STARTED]) { edges { node { stepKey payload } } } }`, { id: planId }, mallory);
    const leaseId = signals.edges.find((e: any) => e.node.stepKey === "approval").node.payload.leaseId as string;
    const forged = await target.post(`mutation($l: ID!) { completeStep(leaseId: $l, output: { signal: { payload: { decision: "yes" } } }) { state } }`, { l: leaseId }, mallory);
    expect(codeOf(forged)).toBe("FORBIDDEN");
    expect(codeOf(await target.post(`mutation($l: ID!) { failStep(leaseId: $l, error: { message: "x" }) { state } }`, { l: leaseId }, mallory))).toBe("FORBIDDEN");
    // Nor may it send the approval itself.
    const sent = await target.post(`mutation($id: ID!) { sendSignal(input: { planId: $id, name: "approved", payload: { decision: "yes" } }) { sequence } }`, { id: planId }, mallory);
    expect(codeOf(sent)).toBe("FORBIDDEN");
    expect((await stepsOf(planId)).map((s) => [s.key, s.state])).toEqual([["approval", "RUNNING"], ["deploy", "PENDING"]]);

    // The operator's approval completes it, with the operator's signal as its output.
    await ok(`mutation($id: ID!) { sendSignal(input: { planId: $id, name: "approved", payload: { decision: "yes" } }) { sequence } }`, { id: planId }, operator);
    const approval = await waitFor(async () => (await stepsOf(planId)).find((s) => s.key === "approval" && s.state === "SUCCEEDED"));
    expect(approval.output.signal).toMatchObject({ sender: "ops", payload: { decision: "yes" } });
    expect((await ok(CLAIM, { agentId }, mallory)).claimSteps.map((l: { stepKey: string }) => l.stepKey)).toEqual(["deploy"]);
  });

  it("an agent row serving builtin.signal in an old database claims no builtin.signal step, even while the built-in agent is busy", async () => {
    const mallory = await target.token("AGENT", "mallory-3");
    // 1001 waits: the built-in signal agent holds 1000 leases at most, so one stays READY.
    const steps = Array.from({ length: 1001 }, (_, i) => ({ key: `wait${i}`, role: "builtin.signal", config: { name: "never" }, timeoutMs: 600_000 }));
    const planId = (await ok(CREATE_PLAN, { input: { name: "busy", steps, policy: { maxParallel: 2000 } } }, operator)).createPlan.id as string;
    const stateCounts = async (): Promise<Record<string, number>> => {
      const counts: Record<string, number> = {};
      for (const s of await stepsOf(planId)) counts[s.state] = (counts[s.state] ?? 0) + 1;
      return counts;
    };
    await waitFor(async () => (await stateCounts())["RUNNING"] === 1000, 30_000);
    expect(await stateCounts()).toEqual({ RUNNING: 1000, READY: 1 });

    // As an older gateway would have stored it: a remote agent (builtin = 0) serving builtin.signal.
    const db = new Database(target.db);
    try {
      db.pragma("busy_timeout = 5000");
      const now = Date.now();
      db.prepare(
        `INSERT INTO agents (id, name, roles, concurrency, status, builtin, metadata, last_seen_at, created_at, owner)
         VALUES ('agt_forged', 'forger', '["builtin.signal"]', 10, 'ONLINE', 0, NULL, ?, ?, 'mallory-3')`,
      ).run(now, now);
    } finally {
      db.close();
    }
    const r = await target.post(`mutation { claimSteps(input: { agentId: "agt_forged", max: 10, waitMs: 200 }) { id stepKey } }`, {}, mallory);
    expect(r.body).toEqual({ data: { claimSteps: [] } });
    expect(await stateCounts()).toEqual({ RUNNING: 1000, READY: 1 });
    expect((await stepsOf(planId)).every((s) => s.agent?.id !== "agt_forged")).toBe(true);
    await ok(`mutation($id: ID!) { cancelPlan(id: $id) { status } }`, { id: planId }, operator);
  });
});

describe("token role limits", () => {
  it("a token limited to roles registers agents only for a subset of them", async () => {
    const limited = await target.token("AGENT", "ci-coders", { roles: ["coder", "reviewer"] });
    expect((await ok(`{ viewer { name roles } }`, {}, limited)).viewer).toEqual({ name: "ci-coders", roles: ["coder", "reviewer"] });
    expect((await ok(REGISTER, { input: { name: "c", roles: ["coder", "reviewer"] } }, limited)).registerAgent.roles).toEqual(["coder", "reviewer"]);
    for (const roles of [["deployer"], ["coder", "deployer"], ["builtin.signal"]]) {
      const r = await target.post(REGISTER, { input: { name: "wider", roles } }, limited);
      expect(codeOf(r), JSON.stringify(roles)).toBe("FORBIDDEN");
    }
    const r = await target.post(REGISTER, { input: { name: "wider", roles: ["deployer"] } }, limited);
    expect(r.body.errors![0]!.message).toBe("this token may register agents only for the roles coder, reviewer; not for deployer");
    const { agents } = await ok(`{ agents { name } }`, {}, viewer);
    expect(agents.filter((a: { name: string }) => a.name === "wider")).toEqual([]);
    const { tokens } = await ok(`{ tokens { name roles } }`, {}, target.adminToken);
    expect(tokens.find((t: { name: string }) => t.name === "ci-coders").roles).toEqual(["coder", "reviewer"]);
    // A limit naming a reserved role is refused at creation.
    const bad = await target.post(`mutation { createToken(input: { name: "x", role: AGENT, roles: ["builtin.signal"] }) { token } }`);
    expect(codeOf(bad)).toBe("BAD_USER_INPUT");
  });
});

describe("context visibility", () => {
  const SECRET = "reviewers-only-7f3a";
  const LIVE_SECRET = "reviewers-only-live-91c2";
  const UPDATE = `mutation($planId: ID!, $key: String!, $value: JSON, $targets: [String!]) { updateContext(planId: $planId, key: $key, value: $value, targets: $targets) { version } }`;
  const CHECKPOINT = `mutation($planId: ID!) { createCheckpoint(planId: $planId) { id } }`;

  /** A graphql-ws subscription to the plan's signals from the start, as `token`; collects what it receives. */
  function follow(token: string, planId: string) {
    const seen: unknown[] = [];
    let failed: unknown = null;
    const client = createWsClient({ url: target.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
    const stop = client.subscribe(
      { query: `subscription($id: ID!) { signals(planId: $id, afterSequence: 0) { sequence kind payload } }`, variables: { id: planId } },
      { next: (v) => seen.push(v.data?.["signals"]), error: (e) => (failed = e ?? "error"), complete: () => undefined },
    );
    return {
      seen,
      failed: () => failed,
      /** The diffs of the UPDATE_CONTEXT interventions received so far. */
      diffs: () => seen.filter((s: any) => s?.kind === "INTERVENTION_APPLIED" && s.payload.kind === "UPDATE_CONTEXT").map((s: any) => s.payload.diff),
      async close() {
        stop();
        await client.dispose();
      },
    };
  }

  it("an agent token never sees a value targeted at another role on any read path; a viewer does", async () => {
    const coderToken = await target.token("AGENT", "coders", { roles: ["coder"] });
    await ok(REGISTER, { input: { name: "c", roles: ["coder"] } }, coderToken);
    // The limit bounds what it could declare to read more.
    expect(codeOf(await target.post(REGISTER, { input: { name: "r", roles: ["reviewer"] } }, coderToken))).toBe("FORBIDDEN");

    const planId = (await ok(CREATE_PLAN, { input: { name: "ctx", steps: [{ key: "a", role: "coder" }] } }, operator)).createPlan.id as string;
    const before = (await ok(CHECKPOINT, { planId }, operator)).createCheckpoint.id as string;
    await ok(UPDATE, { planId, key: "brief", value: { goal: "ship" } }, operator);
    await ok(UPDATE, { planId, key: "review", value: { note: SECRET }, targets: ["reviewer"] }, operator);
    const after = (await ok(CHECKPOINT, { planId }, operator)).createCheckpoint.id as string;

    // Subscriptions: the backlog (replayed) and a write made while they follow (live).
    const agentStream = follow(coderToken, planId);
    const viewerStream = follow(viewer, planId);
    await waitFor(() => agentStream.diffs().length === 2 && viewerStream.diffs().length === 2);
    await ok(UPDATE, { planId, key: "review", value: { note: LIVE_SECRET }, targets: ["reviewer"] }, operator);
    await waitFor(() => agentStream.diffs().length === 3 && viewerStream.diffs().length === 3);
    expect(agentStream.failed()).toBeNull();
    expect(agentStream.diffs()[1]).toEqual({ key: "review", before: null, after: null, contextVersion: 2, redacted: ["after"] });
    expect(agentStream.diffs()[2]).toEqual({ key: "review", before: null, after: null, contextVersion: 3, redacted: ["before", "after"] });
    expect(viewerStream.diffs()[2]).toEqual({ key: "review", before: { note: SECRET }, after: { note: LIVE_SECRET }, contextVersion: 3 });
    await agentStream.close();
    await viewerStream.close();
    const agentSaw = JSON.stringify(agentStream.seen);
    expect(agentSaw).not.toContain(SECRET);
    expect(agentSaw).not.toContain(LIVE_SECRET);
    expect(agentSaw).toContain("ship");

    // Queries: every path in one request, then node(id) one by one.
    const ALL = `query($planId: ID!, $before: ID!, $after: ID!) {
      plan(id: $planId) { context { data entries { value } history { value } entry(key: "review") { value } } }
      now: snapshot(planId: $planId) { context }
      atCheckpoint: snapshot(planId: $planId, checkpointId: $after) { context }
      checkpointDiff(from: $before, to: $after) { context }
      interventions(planId: $planId) { edges { node { id diff args } } }
      signals(planId: $planId, first: 500) { edges { node { id kind payload } } }
    }`;
    const vars = { planId, before, after };
    const asAgent = await ok(ALL, vars, coderToken);
    const asViewer = await ok(ALL, vars, viewer);
    const nodeIds = [
      ...asViewer.interventions.edges.map((e: any) => e.node.id),
      ...asViewer.signals.edges.filter((e: any) => e.node.kind === "INTERVENTION_APPLIED").map((e: any) => e.node.id),
    ];
    const NODE = `query($id: ID!) { node(id: $id) { ... on Intervention { diff args } ... on Signal { payload } } }`;
    const agentNodes = await Promise.all(nodeIds.map(async (id) => (await ok(NODE, { id }, coderToken)).node));
    const viewerNodes = await Promise.all(nodeIds.map(async (id) => (await ok(NODE, { id }, viewer)).node));

    const agentText = JSON.stringify([asAgent, agentNodes]);
    expect(agentText).not.toContain(SECRET);
    expect(agentText).not.toContain(LIVE_SECRET);
    expect(asAgent.atCheckpoint.context).toEqual({ brief: { goal: "ship" } });
    expect(asAgent.checkpointDiff.context).toEqual({ brief: { from: null, to: { goal: "ship" } } });
    expect(asAgent.plan.context.entry).toBeNull();

    const viewerText = JSON.stringify([asViewer, viewerNodes]);
    expect(viewerText).toContain(SECRET);
    expect(viewerText).toContain(LIVE_SECRET);
    expect(asViewer.atCheckpoint.context.review).toEqual({ note: SECRET });
    expect(asViewer.checkpointDiff.context.review).toEqual({ from: null, to: { note: SECRET } });
  });
});
