/**
 * Reordering the plan's steps (reorderSteps): drag a step to its new place, or move it with its
 * buttons. The order becomes the claim order after priority; an order that puts a step before
 * one it depends on is refused.
 */
import { useState } from "react";
import { useMutation } from "urql";
import { moved } from "./edit.js";
import { ReorderSteps } from "./intervention-documents.js";
import { Intervene, type Reported } from "./intervene.js";

export function ReorderAction({ shown, planId, version, steps, onReport }: { shown: boolean; planId: string; version: number; steps: readonly { key: string }[]; onReport: (r: Reported) => void }) {
  const [reordering, reorderSteps] = useMutation(ReorderSteps);
  const [order, setOrder] = useState<string[]>([]);
  const [dragged, setDragged] = useState<number | null>(null);
  return (
    <Intervene
      shown={shown}
      label="Reorder steps"
      version={version}
      disabled={reordering.fetching || steps.length < 2}
      onReport={onReport}
      description="Drag the steps into their new order (or use the arrows)."
      onOpen={() => setOrder(steps.map((s) => s.key))}
      send={(reason, expectedVersion) => reorderSteps({ planId, reason, expectedVersion, order })}
    >
      <ol className="reorder" aria-label="Step order">
        {order.map((key, i) => (
          <li
            key={key}
            draggable
            data-key={key}
            className={dragged === i ? "dragging" : undefined}
            onDragStart={(e) => {
              setDragged(i);
              e.dataTransfer.effectAllowed = "move";
              e.dataTransfer.setData("text/plain", key);
            }}
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              if (dragged !== null && dragged !== i) setOrder(moved(order, dragged, i));
              setDragged(null);
            }}
            onDragEnd={() => setDragged(null)}
          >
            <span aria-hidden="true">⠿</span> <span className="mono">{key}</span>
            <button type="button" className="link" aria-label={`Move ${key} up`} disabled={i === 0} onClick={() => setOrder(moved(order, i, i - 1))}>
              ↑
            </button>
            <button type="button" className="link" aria-label={`Move ${key} down`} disabled={i === order.length - 1} onClick={() => setOrder(moved(order, i, i + 1))}>
              ↓
            </button>
          </li>
        ))}
      </ol>
    </Intervene>
  );
}
