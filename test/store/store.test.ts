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
import { systemClock } from "../../src/coordinator/clock.js";
import { openStore, type SqliteStore as Store } from "../../src/store/sqlite-store.js";
import { flush, track } from "../helpers/coordinator.js";
import { Script, T0, ok, plan } from "../helpers/engine.js";
import { waitFor } from "../helpers/fixtures.js";
import { signalLogHasNoGap } from "../helpers/storage.js";

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
    await first.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_keep" }));
    await first.signals.append(sig());
    await first.close();
    const again = openStore(file);
    try {
      expect((await again.plans.load("plan_keep"))?.steps.map((s) => s.key)).toEqual(["a"]);
      expect(await again.signals.head()).toBe(1);
    } finally {
      await again.close();
    }
  });

  it("enforces foreign keys: no step, timer or attempt for a plan that does not exist", async () => {
    const store = openStore(":memory:");
    expect(store.database.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    await expect(store.timers.set({ planId: "plan_ghost", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 })).rejects.toThrow(/FOREIGN KEY/);
    await store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_del" }));
    await store.timers.set({ planId: "plan_del", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 });
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
    const head = await store.queries.signals.head();
    await expect(
      store.transact(async (s) => {
        await s.signals.append(sig({ planId: "plan_t" }));
        await s.timers.set({ planId: "plan_t", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 });
        await s.plans.save(v1, v2);
      }),
    ).rejects.toThrow(expect.objectContaining({ code: "CONFLICT" }));
    expect(await store.queries.signals.head()).toBe(head);
    expect(await store.queries.timers.nextDue()).toBeNull();
    expect(await store.queries.plans.load("plan_t")).toEqual(v2);
  });
});

