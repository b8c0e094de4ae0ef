/**
 * Shared context through the coordinator (in-memory SQLite with the real migrations, manual
 * clock): versioned writes and their history, optimistic concurrency on the context version,
 * operator writes (UPDATE_CONTEXT interventions) and agent writes under a lease, input checks,
 * step outputs under steps.<key>.output, what a lease lets its agent see (pinned to the claim),
 * and checkpoints: restore and fork.
 */
import { describe, expect, it } from "vitest";
import type { Coordinator } from "../../src/coordinator/coordinator.js";
import { isBatonError, type BatonError } from "../../src/domain/errors.js";
import type { Json } from "../../src/domain/model.js";
import type { ContextEntryModel } from "../../src/store/context.js";
import type { Store } from "../../src/store/store.js";
import { allSignals, claimOne, planReq, rejected, rows } from "../helpers/coordinator.js";
import { makeCoordinator } from "../helpers/fixtures.js";

const ops = { actor: "ops" };

/** A coordinator with one agent of role "r" (concurrency 4). */
async function setup() {
  const env = await makeCoordinator();
  const agent = await env.coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 4 });
  return { ...env, agentId: agent.id };
}

/** The BatonError a promise rejects with. */
async function batonError(p: Promise<unknown>): Promise<BatonError> {
  const e = await rejected(p);
  if (!isBatonError(e)) throw new Error(`expected a BatonError, got ${String(e)}`);
  return e;
}

/** Key → value of the current entries. */
const dataOf = async (store: Store, planId: string): Promise<Record<string, Json | null>> =>
  Object.fromEntries((await store.queries.context.entries(planId)).map((e) => [e.key, e.value] as const));

const interventionsOf = (store: Store, planId: string) => store.queries.interventions.list(planId, 0, 10_000);

/** Signals of the plan committed after `head`. */
const signalsAfter = async (store: Store, planId: string, head: number) => (await allSignals(store, planId)).filter((s) => s.sequence > head);

/** A plan of one step "a" that stays RUNNING or READY while the test writes. */
const onePlan = (c: Coordinator) => c.createPlan(planReq([{ key: "a" }]), "t");

describe("writes and versions", () => {
  it("each write is the key's next version and the plan context's next version; history keeps them all, oldest first", async () => {
    const { coordinator: c, store, clock } = await setup();
    const plan = await onePlan(c);
    const other = await onePlan(c);
    expect(await store.queries.context.version(plan.id)).toBe(0);
    expect(await store.queries.context.entries(plan.id)).toEqual([]);

    await clock.advance(10);
    const b1 = await c.updateContext({ planId: plan.id, key: "brief", value: { text: "v1" } }, ops);
    expect(b1).toEqual<ContextEntryModel>({ key: "brief", value: { text: "v1" }, targets: [], version: 1, contextVersion: 1, updatedBy: "ops", updatedAt: clock.now() });
    await clock.advance(10);
    const n1 = await c.updateContext({ planId: plan.id, key: "notes", value: ["x"], targets: ["reviewer"] }, { actor: "alice" });
    expect(n1).toMatchObject({ key: "notes", version: 1, contextVersion: 2, targets: ["reviewer"], updatedBy: "alice", updatedAt: clock.now() });
    await clock.advance(10);
    const b2 = await c.updateContext({ planId: plan.id, key: "brief", value: { text: "v2" } }, ops);
    expect(b2).toMatchObject({ key: "brief", value: { text: "v2" }, version: 2, contextVersion: 3 });
    const b3 = await c.updateContext({ planId: plan.id, key: "brief", value: null }, ops);
    expect(b3).toMatchObject({ key: "brief", value: null, version: 3, contextVersion: 4 });
    expect(await store.queries.context.version(plan.id)).toBe(4);

    // Per key, oldest first; of all keys, in write order.
    expect((await store.queries.context.history(plan.id, "brief")).map((e) => [e.version, e.contextVersion, e.value])).toEqual([
      [1, 1, { text: "v1" }],
      [2, 3, { text: "v2" }],
      [3, 4, null],
    ]);
    expect(await store.queries.context.history(plan.id, "brief")).toEqual([b1, b2, b3]);
    expect((await store.queries.context.history(plan.id)).map((e) => `${e.key}@${e.version}`)).toEqual(["brief@1", "notes@1", "brief@2", "brief@3"]);
    expect(await store.queries.context.history(plan.id, "never")).toEqual([]);

    // The current entries, by key; a null value is still an entry.
    expect(await store.queries.context.entries(plan.id)).toEqual([b3, n1]);
    expect(await store.queries.context.entry(plan.id, "notes")).toEqual(n1);
    expect(await store.queries.context.entry(plan.id, "never")).toBeNull();
    // As of an older context version.
    expect(await store.queries.context.entries(plan.id, 2)).toEqual([b1, n1]);
    expect(await store.queries.context.entries(plan.id, 1)).toEqual([b1]);

    // Versions are per plan; writing the context does not change the plan's own version.
    expect(await store.queries.context.version(other.id)).toBe(0);
    expect(await c.updateContext({ planId: other.id, key: "brief", value: 1 }, ops)).toMatchObject({ version: 1, contextVersion: 1 });
    expect((await store.queries.plans.load(plan.id))!.plan.version).toBe(plan.version);
  });
});

