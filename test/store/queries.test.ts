/**
 * Store queries on the real database (SQLite, or PostgreSQL on that tier): plan listing (paging,
 * filters) and the claim queue, plus the attempt and agent repositories.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { PlanAggregate } from "../../src/domain/model.js";
import type { PlanState, Priority } from "../../src/domain/statuses.js";
import type { PlanCursor, PlanFilter } from "../../src/store/plans.js";
import type { Repositories, Store } from "../../src/store/store.js";
import { eachTestStore } from "../helpers/database.js";
import { Script, T0, plan, type StepList } from "../helpers/engine.js";

/** The test's database, and its repositories with each call a transaction of its own. */
let db: Store;
let store: Repositories;
eachTestStore((s, r) => ((db = s), (store = r)));

describe("plans.list", () => {
  const add = (id: string, createdAt: number, fields: { name?: string; labels?: string[]; state?: PlanState } = {}) =>
    store.plans.insert(plan({ a: {} }, {}, fields.state ?? "IDLE", { id, name: fields.name ?? id, labels: fields.labels ?? [], createdAt: T0 + createdAt }));

  /** The ids the filter lists, on one page. */
  const listed = async (f: PlanFilter) => (await store.plans.list(f, 50, null)).plans.map((p) => p.id);

  /** Every id the filter lists, page by page, following the cursor. */
  const all = async (filter: PlanFilter, first: number): Promise<string[][]> => {
    const pages: string[][] = [];
    let after: PlanCursor | null = null;
    for (;;) {
      const page = await store.plans.list(filter, first, after);
      pages.push(page.plans.map((p) => p.id));
      if (!page.hasMore) return pages;
      const last = page.plans[page.plans.length - 1]!;
      after = { createdAt: last.createdAt, id: last.id };
    }
  };

  it("lists newest first and pages with the cursor, ties broken by id, with the total", async () => {
    await add("p1", 1);
    await add("p2", 2);
    await add("p3b", 3);
    await add("p3a", 3);
    await add("p3c", 3);
    await add("p4", 4);
    expect(await all({}, 2)).toEqual([
      ["p4", "p3c"],
      ["p3b", "p3a"],
      ["p2", "p1"],
    ]);
    expect(await all({}, 4)).toEqual([
      ["p4", "p3c", "p3b", "p3a"],
      ["p2", "p1"],
    ]);
    const page = await store.plans.list({}, 2, { createdAt: T0 + 3, id: "p3b" });
    expect(page).toMatchObject({ hasMore: true, total: 6 });
    expect(page.plans.map((p) => p.id)).toEqual(["p3a", "p2"]);
    expect(await store.plans.list({}, 10, null)).toMatchObject({ hasMore: false, total: 6 });
  });

  it("filters by state, by any of the labels, and by both", async () => {
    await add("idle", 1, { labels: ["red"] });
    await add("run", 2, { state: "RUNNING", labels: ["blue", "red"] });
    await add("done", 3, { state: "COMPLETED", labels: ["green"] });
    await add("failed", 4, { state: "FAILED" });
    const ids = async (f: PlanFilter) => (await store.plans.list(f, 50, null)).plans.map((p) => p.id);
    expect(await ids({ states: ["RUNNING", "FAILED"] })).toEqual(["failed", "run"]);
    expect(await ids({ labels: ["red"] })).toEqual(["run", "idle"]);
    expect(await ids({ labels: ["green", "blue"] })).toEqual(["done", "run"]);
    expect(await ids({ labels: ["red"], states: ["IDLE"] })).toEqual(["idle"]);
    expect(await ids({ states: [], labels: [] })).toHaveLength(4);
    expect(await store.plans.list({ labels: ["red"] }, 1, null)).toMatchObject({ total: 2, hasMore: true });
  });

  it("filters by name, case-insensitively for ASCII", async () => {
    await add("n1", 1, { name: "Nightly Build" });
    await add("n2", 2, { name: "nightly report" });
    await add("n3", 3, { name: "weekly" });
    const ids = async (s: string) => (await store.plans.list({ nameContains: s }, 50, null)).plans.map((p) => p.id);
    expect(await ids("NIGHTLY")).toEqual(["n2", "n1"]);
    expect(await ids("ly rep")).toEqual(["n2"]);
    expect(await ids("monthly")).toEqual([]);
  });

  it("filters by creation time: createdAfter inclusive, createdBefore exclusive, with paging inside the range", async () => {
    for (let i = 1; i <= 5; i++) await add(`t${i}`, i * 10);
    expect(await listed({ createdAfter: T0 + 20 })).toEqual(["t5", "t4", "t3", "t2"]);
    expect(await listed({ createdBefore: T0 + 20 })).toEqual(["t1"]);
    expect(await listed({ createdAfter: T0 + 20, createdBefore: T0 + 40 })).toEqual(["t3", "t2"]);
    expect(await listed({ createdAfter: T0 + 40, createdBefore: T0 + 20 })).toEqual([]);
    expect(await all({ createdAfter: T0 + 11, createdBefore: T0 + 50 }, 2)).toEqual([["t4", "t3"], ["t2"]]);
    expect(await store.plans.count({ createdAfter: T0 + 11, createdBefore: T0 + 50 })).toBe(3);
  });

  it("search matches an exact id or a name substring (case-insensitively), and combines with the other fields", async () => {
    await add("plan_aa11", 1, { name: "Nightly build" });
    await add("plan_bb22", 2, { name: "release plan_aa11 notes", labels: ["red"] });
    await add("plan_cc33", 3, { name: "weekly", state: "RUNNING" });
    expect(await listed({ search: "plan_cc33" })).toEqual(["plan_cc33"]);
    expect(await listed({ search: "NIGHTLY" })).toEqual(["plan_aa11"]);
    // An id is matched exactly, and a name may contain it too.
    expect(await listed({ search: "plan_aa11" })).toEqual(["plan_bb22", "plan_aa11"]);
    expect(await listed({ search: "plan_aa1" })).toEqual(["plan_bb22"]);
    expect(await listed({ search: "plan_aa11", labels: ["red"] })).toEqual(["plan_bb22"]);
    expect(await listed({ search: "plan_cc33", states: ["IDLE"] })).toEqual([]);
    expect(await listed({ search: "50%" })).toEqual([]);
  });

  // Regression (fixed in 8a3b3aa): the name filter was a LIKE with backslash escapes but no
  // ESCAPE clause, so '%', '_' and '\' in the search text never matched literally.
  it("matches a name containing % or _ literally", async () => {
    await add("pct", 1, { name: "50% off" });
    await add("five", 2, { name: "500 off" });
    await add("under", 3, { name: "a_b" });
    await add("axb", 4, { name: "axb" });
    await add("slash", 5, { name: "C:\\temp" });
    const ids = async (s: string) => (await store.plans.list({ nameContains: s }, 50, null)).plans.map((p) => p.id);
    expect(await ids("50%")).toEqual(["pct"]);
    expect(await ids("a_b")).toEqual(["under"]);
    expect(await ids("%")).toEqual(["pct"]);
    expect(await ids(":\\t")).toEqual(["slash"]);
  });
});

