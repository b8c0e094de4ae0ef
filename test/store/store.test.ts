/**
 * The store on the real database (SQLite, or PostgreSQL on that tier) with the real migrations:
 * opening it again, foreign keys, plan round trips, optimistic concurrency, the signal log and
 * durable timers. SQLite's own settings are in sqlite.test.ts; units of work in unit-of-work.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatonError } from "../../src/domain/errors.js";
import type { PlanAggregate } from "../../src/domain/model.js";
import { decide } from "../../src/engine/decide.js";
import type { Repositories, Store } from "../../src/store/store.js";
import { rows } from "../helpers/coordinator.js";
import { autocommit, eachTestStore, onPostgres, sqliteOf, sqlRows, testDatabase } from "../helpers/database.js";
import { Script, T0, ok, plan, signal } from "../helpers/engine.js";

/** The test's database, and its repositories with each call a transaction of its own. */
let db: Store;
let store: Repositories;
eachTestStore((s, r) => ((db = s), (store = r)));

describe("opening the database", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "baton-store-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("re-opens an existing database: migrations run once, data is kept", async () => {
    // named by a file: on PostgreSQL, the schema derived from it
    const database = testDatabase({ file: join(dir, "baton.db") });
    try {
      const first = await database.open();
      await autocommit(first).plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_keep" }));
      await autocommit(first).signals.append(signal());
      await first.close();
      const again = await database.open();
      try {
        expect((await again.queries.plans.load("plan_keep"))?.steps.map((s) => s.key)).toEqual(["a"]);
        expect(await again.queries.signals.head()).toBe(1);
      } finally {
        await again.close();
      }
    } finally {
      await database.drop();
    }
  });

  it("enforces foreign keys: no step, timer or attempt for a plan that does not exist", async () => {
    if (!onPostgres) expect(sqliteOf(db).database.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    await expect(store.timers.set({ planId: "plan_ghost", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 })).rejects.toThrow(/foreign key/i);
    await store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_del" }));
    await store.timers.set({ planId: "plan_del", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 });
    await sqlRows(db, "DELETE FROM plans WHERE id = ?", "plan_del");
    expect([await rows(db, "steps"), await rows(db, "timers")]).toEqual([0, 0]); // cascaded
  });
});