describe("optimistic concurrency", () => {
  it("of two writers that read version V, the first wins; the second gets CONFLICT and writes nothing", async () => {
    const { coordinator: c, store } = await setup();
    const plan = await onePlan(c);
    await c.updateContext({ planId: plan.id, key: "k", value: 0 }, ops);
    const v = await store.queries.context.version(plan.id); // both writers read this

    expect(await c.updateContext({ planId: plan.id, key: "k", value: "first", expectedVersion: v }, { actor: "alice" })).toMatchObject({ version: 2, contextVersion: v + 1 });
    const history = await store.queries.context.history(plan.id);
    const signals = await rows(store, "signals");
    const interventions = (await interventionsOf(store, plan.id)).length;

    const e = await batonError(c.updateContext({ planId: plan.id, key: "k", value: "second", expectedVersion: v }, { actor: "bob" }));
    expect(e.code).toBe("CONFLICT");
    expect(e.message).toContain(`version ${v + 1}`);
    expect(e.details).toMatchObject({ planId: plan.id, contextVersion: v + 1 });
    // A stale write on another key is refused too: the version is the whole context's.
    expect((await batonError(c.updateContext({ planId: plan.id, key: "other", value: 1, expectedVersion: v }, ops))).code).toBe("CONFLICT");

    expect(await store.queries.context.history(plan.id)).toEqual(history);
    expect((await store.queries.context.entry(plan.id, "k"))!.value).toBe("first");
    expect(await rows(store, "signals")).toBe(signals);
    expect(await interventionsOf(store, plan.id)).toHaveLength(interventions);

    // Read again, write again.
    expect(await c.updateContext({ planId: plan.id, key: "k", value: "second", expectedVersion: v + 1 }, { actor: "bob" })).toMatchObject({ version: 3, contextVersion: v + 2 });
    // expectedVersion 0 is "nothing written yet".
    const fresh = await onePlan(c);
    expect((await c.updateContext({ planId: fresh.id, key: "k", value: 1, expectedVersion: 0 }, ops)).contextVersion).toBe(1);
    expect((await batonError(c.updateContext({ planId: fresh.id, key: "j", value: 1, expectedVersion: 0 }, ops))).code).toBe("CONFLICT");
  });
});