describe("plans.claimable", () => {
  /** Inserts a plan started at `startedAt` (its steps' readyAt), optionally claiming some steps. */
  const add = async (id: string, steps: StepList, o: { startedAt?: number; priority?: Priority; maxParallel?: number; claim?: string[]; state?: PlanState } = {}): Promise<PlanAggregate> => {
    const s = new Script(plan(steps, { maxParallel: o.maxParallel ?? 5 }, "IDLE", { id, priority: o.priority ?? "NORMAL", createdAt: T0 }));
    s.at(o.startedAt ?? 0).start();
    for (const k of o.claim ?? []) s.claim(k);
    const agg = o.state ? { ...s.agg, plan: { ...s.agg.plan, state: o.state } } : s.agg;
    await store.plans.insert(agg);
    return agg;
  };
  const keys = async (roles: string[], limit = 50) => (await store.plans.claimable(roles, limit)).map((c) => `${c.planId}/${c.key}`);

  it("orders by step priority (highest first), then oldest ready_at", async () => {
    await add("old", { a: {}, b: { priority: "LOW" } }, { startedAt: 10 });
    await add("new", { a: {} }, { startedAt: 20 });
    await add("urgent", { a: { priority: "URGENT" } }, { startedAt: 30 });
    await add("high", { a: { priority: "HIGH" } }, { startedAt: 40 });
    await add("older", { a: {} }, { startedAt: 5 });
    expect(await keys(["worker"])).toEqual(["urgent/a", "high/a", "older/a", "old/a", "new/a", "old/b"]);
    expect(await keys(["worker"], 2)).toEqual(["urgent/a", "high/a"]);
  });

  it("lists only READY steps of the roles asked for", async () => {
    await add("p", { a: { role: "x" }, b: { role: "y" }, c: { role: "z" }, d: { role: "x", dependsOn: ["a"] } });
    expect(await keys(["x"])).toEqual(["p/a"]);
    expect(await keys(["x", "z"])).toEqual(["p/a", "p/c"]);
    expect(await keys(["nobody"])).toEqual([]);
  });

  it("skips plans already running maxParallel steps", async () => {
    await add("full", { a: {}, b: {}, c: {} }, { maxParallel: 2, claim: ["a", "b"], startedAt: 1 });
    await add("room", { a: {}, b: {}, c: {} }, { maxParallel: 2, claim: ["a"], startedAt: 2 });
    expect(await keys(["worker"])).toEqual(["room/b", "room/c"]);
  });

  it.each(["IDLE", "PAUSED", "FAILED", "CANCELLED"] as const)("skips READY steps of a %s plan", async (state) => {
    await add("other", { a: {} }, { state });
    await add("running", { a: {} });
    expect(await keys(["worker"])).toEqual(["running/a"]);
  });
});

