/**
 * Retention (BATON_RETENTION; src/coordinator/retention.ts, src/store/retention.ts): finished
 * plans older than the retention are removed with every row of theirs by a background job, in
 * batches; running plans and recent ones are kept, and the signal log keeps its order and head.
 */
import { describe, expect, it } from "vitest";
import { parseRetention } from "../../src/config.js";
import { ConfigError } from "../../src/config-error.js";
import type { Store } from "../../src/store/store.js";
import { allSignals, claimOne, planReq, rows } from "../helpers/coordinator.js";
import { sqlRows } from "../helpers/database.js";
import { makeCoordinator } from "../helpers/fixtures.js";

const MINUTE = 60_000;
const TABLES = ["steps", "attempts", "timers", "interventions", "checkpoints", "context_entries", "signals"];
const by = { actor: "ops" };

/** Rows of each table that belong to the plan. */
async function rowsOf(store: Store, planId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await sqlRows<{ n: number }>(store, `SELECT count(*) AS n FROM ${t} WHERE plan_id = ?`, planId))[0]!.n;
  return out;
}

describe("retention", () => {
  it("removes finished plans older than the retention with all their rows; keeps running and recent ones", async () => {
    const { coordinator, clock, store } = await makeCoordinator({ retentionMs: MINUTE });
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 10 });
    // Old: a completed plan with a context write, a cancelled one with a retry timer; a running one.
    const done = await coordinator.createPlan(planReq([{ key: "a" }]), "t");
    await coordinator.updateContext({ planId: done.id, key: "k", value: 1 }, by);
    await coordinator.complete((await claimOne(coordinator, agent.id)).lease.id, { ok: 1 });
    const cancelled = await coordinator.createPlan(planReq([{ key: "a", retry: { maxAttempts: 3, initialIntervalMs: 5 * MINUTE, maxIntervalMs: 10 * MINUTE } }]), "t");
    await coordinator.fail((await claimOne(coordinator, agent.id)).lease.id, { message: "flaky" });
    await coordinator.intervene(cancelled.id, { kind: "CANCEL" }, by);
    const running = await coordinator.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }], { policy: { heartbeatTimeoutMs: 10 * MINUTE } }), "t");
    const before = await rowsOf(store, done.id);
    expect(Object.entries(before).filter(([, n]) => n === 0).map(([t]) => t)).toEqual(["timers"]); // its context write is an intervention too
    // Recent: finished half a minute later.
    await clock.advance(MINUTE / 2);
    const recent = await coordinator.createPlan(planReq([{ key: "a" }]), "t");
    const lease = await claimOne(coordinator, agent.id);
    expect(lease.plan.id).toBe(running.id); // the running plan's step was READY first
    await coordinator.complete((await claimOne(coordinator, agent.id)).lease.id, null);
    expect((await store.queries.plans.load(recent.id))!.plan.state).toBe("COMPLETED");

    await clock.advance(MINUTE / 2 + 7_000); // the background job's rounds (every 6 s) run on the way
    for (const id of [done.id, cancelled.id]) {
      expect(await store.queries.plans.load(id)).toBeNull();
      expect(await rowsOf(store, id)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
    }
    expect((await store.queries.plans.load(recent.id))!.plan.state).toBe("COMPLETED");
    expect(await coordinator.removeExpiredPlans()).toBe(0);
    const log = await allSignals(store);
    expect(log.map((s) => s.sequence)).toEqual([...log.map((s) => s.sequence)].sort((a, b) => a - b));
    expect(log.some((s) => s.planId === running.id)).toBe(true);
    // The running plan runs on.
    await coordinator.complete(lease.lease.id, null);
    expect((await store.queries.plans.load(running.id))!.steps.map((s) => s.state)).toEqual(["SUCCEEDED", "READY"]);
  });

  it("removes in batches until none is left, and never moves the log's head back", async () => {
    const { coordinator, clock, store } = await makeCoordinator({ retentionMs: MINUTE });
    const plans = await Promise.all(Array.from({ length: 250 }, (_, i) => coordinator.createPlan(planReq([{ key: "a" }], { name: `p${i}` }), "t")));
    for (const p of plans) await coordinator.intervene(p.id, { kind: "CANCEL" }, by);
    const head = await store.queries.signals.head();
    await coordinator.stop(); // the test runs the rounds itself
    expect(await coordinator.removeExpiredPlans()).toBe(0); // not a minute old yet
    await clock.advance(2 * MINUTE);
    expect(await coordinator.removeExpiredPlans()).toBe(250);
    expect(await rows(store, "plans")).toBe(0);
    expect(await store.queries.signals.head()).toBe(head);
  });
});

describe("BATON_RETENTION", () => {
  it("takes a whole number of s, m, h or d, or off; anything else is a ConfigError", () => {
    expect(["", "off", "30d", "12h", "90m", "1s"].map(parseRetention)).toEqual([null, null, 30 * 86_400_000, 12 * 3_600_000, 90 * MINUTE, 1_000]);
    expect(parseRetention(undefined)).toBeNull();
    for (const bad of ["30", "1.5d", "0s", "-1d", "30 days", "1w"]) expect(() => parseRetention(bad)).toThrow(ConfigError);
  });
});