describe("who writes", () => {
  it("an operator's write is an APPLIED UPDATE_CONTEXT intervention; CONTEXT_UPDATED (without the value), then INTERVENTION_APPLIED", async () => {
    const { coordinator: c, store, clock } = await setup();
    const plan = await onePlan(c);
    await c.updateContext({ planId: plan.id, key: "k", value: { n: 1 } }, { actor: "alice" });
    await clock.advance(5);
    const head = await store.queries.signals.head();

    const entry = await c.updateContext({ planId: plan.id, key: "k", value: { n: 2 }, targets: ["reviewer"] }, { actor: "alice", reason: "new numbers" });
    expect(entry).toMatchObject({ version: 2, contextVersion: 2, updatedBy: "alice", targets: ["reviewer"] });

    const list = await interventionsOf(store, plan.id);
    expect(list.map((i) => i.kind)).toEqual(["UPDATE_CONTEXT", "UPDATE_CONTEXT"]);
    const rec = list[1]!;
    expect(rec).toMatchObject({
      planId: plan.id,
      kind: "UPDATE_CONTEXT",
      stepKey: null,
      actor: "alice",
      reason: "new numbers",
      status: "APPLIED",
      rejectionCode: null,
      rejectionReason: null,
      args: { key: "k", value: { n: 2 }, targets: ["reviewer"] },
      diff: { key: "k", before: { n: 1 }, after: { n: 2 }, contextVersion: 2 },
      planVersion: (await store.queries.plans.load(plan.id))!.plan.version,
      at: clock.now(),
    });
    expect(list[0]!.diff).toEqual({ key: "k", before: null, after: { n: 1 }, contextVersion: 1 });

    const after = await signalsAfter(store, plan.id, head);
    expect(after.map((s) => s.kind)).toEqual(["CONTEXT_UPDATED", "INTERVENTION_APPLIED"]);
    const [updated, applied] = after;
    expect(updated!.payload).toEqual({ key: "k", version: 2, contextVersion: 2, targets: ["reviewer"] });
    expect(JSON.stringify(updated!.payload)).not.toContain("numbers");
    expect(updated).toMatchObject({ sender: "alice", stepKey: null });
    expect(applied).toMatchObject({ sender: "alice", payload: { interventionId: rec.id, kind: "UPDATE_CONTEXT", reason: "new numbers", diff: rec.diff } });
  });

  it("an agent writes with its running lease: attributed to the agent, no intervention; another plan's lease is NOT_FOUND, an ended one CONFLICT", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }]), "t");
    const other = await onePlan(c);
    const g = await claimOne(c, agentId);
    expect(g.plan.id).toBe(plan.id);
    const head = await store.queries.signals.head();

    const entry = await c.updateContext({ planId: plan.id, key: "draft", value: "half done" }, { actor: "whoever", leaseId: g.lease.id, reason: "ignored" });
    expect(entry).toMatchObject({ key: "draft", version: 1, updatedBy: agentId });
    expect(await interventionsOf(store, plan.id)).toEqual([]);
    const after = await signalsAfter(store, plan.id, head);
    expect(after.map((s) => s.kind)).toEqual(["CONTEXT_UPDATED"]);
    expect(after[0]).toMatchObject({ sender: agentId, payload: { key: "draft", version: 1, contextVersion: 1, targets: [] } });

    const before = { history: await store.queries.context.history(plan.id) };
    // A lease of another plan, or an unknown one: NOT_FOUND.
    expect((await batonError(c.updateContext({ planId: other.id, key: "draft", value: 1 }, { actor: "x", leaseId: g.lease.id }))).code).toBe("NOT_FOUND");
    expect((await batonError(c.updateContext({ planId: plan.id, key: "draft", value: 1 }, { actor: "x", leaseId: "lease_nope" }))).code).toBe("NOT_FOUND");
    // The attempt ended: CONFLICT.
    await c.complete(g.lease.id, { ok: true });
    const ended = await batonError(c.updateContext({ planId: plan.id, key: "draft", value: "late" }, { actor: "x", leaseId: g.lease.id }));
    expect(ended.code).toBe("CONFLICT");
    expect(ended.details).toMatchObject({ leaseId: g.lease.id, outcome: "SUCCEEDED" });
    expect((await store.queries.context.entry(plan.id, "draft"))!.value).toBe("half done");
    expect(await store.queries.context.entries(other.id)).toEqual([]);
    expect(await store.queries.context.history(plan.id, "draft")).toEqual(before.history.filter((e) => e.key === "draft"));
    expect(await interventionsOf(store, plan.id)).toEqual([]);
  });
});

