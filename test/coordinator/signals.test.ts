/**
 * The signal log and its live delivery: gap-free sequences across a whole plan run
 * (including refused and rolled-back operations), publication in commit order, and the
 * replay-then-live iterator `followSignals`.
 */
import { describe, expect, it } from "vitest";
import type { Coordinator } from "../../src/coordinator/coordinator.js";
import type { SignalModel } from "../../src/domain/model.js";
import type { Store } from "../../src/store/store.js";
import { followSignals } from "../../src/signals/hub.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";
import { allSignals, claimOne, nextWithin, planReq, rejected } from "../helpers/coordinator.js";

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Runs a plan through success, a retry, a lost lease and a refused report. */
async function busyRun(c: Coordinator, clock: { advance(ms: number): Promise<void> }): Promise<string> {
  const p = await c.createPlan(
    planReq([{ key: "a", retry: { initialIntervalMs: 100 } }, { key: "b", dependsOn: ["a"] }, { key: "c", dependsOn: ["a"] }], {
      policy: { heartbeatTimeoutMs: 1_000, maxParallel: 2 },
    }),
    "t",
  );
  const w = await c.registerAgent({ name: "w", roles: ["r"], concurrency: 2 });
  const a1 = await claimOne(c, w.id);
  await c.heartbeat(a1.lease.id, 0.5, "half");
  await c.fail(a1.lease.id, { message: "flaky" });
  await rejected(c.complete(a1.lease.id, "late")); // refused: rolled back
  await clock.advance(100);
  const a2 = await claimOne(c, w.id);
  await c.complete(a2.lease.id, { a: 1 });
  const [b, cc] = await c.claim(w.id, 2);
  await clock.advance(1_000); // both leases lost
  const [b2, c2] = await c.claim(w.id, 2);
  await c.complete(b2!.lease.id, "b");
  await c.sendSignal({ planId: p.id, name: "note", payload: { x: 1 } }, "t");
  await c.complete(c2!.lease.id, "c");
  expect([b, cc].every(Boolean)).toBe(true);
  return p.id;
}

