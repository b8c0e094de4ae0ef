/**
 * Time-driven behaviour through the coordinator and its durable timers, moved by a
 * ManualClock: retry backoff, lease expiry, step timeouts, plan deadlines, agents going
 * OFFLINE and coming back.
 */
import { describe, expect, it } from "vitest";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";
import { allSignals, claimOne, kindsOf, planReq, rejected } from "../helpers/coordinator.js";

describe("retry backoff", () => {
  it("schedules the retry and makes the step READY after exactly the backoff", async () => {
    const { coordinator, clock, store } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a", retry: { initialIntervalMs: 1_000, backoffCoefficient: 3, maxAttempts: 3 } }]), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const step = async () => (await store.queries.plans.load(p.id))!.steps[0]!;

    const first = await claimOne(coordinator, agent.id);
    expect((await coordinator.fail(first.lease.id, { message: "flaky", type: "IO" })).step.state).toBe("WAITING");
    expect((await kindsOf(store, p.id)).slice(-1)).toEqual(["STEP_RETRY_SCHEDULED"]);
    expect((await allSignals(store, p.id)).at(-1)!.payload).toMatchObject({ attempt: 1, delayMs: 1_000, retryAt: clock.now() + 1_000 });
    expect(await store.queries.attempts.get(first.lease.id)).toMatchObject({ outcome: "FAILED", error: { message: "flaky", type: "IO" } });
    expect(await coordinator.claim(agent.id)).toEqual([]);

    await clock.advance(999);
    expect((await step()).state).toBe("WAITING");
    await clock.advance(1);
    expect(await step()).toMatchObject({ state: "READY", readyAt: clock.now() });
    expect((await kindsOf(store, p.id)).slice(-1)).toEqual(["STEP_READY"]);

    const second = await claimOne(coordinator, agent.id);
    expect(second.lease.attempt).toBe(2);
    await coordinator.fail(second.lease.id, { message: "flaky again" });
    await clock.advance(2_999);
    expect((await step()).state).toBe("WAITING");
    await clock.advance(1);
    expect((await step()).state).toBe("READY");

    const third = await claimOne(coordinator, agent.id);
    await coordinator.fail(third.lease.id, { message: "last" });
    expect((await store.queries.plans.load(p.id))!.plan.state).toBe("FAILED");
    expect(await store.queries.timers.nextDue()).toBeNull();
  });

  it("wakes a long-polling claimer when the retry falls due", async () => {
    const { coordinator, clock } = await makeCoordinator();
    await coordinator.createPlan(planReq([{ key: "a", retry: { initialIntervalMs: 500 } }]), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    await coordinator.fail((await claimOne(coordinator, agent.id)).lease.id, { message: "x" });
    const waiting = coordinator.claim(agent.id, 1, 10_000);
    await waitFor(() => coordinator.waitingClaims === 1); // parked before the retry falls due
    await clock.advance(500);
    const grants = await waiting;
    expect(grants.map((g) => [g.step.key, g.lease.attempt])).toEqual([["a", 2]]);
  });
});

describe("lease expiry", () => {
  it("loses a lease not heartbeaten within heartbeatTimeoutMs; another agent claims and finishes the step", async () => {
    const { coordinator, clock, store } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }], { policy: { heartbeatTimeoutMs: 2_000 } }), "t");
    const slow = await coordinator.registerAgent({ name: "slow", roles: ["r"] });
    const fast = await coordinator.registerAgent({ name: "fast", roles: ["r"] });
    const lost = await claimOne(coordinator, slow.id);
    await clock.advance(1_999);
    expect((await store.queries.attempts.get(lost.lease.id))!.outcome).toBe("RUNNING");
    await clock.advance(1);
    expect(await store.queries.attempts.get(lost.lease.id)).toMatchObject({ outcome: "LOST", finishedAt: clock.now(), error: { type: "LEASE_EXPIRED" } });
    expect((await store.queries.plans.load(p.id))!.steps[0]).toMatchObject({ state: "READY", attempts: 1, leaseId: null });
    expect(await store.queries.attempts.runningCount(slow.id)).toBe(0);

    const again = await claimOne(coordinator, fast.id);
    expect(again.lease).toMatchObject({ attempt: 2, agentId: fast.id });
    expect(await rejected(coordinator.complete(lost.lease.id, "late"))).toMatchObject({ code: "CONFLICT" });
    await coordinator.complete(again.lease.id, "done");
    expect((await store.queries.plans.load(p.id))!.plan).toMatchObject({ state: "COMPLETED", result: "done" });
    expect((await store.queries.attempts.list(p.id)).map((a) => [a.attempt, a.agentId, a.outcome])).toEqual([
      [1, slow.id, "LOST"],
      [2, fast.id, "SUCCEEDED"],
    ]);
  });

  it("keeps a heartbeaten lease alive far beyond heartbeatTimeoutMs", async () => {
    const { coordinator, clock, store } = await makeCoordinator();
    await coordinator.createPlan(planReq([{ key: "a" }], { policy: { heartbeatTimeoutMs: 1_000 } }), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    for (let i = 0; i < 10; i++) {
      await clock.advance(900);
      await coordinator.heartbeat(g.lease.id);
    }
    expect((await store.queries.attempts.get(g.lease.id))!.outcome).toBe("RUNNING");
    await clock.advance(1_000);
    expect((await store.queries.attempts.get(g.lease.id))!.outcome).toBe("LOST");
  });
});

