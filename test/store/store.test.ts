/**
 * The store on real SQLite with the real migrations: pragmas, plan round trips,
 * optimistic concurrency, the signal log and durable timers.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatonError } from "../../src/domain/errors.js";
import type { PlanAggregate, SignalModel } from "../../src/domain/model.js";
import { decide } from "../../src/engine/decide.js";
import { openDatabase } from "../../src/store/database.js";
import { openStore, type Store } from "../../src/store/store.js";
import { Script, T0, ok, plan } from "../helpers/engine.js";
import { waitFor } from "../helpers/fixtures.js";

const sig = (over: Partial<SignalModel> = {}): Omit<SignalModel, "sequence"> => ({
  kind: "CUSTOM",
  name: "n",
  planId: null,
  stepKey: null,
  agentId: null,
  sender: "test",
  recipient: null,
  payload: null,
  at: T0,
  ...over,
});

const count = (store: Store, table: string): number =>
  (store.database.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("openDatabase", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "baton-store-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("opens a file database in WAL mode with foreign keys on, creating its folder", async () => {
    const file = join(dir, "nested", "deeper", "baton.db");
    const db = openDatabase(file);
    try {
      expect(db.sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(db.sqlite.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
      expect(db.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(20_000); // the checkpointer does it
      const tables = db.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(expect.arrayContaining(["agents", "attempts", "plans", "signals", "steps", "timers"]));
    } finally {
      await db.close();
    }
  });

  it("re-opens an existing file: migrations run once, data is kept", async () => {
    const file = join(dir, "baton.db");
    const first = openStore(file);
    first.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_keep" }));
    first.signals.append(sig());
    await first.close();
    const again = openStore(file);
    try {
      expect(again.plans.load("plan_keep")?.steps.map((s) => s.key)).toEqual(["a"]);
      expect(again.signals.head()).toBe(1);
    } finally {
      await again.close();
    }
  });

  it("enforces foreign keys: no step, timer or attempt for a plan that does not exist", () => {
    const store = openStore(":memory:");
    expect(store.database.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(() => store.timers.set({ planId: "plan_ghost", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 })).toThrow(/FOREIGN KEY/);
    store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_del" }));
    store.timers.set({ planId: "plan_del", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 });
    store.database.sqlite.prepare("DELETE FROM plans WHERE id = ?").run("plan_del");
    expect([count(store, "steps"), count(store, "timers")]).toEqual([0, 0]); // cascaded
  });
});

describe("plans: insert, load, save", () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(":memory:");
  });
  afterEach(() => store.close());

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

  it("loads exactly what was inserted (read back from the rows, not the cache)", () => {
    const a = rich();
    store.plans.insert(a);
    store.plans.forgetAll();
    const loaded = store.plans.load("plan_rich")!;
    expect(loaded).not.toBe(a);
    expect(loaded).toEqual(a);
  });

  it("returns null for an unknown plan and finds a plan by idempotency key", () => {
    store.plans.insert(rich());
    expect(store.plans.load("plan_nope")).toBeNull();
    expect(store.plans.findByIdempotencyKey("idem-1")?.id).toBe("plan_rich");
    expect(store.plans.findByIdempotencyKey("idem-2")).toBeNull();
  });

  it("saves a decision: the plan row at the new version and the changed steps", () => {
    store.plans.insert(plan({ a: {}, b: { dependsOn: ["a"] } }, {}, "IDLE", { id: "plan_s" }));
    const prev = store.plans.load("plan_s")!;
    const next = ok(decide(prev, { type: "PlanStarted" }, T0 + 1)).aggregate;
    store.plans.save(prev, next);
    store.plans.forgetAll();
    const loaded = store.plans.load("plan_s")!;
    expect(loaded).toEqual(next);
    expect(loaded.plan.version).toBe(2);
  });

  it("throws CONFLICT on a save from a stale version and writes nothing", () => {
    store.plans.insert(plan({ a: {}, b: {} }, { maxParallel: 2 }, "IDLE", { id: "plan_c" }));
    const v1 = store.plans.load("plan_c")!;
    const v2 = ok(decide(v1, { type: "PlanStarted" }, T0)).aggregate;
    store.plans.save(v1, v2);
    // A second writer that also read v1 decides something else on it.
    const started = ok(decide(v1, { type: "PlanStarted" }, T0 + 5)).aggregate;
    const rival = ok(decide(started, { type: "StepClaimed", stepKey: "b", leaseId: "lease_r", agentId: "agt_r" }, T0 + 5)).aggregate;
    let thrown: unknown;
    try {
      store.plans.save(v1, rival);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BatonError);
    expect(thrown).toMatchObject({ code: "CONFLICT", details: { planId: "plan_c", expectedVersion: 1 } });
    store.plans.forgetAll();
    expect(store.plans.load("plan_c")).toEqual(v2);
  });

  it("a CONFLICT inside a transaction rolls back the writes made before it", () => {
    store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_t" }));
    const v1 = store.plans.load("plan_t")!;
    const v2 = ok(decide(v1, { type: "PlanStarted" }, T0)).aggregate;
    store.plans.save(v1, v2);
    const head = store.signals.head();
    expect(() =>
      store.transaction(() => {
        store.signals.append(sig({ planId: "plan_t" }));
        store.timers.set({ planId: "plan_t", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 });
        store.plans.save(v1, v2);
      }),
    ).toThrow(expect.objectContaining({ code: "CONFLICT" }));
    expect(store.signals.head()).toBe(head);
    expect(store.timers.nextDue()).toBeNull();
    expect(store.plans.load("plan_t")).toEqual(v2);
  });
});

describe("signals", () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(":memory:");
  });
  afterEach(() => store.close());

  it("gives increasing sequences with no gaps, starting at 1", () => {
    expect(store.signals.head()).toBe(0);
    const seqs = Array.from({ length: 25 }, (_, i) => store.signals.append(sig({ name: `s${i}` })).sequence);
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(store.signals.head()).toBe(25);
    expect(store.signals.read({}, 0, 100).map((s) => s.sequence)).toEqual(seqs);
  });

  it("a rolled-back transaction leaves no signal and no gap on the next append", () => {
    store.signals.append(sig());
    expect(() =>
      store.transaction(() => {
        store.signals.append(sig({ name: "lost1" }));
        store.signals.append(sig({ name: "lost2" }));
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(store.signals.head()).toBe(1);
    expect(store.signals.read({ names: ["lost1", "lost2"] }, 0, 10)).toEqual([]);
    expect(store.signals.append(sig()).sequence).toBe(2);
    expect(store.transaction(() => store.signals.append(sig()).sequence)).toBe(3);
  });

  it("round-trips every field and reads by filter, cursor, upper bound and limit", () => {
    const a = store.signals.append(sig({ kind: "STEP_READY", planId: "p1", stepKey: "s", agentId: "g", recipient: "r1", payload: { x: [1, "2"] }, at: T0 + 9 }));
    store.signals.append(sig({ kind: "PLAN_STARTED", planId: "p2" }));
    store.signals.append(sig({ kind: "CUSTOM", name: "hello", planId: "p1" }));
    store.signals.append(sig({ kind: "STEP_READY", planId: "p2" }));
    expect(store.signals.get(a.sequence)).toEqual(a);
    expect(store.signals.get(99)).toBeNull();
    const seqs = (f: Parameters<Store["signals"]["read"]>[0], after = 0, limit = 10, upTo?: number) =>
      store.signals.read(f, after, limit, upTo).map((s) => s.sequence);
    expect(seqs({ planId: "p1" })).toEqual([1, 3]);
    expect(seqs({ kinds: ["STEP_READY"] })).toEqual([1, 4]);
    expect(seqs({ names: ["hello"] })).toEqual([3]);
    expect(seqs({ recipient: "r1" })).toEqual([1]);
    expect(seqs({}, 1)).toEqual([2, 3, 4]);
    expect(seqs({}, 0, 2)).toEqual([1, 2]);
    expect(seqs({}, 1, 10, 3)).toEqual([2, 3]);
  });
});

describe("timers", () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(":memory:");
    store.plans.insert(plan({ a: {}, b: {} }, {}, "IDLE", { id: "p" }));
    store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "q" }));
  });
  afterEach(() => store.close());

  it("sets, lists due timers in due order with a limit, and reports the next due time", () => {
    expect(store.timers.nextDue()).toBeNull();
    store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_1", dueAt: T0 + 300 });
    store.timers.set({ planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 + 100 });
    store.timers.set({ planId: "q", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 200 });
    expect(store.timers.nextDue()).toBe(T0 + 100);
    expect(store.timers.due(T0 + 99, 10)).toEqual([]);
    expect(store.timers.due(T0 + 200, 10)).toEqual([
      { planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 + 100 },
      { planId: "q", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 200 },
    ]);
    expect(store.timers.due(T0 + 1_000, 1).map((t) => t.dueAt)).toEqual([T0 + 100]);
  });

  it("keeps one timer per (plan, step, kind): setting it again moves it", () => {
    store.timers.set({ planId: "p", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 100 });
    store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_2", dueAt: T0 + 500 });
    store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_2", dueAt: T0 + 900 });
    expect(store.timers.due(T0 + 1_000, 10)).toEqual([
      { planId: "p", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 100 },
      { planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_2", dueAt: T0 + 900 },
    ]);
  });

  it("take deletes a timer only if it is still as read", () => {
    const t = { planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "lease_1", dueAt: T0 + 100 } as const;
    store.timers.set(t);
    const read = store.timers.due(T0 + 100, 10)[0]!;
    store.timers.set({ ...t, dueAt: T0 + 400 }); // moved after it was read
    expect(store.timers.take(read)).toBe(false);
    expect(store.timers.nextDue()).toBe(T0 + 400);
    const again = store.timers.due(T0 + 400, 10)[0]!;
    expect(store.timers.take(again)).toBe(true);
    expect(store.timers.take(again)).toBe(false);
    expect(store.timers.nextDue()).toBeNull();
    const plan = { planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 } as const;
    store.timers.set(plan);
    expect(store.timers.take(plan)).toBe(true);
  });

  it("clears one step's timers, or every timer of one plan", () => {
    store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "l", dueAt: T0 + 1 });
    store.timers.set({ planId: "p", stepKey: "a", kind: "STEP_TIMEOUT", ref: "l", dueAt: T0 + 2 });
    store.timers.set({ planId: "p", stepKey: "b", kind: "RETRY", ref: null, dueAt: T0 + 3 });
    store.timers.set({ planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 + 4 });
    store.timers.set({ planId: "q", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 5 });
    const left = () => store.timers.due(T0 + 10, 10).map((t) => `${t.planId}/${t.stepKey}/${t.kind}`);
    store.timers.clear("p", "a");
    expect(left()).toEqual(["p/b/RETRY", "p/null/PLAN_DEADLINE", "q/a/RETRY"]);
    store.timers.clear("p", null);
    expect(left()).toEqual(["q/a/RETRY"]);
  });
});

describe("the checkpointer", () => {
  it("moves committed pages from the WAL into the database file in the background", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-ckpt-"));
    const file = join(dir, "baton.db");
    const store = openStore(file);
    try {
      const size = () => statSync(file).size;
      const before = size();
      store.transaction(() => {
        for (let i = 0; i < 3_000; i++) store.signals.append(sig({ payload: { i, text: "x".repeat(2_000) } })); // > 4 MB of WAL
      });
      expect(size()).toBe(before); // committed to the WAL only
      await waitFor(() => size() > before + 4_000_000, 10_000);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