describe("bad input", () => {
  it("blank or reserved keys, empty targets and bad expectedVersions are BAD_USER_INPUT with every problem; an unknown plan is NOT_FOUND", async () => {
    const { coordinator: c, store } = await setup();
    const plan = await onePlan(c);
    const problemsOf = async (req: Parameters<Coordinator["updateContext"]>[0]) => {
      const e = await batonError(c.updateContext(req, ops));
      expect(e.code).toBe("BAD_USER_INPUT");
      return (e.details["problems"] as { path: string; message: string }[]).map((p) => p.path);
    };
    expect(await problemsOf({ planId: plan.id, key: "", value: 1 })).toEqual(["key"]);
    expect(await problemsOf({ planId: plan.id, key: "   ", value: 1 })).toEqual(["key"]);
    expect(await problemsOf({ planId: plan.id, key: "x".repeat(201), value: 1 })).toEqual(["key"]);
    expect(await problemsOf({ planId: plan.id, key: "steps.a.output", value: 1 })).toEqual(["key"]);
    expect(await problemsOf({ planId: plan.id, key: "steps.mine", value: 1 })).toEqual(["key"]);
    expect(await problemsOf({ planId: plan.id, key: "k", value: 1, targets: ["reviewer", ""] })).toEqual(["targets[1]"]);
    expect(await problemsOf({ planId: plan.id, key: "k", value: 1, targets: [" "] })).toEqual(["targets[0]"]);
    expect(await problemsOf({ planId: plan.id, key: "k", value: 1, expectedVersion: -1 })).toEqual(["expectedVersion"]);
    expect(await problemsOf({ planId: plan.id, key: "k", value: 1, expectedVersion: 1.5 })).toEqual(["expectedVersion"]);
    // Every problem at once.
    expect(await problemsOf({ planId: plan.id, key: "steps.x", value: 1, targets: ["", "ok", ""], expectedVersion: -2 })).toEqual(["key", "targets[0]", "targets[2]", "expectedVersion"]);
    // Bad input is refused even for an unknown plan; good input for one is NOT_FOUND.
    expect(await problemsOf({ planId: "plan_nope", key: "", value: 1 })).toEqual(["key"]);
    expect((await batonError(c.updateContext({ planId: "plan_nope", key: "k", value: 1 }, ops))).code).toBe("NOT_FOUND");

    expect(await rows(store, "context_entries")).toBe(0);
    expect(await interventionsOf(store, plan.id)).toEqual([]);
    // Keys that only look alike are fine.
    expect((await c.updateContext({ planId: plan.id, key: "steps", value: 1 }, ops)).version).toBe(1);
    expect((await c.updateContext({ planId: plan.id, key: "x".repeat(200), value: 1 }, ops)).version).toBe(1);
  });
});

describe("step outputs", () => {
  it("a step's success writes steps.<key>.output, by the agent that completed it, announced by STEP_SUCCEEDED alone", async () => {
    const { coordinator: c, store, clock, agentId } = await setup();
    const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }]), "t");
    const ga = await claimOne(c, agentId);
    await clock.advance(7);
    const head = await store.queries.signals.head();
    await c.complete(ga.lease.id, { text: "from a" });

    expect(await store.queries.context.entry(plan.id, "steps.a.output")).toEqual<ContextEntryModel>({
      key: "steps.a.output",
      value: { text: "from a" },
      targets: [],
      version: 1,
      contextVersion: 1,
      updatedBy: agentId,
      updatedAt: clock.now(),
    });
    const kinds = (await signalsAfter(store, plan.id, head)).map((s) => s.kind);
    expect(kinds).toContain("STEP_SUCCEEDED");
    expect(kinds).not.toContain("CONTEXT_UPDATED");
    expect(await interventionsOf(store, plan.id)).toEqual([]);

    // The next step's lease carries it.
    const gb = await claimOne(c, agentId);
    expect(gb.step.key).toBe("b");
    expect(await gb.context()).toEqual({ data: { "steps.a.output": { text: "from a" } }, version: 1 });
    await c.complete(gb.lease.id, null); // a null output is written as null
    expect(await dataOf(store, plan.id)).toEqual({ "steps.a.output": { text: "from a" }, "steps.b.output": null });
    expect(await store.queries.context.version(plan.id)).toBe(2);
  });

  it("a step run again writes the next version of its output", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }]), "t");
    await c.complete((await claimOne(c, agentId)).lease.id, 1);
    const gb = await claimOne(c, agentId);
    await c.fail(gb.lease.id, { message: "no", retryable: false });
    expect((await store.queries.plans.load(plan.id))!.plan.state).toBe("FAILED");
    expect((await c.intervene(plan.id, { kind: "RETRY_STEP", stepKey: "b" }, ops)).status).toBe("APPLIED");
    await c.complete((await claimOne(c, agentId)).lease.id, "b, second");
    expect((await store.queries.context.history(plan.id, "steps.b.output")).map((e) => [e.version, e.value])).toEqual([[1, "b, second"]]);
    expect((await store.queries.context.history(plan.id, "steps.a.output")).map((e) => [e.version, e.value])).toEqual([[1, 1]]);
  });
});

