/**
 * Time-driven behaviour through the coordinator and its durable timers, moved by a
 * ManualClock: retry backoff, lease expiry, step timeouts, plan deadlines, agents going
 * OFFLINE and coming back.
 */
import { describe, expect, it } from "vitest";
import { makeCoordinator } from "../helpers/fixtures.js";
import { allSignals, claimOne, kindsOf, planReq, thrown } from "../helpers/coordinator.js";

describe("retry backoff", () => {
  it("schedules the retry and makes the step READY after exactly the backoff", async () => {
    const { coordinator, clock, store } = makeCoordinator();
    const p = coordinator.createPlan(planReq([{ key: "a", retry: { initialIntervalMs: 1_000, backoffCoefficient: 3, maxAttempts: 3 } }]), "t");
    const agent = coordinator.registerAgent({ name: "w", roles: ["r"] });
    const step = () => store.plans.load(p.id)!.steps[0]!;

    const first = await claimOne(coordinator, agent.id);
    expect(coordinator.fail(first.lease.id, { message: "flaky", type: "IO" }).step.state).toBe("WAITING");
    expect(kindsOf(store, p.id).slice(-1)).toEqual(["STEP_RETRY_SCHEDULED"]);
    expect(allSignals(store, p.id).at(-1)!.payload).toMatchObject({ attempt: 1, delayMs: 1_000, retryAt: clock.now() + 1_000 });
    expect(store.attempts.get(first.lease.id)).toMatchObject({ outcome: "FAILED", error: { message: "flaky", type: "IO" } });
    expect(await coordinator.claim(agent.id)).toEqual([]);

    clock.advance(999);
    expect(step().state).toBe("WAITING");
    clock.advance(1);
    expect(step()).toMatchObject({ state: "READY", readyAt: clock.now() });
    expect(kindsOf(store, p.id).slice(-1)).toEqual(["STEP_READY"]);

    const second = await claimOne(coordinator, agent.id);
    expect(second.lease.attempt).toBe(2);
    coordinator.fail(second.lease.id, { message: "flaky again" });
    clock.advance(2_999);
    expect(step().state).toBe("WAITING");
    clock.advance(1);
    expect(step().state).toBe("READY");

    const third = await claimOne(coordinator, agent.id);
    coordinator.fail(third.lease.id, { message: "last" });
    expect(store.plans.load(p.id)!.plan.state).toBe("FAILED");
    expect(store.timers.nextDue()).toBeNull();
  });

  it("wakes a long-polling claimer when the retry falls due", async () => {
    const { coordinator, clock } = makeCoordinator();
    coordinator.createPlan(planReq([{ key: "a", retry: { initialIntervalMs: 500 } }]), "t");
    const agent = coordinator.registerAgent({ name: "w", roles: ["r"] });
    coordinator.fail((await claimOne(coordinator, agent.id)).lease.id, { message: "x" });
    const waiting = coordinator.claim(agent.id, 1, 10_000);
    clock.advance(500);
    const grants = await waiting;
    expect(grants.map((g) => [g.step.key, g.lease.attempt])).toEqual([["a", 2]]);
  });
});

describe("lease expiry", () => {
  it("loses a lease not heartbeaten within heartbeatTimeoutMs; another agent claims and finishes the step", async () => {
    const { coordinator, clock, store } = makeCoordinator();
    const p = coordinator.createPlan(planReq([{ key: "a" }], { policy: { heartbeatTimeoutMs: 2_000 } }), "t");
    const slow = coordinator.registerAgent({ name: "slow", roles: ["r"] });
    const fast = coordinator.registerAgent({ name: "fast", roles: ["r"] });
    const lost = await claimOne(coordinator, slow.id);
    clock.advance(1_999);
    expect(store.attempts.get(lost.lease.id)!.outcome).toBe("RUNNING");
    clock.advance(1);
    expect(store.attempts.get(lost.lease.id)).toMatchObject({ outcome: "LOST", finishedAt: clock.now(), error: { type: "LEASE_EXPIRED" } });
    expect(store.plans.load(p.id)!.steps[0]).toMatchObject({ state: "READY", attempts: 1, leaseId: null });
    expect(store.attempts.runningCount(slow.id)).toBe(0);

    const again = await claimOne(coordinator, fast.id);
    expect(again.lease).toMatchObject({ attempt: 2, agentId: fast.id });
    expect(thrown(() => coordinator.complete(lost.lease.id, "late"))).toMatchObject({ code: "CONFLICT" });
    coordinator.complete(again.lease.id, "done");
    expect(store.plans.load(p.id)!.plan).toMatchObject({ state: "COMPLETED", result: "done" });
    expect(store.attempts.list(p.id).map((a) => [a.attempt, a.agentId, a.outcome])).toEqual([
      [1, slow.id, "LOST"],
      [2, fast.id, "SUCCEEDED"],
    ]);
  });

  it("keeps a heartbeaten lease alive far beyond heartbeatTimeoutMs", async () => {
    const { coordinator, clock, store } = makeCoordinator();
    coordinator.createPlan(planReq([{ key: "a" }], { policy: { heartbeatTimeoutMs: 1_000 } }), "t");
    const agent = coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    for (let i = 0; i < 10; i++) {
      clock.advance(900);
      coordinator.heartbeat(g.lease.id);
    }
    expect(store.attempts.get(g.lease.id)!.outcome).toBe("RUNNING");
    clock.advance(1_000);
    expect(store.attempts.get(g.lease.id)!.outcome).toBe("LOST");
  });
});

