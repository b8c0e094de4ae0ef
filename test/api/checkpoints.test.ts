/**
 * Checkpoints and time travel through the GraphQL API (in-process Apollo, in-memory database,
 * manual clock): Plan.checkpoints and Query.checkpoints with paging, the Checkpoint fields,
 * node(id), createCheckpoint, checkpointDiff, snapshot by checkpoint or sequence,
 * restoreCheckpoint and forkFromCheckpoint. Agents are driven through the coordinator.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Json } from "../../src/domain/model.js";
import { makeApi } from "../helpers/api.js";
import { allSignals, claimOne } from "../helpers/coordinator.js";

type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api;
let agentId: string;
beforeEach(async () => {
  api = await makeApi();
  agentId = (await api.coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 4 })).id;
});
afterEach(async () => {
  await api.stop();
});

const CKP = `id planId reason stepKey label completedSteps planVersion sequence bytes createdAt`;
const PAGE = `edges { cursor node { ${CKP} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
const INTERVENTION = `id planId kind actor reason status rejectionCode rejectionReason diff args planVersion`;

interface Ckp {
  id: string;
  planId: string;
  reason: string;
  stepKey: string | null;
  label: string | null;
  completedSteps: string[];
  planVersion: number;
  sequence: number;
  bytes: number;
  createdAt: string;
}
interface Page {
  edges: { cursor: string; node: Ckp }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const OUT: Record<string, Json> = { a: { text: "A" }, b: [1, 2], c: "C" };

async function createChain(name = "chain"): Promise<string> {
  const { createPlan } = await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, {
    input: { name, steps: [{ key: "a", role: "r" }, { key: "b", role: "r", dependsOn: ["a"] }, { key: "c", role: "r", dependsOn: ["b"] }] },
  });
  return createPlan.id;
}

/** The agent runs the one READY step (which must be `key`). */
async function run(key: string): Promise<void> {
  await api.clock.advance(10);
  const g = await claimOne(api.coordinator, agentId);
  expect(g.step.key).toBe(key);
  await api.coordinator.complete(g.lease.id, OUT[key]!);
}

async function checkpointsOf(planId: string): Promise<Ckp[]> {
  const d = await api.ok<{ checkpoints: Page }>(`query($id: ID!) { checkpoints(planId: $id, first: 500) { ${PAGE} } }`, { id: planId });
  return d.checkpoints.edges.map((e) => e.node);
}

const codeOf = (r: { errors?: { extensions?: Record<string, any> }[] }): unknown => r.errors?.[0]?.extensions?.["code"];

