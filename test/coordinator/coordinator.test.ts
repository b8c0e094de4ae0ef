/**
 * The coordinator on a real in-memory store with a ManualClock: plan creation, claims
 * (priority, long polls, agent concurrency), heartbeats and lease misuse.
 * Time-driven behaviour (retries, expiry, agents going offline) is in timers.test.ts,
 * signal ordering and followSignals in signals.test.ts.
 */
import { describe, expect, it } from "vitest";
import { BatonError } from "../../src/domain/errors.js";
import { sqlRows } from "../helpers/database.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";
import { claimOne, flush, kindsOf, planReq, rejected, rows, track } from "../helpers/coordinator.js";

describe("createPlan", () => {
  it("rejects invalid input with BAD_USER_INPUT listing every problem, and writes nothing", async () => {
    const { coordinator, store } = await makeCoordinator();
    const e = await rejected(
      coordinator.createPlan(
        planReq(
          [
            { key: "a", dependsOn: ["missing"] },
            { key: "a" },
            { key: "w", role: "builtin.wait", config: { seconds: 3 } },
            { key: "h", role: "builtin.http", config: { url: "ftp://example.com" } },
            { key: "t", timeoutMs: -1 },
          ],
          { name: " " },
        ),
        "tester",
      ),
    );
    expect(e).toBeInstanceOf(BatonError);
    const err = e as BatonError;
    expect(err.code).toBe("BAD_USER_INPUT");
    expect((err.details["problems"] as { path: string }[]).map((p) => p.path).sort()).toEqual(
      ["name", "steps[0].dependsOn", "steps[1].key", "steps[2].config.ms", "steps[3].config.url", "steps[4].timeoutMs"].sort(),
    );
    expect(err.message).toMatch(/^6 problems: /);
    expect([await rows(store, "plans"), await rows(store, "steps"), await rows(store, "timers"), await store.queries.signals.head()]).toEqual([0, 0, 0, 0]);
  });

  it.each([
    ["builtin.wait without config", "builtin.wait", null, "steps[0].config.ms"],
    ["builtin.wait with a negative ms", "builtin.wait", { ms: -1 }, "steps[0].config.ms"],
    ["builtin.http without a url", "builtin.http", {}, "steps[0].config.url"],
    ["builtin.http with a bad url", "builtin.http", { url: "not a url" }, "steps[0].config.url"],
    ["builtin.http with a bad timeout", "builtin.http", { url: "http://x.test/", timeoutMs: 0 }, "steps[0].config.timeoutMs"],
  ] as const)("checks built-in role config: %s", async (_name, role, config, path) => {
    const { coordinator, store } = await makeCoordinator();
    const e = (await rejected(coordinator.createPlan(planReq([{ key: "s", role, config }]), "t"))) as BatonError;
    expect(e.code).toBe("BAD_USER_INPUT");
    expect(e.details["problems"]).toEqual([{ path, message: expect.any(String) }]);
    expect(await rows(store, "plans")).toBe(0);
  });

  it("accepts valid built-in config and leaves other roles' config alone", async () => {
    const { coordinator } = await makeCoordinator();
    const p = await coordinator.createPlan(
      planReq([
        { key: "w", role: "builtin.wait", config: { ms: 0 } },
        { key: "h", role: "builtin.http", config: { url: "https://example.com/hook", timeoutMs: 500 } },
        { key: "x", role: "custom", config: { anything: [1] } },
      ]),
      "t",
    );
    expect(p.state).toBe("RUNNING");
  });

  it("returns the same plan for the same idempotencyKey and request, writing it once", async () => {
    const { coordinator, store } = await makeCoordinator();
    const first = await coordinator.createPlan(planReq([{ key: "a" }], { idempotencyKey: "k-1" }), "t");
    // The same request again, with its fields in another order and an explicit null: a retry.
    const again = await coordinator.createPlan({ ...planReq([{ key: "a" }], { idempotencyKey: "k-1" }), goal: null }, "t");
    expect(again.id).toBe(first.id);
    expect(again).toEqual((await coordinator.store.queries.plans.load(first.id))!.plan);
    const other = await coordinator.createPlan(planReq([{ key: "a" }], { idempotencyKey: "k-2" }), "t");
    expect(other.id).not.toBe(first.id);
    expect(await rows(store, "plans")).toBe(2);
    expect((await kindsOf(store, first.id)).filter((k) => k === "PLAN_CREATED")).toHaveLength(1);
  });

  it("refuses a reused idempotencyKey with a different request (CONFLICT), writing nothing", async () => {
    const { coordinator, store } = await makeCoordinator();
    const first = await coordinator.createPlan(planReq([{ key: "a" }], { idempotencyKey: "k-1" }), "t");
    const attempt = () => coordinator.createPlan(planReq([{ key: "zzz" }, { key: "yyy" }], { idempotencyKey: "k-1" }), "t");
    await expect(attempt()).rejects.toThrow(expect.objectContaining({ code: "CONFLICT", message: expect.stringContaining(first.id) }));
    await expect(coordinator.createPlan(planReq([{ key: "a" }], { idempotencyKey: "k-1", start: false }), "t")).rejects.toThrow(
      expect.objectContaining({ code: "CONFLICT" }),
    );
    expect(await rows(store, "plans")).toBe(1);
    // A plan made before request hashes were kept answers any request with its key, as it did.
    await sqlRows(store, "UPDATE plans SET idempotency_hash = NULL");
    expect((await attempt()).id).toBe(first.id);
  });

  it("with start: false leaves the plan IDLE (nothing claimable) until startPlan", async () => {
    const { coordinator, store } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }], { start: false }), "t");
    expect(p).toMatchObject({ state: "IDLE", version: 1, startedAt: null });
    expect(await kindsOf(store, p.id)).toEqual(["PLAN_CREATED"]);
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    expect(await coordinator.claim(agent.id)).toEqual([]);
    const started = await coordinator.startPlan(p.id, "t");
    expect(started).toMatchObject({ state: "RUNNING", version: 2 });
    expect(await kindsOf(store, p.id)).toEqual(["PLAN_CREATED", "PLAN_STARTED", "STEP_READY", "CHECKPOINT_CREATED"]);
    expect((await claimOne(coordinator, agent.id)).step.key).toBe("a");
    expect(await rejected(coordinator.startPlan(p.id, "t"))).toMatchObject({ code: "CONFLICT", details: { reason: "INVALID_STATE" } });
    expect(await rejected(coordinator.startPlan("plan_nope", "t"))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("gives steps the plan's priority unless they name their own", async () => {
    const { coordinator, store } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }, { key: "b", priority: "LOW" }], { priority: "HIGH" }), "t");
    expect((await store.queries.plans.load(p.id))!.steps.map((s) => s.priority)).toEqual(["HIGH", "LOW"]);
  });
});