describe("step timeout and plan deadline", () => {
  it("times out an attempt after the step's timeoutMs, even while heartbeaten, and retries it", async () => {
    const { coordinator, clock, store } = await makeCoordinator();
    const p = await coordinator.createPlan(
      planReq([{ key: "a", timeoutMs: 3_000, retry: { initialIntervalMs: 100 } }], { policy: { heartbeatTimeoutMs: 1_000 } }),
      "t",
    );
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    for (let i = 0; i < 3; i++) {
      await clock.advance(999);
      await coordinator.heartbeat(g.lease.id);
    }
    await clock.advance(3);
    expect(await store.queries.attempts.get(g.lease.id)).toMatchObject({ outcome: "TIMED_OUT", error: { type: "TIMEOUT" } });
    expect((await kindsOf(store, p.id)).slice(-2)).toEqual(["STEP_TIMED_OUT", "STEP_RETRY_SCHEDULED"]);
    await clock.advance(100);
    expect((await store.queries.plans.load(p.id))!.steps[0]!.state).toBe("READY");
  });

  it("fails the plan at its deadline and cancels the running lease", async () => {
    const { coordinator, clock, store } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }], { policy: { planTimeoutMs: 10_000, heartbeatTimeoutMs: 60_000 } }), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    await clock.advance(9_999);
    expect((await store.queries.plans.load(p.id))!.plan.state).toBe("RUNNING");
    await clock.advance(1);
    expect((await store.queries.plans.load(p.id))!.plan).toMatchObject({ state: "FAILED", error: { type: "PLAN_TIMEOUT" }, finishedAt: clock.now() });
    expect((await coordinator.heartbeat(g.lease.id)).cancelRequested).toBe(true);
    expect(await store.queries.timers.nextDue()).toBeNull();
  });
});