describe("listing checkpoints", () => {
  it("Plan.checkpoints and Query.checkpoints page oldest first with every field", async () => {
    const id = await createChain();
    await run("a");
    await run("b");
    const manual = await api.ok<{ createCheckpoint: Ckp }>(`mutation($id: ID!) { createCheckpoint(planId: $id, label: "after b") { ${CKP} } }`, { id });

    const q = `query($id: ID!, $after: String) { plan(id: $id) { checkpoints(first: 2, after: $after) { ${PAGE} } } }`;
    const p1 = (await api.ok<{ plan: { checkpoints: Page } }>(q, { id })).plan.checkpoints;
    expect(p1.edges.map((e) => e.node.reason)).toEqual(["INITIAL", "STEP"]);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: p1.edges[0]!.cursor, endCursor: p1.edges[1]!.cursor });
    const p2 = (await api.ok<{ plan: { checkpoints: Page } }>(q, { id, after: p1.pageInfo.endCursor })).plan.checkpoints;
    expect(p2.edges.map((e) => e.node.reason)).toEqual(["STEP", "MANUAL"]);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const all = [...p1.edges, ...p2.edges].map((e) => e.node);
    expect(all.map((k) => [k.reason, k.stepKey, k.label, k.completedSteps])).toEqual([
      ["INITIAL", null, null, []],
      ["STEP", "a", null, ["a"]],
      ["STEP", "b", null, ["a", "b"]],
      ["MANUAL", null, "after b", ["a", "b"]],
    ]);
    expect(all.at(-1)).toEqual(manual.createCheckpoint);
    // the same rows as the store holds; sequences and versions only grow
    const stored = await api.store.queries.checkpoints.list(id, 0, 100);
    expect(all.map((k) => ({ id: k.id, planId: k.planId, planVersion: k.planVersion, sequence: k.sequence, bytes: k.bytes, createdAt: k.createdAt }))).toEqual(
      stored.map((r) => ({ id: r.id, planId: id, planVersion: r.planVersion, sequence: r.sequence, bytes: r.bytes, createdAt: new Date(r.createdAt).toISOString() })),
    );
    for (let i = 1; i < all.length; i++) {
      expect(all[i]!.sequence).toBeGreaterThanOrEqual(all[i - 1]!.sequence);
      expect(all[i]!.planVersion).toBeGreaterThanOrEqual(all[i - 1]!.planVersion);
    }
    for (const k of all) expect(k.bytes).toBeGreaterThan(0);
    expect(all.at(-1)!.planVersion).toBe((await api.ok(`query($id: ID!) { plan(id: $id) { version } }`, { id })).plan.version);

    // the top-level query pages the same way
    const top = await api.ok<{ checkpoints: Page }>(`query($id: ID!, $after: String) { checkpoints(planId: $id, first: 3, after: $after) { ${PAGE} } }`, { id, after: p1.edges[0]!.cursor });
    expect(top.checkpoints.edges.map((e) => e.node.id)).toEqual(all.slice(1).map((k) => k.id));
    expect(top.checkpoints.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it("Query.checkpoints of an unknown plan is NOT_FOUND; a bad cursor is BAD_USER_INPUT", async () => {
    expect(codeOf(await api.exec(`{ checkpoints(planId: "plan_nope") { edges { cursor } } }`))).toBe("NOT_FOUND");
    const id = await createChain();
    expect(codeOf(await api.exec(`query($id: ID!) { checkpoints(planId: $id, after: "garbage") { edges { cursor } } }`, { id }))).toBe("BAD_USER_INPUT");
  });

  it("node(id) finds a checkpoint by its ckp_ id; an unknown one is null", async () => {
    const id = await createChain();
    await run("a");
    const [, step] = await checkpointsOf(id);
    const d = await api.ok(`query($id: ID!) { node(id: $id) { __typename id ... on Checkpoint { ${CKP} } } }`, { id: step!.id });
    expect(step!.id).toMatch(/^ckp_/);
    expect(d.node).toEqual({ __typename: "Checkpoint", ...step });
    expect((await api.ok(`{ node(id: "ckp_00000000000000000000") { id } }`)).node).toBeNull();
  });
});

describe("createCheckpoint", () => {
  it("takes a MANUAL checkpoint with its label, announced as sent by the actor", async () => {
    const id = await createChain();
    const r = await api.exec<{ createCheckpoint: Ckp }>(`mutation($id: ID!) { createCheckpoint(planId: $id, label: "first") { ${CKP} } }`, { id }, "carol");
    expect(r.errors).toBeUndefined();
    expect(r.data!.createCheckpoint).toMatchObject({ planId: id, reason: "MANUAL", label: "first", stepKey: null, completedSteps: [] });
    const unlabelled = await api.ok<{ createCheckpoint: Ckp }>(`mutation($id: ID!) { createCheckpoint(planId: $id) { ${CKP} } }`, { id });
    expect(unlabelled.createCheckpoint.label).toBeNull();
    const announced = (await allSignals(api.store, id)).filter((s) => s.kind === "CHECKPOINT_CREATED" && (s.payload as { reason: string }).reason === "MANUAL");
    expect(announced.map((s) => [s.sender, (s.payload as { checkpointId: string }).checkpointId])).toEqual([
      ["carol", r.data!.createCheckpoint.id],
      ["tester", unlabelled.createCheckpoint.id],
    ]);
  });

  it("an unknown plan is NOT_FOUND", async () => {
    expect(codeOf(await api.exec(`mutation { createCheckpoint(planId: "plan_nope") { id } }`))).toBe("NOT_FOUND");
  });
});

describe("checkpointDiff", () => {
  const DIFF = `query($from: ID!, $to: ID!) { checkpointDiff(from: $from, to: $to) { from to steps context } }`;

  it("lists only the steps that changed, with state, output and attempts on each side", async () => {
    const id = await createChain();
    await run("a");
    await run("b");
    const manual = (await api.ok(`mutation($id: ID!) { createCheckpoint(planId: $id) { id } }`, { id })).createCheckpoint.id as string;
    const [initial, afterA, afterB] = await checkpointsOf(id);

    const d1 = (await api.ok(DIFF, { from: initial!.id, to: afterB!.id })).checkpointDiff;
    expect(d1).toEqual({
      from: initial!.id,
      to: afterB!.id,
      steps: {
        a: { from: { state: "READY", output: null, attempts: 0 }, to: { state: "SUCCEEDED", output: OUT.a, attempts: 1 } },
        b: { from: { state: "PENDING", output: null, attempts: 0 }, to: { state: "SUCCEEDED", output: OUT.b, attempts: 1 } },
        c: { from: { state: "PENDING", output: null, attempts: 0 }, to: { state: "READY", output: null, attempts: 0 } },
      },
      context: { "steps.a.output": { from: null, to: { text: "A" } }, "steps.b.output": { from: null, to: [1, 2] } },
    });
    const d2 = (await api.ok(DIFF, { from: afterA!.id, to: afterB!.id })).checkpointDiff;
    expect(Object.keys(d2.steps).sort()).toEqual(["b", "c"]);
    // nothing changed between the last STEP checkpoint and the MANUAL one
    expect((await api.ok(DIFF, { from: afterB!.id, to: manual })).checkpointDiff.steps).toEqual({});
    // backwards works too, with the sides swapped
    expect((await api.ok(DIFF, { from: afterB!.id, to: initial!.id })).checkpointDiff.steps.a).toEqual({ from: d1.steps.a.to, to: d1.steps.a.from });
  });

  it("shows steps added or removed as null on the side where they did not exist", async () => {
    const id = await createChain();
    const [initial] = await checkpointsOf(id);
    await api.ok(`mutation($id: ID!) { addStep(planId: $id, step: { key: "d", role: "r", dependsOn: ["c"] }) { status } }`, { id });
    const after = (await api.ok(`mutation($id: ID!) { createCheckpoint(planId: $id) { id } }`, { id })).createCheckpoint.id;
    const diff = (await api.ok(DIFF, { from: initial!.id, to: after })).checkpointDiff;
    expect(diff.steps).toEqual({ d: { from: null, to: { state: "PENDING", output: null, attempts: 0 } } });
  });

  it("checkpoints of different plans are BAD_USER_INPUT; an unknown one is NOT_FOUND", async () => {
    const p = await createChain("p");
    const q = await createChain("q");
    const [cp] = await checkpointsOf(p);
    const [cq] = await checkpointsOf(q);
    expect(codeOf(await api.exec(DIFF, { from: cp!.id, to: cq!.id }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await api.exec(DIFF, { from: cp!.id, to: "ckp_missing" }))).toBe("NOT_FOUND");
    expect(codeOf(await api.exec(DIFF, { from: "ckp_missing", to: cp!.id }))).toBe("NOT_FOUND");
  });
});

describe("snapshot", () => {
  const SNAP = `query($id: ID!, $ckp: ID, $seq: Int) { snapshot(planId: $id, checkpointId: $ckp, sequence: $seq) { planId sequence takenAt state version checkpointId context steps { key state output attempts } } }`;

  it("at a checkpoint: the plan as it was then", async () => {
    const id = await createChain();
    await run("a");
    await run("b");
    await run("c");
    const [, afterA] = await checkpointsOf(id);
    const s = (await api.ok(SNAP, { id, ckp: afterA!.id })).snapshot;
    expect(s).toMatchObject({ planId: id, state: "RUNNING", version: afterA!.planVersion, sequence: afterA!.sequence, checkpointId: afterA!.id, takenAt: afterA!.createdAt });
    expect(s.steps).toEqual([
      { key: "a", state: "SUCCEEDED", output: OUT.a, attempts: 1 },
      { key: "b", state: "READY", output: null, attempts: 0 },
      { key: "c", state: "PENDING", output: null, attempts: 0 },
    ]);
    // without a checkpoint or a sequence: the plan now
    const now = (await api.ok(SNAP, { id })).snapshot;
    expect(now).toMatchObject({ state: "COMPLETED", checkpointId: null, sequence: await api.store.queries.signals.head() });
  });

  it("at a sequence: the newest checkpoint at or before it, so an older sequence gives an older state", async () => {
    const id = await createChain();
    await run("a");
    await run("b");
    const [initial, afterA, afterB] = await checkpointsOf(id);
    const at = async (seq: number) => (await api.ok(SNAP, { id, seq })).snapshot;

    expect((await at(afterB!.sequence)).checkpointId).toBe(afterB!.id);
    expect((await at(afterB!.sequence + 1_000)).checkpointId).toBe(afterB!.id);
    const between = await at(afterB!.sequence - 1);
    expect(between).toMatchObject({ checkpointId: afterA!.id, sequence: afterA!.sequence, version: afterA!.planVersion });
    expect(between.steps.map((s: { state: string }) => s.state)).toEqual(["SUCCEEDED", "READY", "PENDING"]);
    const first = await at(initial!.sequence);
    expect(first.steps.map((s: { state: string }) => s.state)).toEqual(["READY", "PENDING", "PENDING"]);

    // the signals before the first checkpoint (PLAN_CREATED…) have no snapshot
    const created = (await allSignals(api.store, id)).find((s) => s.kind === "PLAN_CREATED")!;
    expect(created.sequence).toBeLessThan(initial!.sequence);
    const r = await api.exec(SNAP, { id, seq: created.sequence });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
  });

  it("a checkpoint of another plan or an unknown one is NOT_FOUND; an unknown plan is NOT_FOUND", async () => {
    const p = await createChain("p");
    const q = await createChain("q");
    const [cq] = await checkpointsOf(q);
    expect(codeOf(await api.exec(SNAP, { id: p, ckp: cq!.id }))).toBe("NOT_FOUND");
    expect(codeOf(await api.exec(SNAP, { id: p, ckp: "ckp_missing" }))).toBe("NOT_FOUND");
    expect(codeOf(await api.exec(SNAP, { id: "plan_nope", seq: 1 }))).toBe("NOT_FOUND");
  });
});

describe("restoreCheckpoint", () => {
  const RESTORE = `mutation($id: ID!, $ckp: ID!, $reason: String, $v: Int) { restoreCheckpoint(planId: $id, checkpointId: $ckp, reason: $reason, expectedVersion: $v) { ${INTERVENTION} } }`;
  const PLAN = `query($id: ID!) { plan(id: $id) { id state version result steps { key state output attempts } } }`;

  it("returns an APPLIED Intervention and rewinds the plan; re-running gives the same result", async () => {
    const id = await createChain();
    await run("a");
    await run("b");
    await run("c");
    const before = (await api.ok(PLAN, { id })).plan;
    const [, afterA] = await checkpointsOf(id);
    const r = await api.exec(RESTORE, { id, ckp: afterA!.id, reason: "redo", v: before.version }, "dave");
    expect(r.errors).toBeUndefined();
    const restored = r.data!.restoreCheckpoint;
    expect(restored).toMatchObject({ planId: id, kind: "RESTORE_CHECKPOINT", actor: "dave", reason: "redo", status: "APPLIED", rejectionCode: null, args: { checkpointId: afterA!.id } });
    expect(restored.diff).toEqual({ checkpointId: afterA!.id, steps: { b: { before: "SUCCEEDED", after: "PENDING" }, c: { before: "SUCCEEDED", after: "PENDING" } } });
    const rewound = (await api.ok(PLAN, { id })).plan;
    expect(rewound).toMatchObject({ state: "RUNNING", result: null, version: restored.planVersion });
    expect(rewound.version).toBeGreaterThan(before.version);
    expect(rewound.steps.map((s: { state: string }) => s.state)).toEqual(["SUCCEEDED", "READY", "PENDING"]);
    expect((await checkpointsOf(id)).at(-1)).toMatchObject({ reason: "RESTORE", completedSteps: ["a"] });
    // it is in the interventions log
    const log = await api.ok(`query($id: ID!) { plan(id: $id) { interventions { edges { node { id kind status } } } } }`, { id });
    expect(log.plan.interventions.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(restored.id);

    await run("b");
    await run("c");
    const after = (await api.ok(PLAN, { id })).plan;
    expect(after.state).toBe("COMPLETED");
    expect(after.result).toEqual(before.result);
    expect(after.steps.map((s: { output: Json }) => s.output)).toEqual(before.steps.map((s: { output: Json }) => s.output));
  });

  it("returns a REJECTED Intervention for a checkpoint of another plan, an unknown one, or a stale version", async () => {
    const p = await createChain("p");
    const q = await createChain("q");
    const [cp] = await checkpointsOf(p);
    const [cq] = await checkpointsOf(q);
    const version = (await api.ok(PLAN, { id: p })).plan.version;
    const foreign = (await api.ok(RESTORE, { id: p, ckp: cq!.id })).restoreCheckpoint;
    expect(foreign).toMatchObject({ status: "REJECTED", rejectionCode: "NOT_FOUND", diff: null, planVersion: version });
    expect((await api.ok(RESTORE, { id: p, ckp: "ckp_missing" })).restoreCheckpoint).toMatchObject({ status: "REJECTED", rejectionCode: "NOT_FOUND" });
    expect((await api.ok(RESTORE, { id: p, ckp: cp!.id, v: version - 1 })).restoreCheckpoint).toMatchObject({ status: "REJECTED", rejectionCode: "VERSION_CONFLICT" });
    expect((await api.ok(PLAN, { id: p })).plan.version).toBe(version);
    // an unknown plan is an error, not an Intervention
    expect(codeOf(await api.exec(RESTORE, { id: "plan_nope", ckp: cp!.id }))).toBe("NOT_FOUND");
  });
});

describe("forkFromCheckpoint", () => {
  const FORK = `mutation($ckp: ID!, $name: String) { forkFromCheckpoint(checkpointId: $ckp, name: $name) { id name state forkedFrom steps { key state output attempts } } }`;

  it("returns the new Plan with forkedFrom; the original is untouched", async () => {
    const id = await createChain("orig");
    await run("a");
    const [, afterA] = await checkpointsOf(id);
    await run("b");
    const original = await api.ok(`query($id: ID!) { plan(id: $id) { id state version forkedFrom steps { key state output } } }`, { id });
    expect(original.plan.forkedFrom).toBeNull();

    const fork = (await api.ok(FORK, { ckp: afterA!.id })).forkFromCheckpoint;
    expect(fork).toMatchObject({ name: "orig (fork)", state: "RUNNING", forkedFrom: afterA!.id });
    expect(fork.id).not.toBe(id);
    expect(fork.steps).toEqual([
      { key: "a", state: "SUCCEEDED", output: OUT.a, attempts: 1 },
      { key: "b", state: "READY", output: null, attempts: 0 },
      { key: "c", state: "PENDING", output: null, attempts: 0 },
    ]);
    const named = (await api.ok(FORK, { ckp: afterA!.id, name: "retry b" })).forkFromCheckpoint;
    expect(named).toMatchObject({ name: "retry b", forkedFrom: afterA!.id });
    expect(await api.ok(`query($id: ID!) { plan(id: $id) { id state version forkedFrom steps { key state output } } }`, { id })).toEqual(original);
    // node(id) sees the fork with its origin
    expect((await api.ok(`query($id: ID!) { node(id: $id) { ... on Plan { forkedFrom } } }`, { id: fork.id })).node).toEqual({ forkedFrom: afterA!.id });
  });

  it("records the fork with its actor and reason in the original plan's interventions, and the reason in the fork's PLAN_CREATED", async () => {
    const id = await createChain("orig");
    await run("a");
    const [, afterA] = await checkpointsOf(id);
    const version = (await api.ok(`query($id: ID!) { plan(id: $id) { version } }`, { id })).plan.version;
    const FORK_WHY = `mutation($ckp: ID!, $name: String, $reason: String) { forkFromCheckpoint(checkpointId: $ckp, name: $name, reason: $reason) { id } }`;
    const fork = (await api.ok(FORK_WHY, { ckp: afterA!.id, name: "try b again", reason: "b needs another model" })).forkFromCheckpoint;

    const audit = await api.ok(`query($id: ID!) { interventions(planId: $id) { edges { node { ${INTERVENTION} } } } }`, { id });
    expect(audit.interventions.edges.map((e: any) => e.node)).toEqual([
      {
        id: expect.stringMatching(/^int_/),
        planId: id,
        kind: "FORK_CHECKPOINT",
        actor: "tester",
        reason: "b needs another model",
        status: "APPLIED",
        rejectionCode: null,
        rejectionReason: null,
        diff: { forkedTo: fork.id },
        args: { checkpointId: afterA!.id, name: "try b again" },
        planVersion: version,
      },
    ]);
    // The original is not changed; its log says it was forked.
    expect((await api.ok(`query($id: ID!) { plan(id: $id) { version } }`, { id })).plan.version).toBe(version);
    const applied = (await allSignals(api.store, id)).filter((s) => s.kind === "INTERVENTION_APPLIED");
    expect(applied.map((s) => s.payload)).toEqual([expect.objectContaining({ kind: "FORK_CHECKPOINT", reason: "b needs another model", diff: { forkedTo: fork.id } })]);
    const created = (await allSignals(api.store, fork.id)).find((s) => s.kind === "PLAN_CREATED");
    expect(created).toMatchObject({ sender: "tester", payload: { name: "try b again", forkedFrom: afterA!.id, reason: "b needs another model" } });

    // A reason past the limit is refused, and nothing is forked.
    const long = await api.exec(FORK_WHY, { ckp: afterA!.id, reason: "x".repeat(10_001) });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ path: "reason" }] });
    expect((await api.ok(`{ plans { totalCount } }`)).plans.totalCount).toBe(2);
  });

  it("an unknown checkpoint is NOT_FOUND", async () => {
    const r = await api.exec(FORK, { ckp: "ckp_missing" });
    expect(r.data ?? null).toBeNull();
    expect(codeOf(r)).toBe("NOT_FOUND");
  });
});
