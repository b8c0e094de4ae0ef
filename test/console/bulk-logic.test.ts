/** The plans list's search and time filters in the URL, and the logic of its bulk actions (console/src/plans/). */
import { describe, expect, it } from "vitest";
import { actOnTargets, actionableStates, MAX_TARGETS, targetsOf, walkFilter, type BulkPage, type BulkProgress } from "../../console/src/plans/bulk-logic.js";
import { EMPTY_PARAMS, formatListParams, instantFromLocalInput, localInputFromInstant, parseListParams, toPlanFilter, withFilter } from "../../console/src/plans/filters.js";

describe("the search box and the time filter", () => {
  it("round-trip through the query string, times as UTC instants", () => {
    const p = parseListParams("?label=x&search=plan_123&createdAfter=2026-03-01T00:00:00Z&createdBefore=2026-03-02T12:30:00%2B02:00");
    expect(p).toEqual({ ...EMPTY_PARAMS, labels: ["x"], search: "plan_123", createdAfter: "2026-03-01T00:00:00.000Z", createdBefore: "2026-03-02T10:30:00.000Z" });
    expect(formatListParams(p)).toBe("?label=x&search=plan_123&createdAfter=2026-03-01T00%3A00%3A00.000Z&createdBefore=2026-03-02T10%3A30%3A00.000Z");
    expect(parseListParams(formatListParams(p))).toEqual(p);
  });

  it("leave out a time that is no time", () => {
    expect(parseListParams("?createdAfter=yesterday&createdBefore=")).toEqual(EMPTY_PARAMS);
    expect(instantFromLocalInput("")).toBe("");
    expect(instantFromLocalInput("soon")).toBe("");
    expect(localInputFromInstant("")).toBe("");
  });

  it("show an instant in a datetime-local input and read it back (the reader's time zone)", () => {
    const at = "2026-03-01T08:45:00.000Z";
    expect(localInputFromInstant(at)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(instantFromLocalInput(localInputFromInstant(at))).toBe(at);
  });

  it("become the PlanFilter's search, createdAfter and createdBefore", () => {
    const p = withFilter({ ...EMPTY_PARAMS, after: "c" }, { search: "report", createdAfter: "2026-03-01T00:00:00.000Z", createdBefore: "2026-03-02T00:00:00.000Z" });
    expect(p.after).toBeNull();
    expect(toPlanFilter(p)).toEqual({ search: "report", createdAfter: "2026-03-01T00:00:00.000Z", createdBefore: "2026-03-02T00:00:00.000Z" });
  });
});

describe("bulk actions", () => {
  const page = (ids: string[], hasMore: boolean, endCursor: string | null = null): BulkPage => ({
    applied: ids.map((planId) => ({ planId, state: "CANCELLED", planVersion: 2, interventionId: `i-${planId}` })),
    rejected: [],
    hasMore,
    endCursor,
  });

  it("take by filter the states each action accepts, narrowed by the filter's states", () => {
    expect(actionableStates("cancel", undefined)).toEqual(["IDLE", "RUNNING", "PAUSED", "COMPENSATING"]);
    expect(actionableStates("cancel", ["RUNNING", "FAILED"])).toEqual(["RUNNING"]);
    expect(actionableStates("retry", ["RUNNING"])).toEqual([]);
    expect(actionableStates("resume", [])).toEqual(["PAUSED"]);
  });

  it("send each selected plan with the version shown in its row, else the one seen when selected", () => {
    const selected = new Map([
      ["a", 3],
      ["b", 5],
    ]);
    expect(targetsOf(selected, [{ id: "a", version: 4 }])).toEqual([
      { id: "a", expectedVersion: 4 },
      { id: "b", expectedVersion: 5 },
    ]);
  });

  it("walk a filter with endCursor while hasMore, reporting progress after each call", async () => {
    const afters: (string | null)[] = [];
    const answers = [page(["p1", "p2"], true, "c2"), { ...page(["p3"], true, "c3"), rejected: [{ planId: "p4", code: "INVALID_STATE", message: "the plan is CANCELLED" }] }, page([], false)];
    const seen: BulkProgress[] = [];
    const done = await walkFilter(async (after) => (afters.push(after), answers.shift()!), (p) => seen.push(p));
    expect(afters).toEqual([null, "c2", "c3"]);
    expect(done).toMatchObject({ calls: 3, done: true, error: null });
    expect(done.applied.map((a) => a.planId)).toEqual(["p1", "p2", "p3"]);
    expect(done.rejected).toEqual([{ planId: "p4", code: "INVALID_STATE", message: "the plan is CANCELLED" }]);
    expect(seen.map((p) => p.applied.length + p.rejected.length)).toEqual([2, 4, 4]);
    expect(seen.at(-1)).toBe(done);
  });

  it("stop a walk at a failed call, or at a page that gives no new cursor, keeping what was done", async () => {
    let calls = 0;
    const failed = await walkFilter(async () => {
      if (calls++ === 0) return page(["p1"], true, "c1");
      throw new Error("FORBIDDEN");
    });
    expect(failed).toMatchObject({ done: false, error: "FORBIDDEN", calls: 1 });
    expect(failed.applied).toHaveLength(1);

    const stuck = await walkFilter(async () => page(["p1"], true, "same"));
    expect(stuck.calls).toBe(2);
    expect(stuck.error).toMatch(/no new place/);
    expect((await walkFilter(async () => page([], true, null))).error).toMatch(/no new place/);
  });

  it("send a selection in calls of at most 1,000 plans", async () => {
    const targets = Array.from({ length: MAX_TARGETS + 5 }, (_, i) => ({ id: `p${i}`, expectedVersion: 1 }));
    const sizes: number[] = [];
    const done = await actOnTargets(targets, async (chunk) => (sizes.push(chunk.length), page(chunk.map((t) => t.id), false)));
    expect(sizes).toEqual([MAX_TARGETS, 5]);
    expect(done).toMatchObject({ done: true, error: null, calls: 2 });
    expect(done.applied).toHaveLength(MAX_TARGETS + 5);
    expect((await actOnTargets(targets.slice(0, 2), async () => Promise.reject(new Error("offline")))).error).toBe("offline");
  });
});
