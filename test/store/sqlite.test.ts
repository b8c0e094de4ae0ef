/**
 * SQLite itself (SQLite only, vitest.config.ts): the file's settings, one writer at a time, and
 * the background checkpointer that moves the WAL into the file.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { openStore, type SqliteStore as Store } from "../../src/store/sqlite-store.js";
import { flush, gate, track } from "../helpers/coordinator.js";
import { plan, signal } from "../helpers/engine.js";
import { waitFor } from "../helpers/fixtures.js";

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
});

describe("the unit of work on SQLite's one connection", () => {
  let store: Store;
  beforeEach(async () => {
    store = openStore(":memory:");
    await store.plans.insert(plan({ a: {} }, {}, "IDLE", { id: "p" }));
  });
  afterEach(() => store.close());

  const names = async (): Promise<string[]> => (await store.queries.signals.read({}, 0, 100)).map((s) => s.name ?? "");

  it("two transact calls started together run one after the other, never interleaving their writes", async () => {
    const held = gate();
    const log: string[] = [];
    const first = store.transact(async (s) => {
      log.push("first: begin");
      await s.signals.append(signal({ name: "a1" }));
      await held.promise; // the first keeps its transaction open until the test lets it go
      await s.signals.append(signal({ name: "a2" }));
      await s.signals.append(signal({ name: "a3" }));
      log.push("first: end");
      return "first";
    });
    const second = track(
      store.transact(async (s) => {
        log.push("second: begin");
        await s.signals.append(signal({ name: "b1" }));
        await s.signals.append(signal({ name: "b2" }));
        await s.signals.append(signal({ name: "b3" }));
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
        for (let i = 0; i < 3_000; i++) await s.signals.append(signal({ payload: { i, text: "x".repeat(2_000) } })); // > 4 MB of WAL
      });
      // committed to the WAL only (the checkpointer may still be moving the migrations' pages)
      expect(size()).toBeLessThan(before + 1_000_000);
      await waitFor(() => size() > before + 4_000_000, 10_000);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