describe("agents going OFFLINE", () => {
  it("marks a remote agent OFFLINE after agentOfflineMs without contact, and ONLINE again on its next claim", async () => {
    const { coordinator, clock, store } = await makeCoordinator({ agentOfflineMs: 10_000 });
    const quiet = await coordinator.registerAgent({ name: "quiet", roles: ["r"] });
    const chatty = await coordinator.registerAgent({ name: "chatty", roles: ["r"] });
    const builtin = await coordinator.registerAgent({ name: "builtin.echo", roles: ["builtin.echo"] }, true);
    const statusOf = async (id: string) => (await store.queries.agents.get(id))!.status;
    for (let i = 0; i < 4; i++) {
      await clock.advance(5_000);
      await coordinator.claim(chatty.id); // contact, even with nothing to claim
    }
    // 20 s without contact; the sweep runs every agentOfflineMs / 2.
    expect(await statusOf(quiet.id)).toBe("OFFLINE");
    expect([await statusOf(chatty.id), await statusOf(builtin.id)]).toEqual(["ONLINE", "ONLINE"]);
    const offline = (await allSignals(store)).filter((s) => s.kind === "AGENT_OFFLINE");
    expect(offline.map((s) => s.agentId)).toEqual([quiet.id]);
    expect((await store.queries.agents.get(quiet.id))!.lastSeenAt).toBe(quiet.createdAt);

    await clock.advance(15_000); // chatty silent for 15 s now: OFFLINE at the next sweep; quiet not signalled twice
    expect((await allSignals(store)).filter((s) => s.kind === "AGENT_OFFLINE").map((s) => s.agentId)).toEqual([quiet.id, chatty.id]);

    const head = await store.queries.signals.head();
    expect(await coordinator.claim(quiet.id)).toEqual([]);
    expect(await statusOf(quiet.id)).toBe("ONLINE");
    expect((await store.queries.agents.get(quiet.id))!.lastSeenAt).toBe(clock.now());
    expect((await allSignals(store)).filter((s) => s.sequence > head).map((s) => [s.kind, s.agentId])).toEqual([["AGENT_ONLINE", quiet.id]]);
  });

  it("sweepAgents takes an agent OFFLINE once agentOfflineMs has passed since it was seen, not before", async () => {
    const { coordinator, clock, store } = await makeCoordinator({ agentOfflineMs: 60_000 });
    const agent = await coordinator.registerAgent({ name: "a", roles: ["r"] });
    await clock.advance(60_000);
    await coordinator.sweepAgents();
    expect((await store.queries.agents.get(agent.id))!.status).toBe("ONLINE");
    await clock.advance(1);
    await coordinator.sweepAgents();
    expect((await store.queries.agents.get(agent.id))!.status).toBe("OFFLINE");
  });

  // A refused report is rolled back, so it must not count as contact either: the agent's next
  // successful call has to bring it back ONLINE.
  it("an OFFLINE agent whose first contact is a refused report comes back ONLINE on its next claim", async () => {
    const { coordinator, clock, store } = await makeCoordinator({ agentOfflineMs: 1_000 });
    await coordinator.createPlan(planReq([{ key: "a" }, { key: "b" }], { policy: { heartbeatTimeoutMs: 60_000 } }), "t");
    const w = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, w.id);
    await coordinator.complete(g.lease.id, 1);
    await clock.advance(2_000);
    expect((await store.queries.agents.get(w.id))!.status).toBe("OFFLINE");
    const head = await store.queries.signals.head();
    expect(await rejected(coordinator.complete(g.lease.id, 2))).toMatchObject({ code: "CONFLICT" });
    expect((await store.queries.agents.get(w.id))!.status).toBe("OFFLINE"); // rolled back with the refusal
    expect((await claimOne(coordinator, w.id)).step.key).toBe("b");
    expect(await store.queries.agents.get(w.id)).toMatchObject({ status: "ONLINE", lastSeenAt: clock.now() });
    expect((await allSignals(store)).filter((s) => s.sequence > head).map((s) => s.kind)).toEqual(["AGENT_ONLINE", "STEP_STARTED"]);
  });

  // The same through reportMany, where the refusal is undone by a savepoint inside a transaction
  // that still commits.
  it("an OFFLINE agent whose report is refused inside reportMany comes back ONLINE on its next claim", async () => {
    const { coordinator, clock, store } = await makeCoordinator({ agentOfflineMs: 1_000 });
    await coordinator.createPlan(planReq([{ key: "a" }, { key: "b" }], { policy: { heartbeatTimeoutMs: 60_000 } }), "t");
    const w = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, w.id);
    await coordinator.complete(g.lease.id, 1);
    await clock.advance(2_000);
    const head = await store.queries.signals.head();
    const [refused] = await coordinator.reportMany([{ kind: "complete", leaseId: g.lease.id, output: 2 }]);
    expect(refused).toMatchObject({ code: "CONFLICT" });
    expect((await store.queries.agents.get(w.id))!.status).toBe("OFFLINE");
    expect((await claimOne(coordinator, w.id)).step.key).toBe("b");
    expect(await store.queries.agents.get(w.id)).toMatchObject({ status: "ONLINE", lastSeenAt: clock.now() });
    expect((await allSignals(store)).filter((s) => s.sequence > head).map((s) => s.kind)).toEqual(["AGENT_ONLINE", "STEP_STARTED"]);
  });

  it("heartbeats and reports count as contact", async () => {
    const { coordinator, clock, store } = await makeCoordinator({ agentOfflineMs: 10_000 });
    await coordinator.createPlan(planReq([{ key: "a" }], { policy: { heartbeatTimeoutMs: 60_000 } }), "t");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    for (let i = 0; i < 6; i++) {
      await clock.advance(4_000);
      await coordinator.heartbeat(g.lease.id);
    }
    expect((await store.queries.agents.get(agent.id))!.status).toBe("ONLINE");
    await coordinator.complete(g.lease.id, 1);
    expect((await store.queries.agents.get(agent.id))!.lastSeenAt).toBe(clock.now());
  });
});
