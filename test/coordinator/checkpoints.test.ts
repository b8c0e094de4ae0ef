/**
 * Checkpoints and time travel through the coordinator (in-memory SQLite, manual clock):
 * automatic checkpoints and their signals, restore round trips, restore with work running,
 * restore of a paused plan, refused restores, forks, and retention with a small keep.
 */
import { describe, expect, it } from "vitest";
import type { Coordinator } from "../../src/coordinator/coordinator.js";
import { isBatonError } from "../../src/domain/errors.js";
import type { Json, PlanAggregate } from "../../src/domain/model.js";
import type { CheckpointRecord } from "../../src/store/checkpoints.js";
import type { Store } from "../../src/store/store.js";
import { allSignals, claimOne, planReq, rejected } from "../helpers/coordinator.js";
import { makeCoordinator } from "../helpers/fixtures.js";

const by = { actor: "ops" };

/** A coordinator with one agent of role "r" (concurrency 4). */
async function setup(opts: { checkpointKeep?: number } = {}) {
  const env = await makeCoordinator(opts);
  const agent = await env.coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 4 });
  return { ...env, agentId: agent.id };
}

/** Claims the one READY step, checks it is `key`, completes it with `output`. */
async function runStep(c: Coordinator, agentId: string, key: string, output: Json): Promise<void> {
  const g = await claimOne(c, agentId);
  expect(g.step.key).toBe(key);
  await c.complete(g.lease.id, output);
}

const checkpointsOf = (store: Store, planId: string): Promise<CheckpointRecord[]> => store.queries.checkpoints.list(planId, 0, 10_000);
const load = async (store: Store, planId: string): Promise<PlanAggregate> => (await store.queries.plans.load(planId))!;

/** What a run decides, without times, versions, attempt counts or leases. */
const outcome = (a: PlanAggregate) => ({
  state: a.plan.state,
  result: a.plan.result,
  error: a.plan.error,
  steps: a.steps.map((s) => ({ key: s.key, position: s.position, state: s.state, input: s.input, output: s.output, error: s.error, quality: s.quality, leaseId: s.leaseId })),
});

const OUT = { a: { text: "from a" }, b: { n: [1, 2, 3] }, c: { done: true, by: "c" } };
const chainABC = () => planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }, { key: "c", dependsOn: ["b"] }]);

