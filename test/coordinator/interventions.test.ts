import { describe, expect, it } from "vitest";
import { isBatonError } from "../../src/domain/errors.js";
import { rejected } from "../helpers/coordinator.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";

const by = { actor: "ops" };

describe("interventions through the coordinator", () => {
  it("pause freezes a retry backoff: the retry comes the remaining time after resume", async () => {
    const { coordinator: c, clock, store } = await makeCoordinator();
    const plan = await c.createPlan({ name: "p", steps: [{ key: "a", role: "r", retry: { initialIntervalMs: 1_000 } }] }, "t");
    const agent = await c.registerAgent({ name: "w", roles: ["r"] });
    const [g] = await c.claim(agent.id);
    await c.fail(g!.lease.id, { message: "flaky" });
    await clock.advance(400);
    expect((await c.intervene(plan.id, { kind: "PAUSE" }, by)).status).toBe("APPLIED");
    await clock.advance(60_000); // far past the backoff: frozen, nothing happens
    expect((await store.queries.plans.load(plan.id))!.steps[0]!.state).toBe("WAITING");
    await c.intervene(plan.id, { kind: "RESUME" }, by);
    await clock.advance(599);
    expect((await store.queries.plans.load(plan.id))!.steps[0]!.state).toBe("WAITING");
    await clock.advance(1);
    expect((await store.queries.plans.load(plan.id))!.steps[0]!.state).toBe("READY");
  });

  it("pause freezes a step timeout but not lease expiry; heartbeats are still accepted", async () => {
    const { coordinator: c, clock, store } = await makeCoordinator();
    const plan = await c.createPlan({ name: "p", policy: { heartbeatTimeoutMs: 10_000 }, steps: [{ key: "a", role: "r", timeoutMs: 5_000 }] }, "t");
    const agent = await c.registerAgent({ name: "w", roles: ["r"] });
    const [g] = await c.claim(agent.id);
    await clock.advance(3_000);
    await c.intervene(plan.id, { kind: "PAUSE" }, by);
    for (let i = 0; i < 4; i++) {
      await clock.advance(5_000);
      expect((await c.heartbeat(g!.lease.id, 0.5)).cancelRequested).toBe(false); // the lease lives on
    }
    expect((await store.queries.plans.load(plan.id))!.steps[0]!.state).toBe("RUNNING"); // 23 s in, timeout 5 s: frozen
    await c.intervene(plan.id, { kind: "RESUME" }, by);
    await clock.advance(1_999);
    expect((await store.queries.plans.load(plan.id))!.steps[0]!.state).toBe("RUNNING");
    await clock.advance(1);
    expect((await store.queries.attempts.list(plan.id)).map((a) => a.outcome)).toEqual(["TIMED_OUT"]);
  });

  it("a paused plan hands out no work; a running attempt may still finish and its result is kept", async () => {
    const { coordinator: c, store } = await makeCoordinator();
    const plan = await c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }, { key: "b", role: "r", dependsOn: ["a"] }] }, "t");
    const agent = await c.registerAgent({ name: "w", roles: ["r"], concurrency: 2 });
    const [g] = await c.claim(agent.id);
    await c.intervene(plan.id, { kind: "PAUSE" }, by);
    await c.complete(g!.lease.id, { kept: true });
    expect(await c.claim(agent.id)).toEqual([]);
    const waiting = c.claim(agent.id, 1, 10_000);
    await waitFor(() => c.waitingClaims === 1);
    await c.intervene(plan.id, { kind: "RESUME" }, by); // wakes the waiting claim
    expect((await waiting).map((x) => x.step.key)).toEqual(["b"]);
    expect((await store.queries.plans.load(plan.id))!.steps[0]!.output).toEqual({ kept: true });
  });

  it("cancel: heartbeats learn cancelRequested and the late completion is refused", async () => {
    const { coordinator: c, store } = await makeCoordinator();
    const plan = await c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "t");
    const agent = await c.registerAgent({ name: "w", roles: ["r"] });
    const [g] = await c.claim(agent.id);
    await c.intervene(plan.id, { kind: "CANCEL" }, { actor: "ops", reason: "wrong input" });
    expect((await c.heartbeat(g!.lease.id)).cancelRequested).toBe(true);
    const refused = await rejected(c.complete(g!.lease.id, 1));
    expect(isBatonError(refused) && refused.code).toBe("CONFLICT");
    expect((await store.queries.plans.load(plan.id))!.plan.state).toBe("CANCELLED");
  });

  it("two interventions on the same expectedVersion: exactly one applies", async () => {
    const { coordinator: c, store } = await makeCoordinator();
    const plan = await c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }, { key: "b", role: "r" }] }, "t");
    const v = (await store.queries.plans.load(plan.id))!.plan.version;
    const first = await c.intervene(plan.id, { kind: "SKIP_STEP", stepKey: "a" }, { actor: "alice", expectedVersion: v });
    const second = await c.intervene(plan.id, { kind: "MODIFY_STEP", stepKey: "b", patch: { input: 2 } }, { actor: "bob", expectedVersion: v });
    expect([first.status, second.status]).toEqual(["APPLIED", "REJECTED"]);
    expect(second).toMatchObject({ rejectionCode: "VERSION_CONFLICT", planVersion: v + 1, actor: "bob" });
    expect((await store.queries.plans.load(plan.id))!.steps[1]!.input).toBeNull();
  });

  it("an unknown plan is NOT_FOUND and a malformed patch BAD_USER_INPUT; neither is recorded", async () => {
    const { coordinator: c, store } = await makeCoordinator();
    const plan = await c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "t");
    const codeOf = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return isBatonError(e) ? e.code : String(e);
      }
      return "no error";
    };
    expect(await codeOf(c.intervene("plan_missing", { kind: "PAUSE" }, by))).toBe("NOT_FOUND");
    expect(await codeOf(c.intervene(plan.id, { kind: "MODIFY_STEP", stepKey: "a", patch: { timeoutMs: -1 } }, by))).toBe("BAD_USER_INPUT");
    expect(await store.queries.interventions.list(null, 0, 10)).toEqual([]);
  });
});