describe("signals", () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(":memory:");
  });
  afterEach(() => store.close());

  it("gives increasing sequences with no gaps, starting at 1", async () => {
    expect(await store.signals.head()).toBe(0);
    const seqs: number[] = [];
    for (let i = 0; i < 25; i++) seqs.push((await store.signals.append(sig({ name: `s${i}` }))).sequence);
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(await store.signals.head()).toBe(25);
    expect((await store.signals.read({}, 0, 100)).map((s) => s.sequence)).toEqual(seqs);
  });

  it("a rolled-back transaction leaves no signal and no gap on the next append", async () => {
    await store.signals.append(sig());
    await expect(
      store.transact(async (s) => {
        await s.signals.append(sig({ name: "lost1" }));
        await s.signals.append(sig({ name: "lost2" }));
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await store.queries.signals.head()).toBe(1);
    expect(await store.queries.signals.read({ names: ["lost1", "lost2"] }, 0, 10)).toEqual([]);
    expect((await store.signals.append(sig())).sequence).toBe(2);
    expect(await store.transact(async (s) => (await s.signals.append(sig())).sequence)).toBe(3);
  });

  it("round-trips every field and reads by filter, cursor, upper bound and limit", async () => {
    const a = await store.signals.append(sig({ kind: "STEP_READY", planId: "p1", stepKey: "s", agentId: "g", recipient: "r1", payload: { x: [1, "2"] }, at: T0 + 9 }));
    await store.signals.append(sig({ kind: "PLAN_STARTED", planId: "p2" }));
    await store.signals.append(sig({ kind: "CUSTOM", name: "hello", planId: "p1" }));
    await store.signals.append(sig({ kind: "STEP_READY", planId: "p2" }));
    expect(await store.signals.get(a.sequence)).toEqual(a);
    expect(await store.signals.get(99)).toBeNull();
    const seqs = async (f: Parameters<Store["signals"]["read"]>[0], after = 0, limit = 10, upTo?: number) =>
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
  let store: Store;
  beforeEach(async () => {
    store = openStore(":memory:");
    await store.plans.insert(plan({ a: {}, b: {} }, {}, "IDLE", { id: "p" }));
    await store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "q" }));
  });
  afterEach(() => store.close());

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

/** A promise the test settles when it chooses: holds a unit of work open without a timed wait. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("the unit of work (SqliteStore)", () => {
  let store: Store;
  beforeEach(async () => {
    store = openStore(":memory:");
    await store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "p" }));
  });
  afterEach(() => store.close());

  const names = async (): Promise<string[]> => (await store.queries.signals.read({}, 0, 100)).map((s) => s.name ?? "");

  it("a transact whose callback throws rolls back every write, caches included, and rethrows the error", async () => {
    await store.signals.append(sig({ name: "before" }));
    const rows = () => ["plans", "steps", "signals", "timers"].map((t) => count(store, t));
    const was = rows();
    const abort = new Error("abort");
    const error = await store
      .transact(async (s) => {
        await s.plans.insert(plan({ a: {}, b: {} }, {}, "IDLE", { id: "plan_lost" }));
        await s.signals.append(sig({ name: "lost", planId: "plan_lost" }));
        await s.timers.set({ planId: "plan_lost", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 });
        await s.timers.set({ planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 });
        throw abort;
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBe(abort);
    expect(store.database.sqlite.inTransaction).toBe(false);
    expect(rows()).toEqual(was);
    expect(await store.queries.plans.load("plan_lost")).toBeNull(); // not served from the plan cache either
    expect(await names()).toEqual(["before"]);
    expect(await store.queries.timers.nextDue()).toBeNull();
    // the store is usable again, and the log has no gap
    expect(await store.transact(async (s) => (await s.signals.append(sig({ name: "after" }))).sequence)).toBe(2);
    expect(signalLogHasNoGap(store)).toBe(true);
  });

  it("a savepoint that throws undoes only its own writes; the transaction goes on and commits the rest", async () => {
    const inner = new Error("inner");
    const result = await store.transact(async (s) => {
      await s.signals.append(sig({ name: "kept1" }));
      await s.timers.set({ planId: "p", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 1 });
      const e = await s
        .savepoint(async () => {
          await s.signals.append(sig({ name: "undone" }));
          await s.timers.set({ planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 });
          await s.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_undone" }));
          throw inner;
        })
        .then(
          () => null,
          (x: unknown) => x,
        );
      expect(e).toBe(inner); // the savepoint's error reaches its caller as it was
      // a savepoint that succeeds keeps its writes
      expect(await s.savepoint(async () => (await s.signals.append(sig({ name: "kept2" }))).sequence)).toBe(2);
      await s.signals.append(sig({ name: "kept3" }));
      return "committed";
    });
    expect(result).toBe("committed");
    expect(await names()).toEqual(["kept1", "kept2", "kept3"]);
    expect(signalLogHasNoGap(store)).toBe(true);
    expect(await store.queries.timers.due(T0 + 10, 10)).toEqual([{ planId: "p", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 1 }]);
    expect(count(store, "plans")).toBe(1);
  });

  it("two transact calls started together run one after the other, never interleaving their writes", async () => {
    const held = gate();
    const log: string[] = [];
    const first = store.transact(async (s) => {
      log.push("first: begin");
      await s.signals.append(sig({ name: "a1" }));
      await held.promise; // the first keeps its transaction open until the test lets it go
      await s.signals.append(sig({ name: "a2" }));
      await s.signals.append(sig({ name: "a3" }));
      log.push("first: end");
      return "first";
    });
    const second = track(
      store.transact(async (s) => {
        log.push("second: begin");
        await s.signals.append(sig({ name: "b1" }));
        await s.signals.append(sig({ name: "b2" }));
        await s.signals.append(sig({ name: "b3" }));
        log.push("second: end");
        return "second";
      }),
    );
    await waitFor(() => log.length > 0);
    await flush(); // whatever the second could do before the first commits, it has done now
    expect(log).toEqual(["first: begin"]);
    expect(second.settled()).toBe(false);
    held.open();
    expect(await Promise.all([first, second.promise])).toEqual(["first", "second"]);
    expect(log).toEqual(["first: begin", "first: end", "second: begin", "second: end"]);
    expect(await names()).toEqual(["a1", "a2", "a3", "b1", "b2", "b3"]);
  });

  it("two transact calls started together, the first failing: the second runs after its rollback and commits", async () => {
    const first = store.transact(async (s) => {
      await s.signals.append(sig({ name: "lost" }));
      await s.signals.append(sig({ name: "lost" }));
      throw new Error("first fails");
    });
    const second = store.transact(async (s) => (await s.signals.append(sig({ name: "kept" }))).sequence);
    await expect(first).rejects.toThrow("first fails");
    expect(await second).toBe(1);
    expect(await names()).toEqual(["kept"]);
  });

  it("a read started while a transaction runs sees only committed data", async () => {
    await store.signals.append(sig({ name: "committed" }));
    // A transaction that writes, is held open, then rolls back.
    const held = gate();
    let written = false;
    const doomed = store.transact(async (s) => {
      await s.signals.append(sig({ name: "uncommitted" }));
      await s.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "plan_uncommitted" }));
      written = true;
      await held.promise;
      throw new Error("rolled back");
    });
    await waitFor(() => written);
    const head = store.queries.signals.head();
    const viaRead = store.read(async (r) => ({ names: (await r.signals.read({}, 0, 10)).map((x) => x.name), plan: await r.plans.load("plan_uncommitted") }));
    held.open();
    await expect(doomed).rejects.toThrow("rolled back");
    expect(await head).toBe(1);
    expect(await viaRead).toEqual({ names: ["committed"], plan: null });

    // A transaction that writes two signals, is held open between them, then commits: a read
    // started in between sees both or neither, never one.
    const between = gate();
    let half = false;
    const committing = store.transact(async (s) => {
      await s.signals.append(sig({ name: "one" }));
      half = true;
      await between.promise;
      await s.signals.append(sig({ name: "two" }));
    });
    await waitFor(() => half);
    const during = store.queries.signals.head();
    between.open();
    await committing;
    expect([1, 3]).toContain(await during);
    expect(await store.queries.signals.head()).toBe(3);
  });

  it("a transact, read or query started from inside a transact callback is refused with an error instead of hanging", async () => {
    const refused: unknown[] = [];
    const refuse = async (p: Promise<unknown>) => refused.push(await p.then(() => "not refused", (e: unknown) => e));
    await store.transact(async (s) => {
      await s.signals.append(sig({ name: "outer" }));
      await refuse(store.transact(async (inner) => inner.signals.append(sig({ name: "nested" }))));
      await refuse(store.read((r) => r.signals.head()));
      await refuse(store.queries.signals.head());
      // from inside a savepoint too
      await s.savepoint(async () => {
        await refuse(store.transact(async () => "nested"));
      });
      // the outer transaction goes on after a refusal
      await s.signals.append(sig({ name: "outer2" }));
    });
    // and from inside a read
    await store.read(async () => {
      await refuse(store.read(async () => "nested"));
      await refuse(store.transact(async () => "nested"));
    });
    expect(refused).toHaveLength(6);
    for (const e of refused) {
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).message).toMatch(/started another/);
    }
    expect(await names()).toEqual(["outer", "outer2"]);
    // the store's lock was given back: units of work run again
    expect(await store.transact(async (s) => (await s.signals.append(sig({ name: "later" }))).sequence)).toBe(3);
  });

  it("a timer callback scheduled from inside a transaction may start a transaction once that one committed", async () => {
    const timer: { run: Promise<string[]> | null } = { run: null };
    await store.transact(async (s) => {
      await s.signals.append(sig({ name: "scheduler" }));
      systemClock.schedule(0, () => {
        timer.run = store.transact(async (t) => {
          await t.signals.append(sig({ name: "timer" }));
          return (await t.signals.read({}, 0, 10)).map((x) => x.name ?? "");
        });
        return timer.run;
      });
    });
    const seen = await waitFor(() => timer.run);
    expect(seen).toEqual(["scheduler", "timer"]); // it ran after the scheduling transaction committed
    expect(await names()).toEqual(["scheduler", "timer"]);
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
      await store.transact(async (s) => {
        for (let i = 0; i < 3_000; i++) await s.signals.append(sig({ payload: { i, text: "x".repeat(2_000) } })); // > 4 MB of WAL
      });
      expect(size()).toBe(before); // committed to the WAL only
      await waitFor(() => size() > before + 4_000_000, 10_000);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
