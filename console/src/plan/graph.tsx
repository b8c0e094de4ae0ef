/**
 * The plan's steps as a graph (@xyflow/react), placed by ./layout.ts: each step a box with its
 * key, its state as an icon, a word and a colour, and its role; edges for dependencies, and
 * labelled ones for transitions and compensations. A click selects the step.
 */
import { Background, Controls, getViewportForBounds, Handle, MarkerType, Position, ReactFlow, useReactFlow, useStore, type Edge, type Node, type NodeHandle, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { StateBadge } from "../state-badge.js";
import type { StepState } from "../states.js";
import { layoutPlan, NODE_HEIGHT, NODE_WIDTH, type EdgeKind, type StepShape } from "./layout.js";

export interface GraphStep extends StepShape {
  role: string;
  state: StepState;
  attempts: number;
}

type StepNodeData = { step: GraphStep; selected: boolean };
type StepNodeType = Node<StepNodeData, "step">;

const StepNode = memo(function StepNode({ data }: NodeProps<StepNodeType>) {
  const { step, selected } = data;
  return (
    <div className={`step-node state-${step.state.toLowerCase()}${selected ? " selected" : ""}`} data-step={step.key} data-state={step.state} style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="step-key">{step.key}</div>
      <div className="step-meta">
        <StateBadge state={step.state} />
        <span className="muted small">{step.role}</span>
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { step: StepNode };

const EDGE_LOOK: Record<EdgeKind, { label?: string; className: string }> = {
  dependency: { className: "edge-dependency" },
  success: { label: "on success", className: "edge-success" },
  failure: { label: "on failure", className: "edge-failure" },
  compensation: { label: "compensate", className: "edge-compensation" },
};

/**
 * The dependencies into a running step move (an animated dash) on a plan of up to this many
 * steps, and are dashed and still on a larger one: each animated edge repaints the whole layer
 * of edges on every frame, which on a plan of 500 steps took half the page's time
 * (`npm run bench -- console`).
 */
const ANIMATED_UP_TO = 100;

/** Where a step node's handles are (React Flow's 6-pixel handles, centred on its left and right sides). */
const HANDLES: NodeHandle[] = [
  { type: "target", position: Position.Left, x: -3, y: NODE_HEIGHT / 2 - 3, width: 6, height: 6 },
  { type: "source", position: Position.Right, x: NODE_WIDTH - 3, y: NODE_HEIGHT / 2 - 3, width: 6, height: 6 },
];

const FIT_VIEW = { padding: 0.15, maxZoom: 1 };
const MIN_ZOOM = 0.2;

/**
 * Memoised, with props React Flow keeps in its store made stable: a new callback or options
 * object would update every one of a large plan's nodes whenever the page draws again (its tabs
 * follow the plan's signals).
 */
export const PlanGraph = memo(function PlanGraph({ steps, selected, onSelect }: { steps: readonly GraphStep[]; selected: string | null; onSelect: (key: string) => void }) {
  // The layout changes only with the plan's shape, not with its states.
  const shape = JSON.stringify(steps.map((s) => [s.key, s.dependsOn, s.onSuccess, s.onFailure, s.compensate]));
  const laid = useMemo(() => layoutPlan(JSON.parse(shape).map(([key, dependsOn, onSuccess, onFailure, compensate]: [string, string[], string, string, string]) => ({ key, dependsOn, onSuccess, onFailure, compensate }))), [shape]);
  const unselected = useMemo<StepNodeType[]>(() => {
    const byKey = new Map(steps.map((s) => [s.key, s]));
    return laid.nodes.map((n) => ({
      id: n.key,
      type: "step",
      position: { x: n.x, y: n.y },
      data: { step: byKey.get(n.key)!, selected: false },
      // Known sizes and handles: React Flow draws the nodes and edges before it has measured them,
      // and never hides a node while it measures it again after a state change re-created it.
      initialWidth: NODE_WIDTH,
      initialHeight: NODE_HEIGHT,
      handles: HANDLES,
      draggable: false,
      connectable: false,
      ariaLabel: `step ${n.key}`,
    }));
  }, [laid, steps]);
  // Selecting a step changes its node only: React Flow draws again the nodes it is given anew.
  const nodes = useMemo(() => unselected.map((n) => (n.id === selected ? { ...n, data: { ...n.data, selected: true } } : n)), [unselected, selected]);
  const edges = useMemo<Edge[]>(() => {
    const running = new Set(steps.filter((s) => s.state === "RUNNING").map((s) => s.key));
    const animate = steps.length <= ANIMATED_UP_TO;
    return laid.edges.map((e) => {
      const intoRunning = e.kind === "dependency" && running.has(e.target);
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        label: EDGE_LOOK[e.kind].label,
        className: intoRunning && !animate ? `${EDGE_LOOK[e.kind].className} edge-running` : EDGE_LOOK[e.kind].className,
        markerEnd: { type: MarkerType.ArrowClosed },
        animated: intoRunning && animate,
      };
    });
  }, [laid, steps]);
  const onNodeClick = useCallback((_e: unknown, node: StepNodeType) => onSelect(node.id), [onSelect]);
  // The frame's size, read before the graph is drawn: given it, React Flow draws the graph fitted
  // to its frame at once (else at a zoom of 1 until it has measured the nodes). The graph fits its
  // frame again when the frame's width changes (the step panel opens or closes).
  const frame = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  useLayoutEffect(() => setSize({ width: frame.current!.clientWidth, height: frame.current!.clientHeight }), []);
  useEffect(() => {
    const el = frame.current!;
    const observer = new ResizeObserver(() =>
      setSize((old) => (old && old.width === el.clientWidth && old.height === el.clientHeight ? old : { width: el.clientWidth, height: el.clientHeight })),
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return (
    <div className="graph" data-testid="plan-graph" ref={frame}>
      {size && (
        <ReactFlow
          width={size.width}
          height={size.height}
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodeClick={onNodeClick}
          nodesDraggable={false}
          nodesConnectable={false}
          fitView
          fitViewOptions={FIT_VIEW}
          minZoom={MIN_ZOOM}
        >
          <Background />
          <Controls showInteractive={false} />
          <FitOnResize />
        </ReactFlow>
      )}
    </div>
  );
});

/**
 * Fits the graph to its frame again once React Flow has taken the frame's new width (the step
 * panel opened or closed; not on the first drawing: fitView does that). The viewport is set
 * directly: fitView waits for a change of the nodes, and none comes.
 */
function FitOnResize() {
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const { getNodes, getNodesBounds, setViewport } = useReactFlow();
  const drawn = useRef<number | null>(null);
  useEffect(() => {
    if (drawn.current !== null && drawn.current !== width) {
      void setViewport(getViewportForBounds(getNodesBounds(getNodes()), width, height, MIN_ZOOM, FIT_VIEW.maxZoom, FIT_VIEW.padding));
    }
    drawn.current = width;
  }, [width, height, getNodes, getNodesBounds, setViewport]);
  return null;
}
