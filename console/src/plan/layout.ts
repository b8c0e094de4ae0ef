/**
 * A plan's steps as a graph to draw: nodes placed by dagre (left to right, dependencies before
 * their dependants) and edges of four kinds: a dependency (dependsOn), a transition on success
 * or on failure (onSuccess, onFailure) and a compensation (compensate). Plain functions, no
 * React: test/console/layout.test.ts.
 */
import { Graph, layout } from "@dagrejs/dagre";

export interface StepShape {
  key: string;
  dependsOn: readonly string[];
  onSuccess?: string | null;
  onFailure?: string | null;
  compensate?: string | null;
}

export type EdgeKind = "dependency" | "success" | "failure" | "compensation";

export interface PlanEdge {
  id: string;
  source: string;
  target: string;
  kind: EdgeKind;
}

export interface PlacedStep {
  key: string;
  /** The node's top-left corner. */
  x: number;
  y: number;
}

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

/** Every edge between steps of the plan (those naming an unknown step are left out), once each. */
export function planEdges(steps: readonly StepShape[]): PlanEdge[] {
  const keys = new Set(steps.map((s) => s.key));
  const edges = new Map<string, PlanEdge>();
  const add = (source: string, target: string | null | undefined, kind: EdgeKind) => {
    if (!target || !keys.has(source) || !keys.has(target)) return;
    const id = `${kind}:${source}->${target}`;
    if (!edges.has(id)) edges.set(id, { id, source, target, kind });
  };
  for (const step of steps) {
    for (const dep of step.dependsOn) add(dep, step.key, "dependency");
    add(step.key, step.onSuccess, "success");
    add(step.key, step.onFailure, "failure");
    add(step.key, step.compensate, "compensation");
  }
  return [...edges.values()];
}

/**
 * Places the steps. Dependencies decide the columns (each step right of what it waits for);
 * transitions and compensations weigh less, and a loop back (review → fix → review) is drawn
 * as an edge going left. Columns come from dagre's tight-tree ranker: its default (network
 * simplex) gave the same columns on a layered plan of 500 steps, in three to four times as long
 * (over a second in Chromium).
 */
export function layoutPlan(steps: readonly StepShape[]): { nodes: PlacedStep[]; edges: PlanEdge[]; width: number; height: number } {
  const edges = planEdges(steps);
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 64, marginx: 8, marginy: 8, ranker: "tight-tree" });
  g.setDefaultEdgeLabel(() => ({}));
  for (const step of steps) g.setNode(step.key, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) {
    const dependency = edge.kind === "dependency";
    g.setEdge(edge.source, edge.target, { weight: dependency ? 4 : 1, minlen: 1 }, edge.id);
  }
  layout(g);
  const nodes = steps.map((step) => {
    const { x, y } = g.node(step.key) as { x: number; y: number };
    return { key: step.key, x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 };
  });
  const { width = 0, height = 0 } = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width, height };
}