describe("plans: insert, load, save", () => {
  /** A plan with every kind of field filled, mid-run. */
  const rich = (): PlanAggregate => {
    const s = new Script(
      plan(
        { first: { role: "writer", input: { text: "héllo", n: [1, 2.5, null] }, priority: "URGENT" }, second: { dependsOn: ["first"], retry: { nonRetryableErrorTypes: ["X"] } } },
        { planTimeoutMs: 60_000, complexity: "COMPLEX", maxParallel: 3 },
        "IDLE",
        { id: "plan_rich", goal: "a goal", labels: ["x", "y"], input: { deep: { ok: true } }, priority: "HIGH", idempotencyKey: "idem-1" },
      ),
    );
    s.start();
    s.claim("first");
    s.do({ type: "StepHeartbeat", stepKey: "first", leaseId: s.lease("first"), progress: 0.25, message: "¼" });
    s.at(10).complete("first", { out: ["a", { b: null }] }, 0.5);
    s.claim("second");
    s.fail("second", { message: "m", type: "T", retryable: true, details: { why: [1] } });
    return s.agg;
  };

  it("loads exactly what was inserted (read back from the rows, not the cache)", async () => {
    const a = rich();
    await store.plans.insert(a);
    store.plans.forgetAll();
    const loaded = (await store.plans.load("plan_rich"))!;
    expect(loaded).not.toBe(a);
    expect(loaded).toEqual(a);
  });

  it("returns null for an unknown plan and finds a plan by idempotency key", async () => {
    await store.plans.insert(rich());
    expect(await store.plans.load("plan_nope")).toBeNull();
    expect((await store.plans.findByIdempotencyKey("idem-1"))?.id).toBe("plan_rich");
    expect(await store.plans.findByIdempotencyKey("idem-2")).toBeNull();
  });

  it("saves a decision: the plan row at the new version and the changed steps", async () => {
    await store.plans.insert(plan({ a: {}, b: { dependsOn: ["a"] } }, {}, "IDLE", { id: "plan_s" }));
    const prev = (await store.plans.load("plan_s"))!;
    const next = ok(decide(prev, { type: "PlanStarted" }, T0 + 1)).aggregate;
    await store.plans.save(prev, next);
    store.plans.forgetAll();
    const loaded = (await store.plans.load("plan_s"))!;
    expect(loaded).toEqual(next);
    expect(loaded.plan.version).toBe(2);
  });

  it("throws CONFLICT on a save from a stale version and writes nothing", async () => {
    await store.plans.insert(plan({ a: {}, b: {} }, { maxParallel: 2 }, "IDLE", { id: "plan_c" }));
    const v1 = (await store.plans.load("plan_c"))!;
    const v2 = ok(decide(v1, { type: "PlanStarted" }, T0)).aggregate;
    await store.plans.save(v1, v2);
    // A second writer that also read v1 decides something else on it.
    const started = ok(decide(v1, { type: "PlanStarted" }, T0 + 5)).aggregate;
    const rival = ok(decide(started, { type: "StepClaimed", stepKey: "b", leaseId: "lease_r", agentId: "agt_r" }, T0 + 5)).aggregate;
    let thrown: unknown;
    try {
      await store.plans.save(v1, rival);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BatonError);
    expect(thrown).toMatchObject({ code: "CONFLICT", details: { planId: "plan_c", expectedVersion: 1 } });
    store.plans.forgetAll();
    expect(await store.plans.load("plan_c")).toEqual(v2);
  });

  it("a CONFLICT inside a transaction rolls back the writes made before it", async () => {
    await store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_t" }));
    const v1 = (await store.plans.load("plan_t"))!;
    const v2 = ok(decide(v1, { type: "PlanStarted" }, T0)).aggregate;
    await store.plans.save(v1, v2);
    const head = await db.queries.signals.head();
    await expect(
      db.transact(async (s) => {
        await s.signals.append(signal({ planId: "plan_t" }));
        await s.timers.set({ planId: "plan_t", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 });
        await s.plans.save(v1, v2);
      }),
    ).rejects.toThrow(expect.objectContaining({ code: "CONFLICT" }));
    expect(await db.queries.signals.head()).toBe(head);
    expect(await db.queries.timers.nextDue()).toBeNull();
    expect(await db.queries.plans.load("plan_t")).toEqual(v2);
  });
});