describe("what a lease carries", () => {
  it("the entries its agent may see (no targets, one of its roles, its id), pinned to the context version at the claim", async () => {
    const { coordinator: c, store } = await makeCoordinator();
    const reviewer = await c.registerAgent({ name: "rev", roles: ["r", "reviewer"] });
    const plain = await c.registerAgent({ name: "plain", roles: ["r"] });
    const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b" }], { policy: { maxParallel: 2 } }), "t");
    const w = (key: string, value: Json, targets?: string[]) => c.updateContext({ planId: plan.id, key, value, targets }, ops);
    await w("all", "everyone");
    await w("emptyTargets", 0, []);
    await w("forReviewers", "review hint", ["reviewer"]);
    await w("forRev", "just you", [reviewer.id]);
    await w("forPlainByName", "names are not ids", ["plain"]);
    await w("forOps", "hidden", ["ops", "admin"]);
    await w("mixed", "both", ["nobody", "r"]);
    expect(await store.queries.context.version(plan.id)).toBe(7);

    const gr = await claimOne(c, reviewer.id);
    const gp = await claimOne(c, plain.id);
    expect(await gr.context()).toEqual({
      data: { all: "everyone", emptyTargets: 0, forReviewers: "review hint", forRev: "just you", mixed: "both" },
      version: 7,
    });
    expect(await gp.context()).toEqual({ data: { all: "everyone", emptyTargets: 0, mixed: "both" }, version: 7 });

    // Writes after the claim change nothing the grants hand out.
    await w("all", "changed");
    await w("late", "new");
    await c.updateContext({ planId: plan.id, key: "forRev", value: "changed too" }, { actor: "ops", leaseId: gr.lease.id });
    expect(await gr.context()).toEqual({
      data: { all: "everyone", emptyTargets: 0, forReviewers: "review hint", forRev: "just you", mixed: "both" },
      version: 7,
    });
    expect(await gp.context()).toEqual({ data: { all: "everyone", emptyTargets: 0, mixed: "both" }, version: 7 });
    expect(await store.queries.context.version(plan.id)).toBe(10);
  });

  it("a key whose newest write targets others is hidden, though an older write was for everyone", async () => {
    const { coordinator: c, agentId } = await setup();
    const plan = await onePlan(c);
    await c.updateContext({ planId: plan.id, key: "k", value: "public" }, ops);
    await c.updateContext({ planId: plan.id, key: "k", value: "secret", targets: ["ops"] }, ops);
    expect(await (await claimOne(c, agentId)).context()).toEqual({ data: {}, version: 2 });
  });
});