describe("signal sequences", () => {
  it("are gap-free across a whole plan run, refused operations included", async () => {
    const { coordinator, clock, store } = await makeCoordinator();
    const published: SignalModel[] = [];
    coordinator.hub.listen((batch) => published.push(...batch));
    const planId = await busyRun(coordinator, clock);
    expect((await store.queries.plans.load(planId))!.plan.state).toBe("COMPLETED");

    const log = await allSignals(store);
    expect(log.map((s) => s.sequence)).toEqual(range(1, await store.queries.signals.head()));
    expect(log.length).toBeGreaterThan(20);
    expect(log.map((s) => s.kind)).toEqual(
      expect.arrayContaining(["PLAN_CREATED", "STEP_PROGRESS", "STEP_RETRY_SCHEDULED", "STEP_READY", "STEP_SUCCEEDED", "CUSTOM", "PLAN_COMPLETED"]),
    );
    // Everything committed was published live, once, in commit order; nothing else was.
    expect(published).toEqual(log);
    expect(published.at(-1)!.sequence).toBe(await store.queries.signals.head()); // the last one published is the head
  });

  it("a refused report that had appended a signal before failing leaves no trace and no gap", async () => {
    const { coordinator, clock, store } = await makeCoordinator({ agentOfflineMs: 1_000 });
    const p = await coordinator.createPlan(planReq([{ key: "a" }, { key: "b" }], { policy: { heartbeatTimeoutMs: 60_000 } }), "t");
    const w = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, w.id);
    await coordinator.complete(g.lease.id, 1);
    await clock.advance(2_000); // w goes OFFLINE: its next contact appends AGENT_ONLINE before the lease is checked
    expect((await store.queries.agents.get(w.id))!.status).toBe("OFFLINE");
    const published: SignalModel[] = [];
    coordinator.hub.listen((batch) => published.push(...batch));
    const head = await store.queries.signals.head();
    expect(await rejected(coordinator.complete(g.lease.id, 2))).toMatchObject({ code: "CONFLICT" });
    expect(await store.queries.signals.head()).toBe(head);
    expect(published).toEqual([]);
    expect((await coordinator.sendSignal({ planId: p.id, name: "next" }, "t")).sequence).toBe(head + 1);
    expect(published.map((s) => s.sequence)).toEqual([head + 1]);
    expect((await allSignals(store)).map((s) => s.sequence)).toEqual(range(1, head + 1));
  });

  it("are published in commit order when a commit wakes a long-polling claim", async () => {
    const { coordinator, store } = await makeCoordinator();
    const published: SignalModel[] = [];
    coordinator.hub.listen((batch) => published.push(...batch));
    const w = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const waiting = coordinator.claim(w.id, 1, 10_000);
    await waitFor(() => coordinator.waitingClaims === 1); // the claim is parked, waiting
    await coordinator.createPlan(planReq([{ key: "a" }]), "t"); // its commit hands "a" to the waiting claim
    const [g] = await waiting;
    expect(published.map((s) => s.kind)).toEqual(["AGENT_ONLINE", "PLAN_CREATED", "PLAN_STARTED", "STEP_READY", "CHECKPOINT_CREATED", "STEP_STARTED"]);
    expect(published).toEqual(await allSignals(store));
    expect(g!.step.key).toBe("a");
  });

  it("each plan's timeline starts with PLAN_CREATED and ends with its final signal", async () => {
    const { coordinator, clock, store } = await makeCoordinator();
    const planId = await busyRun(coordinator, clock);
    const kinds = (await allSignals(store, planId)).map((s) => s.kind);
    expect(kinds[0]).toBe("PLAN_CREATED");
    expect(kinds.at(-1)).toBe("PLAN_COMPLETED");
    expect(kinds.filter((k) => k === "PLAN_COMPLETED")).toHaveLength(1);
  });
});

