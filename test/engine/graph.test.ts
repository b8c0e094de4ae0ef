import { describe, expect, it } from "vitest";
import { findCycle, finalKeys, waves, type GraphNode } from "../../src/engine/graph.js";
import { backoffMs, mayRetry, unitHash } from "../../src/engine/retry.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../../src/domain/model.js";

/** Nodes from "key: dep dep" shorthand. */
const g = (spec: Record<string, string>): GraphNode[] =>
  Object.entries(spec).map(([key, deps]) => ({ key, dependsOn: deps.split(" ").filter(Boolean) }));

describe("findCycle", () => {
  it("returns null for an acyclic graph, including a diamond and disconnected parts", () => {
    expect(findCycle(g({ a: "", b: "a", c: "a", d: "b c", x: "", y: "x" }))).toBeNull();
    expect(findCycle([])).toBeNull();
  });

  it("names a three-step cycle in run order, first key repeated at the end", () => {
    // b needs a, c needs b, a needs c: a runs before b, b before c, c before a.
    expect(findCycle(g({ a: "c", b: "a", c: "b" }))).toEqual(["a", "b", "c", "a"]);
  });

  it("names only the cycle, not the steps leading into it", () => {
    const cycle = findCycle(g({ start: "", x: "start q", p: "x", q: "p", tail: "q" }));
    expect(cycle).toEqual(["x", "p", "q", "x"]);
  });

  it("finds a two-step cycle and a self loop", () => {
    expect(findCycle(g({ a: "b", b: "a" }))).toEqual(["a", "b", "a"]);
    expect(findCycle(g({ a: "a" }))).toEqual(["a", "a"]);
  });

  it("ignores unknown dependencies", () => {
    expect(findCycle(g({ a: "ghost", b: "a ghost" }))).toBeNull();
  });

  it("every consecutive pair in the cycle is a real edge (later depends on earlier)", () => {
    const nodes = g({ n1: "n5", n2: "n1", n3: "n2", n4: "n3", n5: "n4", other: "n3" });
    const cycle = findCycle(nodes)!;
    expect(cycle).toHaveLength(6);
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    const deps = new Map(nodes.map((n) => [n.key, n.dependsOn]));
    for (let i = 0; i + 1 < cycle.length; i++) expect(deps.get(cycle[i + 1]!)).toContain(cycle[i]);
  });
});

describe("waves", () => {
  it("groups steps by dependency level, each wave in input order", () => {
    expect(waves(g({ d: "b c", a: "", c: "a", b: "a", e: "" }))).toEqual([["a", "e"], ["c", "b"], ["d"]]);
  });

  it("puts a step at one more than its deepest dependency", () => {
    expect(waves(g({ a: "", b: "a", c: "b", d: "a c" }))).toEqual([["a"], ["b"], ["c"], ["d"]]);
  });

  it("treats unknown dependencies as absent and returns no empty waves", () => {
    expect(waves(g({ a: "ghost", b: "a" }))).toEqual([["a"], ["b"]]);
    expect(waves([])).toEqual([]);
  });
});

describe("finalKeys", () => {
  it("lists the steps nothing depends on, in input order", () => {
    expect(finalKeys(g({ a: "", b: "a", c: "a", d: "" }))).toEqual(["b", "c", "d"]);
    expect(finalKeys(g({ a: "", b: "a", c: "b" }))).toEqual(["c"]);
  });
});

describe("backoffMs", () => {
  const policy = (p: Partial<RetryPolicy>): RetryPolicy => ({ ...DEFAULT_RETRY, ...p });

  it("is initialIntervalMs × backoffCoefficient^(attempt − 1)", () => {
    const p = policy({ initialIntervalMs: 500, backoffCoefficient: 3, maxIntervalMs: 1e9 });
    expect([1, 2, 3, 4].map((a) => backoffMs(p, a))).toEqual([500, 1_500, 4_500, 13_500]);
  });

  it("is capped at maxIntervalMs", () => {
    const p = policy({ initialIntervalMs: 1_000, backoffCoefficient: 2, maxIntervalMs: 5_000 });
    expect([1, 2, 3, 4, 5, 30].map((a) => backoffMs(p, a))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
  });

  it("stays at initialIntervalMs with coefficient 1, and treats attempt 0 as the first", () => {
    const p = policy({ initialIntervalMs: 700, backoffCoefficient: 1, maxIntervalMs: 10_000 });
    expect([0, 1, 2, 9].map((a) => backoffMs(p, a))).toEqual([700, 700, 700, 700]);
  });

  it("rounds fractional coefficients to whole milliseconds", () => {
    const p = policy({ initialIntervalMs: 1_000, backoffCoefficient: 1.5, maxIntervalMs: 1e9 });
    expect([1, 2, 3, 4].map((a) => backoffMs(p, a))).toEqual([1_000, 1_500, 2_250, 3_375]);
    expect(backoffMs(policy({ initialIntervalMs: 3, backoffCoefficient: 1.1, maxIntervalMs: 100 }), 2)).toBe(3);
  });
});

describe("mayRetry", () => {
  const e = (type: string | null, retryable = true) => ({ message: "m", type, retryable, details: null });
  const p = { ...DEFAULT_RETRY, maxAttempts: 3, nonRetryableErrorTypes: ["FATAL"] };

  it("allows a retry while attempts < maxAttempts", () => {
    expect([1, 2, 3].map((n) => mayRetry(p, n, e(null)))).toEqual([true, true, false]);
  });

  it("never retries a non-retryable error or a listed error type", () => {
    expect(mayRetry(p, 1, e(null, false))).toBe(false);
    expect(mayRetry(p, 1, e("FATAL"))).toBe(false);
    expect(mayRetry(p, 1, e("OTHER"))).toBe(true);
  });
});

describe("retry jitter", () => {
  const policy = { maxAttempts: 5, initialIntervalMs: 1_000, backoffCoefficient: 2, maxIntervalMs: 60_000, nonRetryableErrorTypes: [], jitter: 0.5 };

  it("shortens a delay by up to the jitter fraction, the same way every time for the same seed", () => {
    const a = backoffMs(policy, 3, "plan_1/fetch/3");
    expect(a).toBe(backoffMs(policy, 3, "plan_1/fetch/3"));
    expect(a).toBeGreaterThan(2_000);
    expect(a).toBeLessThanOrEqual(4_000);
    const spread = new Set(Array.from({ length: 20 }, (_, i) => backoffMs(policy, 3, `plan_${i}/fetch/3`)));
    expect(spread.size).toBeGreaterThan(10); // different plans do not retry in lockstep
    expect(backoffMs({ ...policy, jitter: 0 }, 3, "anything")).toBe(4_000);
  });

  it("unitHash is in [0, 1)", () => {
    for (const t of ["", "a", "plan_x/step/1", "☃"]) {
      expect(unitHash(t)).toBeGreaterThanOrEqual(0);
      expect(unitHash(t)).toBeLessThan(1);
    }
  });
});
