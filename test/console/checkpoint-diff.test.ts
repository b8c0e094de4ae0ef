/** Checkpoints as the console shows them (console/src/plan/checkpoint-diff.ts): plain functions, no browser. */
import { describe, expect, it } from "vitest";
import { checkpointCause, contextChanges, orderedPair, stepChanges, toggleSelection } from "../../console/src/plan/checkpoint-diff.js";

describe("checkpointCause", () => {
  it("says in words what made each kind of checkpoint", () => {
    expect(checkpointCause({ reason: "INITIAL" })).toBe("Plan started");
    expect(checkpointCause({ reason: "STEP", stepKey: "review" })).toBe("Step review finished");
    expect(checkpointCause({ reason: "STEP", stepKey: null })).toBe("A step finished");
    expect(checkpointCause({ reason: "PAUSE" })).toBe("Plan paused");
    expect(checkpointCause({ reason: "RESTORE" })).toBe("Plan restored");
    expect(checkpointCause({ reason: "MANUAL", label: "before review" })).toBe("Taken by hand: before review");
    expect(checkpointCause({ reason: "MANUAL" })).toBe("Taken by hand");
  });
});

describe("stepChanges", () => {
  it("names what differs for each step, sorted by key", () => {
    const rows = stepChanges({
      b: { from: { state: "RUNNING", output: null, attempts: 1 }, to: { state: "SUCCEEDED", output: { done: "b" }, attempts: 1 } },
      a: { from: { state: "FAILED", output: null, attempts: 1 }, to: { state: "FAILED", output: null, attempts: 2 } },
      c: { from: null, to: { state: "PENDING", output: null, attempts: 0 } },
      d: { from: { state: "SUCCEEDED", output: 1, attempts: 1 }, to: null },
      e: { from: { state: "SUCCEEDED", output: { x: 1 }, attempts: 1 }, to: { state: "SUCCEEDED", output: { x: 2 }, attempts: 1 } },
    });
    expect(rows.map((r) => [r.key, r.changes])).toEqual([
      ["a", ["attempts"]],
      ["b", ["state", "output"]],
      ["c", ["added"]],
      ["d", ["removed"]],
      ["e", ["output"]],
    ]);
    expect(rows[1]!.to).toEqual({ state: "SUCCEEDED", output: { done: "b" }, attempts: 1 });
    expect(rows[2]!.from).toBeNull();
  });

  it("reads nothing from what is not a diff", () => {
    expect(stepChanges(null)).toEqual([]);
    expect(stepChanges([])).toEqual([]);
    expect(stepChanges({ a: "nonsense" })).toEqual([{ key: "a", from: null, to: null, changes: [] }]);
  });
});

describe("contextChanges", () => {
  it("tells added, removed and changed keys apart", () => {
    expect(
      contextChanges({
        score: { from: 1, to: 2 },
        draft: { from: null, to: "text" },
        old: { from: { a: 1 }, to: null },
      }),
    ).toEqual([
      { key: "draft", change: "added", from: null, to: "text" },
      { key: "old", change: "removed", from: { a: 1 }, to: null },
      { key: "score", change: "changed", from: 1, to: 2 },
    ]);
  });

  it("keeps false and 0 as values, not as absent", () => {
    expect(contextChanges({ flag: { from: false, to: 0 } })).toEqual([{ key: "flag", change: "changed", from: false, to: 0 }]);
  });
});

describe("selecting two checkpoints", () => {
  const list = [
    { id: "ckp_3", sequence: 30 },
    { id: "ckp_1", sequence: 10 },
    { id: "ckp_2", sequence: 20 },
  ];

  it("orders the pair earlier first, whatever order they were ticked in", () => {
    expect(orderedPair(["ckp_3", "ckp_1"], list)?.map((c) => c.id)).toEqual(["ckp_1", "ckp_3"]);
    expect(orderedPair(["ckp_1", "ckp_2"], list)?.map((c) => c.id)).toEqual(["ckp_1", "ckp_2"]);
  });

  it("has no pair unless exactly two known checkpoints are ticked", () => {
    expect(orderedPair([], list)).toBeNull();
    expect(orderedPair(["ckp_1"], list)).toBeNull();
    expect(orderedPair(["ckp_1", "ckp_gone"], list)).toBeNull();
  });

  it("keeps at most two ticked, dropping the oldest choice", () => {
    expect(toggleSelection([], "a")).toEqual(["a"]);
    expect(toggleSelection(["a"], "b")).toEqual(["a", "b"]);
    expect(toggleSelection(["a", "b"], "c")).toEqual(["b", "c"]);
    expect(toggleSelection(["a", "b"], "a")).toEqual(["b"]);
  });
});