describe("followSignals", () => {
  it("replays from afterSequence 0 then follows live: every signal exactly once, in order, including those committed while replaying", async () => {
    const { coordinator, store } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }]), "t");
    const w = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    // A backlog bigger than one replay page (500).
    for (let i = 0; i < 520; i++) await coordinator.sendSignal({ planId: p.id, name: `n${i}` }, "t");
    const backlog = await store.queries.signals.head();

    const it = followSignals(coordinator.hub, store, { filter: {}, afterSequence: 0 });
    const got: number[] = [(await nextWithin(it)).sequence];
    // Commit between next() calls while the backlog is still being replayed:
    // more than the live buffer holds (256 batches), and a real step transition.
    for (let i = 0; i < 300; i++) await coordinator.sendSignal({ planId: p.id, name: `during${i}` }, "t");
    const a = await claimOne(coordinator, w.id);
    while (got.length < 400) got.push((await nextWithin(it)).sequence);
    await coordinator.complete(a.lease.id, 1); // committed while the second page is being replayed
    while (got.at(-1)! < (await store.queries.signals.head())) {
      got.push((await nextWithin(it)).sequence);
      if (got.length % 97 === 0) await coordinator.sendSignal({ planId: p.id, name: "live" }, "t");
    }
    // and purely live ones after the catch-up
    const b = await claimOne(coordinator, w.id);
    await coordinator.complete(b.lease.id, 2);
    while (got.at(-1)! < (await store.queries.signals.head())) got.push((await nextWithin(it)).sequence);

    expect(backlog).toBeGreaterThan(500);
    expect(got).toEqual(range(1, await store.queries.signals.head()));
    expect((await store.queries.plans.load(p.id))!.plan.state).toBe("COMPLETED");
    await it.return(undefined);
    expect(coordinator.hub.subscriberCount).toBe(0);
  });

  it("with a filter, delivers only that plan's signals, once and in order, while other plans commit", async () => {
    const { coordinator, store } = await makeCoordinator();
    const mine = await coordinator.createPlan(planReq([{ key: "a" }], { name: "mine" }), "t");
    await coordinator.createPlan(planReq([{ key: "a", role: "x" }], { name: "other" }), "t");
    const it = followSignals(coordinator.hub, store, { filter: { planId: mine.id }, afterSequence: 0 });
    const got: SignalModel[] = [await nextWithin(it)];
    const noisy = await coordinator.createPlan(planReq([{ key: "z", role: "x" }], { name: "noisy" }), "t");
    await coordinator.sendSignal({ planId: noisy.id, name: "noise" }, "t");
    const w = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, w.id);
    await coordinator.sendSignal({ planId: noisy.id, name: "noise" }, "t");
    await coordinator.complete(g.lease.id, "done");
    const expected = await allSignals(store, mine.id);
    while (got.length < expected.length) got.push(await nextWithin(it));
    expect(got).toEqual(expected);
    expect(got.at(-1)!.kind).toBe("PLAN_COMPLETED");
    await it.return(undefined);
  });

  it("reads from the log a signal that was committed but never published here (another writer)", async () => {
    const { coordinator, store, clock } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }]), "t");
    const it = followSignals(coordinator.hub, store, { filter: {}, afterSequence: 0 });
    const got: number[] = [];
    while (got.length < (await store.queries.signals.head())) got.push((await nextWithin(it)).sequence);
    const pending = nextWithin(it); // now following live
    // Another gateway process on the same database appends a signal; this hub never publishes it.
    const foreign = await store.transact(async (s) =>
      s.signals.append({ kind: "CUSTOM", name: "foreign", planId: p.id, stepKey: null, agentId: null, sender: "other", recipient: null, payload: null, at: clock.now() }),
    );
    const local = await coordinator.sendSignal({ planId: p.id, name: "local" }, "t");
    got.push((await pending).sequence, (await nextWithin(it)).sequence);
    expect(got.slice(-2)).toEqual([foreign.sequence, local.sequence]);
    expect(got).toEqual(range(1, await store.queries.signals.head()));
    await it.return(undefined);
  });

  it("with afterSequence null, delivers every signal committed once it listens, also while its read of the head is slow", async () => {
    const { coordinator, store } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }]), "t");
    await coordinator.sendSignal({ planId: p.id, name: "before" }, "t");
    // The iterator's first read (the head) waits until the test lets it go.
    let go!: () => void;
    const gate = new Promise<void>((r) => (go = r));
    let held = true;
    const slow: Pick<Store, "read"> = {
      read: async (fn) => {
        if (held) {
          held = false;
          await gate;
        }
        return store.read(fn);
      },
    };
    const listening = coordinator.hub.subscriberCount;
    const it = followSignals(coordinator.hub, slow, { filter: {}, afterSequence: null });
    const first = nextWithin(it); // starts the generator
    await waitFor(() => !held);
    // A subscriber counted as listening gets what commits from then on, however late its head read.
    if (coordinator.hub.subscriberCount > listening) {
      const sent = await coordinator.sendSignal({ planId: p.id, name: "after" }, "t");
      go();
      expect(await first).toEqual(sent);
    } else {
      go();
      await waitFor(() => coordinator.hub.subscriberCount > listening);
      const sent = await coordinator.sendSignal({ planId: p.id, name: "after" }, "t");
      expect(await first).toEqual(sent);
    }
    await it.return(undefined);
  });

  it("resumes after a given sequence without repeating it", async () => {
    const { coordinator, store } = await makeCoordinator();
    const p = await coordinator.createPlan(planReq([{ key: "a" }]), "t");
    for (let i = 0; i < 5; i++) await coordinator.sendSignal({ planId: p.id, name: `n${i}` }, "t");
    const it = followSignals(coordinator.hub, store, { filter: {}, afterSequence: 4 });
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await nextWithin(it)).sequence);
    expect(got).toEqual([5, 6, 7, 8]);
    await it.return(undefined);
  });
});
