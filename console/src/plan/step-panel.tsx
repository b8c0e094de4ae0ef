/**
 * The selected step: what it is, its progress while it runs, its input (and the input its
 * mapping made), output and error, each of its attempts, and the context entries its agent sees.
 */
import { useViewer } from "../auth.js";
import type { ConsolePlanQuery } from "../gql/graphql.js";
import { canSteer } from "../roles.js";
import { StateBadge, Time } from "../state-badge.js";
import { StepActions } from "./actions.js";
import { StepContext } from "./step-context.js";
import { formatDuration } from "./timeline.js";

type PlanData = NonNullable<ConsolePlanQuery["plan"]>;
type StepData = PlanData["steps"][number];
type TraceData = PlanData["traces"][number];

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <section className="json">
      <h3>{label}</h3>
      {value === null || value === undefined ? <p className="muted">none</p> : <pre>{JSON.stringify(value, null, 2)}</pre>}
    </section>
  );
}

/** The progress the agent last reported with a heartbeat, and its message. */
function StepProgress({ progress, message }: { progress: number | null | undefined; message: string | null | undefined }) {
  const known = progress !== null && progress !== undefined;
  return (
    <section className="step-progress" data-testid="step-progress">
      <h3 id="step-progress-title">Progress</h3>
      {known ? <progress max={1} value={progress} aria-labelledby="step-progress-title" /> : <progress aria-labelledby="step-progress-title" />}{" "}
      {known ? `${Math.round(progress * 100)}%` : <span className="muted">none reported yet</span>}
      {message && <p className="small">{message}</p>}
    </section>
  );
}

export function StepPanel({ planId, version, step, traces, tick, onClose }: { planId: string; version: number; step: StepData; traces: readonly TraceData[]; tick: number; onClose: () => void }) {
  const viewer = useViewer();
  const attempts = traces.filter((t) => t.stepKey === step.key);
  const errored = attempts.some((t) => t.error);
  return (
    <aside className="step-panel card" aria-labelledby="step-title" data-testid="step-panel">
      <div className="title-row">
        <h2 id="step-title">
          Step <span className="mono">{step.key}</span>
        </h2>
        <StateBadge state={step.state} />
        <button type="button" className="link" onClick={onClose} aria-label="Close the step">
          ✕
        </button>
      </div>
      {step.name && <p>{step.name}</p>}
      {step.description && <p className="muted">{step.description}</p>}
      <dl className="facts">
        <dt>Role</dt>
        <dd>{step.role}</dd>
        <dt>Agent</dt>
        <dd>{step.agent?.name ?? <span className="muted">—</span>}</dd>
        <dt>Attempts</dt>
        <dd>{step.attempts}</dd>
        <dt>Visits</dt>
        <dd>{step.visits}</dd>
        <dt>Started</dt>
        <dd>
          <Time at={step.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time at={step.finishedAt} />
        </dd>
        {step.dependsOn.length > 0 && (
          <>
            <dt>Waits for</dt>
            <dd>{step.dependsOn.join(", ")}</dd>
          </>
        )}
      </dl>
      {step.state === "RUNNING" && <StepProgress progress={step.progress} message={step.progressMessage} />}
      {canSteer(viewer.role) && <StepActions planId={planId} stepKey={step.key} state={step.state} version={version} input={step.input} />}
      {step.error && (
        <section className="json">
          <h3>Error</h3>
          <p className="error">
            {step.error.type ? <strong>{step.error.type}: </strong> : null}
            {step.error.message} {step.error.retryable ? "(retryable)" : "(not retryable)"}
          </p>
          {step.error.details !== null && step.error.details !== undefined && <pre>{JSON.stringify(step.error.details, null, 2)}</pre>}
        </section>
      )}
      <Json label="Input" value={step.input} />
      {step.inputMapping !== null && step.inputMapping !== undefined && (
        <>
          <Json label="Input mapping" value={step.inputMapping} />
          <Json label="Mapped input (what its last attempt received)" value={step.mappedInput} />
        </>
      )}
      <Json label="Output" value={step.output} />
      <section>
        <h3>Attempts</h3>
        {attempts.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <table className="attempts">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Outcome</th>
                <th scope="col">Agent</th>
                <th scope="col">Waited</th>
                <th scope="col">Ran</th>
                {errored && <th scope="col">Error</th>}
              </tr>
            </thead>
            <tbody>
              {attempts.map((t) => (
                <tr key={t.id}>
                  <td>{t.attempt}</td>
                  <td>{t.outcome.toLowerCase()}</td>
                  <td>{t.agent?.name ?? "—"}</td>
                  <td>{t.waitMs !== null && t.waitMs !== undefined ? formatDuration(t.waitMs) : "—"}</td>
                  <td>{t.elapsedMs !== null && t.elapsedMs !== undefined ? formatDuration(t.elapsedMs) : "running"}</td>
                  {errored && <td>{t.error ? `${t.error.type ?? ""} ${t.error.message}` : ""}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <StepContext planId={planId} step={step} tick={tick} />
    </aside>
  );
}