describe("checkpoints", () => {
  it("restoring a checkpoint puts changed keys back and removes later ones (CONTEXT_UPDATED each), keeping every write in history", async () => {
    const { coordinator: c, store, clock, agentId } = await setup();
    const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }]), "t");
    await c.updateContext({ planId: plan.id, key: "k1", value: 1 }, ops);
    await c.updateContext({ planId: plan.id, key: "k2", value: 2, targets: ["r"] }, ops);
    await c.updateContext({ planId: plan.id, key: "same", value: "s" }, ops);
    const ck = await c.createCheckpoint(plan.id, "before", "ops");
    expect(ck.contextVersion).toBe(3);

    await c.updateContext({ planId: plan.id, key: "k1", value: 10 }, ops);
    await c.updateContext({ planId: plan.id, key: "k2", value: 2, targets: [] }, ops); // only its targets change
    await c.updateContext({ planId: plan.id, key: "k3", value: 3 }, ops);
    await c.updateContext({ planId: plan.id, key: "same", value: "t" }, ops);
    await c.updateContext({ planId: plan.id, key: "same", value: "s" }, ops); // back as it was: nothing to restore
    await c.complete((await claimOne(c, agentId)).lease.id, "out a");
    expect(await dataOf(store, plan.id)).toEqual({ k1: 10, k2: 2, k3: 3, same: "s", "steps.a.output": "out a" });
    const v = await store.queries.context.version(plan.id);
    expect(v).toBe(9);

    await clock.advance(100);
    const head = await store.queries.signals.head();
    const rec = await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: ck.id }, { actor: "ops", reason: "rewind" });
    expect(rec.status).toBe("APPLIED");

    expect((await store.queries.context.entries(plan.id)).map((e) => [e.key, e.value, e.targets])).toEqual([
      ["k1", 1, []],
      ["k2", 2, ["r"]],
      ["same", "s", []],
    ]);
    expect(await store.queries.context.entry(plan.id, "k3")).toBeNull();
    expect(await store.queries.context.entry(plan.id, "steps.a.output")).toBeNull();
    expect(await store.queries.context.version(plan.id)).toBe(v + 4); // k1, k2, k3 removed, steps.a.output removed

    // History keeps every write; a removal is a write with a null value.
    expect((await store.queries.context.history(plan.id, "k1")).map((e) => [e.version, e.value])).toEqual([
      [1, 1],
      [2, 10],
      [3, 1],
    ]);
    expect((await store.queries.context.history(plan.id, "k3")).map((e) => [e.version, e.value, e.updatedBy, e.updatedAt])).toEqual([
      [1, 3, "ops", expect.any(Number)],
      [2, null, "ops", clock.now()],
    ]);
    expect(await store.queries.context.history(plan.id, "same")).toHaveLength(3);

    const after = await signalsAfter(store, plan.id, head);
    const updates = after.filter((s) => s.kind === "CONTEXT_UPDATED");
    expect(updates.map((s) => s.payload)).toEqual(
      expect.arrayContaining([
        { key: "k1", version: 3, contextVersion: expect.any(Number), targets: [], restoredTo: 3 },
        { key: "k2", version: 3, contextVersion: expect.any(Number), targets: ["r"], restoredTo: 3 },
        { key: "k3", version: 2, contextVersion: expect.any(Number), targets: [], deleted: true, restoredTo: 3 },
        { key: "steps.a.output", version: 2, contextVersion: expect.any(Number), targets: [], deleted: true, restoredTo: 3 },
      ]),
    );
    expect(updates).toHaveLength(4);
    expect(updates.every((s) => s.sender === "ops")).toBe(true);
    // The context is rewritten after the engine's signals, before INTERVENTION_APPLIED (and the RESTORE checkpoint's signal at commit).
    const kinds = after.map((s) => s.kind);
    expect(kinds.slice(kinds.indexOf("CONTEXT_UPDATED"))).toEqual(["CONTEXT_UPDATED", "CONTEXT_UPDATED", "CONTEXT_UPDATED", "CONTEXT_UPDATED", "INTERVENTION_APPLIED", "CHECKPOINT_CREATED"]);
    // The RESTORE checkpoint holds the restored context.
    const restoreCk = (await store.queries.checkpoints.list(plan.id, 0, 1000)).at(-1)!;
    expect(restoreCk.reason).toBe("RESTORE");
    expect(restoreCk.contextVersion).toBe(await store.queries.context.version(plan.id));

    // The removed key comes back when a later checkpoint is restored.
    const ck2 = await c.createCheckpoint(plan.id, "restored", "ops");
    await c.updateContext({ planId: plan.id, key: "k3", value: "again" }, ops);
    const ck3 = await c.createCheckpoint(plan.id, "with k3", "ops");
    expect((await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: ck2.id }, ops)).status).toBe("APPLIED");
    expect(await store.queries.context.entry(plan.id, "k3")).toBeNull();
    expect((await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: ck3.id }, ops)).status).toBe("APPLIED");
    expect(await store.queries.context.entry(plan.id, "k3")).toMatchObject({ value: "again", version: 5 });
  });

  it("restoring a checkpoint whose context is the current one writes nothing", async () => {
    const { coordinator: c, store } = await setup();
    const plan = await onePlan(c);
    await c.updateContext({ planId: plan.id, key: "k", value: 1 }, ops);
    const ck = await c.createCheckpoint(plan.id, null, "ops");
    const head = await store.queries.signals.head();
    expect((await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: ck.id }, ops)).status).toBe("APPLIED");
    expect((await signalsAfter(store, plan.id, head)).map((s) => s.kind)).not.toContain("CONTEXT_UPDATED");
    expect(await store.queries.context.version(plan.id)).toBe(1);
  });

  it("a refused restore (another plan's checkpoint) leaves the context alone", async () => {
    const { coordinator: c, store } = await setup();
    const plan = await onePlan(c);
    const other = await onePlan(c);
    const ck = await c.createCheckpoint(other.id, null, "ops");
    await c.updateContext({ planId: plan.id, key: "k", value: 1 }, ops);
    expect((await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: ck.id }, ops)).status).toBe("REJECTED");
    expect(await dataOf(store, plan.id)).toEqual({ k: 1 });
    expect(await store.queries.context.version(plan.id)).toBe(1);
  });

  it("a fork starts with the context as it was at the checkpoint; the original goes on untouched", async () => {
    const { coordinator: c, store, clock, agentId } = await setup();
    const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }]), "t");
    await c.updateContext({ planId: plan.id, key: "k1", value: 1, targets: ["r"] }, ops);
    await c.updateContext({ planId: plan.id, key: "k1", value: 2, targets: ["r"] }, ops);
    await c.complete((await claimOne(c, agentId)).lease.id, "out a");
    const ck = (await store.queries.checkpoints.list(plan.id, 0, 1000)).at(-1)!;
    expect(ck).toMatchObject({ reason: "STEP", stepKey: "a", contextVersion: 3 });
    await c.updateContext({ planId: plan.id, key: "k1", value: 3 }, ops);
    await c.updateContext({ planId: plan.id, key: "k2", value: "later" }, ops);

    await clock.advance(50);
    const fork = await c.forkFromCheckpoint(ck.id, "fork", "ops");
    expect((await store.queries.context.entries(fork.id)).map((e) => ({ key: e.key, value: e.value, targets: e.targets, version: e.version }))).toEqual([
      { key: "k1", value: 2, targets: ["r"], version: 1 },
      { key: "steps.a.output", value: "out a", targets: [], version: 1 },
    ]);
    expect(await store.queries.context.version(fork.id)).toBe(2); // its own history begins there
    expect(await store.queries.context.history(fork.id)).toHaveLength(2);
    // Its first claim sees it.
    const gb = (await c.claim(agentId, 2)).find((g) => g.plan.id === fork.id)!;
    expect(gb.step.key).toBe("b");
    expect(await gb.context()).toEqual({ data: { k1: 2, "steps.a.output": "out a" }, version: 2 });
    // The fork's INITIAL checkpoint holds it.
    expect((await store.queries.checkpoints.list(fork.id, 0, 10))[0]).toMatchObject({ reason: "INITIAL", contextVersion: 2 });

    expect(await dataOf(store, plan.id)).toEqual({ k1: 3, k2: "later", "steps.a.output": "out a" });
    expect(await store.queries.context.version(plan.id)).toBe(5);
    // Writes to one do not touch the other.
    await c.updateContext({ planId: fork.id, key: "k1", value: "fork's" }, ops);
    expect((await store.queries.context.entry(plan.id, "k1"))!.value).toBe(3);
  });
});