describe("automatic and manual checkpoints", () => {
  it("INITIAL at start, STEP per completion (with its step), PAUSE on pause, MANUAL with a label on demand", async () => {
    const { coordinator: c, store, clock, agentId } = await setup();
    const plan = await c.createPlan(chainABC(), "t");
    expect((await checkpointsOf(store, plan.id)).map((k) => k.reason)).toEqual(["INITIAL"]);
    expect((await checkpointsOf(store, plan.id))[0]).toMatchObject({ planId: plan.id, stepKey: null, label: null, planVersion: (await load(store, plan.id)).plan.version });

    await clock.advance(10);
    await runStep(c, agentId, "a", OUT.a);
    const afterA = (await checkpointsOf(store, plan.id)).at(-1)!;
    expect(afterA).toMatchObject({ reason: "STEP", stepKey: "a", planVersion: (await load(store, plan.id)).plan.version, createdAt: clock.now() });
    expect(await store.queries.checkpoints.aggregate(afterA.id)).toEqual(await load(store, plan.id)); // taken from the plan as it is now

    // a failed attempt, a claim, a resume: no checkpoint
    const g = await claimOne(c, agentId);
    await c.fail(g.lease.id, { message: "flaky" });
    expect(await checkpointsOf(store, plan.id)).toHaveLength(2);

    expect((await c.intervene(plan.id, { kind: "PAUSE" }, by)).status).toBe("APPLIED");
    expect((await checkpointsOf(store, plan.id)).at(-1)).toMatchObject({ reason: "PAUSE", stepKey: null });
    expect((await store.queries.checkpoints.aggregate((await checkpointsOf(store, plan.id)).at(-1)!.id))!.plan.state).toBe("PAUSED");
    await c.intervene(plan.id, { kind: "RESUME" }, by);

    const manual = await c.createCheckpoint(plan.id, "before b", "alice");
    expect(manual).toMatchObject({ reason: "MANUAL", label: "before b", stepKey: null, planId: plan.id, planVersion: (await load(store, plan.id)).plan.version });
    expect((await checkpointsOf(store, plan.id)).map((k) => k.reason)).toEqual(["INITIAL", "STEP", "PAUSE", "MANUAL"]);
    expect(await store.queries.checkpoints.aggregate(manual.id)).toEqual(await load(store, plan.id));
  });

  it("each INITIAL, PAUSE and MANUAL checkpoint is announced by a CHECKPOINT_CREATED signal, after what it includes", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(chainABC(), "t");
    await runStep(c, agentId, "a", OUT.a);
    await c.intervene(plan.id, { kind: "PAUSE" }, by);
    await c.intervene(plan.id, { kind: "RESUME" }, by);
    await c.createCheckpoint(plan.id, "mine", "alice");
    const signals = await allSignals(store, plan.id);
    const created = signals.filter((s) => s.kind === "CHECKPOINT_CREATED");
    const all = await checkpointsOf(store, plan.id);
    // every announced checkpoint exists; every checkpoint but STEP ones (announced by their STEP_SUCCEEDED, or not) is announced once
    for (const s of created) expect(all.some((k) => k.id === (s.payload as { checkpointId: string }).checkpointId)).toBe(true);
    for (const k of all.filter((x) => x.reason !== "STEP")) {
      const mine = created.filter((s) => (s.payload as { checkpointId: string }).checkpointId === k.id);
      expect(mine, k.reason).toHaveLength(1);
      expect(mine[0]!.payload).toEqual({ checkpointId: k.id, reason: k.reason, label: k.label });
      // the checkpoint includes every signal before its announcement, not the announcement itself
      expect(k.sequence).toBe(mine[0]!.sequence - 1);
    }
    const manual = created.find((s) => (s.payload as { reason: string }).reason === "MANUAL")!;
    expect(manual.sender).toBe("alice");
    // a STEP checkpoint includes the completion it follows
    const stepA = all.find((k) => k.reason === "STEP")!;
    const succeeded = signals.find((s) => s.kind === "STEP_SUCCEEDED" && s.stepKey === "a")!;
    expect(stepA.sequence).toBeGreaterThanOrEqual(succeeded.sequence);
  });

  it("completions committed in one transaction share one STEP checkpoint (the last step's), holding all of them", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b" }, { key: "c", dependsOn: ["a", "b"] }]), "t");
    const grants = await c.claim(agentId, 2);
    expect(grants.map((g) => g.step.key).sort()).toEqual(["a", "b"]);
    const results = await c.reportMany(grants.map((g) => ({ kind: "complete" as const, leaseId: g.lease.id, output: g.step.key })));
    expect(results.every((r) => !isBatonError(r))).toBe(true);
    const steps = (await checkpointsOf(store, plan.id)).filter((k) => k.reason === "STEP");
    expect(steps).toHaveLength(1);
    expect(steps[0]!.stepKey).toBe(grants[1]!.step.key);
    expect(await store.queries.checkpoints.aggregate(steps[0]!.id)).toEqual(await load(store, plan.id));
    // a refused report in the batch (its savepoint undone) takes nothing with it
    const [gc] = await c.claim(agentId, 1);
    const mixed = await c.reportMany([
      { kind: "complete", leaseId: "lease_unknown", output: 1 },
      { kind: "complete", leaseId: gc!.lease.id, output: "c" },
    ]);
    expect(isBatonError(mixed[0]) && mixed[0].code).toBe("CONFLICT");
    const last = (await checkpointsOf(store, plan.id)).at(-1)!;
    expect(last).toMatchObject({ reason: "STEP", stepKey: "c" });
    expect(await store.queries.checkpoints.aggregate(last.id)).toEqual(await load(store, plan.id));
    expect((await load(store, plan.id)).plan.state).toBe("COMPLETED");
  });

  it("createCheckpoint of an unknown plan is NOT_FOUND", async () => {
    const { coordinator: c } = await setup();
    const e = await rejected(c.createCheckpoint("plan_missing", null, "t"));
    expect(isBatonError(e) && e.code).toBe("NOT_FOUND");
  });
});