describe("attempts and agents", () => {
  beforeEach(() => store.plans.insert(plan({ a: {} }, {}, "RUNNING", { id: "p" })));
  const start = (id: string, agentId: string, startedAt = T0) =>
    store.attempts.start({ id, planId: "p", stepKey: "a", attempt: 1, agentId, role: "worker", queuedAt: T0 - 5, startedAt, expiresAt: startedAt + 100, heartbeatTimeoutMs: 100 });

  it("starts, extends and ends an attempt; an ended attempt no longer changes", async () => {
    await start("lease_1", "agt_1");
    expect(await store.attempts.get("lease_1")).toMatchObject({ outcome: "RUNNING", error: null, finishedAt: null, cancelRequested: false, expiresAt: T0 + 100 });
    await store.attempts.extend("lease_1", T0 + 900);
    expect(await store.attempts.runningCount("agt_1")).toBe(1);
    await store.attempts.end("lease_1", "CANCELLED", null, T0 + 50);
    expect(await store.attempts.get("lease_1")).toMatchObject({ outcome: "CANCELLED", cancelRequested: true, finishedAt: T0 + 50, expiresAt: T0 + 900 });
    await store.attempts.end("lease_1", "SUCCEEDED", null, T0 + 60);
    await store.attempts.extend("lease_1", T0 + 2_000);
    expect(await store.attempts.get("lease_1")).toMatchObject({ outcome: "CANCELLED", finishedAt: T0 + 50, expiresAt: T0 + 900 });
    expect(await store.attempts.runningCount("agt_1")).toBe(0);
    expect(await store.attempts.get("lease_none")).toBeNull();
  });

  it("counts running leases per agent and lists a plan's attempts in start order", async () => {
    await start("lease_2", "agt_1", T0 + 2);
    await start("lease_1", "agt_1", T0 + 1);
    await start("lease_3", "agt_2", T0 + 3);
    const e = { message: "x", type: "T", retryable: false, details: { k: 1 } };
    await store.attempts.end("lease_3", "FAILED", e, T0 + 4);
    expect([await store.attempts.runningCount("agt_1"), await store.attempts.runningCount("agt_2")]).toEqual([2, 0]);
    expect((await store.attempts.list("p")).map((a) => a.id)).toEqual(["lease_1", "lease_2", "lease_3"]);
    expect((await store.attempts.get("lease_3"))?.error).toEqual(e);
  });

  it("reports remote agents not seen since a time, never built-in or OFFLINE ones", async () => {
    const agent = (id: string, lastSeenAt: number, builtin = false, status: "ONLINE" | "OFFLINE" = "ONLINE") =>
      store.agents.insert({ id, name: id, roles: ["r"], concurrency: 1, status, builtin, metadata: { v: 1 }, lastSeenAt: T0 + lastSeenAt, createdAt: T0, owner: null });
    await agent("old", 10);
    await agent("fresh", 100);
    await agent("builtin", 0, true);
    await agent("gone", 0, false, "OFFLINE");
    expect(await store.agents.staleIds(T0 + 50)).toEqual(["old"]);
    await store.agents.touch("old", T0 + 60, "ONLINE");
    expect(await store.agents.staleIds(T0 + 50)).toEqual([]);
    expect(await store.agents.get("old")).toMatchObject({ lastSeenAt: T0 + 60, status: "ONLINE", builtin: false, metadata: { v: 1 }, roles: ["r"] });
    expect((await store.agents.list()).map((a) => a.id)).toEqual(["builtin", "fresh", "gone", "old"]);
  });
});