describe("rules read the context", () => {
  // Regression: at 301a997 the rule scope was built with `context: null` (src/engine/decide.ts),
  // so a `when` condition on `context.…` never saw the plan's shared context.
  it("a when rule on context.<key> sees the plan's shared context when its step succeeds", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(
      planReq([
        { key: "a", when: [{ if: { path: "context.mode", op: "eq", value: "fast" }, then: { skip: "slow" } }] },
        { key: "slow", dependsOn: ["a"] },
        { key: "end", dependsOn: ["a"] },
      ]),
      "t",
    );
    await c.updateContext({ planId: plan.id, key: "mode", value: "fast" }, ops);
    await c.complete((await claimOne(c, agentId)).lease.id, { ok: true });
    const steps = Object.fromEntries((await store.queries.plans.load(plan.id))!.steps.map((s) => [s.key, s.state] as const));
    expect(steps).toEqual({ a: "SUCCEEDED", slow: "SKIPPED", end: "READY" });
  });
});

describe("rules read step outputs in the context", () => {
  // BUG: context keys are flat ("steps.a.output") while a rule path is split at every dot
  // (valueAt in src/engine/conditions.ts), so `context.steps.a.output.…` reads context["steps"]
  // (absent): no rule can read another step's output from the context, nor any key with a dot.
  it("a when rule on context.steps.<key>.output.<field> sees that step's output", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(
      planReq([
        { key: "a" },
        { key: "b", dependsOn: ["a"], when: [{ if: { path: "context.steps.a.output.approved", op: "eq", value: true }, then: { skip: "c" } }] },
        { key: "c", dependsOn: ["b"] },
      ]),
      "t",
    );
    await c.complete((await claimOne(c, agentId)).lease.id, { approved: true });
    expect((await store.queries.context.entry(plan.id, "steps.a.output"))!.value).toEqual({ approved: true });
    await c.complete((await claimOne(c, agentId)).lease.id, { reviewed: true });
    const steps = Object.fromEntries((await store.queries.plans.load(plan.id))!.steps.map((s) => [s.key, s.state] as const));
    expect(steps).toEqual({ a: "SUCCEEDED", b: "SUCCEEDED", c: "SKIPPED" });
  });
});
