/** The attempts timeline (console/src/plan/timeline.ts): plain functions, no browser. */
import { describe, expect, it } from "vitest";
import { formatDuration, timelineRows } from "../../console/src/plan/timeline.js";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();

describe("timelineRows", () => {
  it("places each attempt's wait and run on the span from the first queue time to the last end", () => {
    const { rows, spanMs } = timelineRows(
      [
        { id: "t2", stepKey: "b", attempt: 1, outcome: "SUCCEEDED", queuedAt: iso(500), startedAt: iso(600), finishedAt: iso(1000) },
        { id: "t1", stepKey: "a", attempt: 1, outcome: "SUCCEEDED", queuedAt: iso(0), startedAt: iso(100), finishedAt: iso(500) },
      ],
      T0 + 5_000,
    );
    expect(spanMs).toBe(1000);
    expect(rows.map((r) => [r.id, r.queued, r.started, r.ended, r.waitMs, r.runMs])).toEqual([
      ["t1", 0, 0.1, 0.5, 100, 400],
      ["t2", 0.5, 0.6, 1, 100, 400],
    ]);
  });

  it("runs a running attempt up to now, and orders attempts of one step by number", () => {
    const { rows, spanMs } = timelineRows(
      [
        { id: "r2", stepKey: "a", attempt: 2, outcome: "RUNNING", startedAt: iso(200) },
        { id: "r1", stepKey: "a", attempt: 1, outcome: "FAILED", startedAt: iso(0), finishedAt: iso(100) },
      ],
      T0 + 400,
    );
    expect(spanMs).toBe(400);
    expect(rows.map((r) => [r.id, r.started, r.ended, r.runMs])).toEqual([
      ["r1", 0, 0.25, 100],
      ["r2", 0.5, 1, 200],
    ]);
  });

  it("has no rows and no span without traces", () => {
    expect(timelineRows([], T0)).toEqual({ rows: [], spanMs: 0 });
  });
});

describe("formatDuration", () => {
  it("reads at a glance", () => {
    expect([850, 4_210, 42_000, 185_000, 7_800_000].map(formatDuration)).toEqual(["850 ms", "4.2 s", "42 s", "3 min 5 s", "2 h 10 min"]);
  });
});
