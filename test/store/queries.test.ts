/**
 * Store queries on real SQLite: plan listing (paging, filters) and the claim queue,
 * plus the attempt and agent repositories.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PlanAggregate } from "../../src/domain/model.js";
import type { PlanState, Priority } from "../../src/domain/statuses.js";
import type { PlanCursor, PlanFilter } from "../../src/store/plans.js";
import { openStore, type Store } from "../../src/store/store.js";
import { Script, T0, plan, type StepList } from "../helpers/engine.js";

let store: Store;
beforeEach(() => {
  store = openStore(":memory:");
});
afterEach(() => store.close());

describe("plans.list", () => {
  const add = (id: string, createdAt: number, fields: { name?: string; labels?: string[]; state?: PlanState } = {}) =>
    store.plans.insert(plan({ a: {} }, {}, fields.state ?? "IDLE", { id, name: fields.name ?? id, labels: fields.labels ?? [], createdAt: T0 + createdAt }));

  /** Every id the filter lists, page by page, following the cursor. */
  const all = (filter: PlanFilter, first: number): string[][] => {
    const pages: string[][] = [];
    let after: PlanCursor | null = null;
    for (;;) {
      const page = store.plans.list(filter, first, after);
      pages.push(page.plans.map((p) => p.id));
      if (!page.hasMore) return pages;
      const last = page.plans[page.plans.length - 1]!;
      after = { createdAt: last.createdAt, id: last.id };
    }
  };

  it("lists newest first and pages with the cursor, ties broken by id, with the total", () => {
    add("p1", 1);
    add("p2", 2);
    add("p3b", 3);
    add("p3a", 3);
    add("p3c", 3);
    add("p4", 4);
    expect(all({}, 2)).toEqual([
      ["p4", "p3c"],
      ["p3b", "p3a"],
      ["p2", "p1"],
    ]);
    expect(all({}, 4)).toEqual([
      ["p4", "p3c", "p3b", "p3a"],
      ["p2", "p1"],
    ]);
    const page = store.plans.list({}, 2, { createdAt: T0 + 3, id: "p3b" });
    expect(page).toMatchObject({ hasMore: true, total: 6 });
    expect(page.plans.map((p) => p.id)).toEqual(["p3a", "p2"]);
    expect(store.plans.list({}, 10, null)).toMatchObject({ hasMore: false, total: 6 });
  });

  it("filters by state, by any of the labels, and by both", () => {
    add("idle", 1, { labels: ["red"] });
    add("run", 2, { state: "RUNNING", labels: ["blue", "red"] });
    add("done", 3, { state: "COMPLETED", labels: ["green"] });
    add("failed", 4, { state: "FAILED" });
    const ids = (f: PlanFilter) => store.plans.list(f, 50, null).plans.map((p) => p.id);
    expect(ids({ states: ["RUNNING", "FAILED"] })).toEqual(["failed", "run"]);
    expect(ids({ labels: ["red"] })).toEqual(["run", "idle"]);
    expect(ids({ labels: ["green", "blue"] })).toEqual(["done", "run"]);
    expect(ids({ labels: ["red"], states: ["IDLE"] })).toEqual(["idle"]);
    expect(ids({ states: [], labels: [] })).toHaveLength(4);
    expect(store.plans.list({ labels: ["red"] }, 1, null)).toMatchObject({ total: 2, hasMore: true });
  });

  it("filters by name, case-insensitively for ASCII", () => {
    add("n1", 1, { name: "Nightly Build" });
    add("n2", 2, { name: "nightly report" });
    add("n3", 3, { name: "weekly" });
    const ids = (s: string) => store.plans.list({ nameContains: s }, 50, null).plans.map((p) => p.id);
    expect(ids("NIGHTLY")).toEqual(["n2", "n1"]);
    expect(ids("ly rep")).toEqual(["n2"]);
    expect(ids("monthly")).toEqual([]);
  });

  // Regression (fixed in 8a3b3aa): the name filter was a LIKE with backslash escapes but no
  // ESCAPE clause, so '%', '_' and '\' in the search text never matched literally.
  it("matches a name containing % or _ literally", () => {
    add("pct", 1, { name: "50% off" });
    add("five", 2, { name: "500 off" });
    add("under", 3, { name: "a_b" });
    add("axb", 4, { name: "axb" });
    add("slash", 5, { name: "C:\\temp" });
    const ids = (s: string) => store.plans.list({ nameContains: s }, 50, null).plans.map((p) => p.id);
    expect(ids("50%")).toEqual(["pct"]);
    expect(ids("a_b")).toEqual(["under"]);
    expect(ids("%")).toEqual(["pct"]);
    expect(ids(":\\t")).toEqual(["slash"]);
  });
});

