/** The plan's attempts on one time axis (./timeline.ts): a bar per attempt, waiting then running. */
import { useMemo } from "react";
import { formatDuration, timelineRows, type TraceShape } from "./timeline.js";

const pct = (f: number) => `${(f * 100).toFixed(2)}%`;

export function Timeline({ traces, onSelect }: { traces: readonly TraceShape[]; onSelect: (key: string) => void }) {
  // "now" is the time of this render: a running attempt's bar reaches it.
  const { rows, spanMs } = useMemo(() => timelineRows(traces, Date.now()), [traces]);
  if (rows.length === 0) return <p className="muted">No attempt yet.</p>;
  return (
    <div className="timeline" role="table" aria-label={`Attempts over ${formatDuration(spanMs)}`}>
      {rows.map((r) => (
        <div key={r.id} className="timeline-row" role="row">
          <button type="button" role="cell" className="link timeline-label" onClick={() => onSelect(r.stepKey)}>
            {r.stepKey} #{r.attempt}
          </button>
          <div className="timeline-track" role="cell">
            <div className="timeline-wait" style={{ left: pct(r.queued), width: pct(r.started - r.queued) }} />
            <div className={`timeline-run outcome-${r.outcome.toLowerCase()}`} style={{ left: pct(r.started), width: pct(Math.max(r.ended - r.started, 0.004)) }} />
          </div>
          <span role="cell" className="small">
            {r.outcome.toLowerCase()} · {formatDuration(r.runMs)}
            {r.waitMs > 0 ? ` (waited ${formatDuration(r.waitMs)})` : ""}
          </span>
        </div>
      ))}
    </div>
  );
}
