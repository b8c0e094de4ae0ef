/**
 * Two gateways on one PostgreSQL database (two coordinators, each with its own pool, as two
 * processes would be): a commit on one wakes a claim parked on the other, and the other's hub gets
 * every signal committed on either, once, in log order; when the connection a gateway listens on
 * is cut, it is re-established and what was committed meanwhile is caught up from the log.
 */
import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/coordinator/clock.js";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import type { SignalModel } from "../../src/domain/model.js";
import type { Store } from "../../src/store/store.js";
import { allSignals } from "../helpers/coordinator.js";
import { eachSharedDatabase, sqlRows } from "../helpers/database.js";
import { waitFor } from "../helpers/fixtures.js";

describe("two gateways on one PostgreSQL database", () => {
  const coordinators: Coordinator[] = [];
  const stores: Store[] = [];
  const db = eachSharedDatabase(async () => {
    for (const c of coordinators.splice(0)) await c.stop();
    stores.length = 0;
  });

  const gateways = async (): Promise<[Coordinator, Coordinator]> => {
    const made: Coordinator[] = [];
    for (let i = 0; i < 2; i++) {
      const store = await db.open();
      stores.push(store); // for the test's own reads
      const c = new Coordinator(store, { clock: systemClock, agentOfflineMs: 60_000, checkpointKeep: 10 });
      await c.start();
      made.push(c);
    }
    coordinators.push(...made);
    return made as [Coordinator, Coordinator];
  };

  /** What a gateway's hub hands on, in order. */
  const heard = (c: Coordinator): SignalModel[] => {
    const got: SignalModel[] = [];
    c.hub.listen((batch) => got.push(...batch));
    return got;
  };

  it("wakes a claim parked on one gateway when work becomes claimable on the other", async () => {
    const [a, b] = await gateways();
    const agent = await b.registerAgent({ name: "w", roles: ["r"] });
    const parked = b.claim(agent.id, 1, 20_000);
    await waitFor(() => b.waitingClaims === 1);
    const plan = await a.createPlan({ name: "p", steps: [{ key: "s", role: "r" }] }, "test");
    const grants = await parked; // without the notice it would wait the 20 s out and get nothing
    expect(grants.map((g) => [g.plan.id, g.step.key])).toEqual([[plan.id, "s"]]);
  });

  it("hands each gateway's hub every signal committed on either, once, in log order", async () => {
    const [a, b] = await gateways();
    const onA = heard(a);
    const onB = heard(b);
    const agent = await a.registerAgent({ name: "w", roles: ["r"] });
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const c = i % 2 === 0 ? a : b;
        const plan = await c.createPlan({ name: `p${i}`, steps: [{ key: "s", role: "r" }] }, "test");
        await c.sendSignal({ planId: plan.id, name: "hello", payload: i }, "test");
      }),
    );
    for (const g of await a.claim(agent.id, 6)) await (g.plan.name.endsWith("1") ? b : a).complete(g.lease.id, null);
    const log = (await allSignals(stores[0]!)).map((s) => s.sequence);
    await waitFor(() => onA.length >= log.length && onB.length >= log.length);
    expect(onA.map((s) => s.sequence)).toEqual(log);
    expect(onB.map((s) => s.sequence)).toEqual(log);
    expect(log).toEqual(log.map((_, i) => i + 1));
  });

  it("holds a role's limits for the claims of both gateways together", async () => {
    const [a, b] = await gateways();
    await a.setRoleLimit({ role: "r", claims: 3, intervalMs: 3_600_000, maxConcurrent: 2 }, "test");
    const plan = await a.createPlan({ name: "p", steps: Array.from({ length: 8 }, (_, i) => ({ key: `s${i}`, role: "r" })), policy: { maxParallel: 8 } }, "test");
    const [onA, onB] = [await a.registerAgent({ name: "a", roles: ["r"], concurrency: 8 }), await b.registerAgent({ name: "b", roles: ["r"], concurrency: 8 })];
    // at once from both: at most 2 running (maxConcurrent) …
    const first = (await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a.claim(onA.id, 8) : b.claim(onB.id, 8))))).flat();
    expect(first).toHaveLength(2);
    for (const g of first) await a.complete(g.lease.id, null);
    // … and 3 claims in the hour (the bucket): one more, whoever asks
    const second = (await Promise.all([a.claim(onA.id, 8), b.claim(onB.id, 8)])).flat();
    expect(second).toHaveLength(1);
    expect(second[0]!.plan.id).toBe(plan.id);
  });

  it("fires a timer on the other gateway when the one that armed it stopped", async () => {
    const [a, b] = await gateways();
    const agent = await a.registerAgent({ name: "w", roles: ["r"] });
    const plan = await a.createPlan({ name: "p", steps: [{ key: "s", role: "r", retry: { maxAttempts: 2, initialIntervalMs: 300, jitter: 0 } }] }, "test");
    const [g] = await a.claim(agent.id, 1);
    await a.fail(g!.lease.id, { message: "again", retryable: true });
    expect((await stores[0]!.queries.timers.due(Number.MAX_SAFE_INTEGER, 10)).map((t) => t.kind)).toEqual(["RETRY"]);
    await a.stop(); // A armed the retry; B never heard of the timer, only reads the next due time again
    await waitFor(async () => (await stores[1]!.queries.plans.load(plan.id))!.steps[0]!.state === "READY");
    expect(await stores[1]!.queries.timers.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  it("re-establishes a dropped listening connection and catches up with what was committed meanwhile", async () => {
    const [a, b] = await gateways();
    const onB = heard(b);
    const listeners = (): Promise<{ pid: number }[]> =>
      sqlRows<{ pid: number }>(stores[0]!, "SELECT pid FROM pg_stat_activity WHERE application_name = ?", `baton-listen baton:${db.env["BATON_DATABASE_SCHEMA"]}`);
    const before = await listeners();
    expect(before).toHaveLength(2);
    await sqlRows(stores[0]!, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN (${before.map((r) => r.pid).join(", ")})`);
    // committed while B does not listen: no notice reaches it
    const agent = await b.registerAgent({ name: "w", roles: ["r"] });
    const parked = b.claim(agent.id, 1, 20_000);
    const plan = await a.createPlan({ name: "meanwhile", steps: [{ key: "s", role: "r" }] }, "test");
    // back: B reads the log from where it was, and offers its parked claims the work
    expect((await parked).map((g) => g.plan.id)).toEqual([plan.id]);
    const log = (await allSignals(stores[0]!)).map((s) => s.sequence);
    await waitFor(() => onB.length >= log.length);
    expect(onB.map((s) => s.sequence)).toEqual(log);
    // both listen again, on new connections
    await waitFor(async () => {
      const after = await listeners();
      return after.length === 2 && !after.some((r) => before.some((o) => o.pid === r.pid));
    });
  });
});