describe("plans.claimable", () => {
  /** Inserts a plan started at `startedAt` (its steps' readyAt), optionally claiming some steps. */
  const add = (id: string, steps: StepList, o: { startedAt?: number; priority?: Priority; maxParallel?: number; claim?: string[]; state?: PlanState } = {}): PlanAggregate => {
    const s = new Script(plan(steps, { maxParallel: o.maxParallel ?? 5 }, "IDLE", { id, priority: o.priority ?? "NORMAL", createdAt: T0 }));
    s.at(o.startedAt ?? 0).start();
    for (const k of o.claim ?? []) s.claim(k);
    const agg = o.state ? { ...s.agg, plan: { ...s.agg.plan, state: o.state } } : s.agg;
    store.plans.insert(agg);
    return agg;
  };
  const keys = (roles: string[], limit = 50) => store.plans.claimable(roles, limit).map((c) => `${c.planId}/${c.key}`);

  it("orders by step priority (highest first), then oldest ready_at", () => {
    add("old", { a: {}, b: { priority: "LOW" } }, { startedAt: 10 });
    add("new", { a: {} }, { startedAt: 20 });
    add("urgent", { a: { priority: "URGENT" } }, { startedAt: 30 });
    add("high", { a: { priority: "HIGH" } }, { startedAt: 40 });
    add("older", { a: {} }, { startedAt: 5 });
    expect(keys(["worker"])).toEqual(["urgent/a", "high/a", "older/a", "old/a", "new/a", "old/b"]);
    expect(keys(["worker"], 2)).toEqual(["urgent/a", "high/a"]);
  });

  it("lists only READY steps of the roles asked for", () => {
    add("p", { a: { role: "x" }, b: { role: "y" }, c: { role: "z" }, d: { role: "x", dependsOn: ["a"] } });
    expect(keys(["x"])).toEqual(["p/a"]);
    expect(keys(["x", "z"])).toEqual(["p/a", "p/c"]);
    expect(keys(["nobody"])).toEqual([]);
  });

  it("skips plans already running maxParallel steps", () => {
    add("full", { a: {}, b: {}, c: {} }, { maxParallel: 2, claim: ["a", "b"], startedAt: 1 });
    add("room", { a: {}, b: {}, c: {} }, { maxParallel: 2, claim: ["a"], startedAt: 2 });
    expect(keys(["worker"])).toEqual(["room/b", "room/c"]);
  });

  it.each(["IDLE", "PAUSED", "FAILED", "CANCELLED"] as const)("skips READY steps of a %s plan", (state) => {
    add("other", { a: {} }, { state });
    add("running", { a: {} });
    expect(keys(["worker"])).toEqual(["running/a"]);
  });
});

describe("attempts and agents", () => {
  beforeEach(() => store.plans.insert(plan({ a: {} }, {}, "RUNNING", { id: "p" })));
  const start = (id: string, agentId: string, startedAt = T0) =>
    store.attempts.start({ id, planId: "p", stepKey: "a", attempt: 1, agentId, role: "worker", queuedAt: T0 - 5, startedAt, expiresAt: startedAt + 100, heartbeatTimeoutMs: 100 });

  it("starts, extends and ends an attempt; an ended attempt no longer changes", () => {
    start("lease_1", "agt_1");
    expect(store.attempts.get("lease_1")).toMatchObject({ outcome: "RUNNING", error: null, finishedAt: null, cancelRequested: false, expiresAt: T0 + 100 });
    store.attempts.extend("lease_1", T0 + 900);
    expect(store.attempts.runningCount("agt_1")).toBe(1);
    store.attempts.end("lease_1", "CANCELLED", null, T0 + 50);
    expect(store.attempts.get("lease_1")).toMatchObject({ outcome: "CANCELLED", cancelRequested: true, finishedAt: T0 + 50, expiresAt: T0 + 900 });
    store.attempts.end("lease_1", "SUCCEEDED", null, T0 + 60);
    store.attempts.extend("lease_1", T0 + 2_000);
    expect(store.attempts.get("lease_1")).toMatchObject({ outcome: "CANCELLED", finishedAt: T0 + 50, expiresAt: T0 + 900 });
    expect(store.attempts.runningCount("agt_1")).toBe(0);
    expect(store.attempts.get("lease_none")).toBeNull();
  });

  it("counts running leases per agent and lists a plan's attempts in start order", () => {
    start("lease_2", "agt_1", T0 + 2);
    start("lease_1", "agt_1", T0 + 1);
    start("lease_3", "agt_2", T0 + 3);
    const e = { message: "x", type: "T", retryable: false, details: { k: 1 } };
    store.attempts.end("lease_3", "FAILED", e, T0 + 4);
    expect([store.attempts.runningCount("agt_1"), store.attempts.runningCount("agt_2")]).toEqual([2, 0]);
    expect(store.attempts.list("p").map((a) => a.id)).toEqual(["lease_1", "lease_2", "lease_3"]);
    expect(store.attempts.get("lease_3")?.error).toEqual(e);
  });

  it("reports remote agents not seen since a time, never built-in or OFFLINE ones", () => {
    const agent = (id: string, lastSeenAt: number, builtin = false, status: "ONLINE" | "OFFLINE" = "ONLINE") =>
      store.agents.insert({ id, name: id, roles: ["r"], concurrency: 1, status, builtin, metadata: { v: 1 }, lastSeenAt: T0 + lastSeenAt, createdAt: T0, owner: null });
    agent("old", 10);
    agent("fresh", 100);
    agent("builtin", 0, true);
    agent("gone", 0, false, "OFFLINE");
    expect(store.agents.staleIds(T0 + 50)).toEqual(["old"]);
    store.agents.touch("old", T0 + 60, "ONLINE");
    expect(store.agents.staleIds(T0 + 50)).toEqual([]);
    expect(store.agents.get("old")).toMatchObject({ lastSeenAt: T0 + 60, status: "ONLINE", builtin: false, metadata: { v: 1 }, roles: ["r"] });
    expect(store.agents.list().map((a) => a.id)).toEqual(["builtin", "fresh", "gone", "old"]);
  });
});
