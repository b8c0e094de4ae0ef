/**
 * A plan's checkpoints, on its page: the newest first, with when each was taken, what made it
 * and the plan's version then. Two ticked are compared (./checkpoint-diff-view.tsx); admins and
 * operators may restore the plan to one or fork a new plan from one (./checkpoint-actions.tsx).
 * Read again whenever the plan page reads a change of the plan.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "urql";
import { Time } from "../state-badge.js";
import { ForkForm, RestoreForm, type CheckpointAction } from "./checkpoint-actions.js";
import { checkpointCause, orderedPair, toggleSelection, type CheckpointReason } from "./checkpoint-diff.js";
import { CheckpointDiffView } from "./checkpoint-diff-view.js";
import { CheckpointsQuery } from "./checkpoints-documents.js";
import "./checkpoints.css";

/** How many of the newest checkpoints are listed. */
const SHOWN = 100;

interface PlanSeen {
  id: string;
  name: string;
  version: number;
  steps: readonly { key: string; state: string; attempts: number }[];
}

/**
 * True once the browser has been idle since the page was drawn: the list is read then, so that
 * its read (a large one for a plan of many steps) does not compete with the plan's first drawing.
 */
function useIdle(): boolean {
  const [idle, setIdle] = useState(false);
  useEffect(() => {
    // Safari has no requestIdleCallback: there the list is read after the page's first drawing.
    if (typeof requestIdleCallback !== "function") {
      const timer = setTimeout(() => setIdle(true), 0);
      return () => clearTimeout(timer);
    }
    const id = requestIdleCallback(() => setIdle(true), { timeout: 1_000 });
    return () => cancelIdleCallback(id);
  }, []);
  return idle;
}

/** The steps done at a checkpoint: named when few, else counted (named in the tooltip). */
function StepsDone({ keys }: { keys: readonly string[] }) {
  if (keys.length === 0) return <span className="muted">none</span>;
  if (keys.length <= 10) return <>{keys.join(", ")}</>;
  return <span title={keys.join(", ")}>{keys.length} steps</span>;
}

export function CheckpointsPanel({ plan, canAct }: { plan: PlanSeen; canAct: boolean }) {
  const idle = useIdle();
  const [result, reexecute] = useQuery({
    query: CheckpointsQuery,
    variables: { planId: plan.id, last: SHOWN },
    requestPolicy: "cache-and-network",
    pause: !idle,
  });
  // A new checkpoint comes with a change of the plan: read the list again on each one (not for
  // the plan as it was when the list was first read).
  const seen = `${plan.version}|${plan.steps.map((s) => `${s.key}:${s.state}:${s.attempts}`).join(",")}`;
  const readFor = useRef(seen);
  useEffect(() => {
    if (idle && readFor.current !== seen) reexecute({ requestPolicy: "network-only" });
    readFor.current = seen;
  }, [seen, idle, reexecute]);

  const [selected, setSelected] = useState<string[]>([]);
  const [action, setAction] = useState<CheckpointAction | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const open = (next: CheckpointAction | null) => {
    setDone(null);
    setAction(next);
  };
  const checkpoints = useMemo(() => (result.data?.checkpoints.edges ?? []).map((e) => e.node).reverse(), [result.data]);
  const pair = orderedPair(selected, checkpoints);

  if (result.error && !result.data) {
    return (
      <p className="error" role="alert">
        {result.error.message}
      </p>
    );
  }
  if (!result.data) return <p className="muted">Loading the checkpoints…</p>;
  return (
    <div className="checkpoints" data-testid="checkpoints">
      {result.data.plan?.forkedFrom && (
        <p className="small" data-testid="forked-from">
          This plan was forked from checkpoint <span className="mono">{result.data.plan.forkedFrom}</span>.
        </p>
      )}
      <p className="small muted">
        Tick two checkpoints to compare them.
        {canAct ? " Restore rewinds this plan; fork starts a new one." : ""}
      </p>
      {checkpoints.length === 0 ? (
        <p className="muted">No checkpoint yet.</p>
      ) : (
        <table className="small">
          <thead>
            <tr>
              <th>Compare</th>
              <th>Checkpoint</th>
              <th>Taken</th>
              <th>What made it</th>
              <th>Plan version</th>
              <th>Steps finished</th>
              {canAct && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {checkpoints.map((c) => {
              const cause = checkpointCause({
                reason: c.reason as CheckpointReason,
                stepKey: c.stepKey,
                label: c.label,
              });
              const opened = action?.checkpointId === c.id ? action.kind : null;
              return (
                <tr key={c.id} data-checkpoint-id={c.id} data-reason={c.reason} className={selected.includes(c.id) ? "selected" : undefined}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare ${cause}, version ${c.planVersion}`}
                      checked={selected.includes(c.id)}
                      onChange={() => setSelected((s) => toggleSelection(s, c.id))}
                    />
                  </td>
                  <td className="mono">{c.id}</td>
                  <td>
                    <Time at={c.createdAt} />
                  </td>
                  <td>{cause}</td>
                  <td>{c.planVersion}</td>
                  <td>
                    <StepsDone keys={c.completedSteps} />
                  </td>
                  {canAct && (
                    <td className="ckp-row-actions">
                      <button
                        type="button"
                        aria-pressed={opened === "restore"}
                        onClick={() => open(opened === "restore" ? null : { kind: "restore", checkpointId: c.id })}
                      >
                        Restore…
                      </button>
                      <button
                        type="button"
                        aria-pressed={opened === "fork"}
                        onClick={() => open(opened === "fork" ? null : { kind: "fork", checkpointId: c.id })}
                      >
                        Fork…
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {canAct && action?.kind === "restore" && (
        <RestoreForm
          key={action.checkpointId}
          planId={plan.id}
          checkpointId={action.checkpointId}
          version={plan.version}
          onDone={(message) => {
            setAction(null);
            setDone(message);
          }}
        />
      )}
      {done && (
        <p className="small" role="status">
          {done}
        </p>
      )}
      {canAct && action?.kind === "fork" && <ForkForm key={action.checkpointId} checkpointId={action.checkpointId} planName={plan.name} />}
      {pair && (
        <>
          <p className="small">
            Comparing <span className="mono">{pair[0].id}</span> (version {pair[0].planVersion}) with the later <span className="mono">{pair[1].id}</span>{" "}
            (version {pair[1].planVersion}).
          </p>
          <CheckpointDiffView key={`${pair[0].id}:${pair[1].id}`} from={pair[0].id} to={pair[1].id} />
        </>
      )}
    </div>
  );
}