describe("restoreCheckpoint", () => {
  it("round trip: restore to the checkpoint after a, run b and c again → the same final plan as the uninterrupted run", async () => {
    const { coordinator: c, store, clock, agentId } = await setup();
    const plan = await c.createPlan(chainABC(), "t");
    for (const key of ["a", "b", "c"] as const) {
      await clock.advance(5);
      await runStep(c, agentId, key, OUT[key]);
    }
    const finished = await load(store, plan.id);
    expect(finished.plan.state).toBe("COMPLETED");
    const signalsBefore = await allSignals(store, plan.id);
    const tracesBefore = await store.queries.attempts.list(plan.id);
    const checkpointsBefore = await checkpointsOf(store, plan.id);
    const afterA = checkpointsBefore.find((k) => k.reason === "STEP" && k.stepKey === "a")!;

    await clock.advance(1_000);
    const restored = await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: afterA.id }, { actor: "ops", reason: "redo b" });
    expect(restored).toMatchObject({ status: "APPLIED", kind: "RESTORE_CHECKPOINT", actor: "ops", reason: "redo b" });
    expect(restored.diff).toMatchObject({ checkpointId: afterA.id });
    expect(Object.keys((restored.diff as { steps: Record<string, Json> }).steps).sort()).toEqual(["b", "c"]);

    const rewound = await load(store, plan.id);
    expect(rewound.plan).toMatchObject({ state: "RUNNING", result: null, finishedAt: null });
    expect(rewound.plan.version).toBeGreaterThan(finished.plan.version);
    expect(rewound.steps.map((s) => [s.key, s.state, s.output])).toEqual([
      ["a", "SUCCEEDED", OUT.a],
      ["b", "READY", null],
      ["c", "PENDING", null],
    ]);
    const restoreCkp = (await checkpointsOf(store, plan.id)).at(-1)!;
    expect(restoreCkp).toMatchObject({ reason: "RESTORE", planVersion: rewound.plan.version });
    expect(await store.queries.checkpoints.aggregate(restoreCkp.id)).toEqual(rewound);

    for (const key of ["b", "c"] as const) {
      await clock.advance(5);
      await runStep(c, agentId, key, OUT[key]);
    }
    const rerun = await load(store, plan.id);
    expect(outcome(rerun)).toEqual(outcome(finished));
    expect(rerun.plan.version).toBeGreaterThan(rewound.plan.version);
    // new attempts, numbered on
    expect(rerun.steps.map((s) => s.attempts)).toEqual([1, 2, 2]);

    // history is kept: the abandoned branch's signals, traces and checkpoints are all still there
    const signalsAfter = await allSignals(store, plan.id);
    expect(signalsAfter.slice(0, signalsBefore.length)).toEqual(signalsBefore);
    expect(signalsAfter.filter((s) => s.kind === "PLAN_COMPLETED")).toHaveLength(2);
    expect(signalsAfter.filter((s) => s.kind === "STEP_SUCCEEDED").map((s) => s.stepKey)).toEqual(["a", "b", "c", "b", "c"]);
    const tracesAfter = await store.queries.attempts.list(plan.id);
    expect(tracesAfter.slice(0, tracesBefore.length)).toEqual(tracesBefore);
    expect(tracesAfter.map((t) => `${t.stepKey}${t.attempt}:${t.outcome}`)).toEqual(["a1:SUCCEEDED", "b1:SUCCEEDED", "c1:SUCCEEDED", "b2:SUCCEEDED", "c2:SUCCEEDED"]);
    expect((await checkpointsOf(store, plan.id)).slice(0, checkpointsBefore.length)).toEqual(checkpointsBefore);
    expect((await checkpointsOf(store, plan.id)).map((k) => `${k.reason}:${k.stepKey ?? ""}`)).toEqual([
      "INITIAL:",
      "STEP:a",
      "STEP:b",
      "STEP:c",
      "RESTORE:",
      "STEP:b",
      "STEP:c",
    ]);
  });

  it("round trip from INITIAL after a completed run", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(chainABC(), "t");
    for (const key of ["a", "b", "c"] as const) await runStep(c, agentId, key, OUT[key]);
    const finished = await load(store, plan.id);
    const initial = (await checkpointsOf(store, plan.id))[0]!;
    expect((await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: initial.id }, by)).status).toBe("APPLIED");
    expect((await load(store, plan.id)).steps.map((s) => s.state)).toEqual(["READY", "PENDING", "PENDING"]);
    for (const key of ["a", "b", "c"] as const) await runStep(c, agentId, key, OUT[key]);
    expect(outcome(await load(store, plan.id))).toEqual(outcome(finished));
  });

  it("restore gives a step that had not started at the checkpoint its whole retry budget again", async () => {
    // BUG (src/engine/interventions.ts, RESTORE_CHECKPOINT): a step PENDING at the checkpoint keeps
    // attemptBase from the checkpoint but attempts = max(then, now), so the attempts it made in the
    // abandoned branch count against maxAttempts after the restore; a READY step gets a fresh budget.
    const { coordinator: c, store, agentId } = await setup();
    const req = planReq([{ key: "a" }, { key: "b", dependsOn: ["a"], retry: { maxAttempts: 2, initialIntervalMs: 0 } }]);
    const plan = await c.createPlan(req, "t");
    await runStep(c, agentId, "a", 1);
    await runStep(c, agentId, "b", 2); // b succeeds at once: COMPLETED
    expect((await load(store, plan.id)).plan.state).toBe("COMPLETED");

    // the same plan, uninterrupted, where b's first attempt fails: it is retried
    const fresh = await c.createPlan(req, "t");
    await runStep(c, agentId, "a", 1);
    await c.fail((await claimOne(c, agentId)).lease.id, { message: "flaky" });
    expect((await load(store, fresh.id)).steps[1]!.state).toBe("READY");
    await c.intervene(fresh.id, { kind: "CANCEL" }, by); // out of the way of the claims below

    const initial = (await checkpointsOf(store, plan.id))[0]!;
    expect((await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: initial.id }, by)).status).toBe("APPLIED");
    await runStep(c, agentId, "a", 1);
    const g = await claimOne(c, agentId);
    expect(g.step.key).toBe("b");
    await c.fail(g.lease.id, { message: "flaky" });
    expect((await load(store, plan.id)).steps[1]!.state).toBe("READY"); // one of two attempts used since the restore
    expect((await load(store, plan.id)).plan.state).toBe("RUNNING");
  });

  it("revokes the lease of a step running now: heartbeat → cancelRequested, completion → CONFLICT; the step runs again", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(chainABC(), "t");
    await runStep(c, agentId, "a", OUT.a);
    const afterA = (await checkpointsOf(store, plan.id)).at(-1)!;
    const running = await claimOne(c, agentId); // b
    expect(running.step.key).toBe("b");

    expect((await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: afterA.id }, by)).status).toBe("APPLIED");
    expect((await c.heartbeat(running.lease.id)).cancelRequested).toBe(true);
    const late = await rejected(c.complete(running.lease.id, "too late"));
    expect(isBatonError(late) && late.code).toBe("CONFLICT");
    expect((await store.queries.attempts.get(running.lease.id))!.outcome).toBe("CANCELLED");
    const b = (await load(store, plan.id)).steps[1]!;
    expect(b).toMatchObject({ state: "READY", leaseId: null, agentId: null, output: null });

    const again = await claimOne(c, agentId);
    expect(again.step.key).toBe("b");
    expect(again.lease.id).not.toBe(running.lease.id);
    expect(again.lease.attempt).toBe(2);
    await c.complete(again.lease.id, OUT.b);
    await runStep(c, agentId, "c", OUT.c);
    const done = await load(store, plan.id);
    expect(done.plan.state).toBe("COMPLETED");
    expect(done.steps.map((s) => s.output)).toEqual([OUT.a, OUT.b, OUT.c]);
    expect((await store.queries.attempts.list(plan.id, "b")).map((t) => t.outcome)).toEqual(["CANCELLED", "SUCCEEDED"]);
  });

  it("a PAUSED plan stays PAUSED: nothing is claimed until it is resumed", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(chainABC(), "t");
    await runStep(c, agentId, "a", OUT.a);
    await runStep(c, agentId, "b", OUT.b);
    const afterA = (await checkpointsOf(store, plan.id)).find((k) => k.stepKey === "a")!;
    await c.intervene(plan.id, { kind: "PAUSE" }, by);
    const r = await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: afterA.id }, by);
    expect(r.status).toBe("APPLIED");
    const a = await load(store, plan.id);
    expect(a.plan.state).toBe("PAUSED");
    expect(a.plan.pausedAt).not.toBeNull();
    expect(a.steps.map((s) => s.state)).toEqual(["SUCCEEDED", "READY", "PENDING"]);
    expect((await checkpointsOf(store, plan.id)).at(-1)).toMatchObject({ reason: "RESTORE" });
    expect(await c.claim(agentId)).toEqual([]);
    await c.intervene(plan.id, { kind: "RESUME" }, by);
    await runStep(c, agentId, "b", OUT.b);
    await runStep(c, agentId, "c", OUT.c);
    expect((await load(store, plan.id)).plan.state).toBe("COMPLETED");
  });

  it("a checkpoint of another plan, or an unknown one, is REJECTED with NOT_FOUND and changes nothing", async () => {
    const { coordinator: c, store } = await setup();
    const plan = await c.createPlan(chainABC(), "t");
    const other = await c.createPlan(chainABC(), "t");
    const foreign = (await checkpointsOf(store, other.id))[0]!;
    const before = await load(store, plan.id);
    for (const checkpointId of [foreign.id, "ckp_missing"]) {
      const r = await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId }, by);
      expect(r).toMatchObject({ status: "REJECTED", rejectionCode: "NOT_FOUND", kind: "RESTORE_CHECKPOINT", planVersion: before.plan.version, diff: null });
      expect(r.args).toEqual({ checkpointId });
    }
    expect(await load(store, plan.id)).toEqual(before);
    expect((await checkpointsOf(store, plan.id)).map((k) => k.reason)).toEqual(["INITIAL"]);
    expect((await allSignals(store, plan.id)).filter((s) => s.kind === "INTERVENTION_REJECTED")).toHaveLength(2);
  });

  it("a restore never leaves a RUNNING plan with nothing it can run", async () => {
    // BUG (src/engine/interventions.ts, RESTORE_CHECKPOINT): a checkpoint that holds a FAILED
    // (or CANCELLED) plan (a MANUAL one taken after the failure, or a STEP one whose transaction
    // also failed a step) restores FAILED/CANCELLED steps under a RUNNING plan: nothing is READY
    // or RUNNING, promotion cannot complete it, and it stays RUNNING until someone retries a step.
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(planReq([{ key: "a", retry: { maxAttempts: 1 } }, { key: "b", dependsOn: ["a"] }]), "t");
    await c.fail((await claimOne(c, agentId)).lease.id, { message: "broken" });
    expect((await load(store, plan.id)).plan.state).toBe("FAILED");
    const failed = await c.createCheckpoint(plan.id, "after the failure", "t");
    const r = await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: failed.id }, by);
    const after = await load(store, plan.id);
    if (r.status === "REJECTED") expect(r.rejectionCode).toBe("INVALID_STATE");
    else if (after.plan.state === "RUNNING") expect(after.steps.some((s) => s.state === "READY")).toBe(true);
  });

  it("a plan that has not started is not started by a restore", async () => {
    // BUG (src/engine/interventions.ts, RESTORE_CHECKPOINT): no plan-state precondition; an IDLE
    // plan becomes RUNNING with startedAt null, without PLAN_STARTED or an INITIAL checkpoint.
    const { coordinator: c, store } = await setup();
    const plan = await c.createPlan({ ...chainABC(), start: false }, "t");
    const manual = await c.createCheckpoint(plan.id, "idle", "t");
    const r = await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: manual.id }, by);
    const after = (await load(store, plan.id)).plan;
    if (r.status === "APPLIED") expect(after.state).toBe("IDLE");
    else expect(r.rejectionCode).toBe("INVALID_STATE");
    if (after.state === "RUNNING") expect(after.startedAt).not.toBeNull();
  });

  it("an unknown plan is a NOT_FOUND error and records nothing", async () => {
    const { coordinator: c, store } = await setup();
    const e = await rejected(c.intervene("plan_missing", { kind: "RESTORE_CHECKPOINT", checkpointId: "ckp_x" }, by));
    expect(isBatonError(e) && e.code).toBe("NOT_FOUND");
    expect(await store.queries.interventions.list(null, 0, 10)).toEqual([]);
  });

  it("restores the structure too: steps added since are removed, steps removed since come back", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }, { key: "x", dependsOn: ["b"] }]), "t");
    const initial = (await checkpointsOf(store, plan.id))[0]!;
    await c.intervene(plan.id, { kind: "REMOVE_STEP", stepKey: "x" }, by);
    await c.intervene(plan.id, { kind: "ADD_STEP", step: { key: "n", role: "r", dependsOn: ["a"] }, after: "a" }, by);
    expect((await load(store, plan.id)).steps.map((s) => s.key)).toEqual(["a", "n", "b"]);
    const r = await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: initial.id }, by);
    expect(r.status).toBe("APPLIED");
    expect((r.diff as { steps: Record<string, Json> }).steps).toMatchObject({ n: { after: null }, x: { before: null } });
    store.queries.plans.forgetAll(); // as saved
    expect((await load(store, plan.id)).steps.map((s) => `${s.position}:${s.key}`)).toEqual(["0:a", "1:b", "2:x"]);
    for (const key of ["a", "b", "x"]) await runStep(c, agentId, key, key);
    expect((await load(store, plan.id)).plan).toMatchObject({ state: "COMPLETED", result: "x" });
  });
});