describe("structural edits through the coordinator", () => {
  it("reorder decides which READY step is claimed first; add and remove are saved", async () => {
    const { coordinator: c, store, clock } = await makeCoordinator();
    const plan = await c.createPlan({ name: "p", policy: { maxParallel: 5 }, steps: [{ key: "a", role: "r" }, { key: "b", role: "r" }, { key: "c", role: "r" }] }, "t");
    await clock.advance(10);
    expect((await c.intervene(plan.id, { kind: "REORDER_STEPS", order: ["c", "b", "a"] }, by)).status).toBe("APPLIED");
    expect((await c.intervene(plan.id, { kind: "ADD_STEP", step: { key: "z", role: "r", dependsOn: ["a"] }, after: "b" }, by)).status).toBe("APPLIED");
    expect((await c.intervene(plan.id, { kind: "REMOVE_STEP", stepKey: "z" }, by)).status).toBe("APPLIED");
    const agent = await c.registerAgent({ name: "w", roles: ["r"], concurrency: 3 });
    const grants = [];
    for (let i = 0; i < 3; i++) grants.push(...(await c.claim(agent.id, 1)));
    expect(grants.map((g) => g.step.key)).toEqual(["c", "b", "a"]);
    store.queries.plans.forgetAll(); // read back from the database
    expect((await store.queries.plans.load(plan.id))!.steps.map((s) => `${s.position}:${s.key}`)).toEqual(["0:c", "1:b", "2:a"]);
  });

  it("a new step's bad values are BAD_USER_INPUT and record nothing", async () => {
    const { coordinator: c, store } = await makeCoordinator();
    const plan = await c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "t");
    await expect(c.intervene(plan.id, { kind: "ADD_STEP", step: { key: "bad key!", role: "", timeoutMs: 0 } }, by)).rejects.toThrow(/3 problems/);
    expect(await store.queries.interventions.list(plan.id, 0, 10)).toEqual([]);
  });
});