describe("claim", () => {
  it("hands out URGENT before NORMAL, then the oldest READY step first", async () => {
    const { coordinator, clock } = await makeCoordinator();
    const normalOld = await coordinator.createPlan(planReq([{ key: "a" }], { name: "normal-old" }), "t");
    await clock.advance(10);
    const urgent = await coordinator.createPlan(planReq([{ key: "a" }], { name: "urgent", priority: "URGENT" }), "t");
    await clock.advance(10);
    const normalNew = await coordinator.createPlan(planReq([{ key: "a" }], { name: "normal-new" }), "t");
    await clock.advance(10);
    const low = await coordinator.createPlan(planReq([{ key: "a" }], { name: "low", priority: "LOW" }), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 10 });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await claimOne(coordinator, agent.id)).plan.id);
    expect(order).toEqual([urgent.id, normalOld.id, normalNew.id, low.id]);
  });

  it("returns the grant with the lease, step and plan as granted", async () => {
    const { coordinator, clock } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a", input: { q: 1 } }], { policy: { heartbeatTimeoutMs: 5_000 } }), "t");
    await clock.advance(7);
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    expect(g.lease).toMatchObject({ planId: p.id, stepKey: "a", attempt: 1, agentId: agent.id, outcome: "RUNNING", queuedAt: p.createdAt, startedAt: clock.now(), expiresAt: clock.now() + 5_000 });
    expect(g.step).toMatchObject({ key: "a", state: "RUNNING", input: { q: 1 }, leaseId: g.lease.id });
    expect(g.plan).toMatchObject({ id: p.id, version: 3 });
  });

  it("validates max and waitMs, and rejects an unknown agent", async () => {
    const { coordinator } = await makeCoordinator();
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    await expect(coordinator.claim(agent.id, 0)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(coordinator.claim(agent.id, 1, 30_001)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(coordinator.claim("agt_nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("never gives an agent more leases than its concurrency", async () => {
    const { coordinator } = await makeCoordinator();
    await coordinator.createPlan(planReq([{ key: "a" }, { key: "b" }, { key: "c" }, { key: "d" }], { policy: { maxParallel: 10 } }), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 2 });
    const first = await coordinator.claim(agent.id, 4);
    expect(first.map((g) => g.step.key)).toEqual(["a", "b"]);
    expect(await coordinator.claim(agent.id, 4)).toEqual([]);
    await coordinator.complete(first[0]!.lease.id, null);
    expect((await coordinator.claim(agent.id, 4)).map((g) => g.step.key)).toEqual(["c"]);
  });

  it("respects the plan's maxParallel within one batch", async () => {
    const { coordinator } = await makeCoordinator();
    await coordinator.createPlan(planReq([{ key: "a" }, { key: "b" }, { key: "c" }], { policy: { complexity: "SIMPLE" } }), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 5 });
    expect((await coordinator.claim(agent.id, 5)).map((g) => g.step.key)).toEqual(["a"]);
  });
});

