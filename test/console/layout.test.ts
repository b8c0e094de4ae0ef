/** The plan graph's layout (console/src/plan/layout.ts): plain functions, no browser. */
import { describe, expect, it } from "vitest";
import { layoutPlan, NODE_HEIGHT, NODE_WIDTH, planEdges, type StepShape } from "../../console/src/plan/layout.js";

const step = (key: string, dependsOn: string[] = [], extra: Partial<StepShape> = {}): StepShape => ({ key, dependsOn, ...extra });

describe("planEdges", () => {
  it("draws each dependency, transition and compensation once, and none to an unknown step", () => {
    const edges = planEdges([
      step("fetch"),
      step("review", ["fetch"], { onFailure: "fix", onSuccess: "ship" }),
      step("fix", [], { onSuccess: "review" }),
      step("ship", ["review", "review", "ghost"], { compensate: "unship" }),
      step("unship"),
    ]);
    expect(edges.map((e) => `${e.kind} ${e.source}->${e.target}`).sort()).toEqual([
      "compensation ship->unship",
      "dependency fetch->review",
      "dependency review->ship",
      "failure review->fix",
      "success fix->review",
      "success review->ship",
    ]);
  });
});

describe("layoutPlan", () => {
  it("places every step, each to the right of the steps it waits for, without overlaps", () => {
    const steps = [step("fetch"), step("pause", ["fetch"]), step("report", ["fetch"]), step("finish", ["pause", "report"])];
    const { nodes, edges, width, height } = layoutPlan(steps);
    const at = Object.fromEntries(nodes.map((n) => [n.key, n]));
    expect(Object.keys(at).sort()).toEqual(["fetch", "finish", "pause", "report"]);
    expect(edges).toHaveLength(4);
    for (const s of steps) for (const dep of s.dependsOn) expect(at[s.key]!.x).toBeGreaterThanOrEqual(at[dep]!.x + NODE_WIDTH);
    // pause and report share a column, one above the other
    expect(at["pause"]!.x).toBe(at["report"]!.x);
    expect(Math.abs(at["pause"]!.y - at["report"]!.y)).toBeGreaterThanOrEqual(NODE_HEIGHT);
    expect(width).toBeGreaterThanOrEqual(3 * NODE_WIDTH);
    expect(height).toBeGreaterThanOrEqual(2 * NODE_HEIGHT);
  });

  it("lays out a loop (review → fix → review) and steps with no edge at all", () => {
    const { nodes } = layoutPlan([step("write"), step("review", ["write"], { onFailure: "fix" }), step("fix", [], { onSuccess: "review", maxVisits: 3 } as Partial<StepShape>), step("alone")]);
    expect(nodes).toHaveLength(4);
    for (const n of nodes) expect(Number.isFinite(n.x) && Number.isFinite(n.y)).toBe(true);
    const at = Object.fromEntries(nodes.map((n) => [n.key, n]));
    expect(at["review"]!.x).toBeGreaterThan(at["write"]!.x);
  });

  it("gives the same places for the same plan, whatever the states", () => {
    const steps = [step("a"), step("b", ["a"]), step("c", ["a"]), step("d", ["b", "c"])];
    expect(layoutPlan(steps)).toEqual(layoutPlan(steps.map((s) => ({ ...s }))));
  });

  it("lays out a hundred steps quickly", () => {
    const steps = Array.from({ length: 100 }, (_, i) => step(`s${i}`, i === 0 ? [] : [`s${Math.floor((i - 1) / 3)}`]));
    const t0 = performance.now();
    expect(layoutPlan(steps).nodes).toHaveLength(100);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