describe("forkFromCheckpoint", () => {
  it("a new plan from the checkpoint's state: finished steps keep their outputs, the others run; the original is untouched", async () => {
    const { coordinator: c, store, clock, agentId } = await setup();
    const plan = await c.createPlan({ ...chainABC(), name: "orig", labels: ["x"] }, "t");
    await runStep(c, agentId, "a", OUT.a);
    await runStep(c, agentId, "b", OUT.b);
    const afterB = (await checkpointsOf(store, plan.id)).find((k) => k.stepKey === "b")!;
    await runStep(c, agentId, "c", OUT.c);
    const original = await load(store, plan.id);
    const originalCheckpoints = await checkpointsOf(store, plan.id);

    await clock.advance(60_000);
    const fork = await c.forkFromCheckpoint(afterB.id, null, "bob");
    expect(fork.id).not.toBe(plan.id);
    expect(fork).toMatchObject({ name: "orig (fork)", forkedFrom: afterB.id, state: "RUNNING", labels: ["x"], createdAt: clock.now(), finishedAt: null, result: null });
    const f = await load(store, fork.id);
    expect(f.steps.map((s) => [s.key, s.state, s.output])).toEqual([
      ["a", "SUCCEEDED", OUT.a],
      ["b", "SUCCEEDED", OUT.b],
      ["c", "READY", null],
    ]);
    expect(f.steps[2]!.attempts).toBe(0);
    expect((await allSignals(store, fork.id)).find((s) => s.kind === "PLAN_CREATED")).toMatchObject({ sender: "bob", payload: { name: "orig (fork)", forkedFrom: afterB.id } });
    expect((await checkpointsOf(store, fork.id)).map((k) => k.reason)).toEqual(["INITIAL"]);

    // only the fork runs c; the original is exactly as it was
    await runStep(c, agentId, "c", { other: "result" });
    expect((await load(store, fork.id)).plan).toMatchObject({ state: "COMPLETED", result: { other: "result" } });
    expect(await load(store, plan.id)).toEqual(original);
    expect(await checkpointsOf(store, plan.id)).toEqual(originalCheckpoints);
    expect(await store.queries.attempts.list(plan.id)).toHaveLength(3);
    expect(await store.queries.attempts.list(fork.id)).toHaveLength(1);
  });

  it("a step running at the checkpoint starts afresh in the fork; a name can be given", async () => {
    const { coordinator: c, store, agentId } = await setup();
    const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b" }, { key: "c", dependsOn: ["a", "b"] }]), "t");
    const ga = await claimOne(c, agentId);
    const gb = await claimOne(c, agentId);
    await c.complete(ga.lease.id, "A"); // STEP checkpoint with b RUNNING
    const ckp = (await checkpointsOf(store, plan.id)).at(-1)!;
    expect((await store.queries.checkpoints.aggregate(ckp.id))!.steps.find((s) => s.key === gb.step.key)!.state).toBe("RUNNING");
    const fork = await c.forkFromCheckpoint(ckp.id, "second try", "t");
    expect(fork.name).toBe("second try");
    const steps = (await load(store, fork.id)).steps;
    const b = steps.find((s) => s.key === gb.step.key)!;
    expect(b).toMatchObject({ state: "READY", attempts: 0, leaseId: null, agentId: null, startedAt: null });
    expect(steps.find((s) => s.key === ga.step.key)).toMatchObject({ state: "SUCCEEDED", output: "A" });
    // the original's running lease is not touched
    expect((await c.heartbeat(gb.lease.id)).cancelRequested).toBe(false);
  });

  it("an unknown checkpoint is a NOT_FOUND error and creates nothing", async () => {
    const { coordinator: c, store } = await setup();
    const e = await rejected(c.forkFromCheckpoint("ckp_missing", null, "t"));
    expect(isBatonError(e) && e.code).toBe("NOT_FOUND");
    expect((await store.queries.plans.list({}, 10, null)).total).toBe(0);
  });
});