describe("step timeout and plan deadline", () => {
  it("times out an attempt after the step's timeoutMs, even while heartbeaten, and retries it", async () => {
    const { coordinator, clock, store } = makeCoordinator();
    const p = coordinator.createPlan(
      planReq([{ key: "a", timeoutMs: 3_000, retry: { initialIntervalMs: 100 } }], { policy: { heartbeatTimeoutMs: 1_000 } }),
      "t",
    );
    const agent = coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    for (let i = 0; i < 3; i++) {
      clock.advance(999);
      coordinator.heartbeat(g.lease.id);
    }
    clock.advance(3);
    expect(store.attempts.get(g.lease.id)).toMatchObject({ outcome: "TIMED_OUT", error: { type: "TIMEOUT" } });
    expect(kindsOf(store, p.id).slice(-2)).toEqual(["STEP_TIMED_OUT", "STEP_RETRY_SCHEDULED"]);
    clock.advance(100);
    expect(store.plans.load(p.id)!.steps[0]!.state).toBe("READY");
  });

  it("fails the plan at its deadline and cancels the running lease", async () => {
    const { coordinator, clock, store } = makeCoordinator();
    const p = coordinator.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }], { policy: { planTimeoutMs: 10_000, heartbeatTimeoutMs: 60_000 } }), "t");
    const agent = coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    clock.advance(9_999);
    expect(store.plans.load(p.id)!.plan.state).toBe("RUNNING");
    clock.advance(1);
    expect(store.plans.load(p.id)!.plan).toMatchObject({ state: "FAILED", error: { type: "PLAN_TIMEOUT" }, finishedAt: clock.now() });
    expect(coordinator.heartbeat(g.lease.id).cancelRequested).toBe(true);
    expect(store.timers.nextDue()).toBeNull();
  });
});

