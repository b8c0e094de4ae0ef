/**
 * The unit of work on the real database (SQLite, or PostgreSQL on that tier): a transaction that
 * throws undoes everything, a savepoint only its own writes, a read sees committed data only, a
 * unit of work started from inside another is refused. SQLite's one writer at a time is in
 * sqlite.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/coordinator/clock.js";
import type { Repositories, Store } from "../../src/store/store.js";
import { gate, rows } from "../helpers/coordinator.js";
import { autocommit, onPostgres, sqliteOf, testStore } from "../helpers/database.js";
import { T0, plan, signal } from "../helpers/engine.js";
import { waitFor } from "../helpers/fixtures.js";
import { signalLogHasNoGap } from "../helpers/storage.js";

describe("the unit of work", () => {
  let store: Store;
  /** The repositories with each call a transaction of its own (writes made before the test's units of work). */
  let repos: Repositories;
  beforeEach(async () => {
    store = await testStore();
    repos = autocommit(store);
    await repos.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "p" }));
  });
  afterEach(() => store.close());

  const names = async (): Promise<string[]> => (await store.queries.signals.read({}, 0, 100)).map((s) => s.name ?? "");

  it("a transact whose callback throws rolls back every write, caches included, and rethrows the error", async () => {
    await repos.signals.append(signal({ name: "before" }));
    const counts = () => Promise.all(["plans", "steps", "signals", "timers"].map((t) => rows(store, t)));
    const was = await counts();
    const abort = new Error("abort");
    const error = await store
      .transact(async (s) => {
        await s.plans.insert(plan({ a: {}, b: {} }, {}, "IDLE", { id: "plan_lost" }));
        await s.signals.append(signal({ name: "lost", planId: "plan_lost" }));
        await s.timers.set({ planId: "plan_lost", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 });
        await s.timers.set({ planId: "p", stepKey: null, kind: "PLAN_DEADLINE", ref: null, dueAt: T0 });
        throw abort;
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBe(abort);
    if (!onPostgres) expect(sqliteOf(store).database.sqlite.inTransaction).toBe(false); // PostgreSQL's connection went back to the pool
    expect(await counts()).toEqual(was);
    expect(await store.queries.plans.load("plan_lost")).toBeNull(); // not served from the plan cache either
    expect(await names()).toEqual(["before"]);
    expect(await store.queries.timers.nextDue()).toBeNull();
    // the store is usable again, and the log has no gap
    expect(await store.transact(async (s) => (await s.signals.append(signal({ name: "after" }))).sequence)).toBe(2);
    expect(await signalLogHasNoGap(store)).toBe(true);
  });

  it("a savepoint that throws undoes only its own writes; the transaction goes on and commits the rest", async () => {
    const inner = new Error("inner");
    const result = await store.transact(async (s) => {
      await s.signals.append(signal({ name: "kept1" }));
      await s.timers.set({ planId: "p", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 1 });
      const e = await s
        .savepoint(async () => {
          await s.signals.append(signal({ name: "undone" }));
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
      expect(await s.savepoint(async () => (await s.signals.append(signal({ name: "kept2" }))).sequence)).toBe(2);
      await s.signals.append(signal({ name: "kept3" }));
      return "committed";
    });
    expect(result).toBe("committed");
    expect(await names()).toEqual(["kept1", "kept2", "kept3"]);
    expect(await signalLogHasNoGap(store)).toBe(true);
    expect(await store.queries.timers.due(T0 + 10, 10)).toEqual([{ planId: "p", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 + 1 }]);
    expect(await rows(store, "plans")).toBe(1);
  });

  it("two transact calls started together, the first failing: the second runs after its rollback and commits", async () => {
    const first = store.transact(async (s) => {
      await s.signals.append(signal({ name: "lost" }));
      await s.signals.append(signal({ name: "lost" }));
      throw new Error("first fails");
    });
    const second = store.transact(async (s) => (await s.signals.append(signal({ name: "kept" }))).sequence);
    await expect(first).rejects.toThrow("first fails");
    expect(await second).toBe(1);
    expect(await names()).toEqual(["kept"]);
  });

  it("a read started while a transaction runs sees only committed data", async () => {
    await repos.signals.append(signal({ name: "committed" }));
    // A transaction that writes, is held open, then rolls back.
    const held = gate();
    let written = false;
    const doomed = store.transact(async (s) => {
      await s.signals.append(signal({ name: "uncommitted" }));
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
      await s.signals.append(signal({ name: "one" }));
      half = true;
      await between.promise;
      await s.signals.append(signal({ name: "two" }));
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
      await s.signals.append(signal({ name: "outer" }));
      await refuse(store.transact(async (inner) => inner.signals.append(signal({ name: "nested" }))));
      await refuse(store.read((r) => r.signals.head()));
      await refuse(store.queries.signals.head());
      // from inside a savepoint too
      await s.savepoint(async () => {
        await refuse(store.transact(async () => "nested"));
      });
      // the outer transaction goes on after a refusal
      await s.signals.append(signal({ name: "outer2" }));
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
    expect(await store.transact(async (s) => (await s.signals.append(signal({ name: "later" }))).sequence)).toBe(3);
  });

  it("a timer callback scheduled from inside a transaction may start a transaction once that one committed", async () => {
    const timer: { run: Promise<string[]> | null } = { run: null };
    await store.transact(async (s) => {
      await s.signals.append(signal({ name: "scheduler" }));
      systemClock.schedule(0, () => {
        timer.run = store.transact(async (t) => {
          await t.signals.append(signal({ name: "timer" }));
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

