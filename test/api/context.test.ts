/**
 * Shared context through the GraphQL API (in-process Apollo, in-memory database, manual clock):
 * Plan.context (version, data, entries, entry, history), the updateContext mutation from an
 * operator and from an agent with its lease, CONFLICT on a stale expectedVersion, input errors,
 * step outputs, what claimSteps hands out (context, contextVersion), snapshots and
 * checkpointDiff at checkpoints, restoreCheckpoint and forkFromCheckpoint.
 */
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/domain/model.js";
import { useApi } from "../helpers/api.js";

const api = useApi();

const ENTRY = `key value version contextVersion targets updatedBy updatedAt`;
const CONTEXT = `version data entries { ${ENTRY} }`;
const UPDATE = `mutation($planId: ID!, $key: String!, $value: JSON, $targets: [String!], $expectedVersion: Int, $leaseId: ID, $reason: String) {
  updateContext(planId: $planId, key: $key, value: $value, targets: $targets, expectedVersion: $expectedVersion, leaseId: $leaseId, reason: $reason) { ${CONTEXT} }
}`;
const CLAIM = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { id planId stepKey context contextVersion } }`;
const COMPLETE = `mutation($leaseId: ID!, $output: JSON) { completeStep(leaseId: $leaseId, output: $output) { key state } }`;

interface Entry {
  key: string;
  value: Json | null;
  version: number;
  contextVersion: number;
  targets: string[];
  updatedBy: string;
  updatedAt: string;
}
interface PlanContext {
  version: number;
  data: Record<string, Json>;
  entries: Entry[];
}
interface Lease {
  id: string;
  planId: string;
  stepKey: string;
  context: Record<string, Json> | null;
  contextVersion: number;
}

const iso = (): string => new Date(api.clock.now()).toISOString();
const codeOf = (r: { errors?: { extensions?: Record<string, any> }[] }): unknown => r.errors?.[0]?.extensions?.["code"];

async function createPlan(steps: Json[] = [{ key: "a", role: "r" }, { key: "b", role: "r", dependsOn: ["a"] }]): Promise<string> {
  const { createPlan } = await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, { input: { name: "ctx", steps } });
  return createPlan.id;
}

async function registerAgent(roles: string[], name = "w"): Promise<string> {
  const { registerAgent } = await api.ok(`mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`, { input: { name, roles, concurrency: 4 } });
  return registerAgent.id;
}

async function claim(agentId: string, max = 1): Promise<Lease[]> {
  return (await api.ok<{ claimSteps: Lease[] }>(CLAIM, { input: { agentId, max } })).claimSteps;
}

/** updateContext as `actor`; the raw result. */
async function update(vars: { planId: string; key: string; value?: Json; targets?: string[]; expectedVersion?: number; leaseId?: string; reason?: string }, actor = "ops") {
  return api.exec<{ updateContext: PlanContext }>(UPDATE, vars, actor);
}

async function write(vars: Parameters<typeof update>[0], actor = "ops"): Promise<PlanContext> {
  const r = await update(vars, actor);
  if (r.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
  return r.data!.updateContext;
}

async function contextOf(planId: string, fields = CONTEXT): Promise<any> {
  return (await api.ok(`query($id: ID!) { plan(id: $id) { context { ${fields} } } }`, { id: planId })).plan.context;
}

async function checkpoint(planId: string, label: string): Promise<{ id: string; sequence: number }> {
  return (await api.ok(`mutation($id: ID!, $label: String) { createCheckpoint(planId: $id, label: $label) { id sequence } }`, { id: planId, label })).createCheckpoint;
}

describe("Plan.context and updateContext", () => {
  it("writes keys as new versions and reads them back: version, data, entries, entry(key), history(key)", async () => {
    const planId = await createPlan();
    expect(await contextOf(planId, `${CONTEXT} entry(key: "brief") { key } history { key }`)).toEqual({ version: 0, data: {}, entries: [], entry: null, history: [] });

    await api.clock.advance(10);
    const first = await write({ planId, key: "brief", value: { goal: "ship" } }, "alice");
    const t1 = iso();
    expect(first).toEqual({
      version: 1,
      data: { brief: { goal: "ship" } },
      entries: [{ key: "brief", value: { goal: "ship" }, version: 1, contextVersion: 1, targets: [], updatedBy: "alice", updatedAt: t1 }],
    });
    await api.clock.advance(10);
    await write({ planId, key: "notes", value: "for reviewers", targets: ["reviewer"] });
    const third = await write({ planId, key: "brief", value: { goal: "ship today" }, expectedVersion: 2, reason: "hurry" }, "bob");
    const t2 = iso();
    expect(third.version).toBe(3);
    expect(third.data).toEqual({ brief: { goal: "ship today" }, notes: "for reviewers" });

    const ctx = await contextOf(planId, `${CONTEXT} entry(key: "brief") { ${ENTRY} } missing: entry(key: "nope") { key } history(key: "brief") { ${ENTRY} } all: history { key version }`);
    expect(ctx.version).toBe(3);
    expect(ctx.entries).toEqual([
      { key: "brief", value: { goal: "ship today" }, version: 2, contextVersion: 3, targets: [], updatedBy: "bob", updatedAt: t2 },
      { key: "notes", value: "for reviewers", version: 1, contextVersion: 2, targets: ["reviewer"], updatedBy: "ops", updatedAt: t2 },
    ]);
    expect(ctx.entry).toEqual(ctx.entries[0]);
    expect(ctx.missing).toBeNull();
    expect(ctx.history).toEqual([first.entries[0], ctx.entries[0]]);
    expect(ctx.all).toEqual([
      { key: "brief", version: 1 },
      { key: "notes", version: 1 },
      { key: "brief", version: 2 },
    ]);

    // Operator writes are in the intervention log.
    const log = (await api.ok(`query($id: ID!) { plan(id: $id) { interventions { edges { node { kind actor reason status stepKey diff args } } } } }`, { id: planId })).plan.interventions.edges.map(
      (e: any) => e.node,
    );
    expect(log).toHaveLength(3);
    expect(log[2]).toEqual({
      kind: "UPDATE_CONTEXT",
      actor: "bob",
      reason: "hurry",
      status: "APPLIED",
      stepKey: null,
      diff: { key: "brief", before: { goal: "ship" }, after: { goal: "ship today" }, contextVersion: 3 },
      args: { key: "brief", value: { goal: "ship today" }, targets: [] },
    });

    // CONTEXT_UPDATED signals name the key and versions, never the value.
    const signals = (await api.ok(`query($id: ID!) { signals(planId: $id, kinds: [CONTEXT_UPDATED]) { edges { node { kind sender payload } } } }`, { id: planId })).signals.edges.map((e: any) => e.node);
    expect(signals).toEqual([
      { kind: "CONTEXT_UPDATED", sender: "alice", payload: { key: "brief", version: 1, contextVersion: 1, targets: [] } },
      { kind: "CONTEXT_UPDATED", sender: "ops", payload: { key: "notes", version: 1, contextVersion: 2, targets: ["reviewer"] } },
      { kind: "CONTEXT_UPDATED", sender: "bob", payload: { key: "brief", version: 2, contextVersion: 3, targets: [] } },
    ]);
  });

  it("a stale expectedVersion is a CONFLICT error and writes nothing", async () => {
    const planId = await createPlan();
    const read = (await write({ planId, key: "k", value: 1 })).version;
    await write({ planId, key: "k", value: "first", expectedVersion: read }, "alice");
    const r = await update({ planId, key: "k", value: "second", expectedVersion: read }, "bob");
    expect(r.data).toBeNull();
    expect(codeOf(r)).toBe("CONFLICT");
    expect(r.errors![0]!.message).toContain("version 2, not 1");
    expect(r.errors![0]!.extensions).toEqual({ code: "CONFLICT", planId, contextVersion: 2 }); // the version to read again from
    const ctx = await contextOf(planId, `version data history(key: "k") { value }`);
    expect(ctx).toEqual({ version: 2, data: { k: "first" }, history: [{ value: 1 }, { value: "first" }] });
  });

  it("bad input is BAD_USER_INPUT with its problems; an unknown plan NOT_FOUND", async () => {
    const planId = await createPlan();
    const bad = await update({ planId, key: "steps.a.output", value: 1, targets: [""], expectedVersion: -1 });
    expect(codeOf(bad)).toBe("BAD_USER_INPUT");
    expect(bad.errors![0]!.extensions!["problems"].map((p: { path: string }) => p.path)).toEqual(["key", "targets[0]", "expectedVersion"]);
    expect(codeOf(await update({ planId, key: "", value: 1 }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await update({ planId: "plan_nope", key: "k", value: 1 }))).toBe("NOT_FOUND");
    expect(codeOf(await update({ planId, key: "k", value: 1, leaseId: "lease_nope" }))).toBe("NOT_FOUND");
    expect((await contextOf(planId)).version).toBe(0);
  });
});

describe("agents and the context", () => {
  it("claimSteps hands out the context the agent may see with its version; the agent writes under its lease; outputs land in steps.<key>.output", async () => {
    const planId = await createPlan();
    const reviewer = await registerAgent(["r", "reviewer"], "rev");
    const plain = await registerAgent(["r"], "plain");
    await write({ planId, key: "brief", value: "for all" });
    await write({ planId, key: "hint", value: "for reviewers", targets: ["reviewer"] });
    await write({ planId, key: "dm", value: "for plain only", targets: [plain] });

    const [lease] = await claim(reviewer);
    expect(lease).toMatchObject({ planId, stepKey: "a", context: { brief: "for all", hint: "for reviewers" }, contextVersion: 3 });

    // The agent writes with its lease: its own write, not an intervention.
    await api.clock.advance(5);
    const mine = await write({ planId, key: "progress", value: { done: 0.5 }, expectedVersion: lease!.contextVersion, leaseId: lease!.id }, "anyone");
    expect(mine.entries.find((e) => e.key === "progress")).toEqual({ key: "progress", value: { done: 0.5 }, version: 1, contextVersion: 4, targets: [], updatedBy: reviewer, updatedAt: iso() });
    const kinds = (await api.ok(`query($id: ID!) { plan(id: $id) { interventions { edges { node { kind } } } } }`, { id: planId })).plan.interventions.edges.map((e: any) => e.node.kind);
    expect(kinds).toEqual(["UPDATE_CONTEXT", "UPDATE_CONTEXT", "UPDATE_CONTEXT"]); // the operator's three only

    // Its step's output joins the context once it completes; a finished lease may not write.
    expect((await api.ok(COMPLETE, { leaseId: lease!.id, output: { verdict: "ok" } })).completeStep).toEqual({ key: "a", state: "SUCCEEDED" });
    const out = (await contextOf(planId, `version entry(key: "steps.a.output") { ${ENTRY} }`)) as { version: number; entry: Entry };
    expect(out).toEqual({ version: 5, entry: { key: "steps.a.output", value: { verdict: "ok" }, version: 1, contextVersion: 5, targets: [], updatedBy: reviewer, updatedAt: iso() } });
    expect(codeOf(await update({ planId, key: "late", value: 1, leaseId: lease!.id }))).toBe("CONFLICT");

    const [next] = await claim(plain);
    expect(next).toMatchObject({
      stepKey: "b",
      context: { brief: "for all", dm: "for plain only", progress: { done: 0.5 }, "steps.a.output": { verdict: "ok" } },
      contextVersion: 5,
    });
  });

  it("a claim with nothing written hands out an empty context at version 0", async () => {
    await createPlan([{ key: "a", role: "r" }]);
    const agent = await registerAgent(["r"]);
    const [lease] = await claim(agent);
    expect(lease).toMatchObject({ context: {}, contextVersion: 0 });
  });
});

describe("checkpoints", () => {
  it("snapshot(checkpointId).context is the context then; checkpointDiff.context lists { from, to } per changed key", async () => {
    const planId = await createPlan();
    await write({ planId, key: "k1", value: 1 });
    await write({ planId, key: "k2", value: "same" });
    await write({ planId, key: "gone", value: "soon", targets: ["ops"] });
    const ck1 = await checkpoint(planId, "one");
    await write({ planId, key: "k1", value: 2 });
    await write({ planId, key: "k3", value: { added: true } });
    await write({ planId, key: "k2", value: "other" });
    await write({ planId, key: "k2", value: "same" }); // back as it was: no change between the checkpoints
    const ck2 = await checkpoint(planId, "two");

    const SNAP = `query($id: ID!, $ck: ID, $seq: Int) { snapshot(planId: $id, checkpointId: $ck, sequence: $seq) { checkpointId context } }`;
    expect((await api.ok(SNAP, { id: planId, ck: ck1.id })).snapshot).toEqual({ checkpointId: ck1.id, context: { k1: 1, k2: "same", gone: "soon" } });
    expect((await api.ok(SNAP, { id: planId, ck: ck2.id })).snapshot).toEqual({ checkpointId: ck2.id, context: { k1: 2, k2: "same", gone: "soon", k3: { added: true } } });
    expect((await api.ok(SNAP, { id: planId, seq: ck1.sequence })).snapshot).toEqual({ checkpointId: ck1.id, context: { k1: 1, k2: "same", gone: "soon" } });
    await write({ planId, key: "now", value: true });
    expect((await api.ok(SNAP, { id: planId })).snapshot.context).toEqual({ k1: 2, k2: "same", gone: "soon", k3: { added: true }, now: true });

    const DIFF = `query($from: ID!, $to: ID!) { checkpointDiff(from: $from, to: $to) { from to steps context } }`;
    expect((await api.ok(DIFF, { from: ck1.id, to: ck2.id })).checkpointDiff).toEqual({
      from: ck1.id,
      to: ck2.id,
      steps: {},
      context: { k1: { from: 1, to: 2 }, k3: { from: null, to: { added: true } } },
    });

    // After a restore removes keys, a diff shows them going (to: null).
    const restore = await api.ok(`mutation($id: ID!, $ck: ID!) { restoreCheckpoint(planId: $id, checkpointId: $ck) { status } }`, { id: planId, ck: ck1.id });
    expect(restore.restoreCheckpoint.status).toBe("APPLIED");
    const ck3 = await checkpoint(planId, "three");
    expect((await api.ok(DIFF, { from: ck2.id, to: ck3.id })).checkpointDiff.context).toEqual({ k1: { from: 2, to: 1 }, k3: { from: { added: true }, to: null } });
    expect((await api.ok(DIFF, { from: ck1.id, to: ck3.id })).checkpointDiff.context).toEqual({});
  });

  it("restoreCheckpoint puts the context back (history shows the removals); forkFromCheckpoint starts with it", async () => {
    const planId = await createPlan();
    const agent = await registerAgent(["r"]);
    await write({ planId, key: "k", value: "before" });
    const ck = await checkpoint(planId, "start");
    await write({ planId, key: "k", value: "after" });
    await write({ planId, key: "extra", value: 1, targets: ["r"] });
    const [lease] = await claim(agent);
    await api.ok(COMPLETE, { leaseId: lease!.id, output: "out a" });
    expect((await contextOf(planId)).data).toEqual({ k: "after", extra: 1, "steps.a.output": "out a" });

    await api.clock.advance(100);
    const restored = await api.exec(`mutation($id: ID!, $ck: ID!) { restoreCheckpoint(planId: $id, checkpointId: $ck, reason: "again") { kind status } }`, { id: planId, ck: ck.id }, "carol");
    expect(restored.data).toEqual({ restoreCheckpoint: { kind: "RESTORE_CHECKPOINT", status: "APPLIED" } });

    const ctx = await contextOf(planId, `version data entries { key } history(key: "extra") { value version updatedBy updatedAt } out: history(key: "steps.a.output") { value version }`);
    expect(ctx).toEqual({
      version: 7,
      data: { k: "before" },
      entries: [{ key: "k" }],
      history: [
        { value: 1, version: 1, updatedBy: "ops", updatedAt: expect.any(String) },
        { value: null, version: 2, updatedBy: "carol", updatedAt: iso() },
      ],
      out: [
        { value: "out a", version: 1 },
        { value: null, version: 2 },
      ],
    });

    // A fork of the checkpoint starts with the context as it was there.
    const fork = (await api.ok(`mutation($ck: ID!) { forkFromCheckpoint(checkpointId: $ck, name: "again") { id forkedFrom } }`, { ck: ck.id })).forkFromCheckpoint;
    expect(fork.forkedFrom).toBe(ck.id);
    const forked = await contextOf(fork.id, `version data entries { key value version targets }`);
    expect(forked).toEqual({ version: 1, data: { k: "before" }, entries: [{ key: "k", value: "before", version: 1, targets: [] }] });
  });
});