describe("agents going OFFLINE", () => {
  it("marks a remote agent OFFLINE after agentOfflineMs without contact, and ONLINE again on its next claim", async () => {
    const { coordinator, clock, store } = makeCoordinator({ agentOfflineMs: 10_000 });
    const quiet = coordinator.registerAgent({ name: "quiet", roles: ["r"] });
    const chatty = coordinator.registerAgent({ name: "chatty", roles: ["r"] });
    const builtin = coordinator.registerAgent({ name: "builtin.echo", roles: ["builtin.echo"] }, true);
    const statusOf = (id: string) => store.agents.get(id)!.status;
    for (let i = 0; i < 4; i++) {
      clock.advance(5_000);
      await coordinator.claim(chatty.id); // contact, even with nothing to claim
    }
    // 20 s without contact; the sweep runs every agentOfflineMs / 2.
    expect(statusOf(quiet.id)).toBe("OFFLINE");
    expect([statusOf(chatty.id), statusOf(builtin.id)]).toEqual(["ONLINE", "ONLINE"]);
    const offline = allSignals(store).filter((s) => s.kind === "AGENT_OFFLINE");
    expect(offline.map((s) => s.agentId)).toEqual([quiet.id]);
    expect(store.agents.get(quiet.id)!.lastSeenAt).toBe(quiet.createdAt);

    clock.advance(15_000); // chatty silent for 15 s now: OFFLINE at the next sweep; quiet not signalled twice
    expect(allSignals(store).filter((s) => s.kind === "AGENT_OFFLINE").map((s) => s.agentId)).toEqual([quiet.id, chatty.id]);

    const head = store.signals.head();
    expect(await coordinator.claim(quiet.id)).toEqual([]);
    expect(statusOf(quiet.id)).toBe("ONLINE");
    expect(store.agents.get(quiet.id)!.lastSeenAt).toBe(clock.now());
    expect(allSignals(store).filter((s) => s.sequence > head).map((s) => [s.kind, s.agentId])).toEqual([["AGENT_ONLINE", quiet.id]]);
  });

  it("sweepAgents takes an agent OFFLINE once agentOfflineMs has passed since it was seen, not before", () => {
    const { coordinator, clock, store } = makeCoordinator({ agentOfflineMs: 60_000 });
    const agent = coordinator.registerAgent({ name: "a", roles: ["r"] });
    clock.advance(60_000);
    coordinator.sweepAgents();
    expect(store.agents.get(agent.id)!.status).toBe("ONLINE");
    clock.advance(1);
    coordinator.sweepAgents();
    expect(store.agents.get(agent.id)!.status).toBe("OFFLINE");
  });

  // A refused report is rolled back, so it must not count as contact either: the agent's next
  // successful call has to bring it back ONLINE.
  it("an OFFLINE agent whose first contact is a refused report comes back ONLINE on its next claim", async () => {
    const { coordinator, clock, store } = makeCoordinator({ agentOfflineMs: 1_000 });
    coordinator.createPlan(planReq([{ key: "a" }, { key: "b" }], { policy: { heartbeatTimeoutMs: 60_000 } }), "t");
    const w = coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, w.id);
    coordinator.complete(g.lease.id, 1);
    clock.advance(2_000);
    expect(store.agents.get(w.id)!.status).toBe("OFFLINE");
    const head = store.signals.head();
    expect(thrown(() => coordinator.complete(g.lease.id, 2))).toMatchObject({ code: "CONFLICT" });
    expect(store.agents.get(w.id)!.status).toBe("OFFLINE"); // rolled back with the refusal
    expect((await claimOne(coordinator, w.id)).step.key).toBe("b");
    expect(store.agents.get(w.id)).toMatchObject({ status: "ONLINE", lastSeenAt: clock.now() });
    expect(allSignals(store).filter((s) => s.sequence > head).map((s) => s.kind)).toEqual(["AGENT_ONLINE", "STEP_STARTED"]);
  });

  // The same through reportMany, where the refusal is undone by a savepoint inside a transaction
  // that still commits.
  it("an OFFLINE agent whose report is refused inside reportMany comes back ONLINE on its next claim", async () => {
    const { coordinator, clock, store } = makeCoordinator({ agentOfflineMs: 1_000 });
    coordinator.createPlan(planReq([{ key: "a" }, { key: "b" }], { policy: { heartbeatTimeoutMs: 60_000 } }), "t");
    const w = coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, w.id);
    coordinator.complete(g.lease.id, 1);
    clock.advance(2_000);
    const head = store.signals.head();
    const [refused] = coordinator.reportMany([{ kind: "complete", leaseId: g.lease.id, output: 2 }]);
    expect(refused).toMatchObject({ code: "CONFLICT" });
    expect(store.agents.get(w.id)!.status).toBe("OFFLINE");
    expect((await claimOne(coordinator, w.id)).step.key).toBe("b");
    expect(store.agents.get(w.id)).toMatchObject({ status: "ONLINE", lastSeenAt: clock.now() });
    expect(allSignals(store).filter((s) => s.sequence > head).map((s) => s.kind)).toEqual(["AGENT_ONLINE", "STEP_STARTED"]);
  });

  it("heartbeats and reports count as contact", async () => {
    const { coordinator, clock, store } = makeCoordinator({ agentOfflineMs: 10_000 });
    coordinator.createPlan(planReq([{ key: "a" }], { policy: { heartbeatTimeoutMs: 60_000 } }), "t");
    const agent = coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, agent.id);
    for (let i = 0; i < 6; i++) {
      clock.advance(4_000);
      coordinator.heartbeat(g.lease.id);
    }
    expect(store.agents.get(agent.id)!.status).toBe("ONLINE");
    coordinator.complete(g.lease.id, 1);
    expect(store.agents.get(agent.id)!.lastSeenAt).toBe(clock.now());
  });
});
