/**
 * The plan's context entries the selected step's agent is handed with its lease (./visibility.ts):
 * each with its value, version and writer. Read with the Context tab's query, again on each of
 * the plan's signals.
 */
import { PlanContextTab } from "./tab-documents.js";
import { short, useLiveTab } from "./tabs.js";
import { visibleToStep, type StepReader } from "./visibility.js";

export function StepContext({ planId, step, tick }: { planId: string; step: StepReader; tick: number }) {
  const result = useLiveTab(PlanContextTab, { id: planId }, tick);
  const entries = result.data?.plan?.context.entries;
  const visible = entries ? visibleToStep(entries, step) : [];
  const hidden = entries ? entries.length - visible.length : 0;
  return (
    <section aria-labelledby="step-context-title">
      <h3 id="step-context-title">Context it sees</h3>
      {result.error && !entries && (
        <p className="error" role="alert">
          {result.error.message}
        </p>
      )}
      {!entries && !result.error && <p className="muted">Loading the context…</p>}
      {entries && visible.length === 0 && <p className="muted">No context entry for this step.</p>}
      {visible.length > 0 && (
        <table className="tab-table step-context" data-testid="step-context">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Version</th>
              <th scope="col">Written by</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((e) => (
              <tr key={e.key} data-key={e.key}>
                <td className="mono">{e.key}</td>
                <td className="mono small">{short(e.value)}</td>
                <td>{e.version}</td>
                <td>{e.updatedBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hidden > 0 && (
        <p className="muted small" data-testid="step-context-hidden">
          {hidden === 1 ? "1 entry is" : `${hidden} entries are`} meant for other roles or agents: not handed to this step.
        </p>
      )}
    </section>
  );
}
