/**
 * What changed between two checkpoints of a plan, as the gateway's checkpointDiff says: the steps
 * whose state, output or attempts differ, and the context keys added, changed or removed.
 */
import { useQuery } from "urql";
import { StateBadge } from "../state-badge.js";
import type { StepState } from "../states.js";
import { contextChanges, stepChanges, type StepSide } from "./checkpoint-diff.js";
import { CheckpointDiffQuery } from "./checkpoints-documents.js";

const json = (v: unknown) => (v === undefined || v === null ? "—" : JSON.stringify(v, null, 2));

const CHANGE_WORDS: Record<string, string> = {
  added: "new step",
  removed: "not there later",
  state: "state",
  output: "output",
  attempts: "attempts",
};

function Side({ side }: { side: StepSide | null }) {
  if (!side) return <span className="muted">not there</span>;
  return (
    <div className="ckp-side">
      <StateBadge state={side.state as StepState} />
      <span className="small muted">
        {" "}
        {side.attempts} attempt{side.attempts === 1 ? "" : "s"}
      </span>
      {side.output !== null && <pre>{json(side.output)}</pre>}
    </div>
  );
}

export function CheckpointDiffView({ from, to }: { from: string; to: string }) {
  const [result] = useQuery({
    query: CheckpointDiffQuery,
    variables: { from, to },
    requestPolicy: "network-only",
  });
  if (result.error) {
    return (
      <p className="error" role="alert">
        {result.error.message}
      </p>
    );
  }
  const diff = result.data?.checkpointDiff;
  if (!diff) return <p className="muted">Comparing the checkpoints…</p>;
  const steps = stepChanges(diff.steps);
  const context = contextChanges(diff.context);
  return (
    <div className="ckp-diff" data-testid="checkpoint-diff" aria-label="Checkpoint comparison">
      <h3>Steps that changed</h3>
      {steps.length === 0 ? (
        <p className="muted small">No step changed.</p>
      ) : (
        <table className="small">
          <thead>
            <tr>
              <th>Step</th>
              <th>What changed</th>
              <th>At the earlier checkpoint</th>
              <th>At the later checkpoint</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => (
              <tr key={s.key} data-diff-step={s.key}>
                <td className="mono">{s.key}</td>
                <td>{s.changes.map((c) => CHANGE_WORDS[c] ?? c).join(", ")}</td>
                <td>
                  <Side side={s.from} />
                </td>
                <td>
                  <Side side={s.to} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Context that changed</h3>
      {context.length === 0 ? (
        <p className="muted small">No context key changed.</p>
      ) : (
        <table className="small">
          <thead>
            <tr>
              <th>Key</th>
              <th>Change</th>
              <th>Earlier value</th>
              <th>Later value</th>
            </tr>
          </thead>
          <tbody>
            {context.map((c) => (
              <tr key={c.key} data-diff-context={c.key}>
                <td className="mono">{c.key}</td>
                <td>{c.change}</td>
                <td>
                  <pre>{json(c.from)}</pre>
                </td>
                <td>
                  <pre>{json(c.to)}</pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