describe("retention", () => {
  it("keeps INITIAL, MANUAL, PAUSE, RESTORE and the last N STEP checkpoints; restore to a kept one still works", async () => {
    const keys = ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"];
    const { coordinator: c, store, agentId } = await setup({ checkpointKeep: 3 });
    const plan = await c.createPlan(planReq(keys.map((key, i) => ({ key, dependsOn: i ? [keys[i - 1]!] : [] }))), "t");
    const outputs = (key: string) => ({ key, half: key.length / 2 });
    for (const key of keys.slice(0, 3)) await runStep(c, agentId, key, outputs(key));
    await c.createCheckpoint(plan.id, "three done", "t");
    await c.intervene(plan.id, { kind: "PAUSE" }, by);
    await c.intervene(plan.id, { kind: "RESUME" }, by);
    for (const key of keys.slice(3)) await runStep(c, agentId, key, outputs(key));
    const finished = await load(store, plan.id);
    expect(finished.plan.state).toBe("COMPLETED");

    const kept = await checkpointsOf(store, plan.id);
    expect(kept.map((k) => `${k.reason}:${k.stepKey ?? k.label ?? ""}`)).toEqual(["INITIAL:", "MANUAL:three done", "PAUSE:", "STEP:s5", "STEP:s6", "STEP:s7"]);
    expect((await store.queries.checkpoints.bytes(plan.id)).count).toBe(6);

    // restore to the oldest kept STEP checkpoint, and run again to the same end
    const s5 = kept.find((k) => k.stepKey === "s5")!;
    expect((await store.queries.checkpoints.aggregate(s5.id))!.steps.map((s) => s.state)).toEqual([...Array(6).fill("SUCCEEDED"), "READY", "PENDING"]);
    expect((await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: s5.id }, by)).status).toBe("APPLIED");
    for (const key of keys.slice(6)) await runStep(c, agentId, key, outputs(key));
    expect(outcome(await load(store, plan.id))).toEqual(outcome(finished));

    // the MANUAL one, from before anything was pruned, too
    const manual = kept.find((k) => k.reason === "MANUAL")!;
    expect((await store.queries.checkpoints.aggregate(manual.id))!.steps.map((s) => s.output)).toEqual([...keys.slice(0, 3).map(outputs), ...Array(5).fill(null)]);
    expect((await c.intervene(plan.id, { kind: "RESTORE_CHECKPOINT", checkpointId: manual.id }, by)).status).toBe("APPLIED");
    for (const key of keys.slice(3)) await runStep(c, agentId, key, outputs(key));
    expect(outcome(await load(store, plan.id))).toEqual(outcome(finished));
    // after all that, still only the last 3 STEP checkpoints, and every RESTORE kept
    const end = await checkpointsOf(store, plan.id);
    expect(end.filter((k) => k.reason === "STEP")).toHaveLength(3);
    expect(end.filter((k) => k.reason === "RESTORE")).toHaveLength(2);
    for (const k of end) expect((await store.queries.checkpoints.aggregate(k.id))!.plan.id).toBe(plan.id);
  });
});
