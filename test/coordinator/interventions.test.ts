import { describe, expect, it } from "vitest";
import { isBatonError } from "../../src/domain/errors.js";
import { makeCoordinator } from "../helpers/fixtures.js";

const by = { actor: "ops" };

describe("interventions through the coordinator", () => {
  it("pause freezes a retry backoff: the retry comes the remaining time after resume", async () => {
    const { coordinator: c, clock, store } = makeCoordinator();
    const plan = c.createPlan({ name: "p", steps: [{ key: "a", role: "r", retry: { initialIntervalMs: 1_000 } }] }, "t");
    const agent = c.registerAgent({ name: "w", roles: ["r"] });
    const [g] = await c.claim(agent.id);
    c.fail(g!.lease.id, { message: "flaky" });
    clock.advance(400);
    expect(c.intervene(plan.id, { kind: "PAUSE" }, by).status).toBe("APPLIED");
    clock.advance(60_000); // far past the backoff: frozen, nothing happens
    expect(store.plans.load(plan.id)!.steps[0]!.state).toBe("WAITING");
    c.intervene(plan.id, { kind: "RESUME" }, by);
    clock.advance(599);
    expect(store.plans.load(plan.id)!.steps[0]!.state).toBe("WAITING");
    clock.advance(1);
    expect(store.plans.load(plan.id)!.steps[0]!.state).toBe("READY");
  });

  it("pause freezes a step timeout but not lease expiry; heartbeats are still accepted", async () => {
    const { coordinator: c, clock, store } = makeCoordinator();
    const plan = c.createPlan({ name: "p", policy: { heartbeatTimeoutMs: 10_000 }, steps: [{ key: "a", role: "r", timeoutMs: 5_000 }] }, "t");
    const agent = c.registerAgent({ name: "w", roles: ["r"] });
    const [g] = await c.claim(agent.id);
    clock.advance(3_000);
    c.intervene(plan.id, { kind: "PAUSE" }, by);
    for (let i = 0; i < 4; i++) {
      clock.advance(5_000);
      expect(c.heartbeat(g!.lease.id, 0.5).cancelRequested).toBe(false); // the lease lives on
    }
    expect(store.plans.load(plan.id)!.steps[0]!.state).toBe("RUNNING"); // 23 s in, timeout 5 s: frozen
    c.intervene(plan.id, { kind: "RESUME" }, by);
    clock.advance(1_999);
    expect(store.plans.load(plan.id)!.steps[0]!.state).toBe("RUNNING");
    clock.advance(1);
    expect(store.attempts.list(plan.id).map((a) => a.outcome)).toEqual(["TIMED_OUT"]);
  });

  it("a paused plan hands out no work; a running attempt may still finish and its result is kept", async () => {
    const { coordinator: c, store } = makeCoordinator();
    const plan = c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }, { key: "b", role: "r", dependsOn: ["a"] }] }, "t");
    const agent = c.registerAgent({ name: "w", roles: ["r"], concurrency: 2 });
    const [g] = await c.claim(agent.id);
    c.intervene(plan.id, { kind: "PAUSE" }, by);
    c.complete(g!.lease.id, { kept: true });
    expect(await c.claim(agent.id)).toEqual([]);
    const waiting = c.claim(agent.id, 1, 10_000);
    c.intervene(plan.id, { kind: "RESUME" }, by); // wakes the waiting claim
    expect((await waiting).map((x) => x.step.key)).toEqual(["b"]);
    expect(store.plans.load(plan.id)!.steps[0]!.output).toEqual({ kept: true });
  });

  it("cancel: heartbeats learn cancelRequested and the late completion is refused", async () => {
    const { coordinator: c, store } = makeCoordinator();
    const plan = c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "t");
    const agent = c.registerAgent({ name: "w", roles: ["r"] });
    const [g] = await c.claim(agent.id);
    c.intervene(plan.id, { kind: "CANCEL" }, { actor: "ops", reason: "wrong input" });
    expect(c.heartbeat(g!.lease.id).cancelRequested).toBe(true);
    let refused: unknown;
    try {
      c.complete(g!.lease.id, 1);
    } catch (e) {
      refused = e;
    }
    expect(isBatonError(refused) && refused.code).toBe("CONFLICT");
    expect(store.plans.load(plan.id)!.plan.state).toBe("CANCELLED");
  });

  it("two interventions on the same expectedVersion: exactly one applies", () => {
    const { coordinator: c, store } = makeCoordinator();
    const plan = c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }, { key: "b", role: "r" }] }, "t");
    const v = store.plans.load(plan.id)!.plan.version;
    const first = c.intervene(plan.id, { kind: "SKIP_STEP", stepKey: "a" }, { actor: "alice", expectedVersion: v });
    const second = c.intervene(plan.id, { kind: "MODIFY_STEP", stepKey: "b", patch: { input: 2 } }, { actor: "bob", expectedVersion: v });
    expect([first.status, second.status]).toEqual(["APPLIED", "REJECTED"]);
    expect(second).toMatchObject({ rejectionCode: "VERSION_CONFLICT", planVersion: v + 1, actor: "bob" });
    expect(store.plans.load(plan.id)!.steps[1]!.input).toBeNull();
  });

  it("an unknown plan is NOT_FOUND and a malformed patch BAD_USER_INPUT; neither is recorded", () => {
    const { coordinator: c, store } = makeCoordinator();
    const plan = c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "t");
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isBatonError(e) ? e.code : String(e);
      }
      return "no error";
    };
    expect(codeOf(() => c.intervene("plan_missing", { kind: "PAUSE" }, by))).toBe("NOT_FOUND");
    expect(codeOf(() => c.intervene(plan.id, { kind: "MODIFY_STEP", stepKey: "a", patch: { timeoutMs: -1 } }, by))).toBe("BAD_USER_INPUT");
    expect(store.interventions.list(null, 0, 10)).toEqual([]);
  });
});