describe("long-poll claim", () => {
  it("resolves when a step of its role becomes READY in another plan", async () => {
    const { coordinator } = await makeCoordinator();
    await coordinator.createPlan(planReq([{ key: "a", role: "r1" }, { key: "b", role: "r2", dependsOn: ["a"] }]), "t");
    const w1 = await coordinator.registerAgent({ name: "w1", roles: ["r1"] });
    const w2 = await coordinator.registerAgent({ name: "w2", roles: ["r2"], concurrency: 2 });
    const waiting = track(coordinator.claim(w2.id, 1, 10_000));
    await waitFor(() => coordinator.waitingClaims === 1);
    await flush();
    expect(waiting.settled()).toBe(false);
    const other = await coordinator.createPlan(planReq([{ key: "x", role: "r2" }]), "t");
    const grants = await waiting.promise;
    expect(grants.map((g) => [g.plan.id, g.step.key])).toEqual([[other.id, "x"]]);
    // and again when a dependency completes
    const next = track(coordinator.claim(w2.id, 1, 10_000));
    await waitFor(() => coordinator.waitingClaims === 1);
    await flush();
    expect(next.settled()).toBe(false);
    await coordinator.complete((await claimOne(coordinator, w1.id)).lease.id, 1);
    expect((await next.promise).map((g) => g.step.key)).toEqual(["b"]);
  });

  it("resolves [] when the clock passes waitMs, not before", async () => {
    const { coordinator, clock } = await makeCoordinator();
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const waiting = track(coordinator.claim(agent.id, 1, 5_000));
    await waitFor(() => coordinator.waitingClaims === 1); // parked: its wait is timed from now
    await clock.advance(4_999);
    await flush();
    expect(waiting.settled()).toBe(false);
    await clock.advance(1);
    expect(await waiting.promise).toEqual([]);
    // the timed-out waiter is gone: new work is not claimed for it
    await coordinator.createPlan(planReq([{ key: "a" }]), "t");
    expect((await claimOne(coordinator, agent.id)).step.key).toBe("a");
  });

  it("is not woken by work of other roles", async () => {
    const { coordinator } = await makeCoordinator();
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const waiting = track(coordinator.claim(agent.id, 1, 5_000));
    await waitFor(() => coordinator.waitingClaims === 1);
    await coordinator.createPlan(planReq([{ key: "a", role: "other" }]), "t");
    await flush();
    expect(waiting.settled()).toBe(false);
    coordinator.drain();
    expect(await waiting.promise).toEqual([]);
  });

  it("drain() ends every wait with [] and later claims return nothing", async () => {
    const { coordinator } = await makeCoordinator();
    const a = await coordinator.registerAgent({ name: "a", roles: ["r"] });
    const b = await coordinator.registerAgent({ name: "b", roles: ["r"] });
    const waits = [track(coordinator.claim(a.id, 1, 20_000)), track(coordinator.claim(b.id, 1, 20_000))];
    await waitFor(() => coordinator.waitingClaims === 2);
    await flush();
    coordinator.drain();
    expect(await Promise.all(waits.map((w) => w.promise))).toEqual([[], []]);
    expect(coordinator.isDraining).toBe(true);
    await coordinator.createPlan(planReq([{ key: "x" }]), "t");
    expect(await coordinator.claim(a.id, 1, 1_000)).toEqual([]);
  });
});

