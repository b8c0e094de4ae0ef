/**
 * Writes a transaction does not read back (Sql.defer) behave as if run at once, on both databases:
 * PostgreSQL holds them and sends each table's as one batch statement before the next statement on
 * that table, a DELETE, a savepoint or the commit; SQLite runs them at once. Many rows in a batch,
 * a later set of the same timer winning, context versions numbered one after another within a
 * batch, and a savepoint rolled back taking its held writes with it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { sqlRows, testStore } from "../helpers/database.js";
import { plan, T0 } from "../helpers/engine.js";

const attempt = (id: string, stepKey: string) => ({ id, planId: "plan_test", stepKey, attempt: 1, agentId: null, role: "r", queuedAt: null, startedAt: T0, expiresAt: T0 + 1_000, heartbeatTimeoutMs: 1_000 });
const write = (key: string, value: number) => ({ planId: "plan_test", key, value, targets: [], by: "t", at: T0 });
class Undo extends Error {}

describe("deferred writes", () => {
  let store: Store;
  beforeEach(async () => {
    store = await testStore();
    await store.transact((s) => s.plans.insert(plan({ a: {}, b: {}, c: {} })));
  });
  afterEach(() => store.close());

  it("are seen by the transaction's next read of their table, many rows in one batch", async () => {
    await store.transact(async (s) => {
      for (const k of ["a", "b", "c"]) await s.attempts.start(attempt(`lease_${k}`, k));
      expect((await s.attempts.getMany(["lease_a", "lease_b", "lease_c"])).map((a) => a.id).sort()).toEqual(["lease_a", "lease_b", "lease_c"]);
      await s.attempts.end("lease_a", "SUCCEEDED", null, T0 + 5, { out: 1 }, 0.5);
      await s.attempts.end("lease_b", "FAILED", { message: "m", type: "T", retryable: false, details: null }, T0 + 6);
      expect(await s.attempts.get("lease_a")).toMatchObject({ outcome: "SUCCEEDED", output: { out: 1 }, quality: 0.5, finishedAt: T0 + 5 });
      expect(await s.attempts.get("lease_b")).toMatchObject({ outcome: "FAILED", error: { message: "m", type: "T" } });
      expect(await s.attempts.get("lease_c")).toMatchObject({ outcome: "RUNNING" });
    });
  });

  it("keep the order of one table's writes: a later set of a timer wins, a clear removes what came before it", async () => {
    await store.transact(async (s) => {
      await s.timers.set({ planId: "plan_test", stepKey: "a", kind: "RETRY", ref: "1", dueAt: T0 + 10 });
      await s.timers.set({ planId: "plan_test", stepKey: "b", kind: "RETRY", ref: "1", dueAt: T0 + 20 });
      await s.timers.set({ planId: "plan_test", stepKey: "a", kind: "RETRY", ref: "2", dueAt: T0 + 30 });
      await s.timers.clear("plan_test", "b");
      await s.timers.set({ planId: "plan_test", stepKey: "c", kind: "RETRY", ref: "1", dueAt: T0 + 40 });
      await s.timers.clear("plan_test", "c");
    });
    const rows = await sqlRows<{ step_key: string; ref: string; due_at: number }>(store, "SELECT step_key, ref, due_at FROM timers ORDER BY step_key");
    expect(rows).toEqual([{ step_key: "a", ref: "2", due_at: T0 + 30 }]);
  });

  it("number context writes of one plan and key one after another within a batch, after those committed", async () => {
    await store.transact((s) => s.context.write(write("x", 0)));
    await store.transact(async (s) => {
      for (let i = 1; i <= 3; i++) await s.context.writeLater(write("x", i));
      await s.context.writeLater(write("y", 9));
    });
    const rows = await sqlRows<{ key: string; version: number; context_version: number }>(store, "SELECT key, version, context_version FROM context_entries ORDER BY context_version");
    expect(rows).toEqual([
      { key: "x", version: 1, context_version: 1 },
      { key: "x", version: 2, context_version: 2 },
      { key: "x", version: 3, context_version: 3 },
      { key: "x", version: 4, context_version: 4 },
      { key: "y", version: 1, context_version: 5 },
    ]);
    expect((await store.queries.context.entry("plan_test", "x"))?.value).toBe(3);
  });

  it("made in a savepoint that rolls back are undone with it; those before it stay", async () => {
    await store.transact(async (s) => {
      await s.attempts.start(attempt("lease_a", "a"));
      await s
        .savepoint(async () => {
          await s.attempts.start(attempt("lease_b", "b"));
          await s.timers.set({ planId: "plan_test", stepKey: "b", kind: "RETRY", ref: null, dueAt: T0 });
          throw new Undo();
        })
        .catch((e: unknown) => {
          if (!(e instanceof Undo)) throw e;
        });
      await s.attempts.start(attempt("lease_c", "c"));
    });
    expect((await sqlRows<{ id: string }>(store, "SELECT id FROM attempts ORDER BY id")).map((r) => r.id)).toEqual(["lease_a", "lease_c"]);
    expect(await sqlRows(store, "SELECT * FROM timers")).toEqual([]);
  });

  it("are not written when the transaction rolls back", async () => {
    await expect(
      store.transact(async (s) => {
        await s.attempts.start(attempt("lease_a", "a"));
        await s.timers.set({ planId: "plan_test", stepKey: "a", kind: "RETRY", ref: null, dueAt: T0 });
        throw new Undo();
      }),
    ).rejects.toBeInstanceOf(Undo);
    expect(await sqlRows(store, "SELECT * FROM attempts")).toEqual([]);
    expect(await sqlRows(store, "SELECT * FROM timers")).toEqual([]);
  });
});