describe("structural edits through the coordinator", () => {
  it("reorder decides which READY step is claimed first; add and remove are saved", async () => {
    const { coordinator: c, store, clock } = makeCoordinator();
    const plan = c.createPlan({ name: "p", policy: { maxParallel: 5 }, steps: [{ key: "a", role: "r" }, { key: "b", role: "r" }, { key: "c", role: "r" }] }, "t");
    clock.advance(10);
    expect(c.intervene(plan.id, { kind: "REORDER_STEPS", order: ["c", "b", "a"] }, by).status).toBe("APPLIED");
    expect(c.intervene(plan.id, { kind: "ADD_STEP", step: { key: "z", role: "r", dependsOn: ["a"] }, after: "b" }, by).status).toBe("APPLIED");
    expect(c.intervene(plan.id, { kind: "REMOVE_STEP", stepKey: "z" }, by).status).toBe("APPLIED");
    const agent = c.registerAgent({ name: "w", roles: ["r"], concurrency: 3 });
    const grants = [];
    for (let i = 0; i < 3; i++) grants.push(...(await c.claim(agent.id, 1)));
    expect(grants.map((g) => g.step.key)).toEqual(["c", "b", "a"]);
    store.plans.forgetAll(); // read back from the database
    expect(store.plans.load(plan.id)!.steps.map((s) => `${s.position}:${s.key}`)).toEqual(["0:c", "1:b", "2:a"]);
  });

  it("a new step's bad values are BAD_USER_INPUT and record nothing", () => {
    const { coordinator: c, store } = makeCoordinator();
    const plan = c.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "t");
    expect(() => c.intervene(plan.id, { kind: "ADD_STEP", step: { key: "bad key!", role: "", timeoutMs: 0 } }, by)).toThrow(/3 problems/);
    expect(store.interventions.list(plan.id, 0, 10)).toEqual([]);
  });
});