describe("heartbeat, complete, fail", () => {
  it("heartbeat extends the lease, so it outlives its first expiry", async () => {
    const { coordinator, clock, store } = await makeCoordinator();
    await coordinator.createPlan(planReq([{ key: "a" }], { policy: { heartbeatTimeoutMs: 1_000 } }), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    await clock.advance(600);
    expect(await coordinator.heartbeat(g.lease.id, 0.5, "half")).toEqual({ expiresAt: clock.now() + 1_000, cancelRequested: false });
    expect((await store.queries.attempts.get(g.lease.id))!.expiresAt).toBe(clock.now() + 1_000);
    await clock.advance(900); // past the first expiry (1000), before the new one (1600)
    expect((await store.queries.attempts.get(g.lease.id))!.outcome).toBe("RUNNING");
    expect((await coordinator.complete(g.lease.id, "ok")).step.state).toBe("SUCCEEDED");
  });

  it("heartbeat returns cancelRequested: true once the plan has failed", async () => {
    const { coordinator, store } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }, { key: "b" }]), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 2 });
    const [ga, gb] = await coordinator.claim(agent.id, 2);
    await coordinator.fail(gb!.lease.id, { message: "fatal", retryable: false });
    expect((await store.queries.plans.load(p.id))!.plan.state).toBe("FAILED");
    expect(await coordinator.heartbeat(ga!.lease.id)).toMatchObject({ cancelRequested: true });
    expect(await store.queries.attempts.get(ga!.lease.id)).toMatchObject({ outcome: "CANCELLED", cancelRequested: true });
    expect(await rejected(coordinator.complete(ga!.lease.id, 1))).toMatchObject({ code: "CONFLICT" });
  });

  it("complete and fail with an unknown or stale lease are CONFLICT and change nothing", async () => {
    const { coordinator, store, clock } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }, { key: "b" }]), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 2 });
    const [done, live] = await coordinator.claim(agent.id, 2);
    await coordinator.complete(done!.lease.id, "first");
    await clock.advance(5);
    const snapshot = async () => ({
      agg: await store.queries.plans.load(p.id),
      head: await store.queries.signals.head(),
      attempts: await store.queries.attempts.list(p.id),
      agent: await store.queries.agents.get(agent.id),
    });
    const before = await snapshot();
    for (const call of [
      () => coordinator.complete("lease_unknown", 1),
      () => coordinator.fail("lease_unknown", { message: "x" }),
      () => coordinator.heartbeat("lease_unknown"),
      () => coordinator.complete(done!.lease.id, "second"),
      () => coordinator.fail(done!.lease.id, { message: "late" }),
      () => coordinator.heartbeat(done!.lease.id),
    ]) {
      const e = await rejected(call());
      expect(e).toBeInstanceOf(BatonError);
      expect((e as BatonError).code).toBe("CONFLICT");
    }
    expect(await snapshot()).toEqual(before);
    expect((await store.queries.plans.load(p.id))!.steps[0]!.output).toBe("first");
    expect((await coordinator.complete(live!.lease.id, "b")).step.state).toBe("SUCCEEDED");
  });

  it("validates progress, quality and the error message", async () => {
    const { coordinator } = await makeCoordinator();
    await coordinator.createPlan(planReq([{ key: "a" }]), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    expect(await rejected(coordinator.heartbeat(g.lease.id, 1.5))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await rejected(coordinator.complete(g.lease.id, 1, -0.1))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await rejected(coordinator.fail(g.lease.id, { message: "  " }))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect((await coordinator.store.queries.attempts.get(g.lease.id))!.outcome).toBe("RUNNING");
  });
});