describe("signals", () => {
  it("gives increasing sequences with no gaps, starting at 1", async () => {
    expect(await store.signals.head()).toBe(0);
    const seqs: number[] = [];
    for (let i = 0; i < 25; i++) seqs.push((await store.signals.append(signal({ name: `s${i}` }))).sequence);
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(await store.signals.head()).toBe(25);
    expect((await store.signals.read({}, 0, 100)).map((s) => s.sequence)).toEqual(seqs);
  });

  it("a rolled-back transaction leaves no signal and no gap on the next append", async () => {
    await store.signals.append(signal());
    await expect(
      db.transact(async (s) => {
        await s.signals.append(signal({ name: "lost1" }));
        await s.signals.append(signal({ name: "lost2" }));
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await db.queries.signals.head()).toBe(1);
    expect(await db.queries.signals.read({ names: ["lost1", "lost2"] }, 0, 10)).toEqual([]);
    expect((await store.signals.append(signal())).sequence).toBe(2);
    expect(await db.transact(async (s) => (await s.signals.append(signal())).sequence)).toBe(3);
  });

  it("round-trips every field and reads by filter, cursor, upper bound and limit", async () => {
    const a = await store.signals.append(signal({ kind: "STEP_READY", planId: "p1", stepKey: "s", agentId: "g", recipient: "r1", payload: { x: [1, "2"] }, at: T0 + 9 }));
    await store.signals.append(signal({ kind: "PLAN_STARTED", planId: "p2" }));
    await store.signals.append(signal({ kind: "CUSTOM", name: "hello", planId: "p1" }));
    await store.signals.append(signal({ kind: "STEP_READY", planId: "p2" }));
    expect(await store.signals.get(a.sequence)).toEqual(a);
    expect(await store.signals.get(99)).toBeNull();
    const seqs = async (f: Parameters<Repositories["signals"]["read"]>[0], after = 0, limit = 10, upTo?: number) =>
      (await store.signals.read(f, after, limit, upTo)).map((s) => s.sequence);
    expect(await seqs({ planId: "p1" })).toEqual([1, 3]);
    expect(await seqs({ kinds: ["STEP_READY"] })).toEqual([1, 4]);
    expect(await seqs({ names: ["hello"] })).toEqual([3]);
    expect(await seqs({ recipient: "r1" })).toEqual([1]);
    expect(await seqs({}, 1)).toEqual([2, 3, 4]);
    expect(await seqs({}, 0, 2)).toEqual([1, 2]);
    expect(await seqs({}, 1, 10, 3)).toEqual([2, 3]);
  });
});

describe("timers", () => {
  beforeEach(async () => {
    await store.plans.insert(plan({ a: {}, b: {} }, {}, "IDLE", { id: "p" }));
    await store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "q" }));
  });

  it("sets, lists due timers in due order with a limit, and reports the next due time", async () => {
    expect(await store.timers.nextDue()).toBeNull();
    await store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_1", dueAt: T0 + 300 });
    await store.timers.set({ planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 + 100 });
    await store.timers.set({ planId: "q", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 200 });
    expect(await store.timers.nextDue()).toBe(T0 + 100);
    expect(await store.timers.due(T0 + 99, 10)).toEqual([]);
    expect(await store.timers.due(T0 + 200, 10)).toEqual([
      { planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 + 100 },
      { planId: "q", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 200 },
    ]);
    expect((await store.timers.due(T0 + 1_000, 1)).map((t) => t.dueAt)).toEqual([T0 + 100]);
  });

  it("keeps one timer per (plan, step, kind): setting it again moves it", async () => {
    await store.timers.set({ planId: "p", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 100 });
    await store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_2", dueAt: T0 + 500 });
    await store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_2", dueAt: T0 + 900 });
    expect(await store.timers.due(T0 + 1_000, 10)).toEqual([
      { planId: "p", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 100 },
      { planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_2", dueAt: T0 + 900 },
    ]);
  });

  it("take deletes a timer only if it is still as read", async () => {
    const t = { planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_1", dueAt: T0 + 100 } as const;
    await store.timers.set(t);
    const read = (await store.timers.due(T0 + 100, 10))[0]!;
    await store.timers.set({ ...t, dueAt: T0 + 400 }); // moved after it was read
    expect(await store.timers.take(read)).toBe(false);
    expect(await store.timers.nextDue()).toBe(T0 + 400);
    const again = (await store.timers.due(T0 + 400, 10))[0]!;
    expect(await store.timers.take(again)).toBe(true);
    expect(await store.timers.take(again)).toBe(false);
    expect(await store.timers.nextDue()).toBeNull();
    const plan = { planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 } as const;
    await store.timers.set(plan);
    expect(await store.timers.take(plan)).toBe(true);
  });

  it("clears one step's timers, or every timer of one plan", async () => {
    await store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "l", dueAt: T0 + 1 });
    await store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "l", dueAt: T0 + 2 });
    await store.timers.set({ planId: "p", stepKey: "b", kind: "RETRY", ref: null, dueAt: T0 + 3 });
    await store.timers.set({ planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 + 4 });
    await store.timers.set({ planId: "q", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 5 });
    const left = async () => (await store.timers.due(T0 + 10, 10)).map((t) => `${t.planId}/${t.stepKey}/${t.kind}`);
    await store.timers.clear("p", "a");
    expect(await left()).toEqual(["p/b/RETRY", "p/null/PLAN_DEADLINE", "q/a/RETRY"]);
    await store.timers.clear("p", null);
    expect(await left()).toEqual(["q/a/RETRY"]);
  });
});

