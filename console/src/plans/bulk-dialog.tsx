/**
 * A bulk action's questions (a reason; for cancel, whether to compensate), its confirmation
 * naming how many plans it takes, its progress, and its result: every plan applied or
 * rejected, with the code and reason of each refusal.
 */
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import { Link } from "wouter";
import { StateBadge } from "../state-badge.js";
import { actionableStates, BULK_ACTIONS, plans, type BulkAction, type BulkProgress } from "./bulk-logic.js";
import { BulkCountQuery } from "./bulk-documents.js";
import type { PlanFilterInput } from "./filters.js";

export type Scope = "selected" | "filter";

/** How many plans the action would take: the selection's size, or what the filter matches now among the states it accepts. */
export function useBulkCount(action: BulkAction, scope: Scope, selected: number, filter: PlanFilterInput | undefined): number | null {
  const states = actionableStates(action, filter?.states);
  const [count] = useQuery({ query: BulkCountQuery, variables: { filter: { ...filter, states } }, pause: scope !== "filter" || states.length === 0, requestPolicy: "network-only" });
  if (scope === "selected") return selected;
  if (states.length === 0) return 0;
  return count.data?.plans.totalCount ?? null;
}

export function BulkDialog(props: { action: BulkAction; scope: Scope; selected: number; filter: PlanFilterInput | undefined; onClose: () => void; onConfirm: (reason: string, compensate: boolean, count: number) => void }) {
  const { action, scope, selected, filter, onClose, onConfirm } = props;
  const info = BULK_ACTIONS[action];
  const [reason, setReason] = useState("");
  const [compensate, setCompensate] = useState(false);
  const [step, setStep] = useState<"ask" | "confirm">("ask");
  const count = useBulkCount(action, scope, selected, filter);
  const review = (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim()) setStep("confirm");
  };
  const what = scope === "selected" ? `the ${plans(selected)} selected` : `every plan matching the filter that can take it (${count === null ? "counting…" : `${plans(count)} now`})`;
  return (
    <div className="bulk-dialog card" role="dialog" aria-labelledby="bulk-dialog-title">
      <h2 id="bulk-dialog-title">
        {info.label}: {what}
      </h2>
      {step === "ask" ? (
        <form onSubmit={review} className="bulk-ask">
          <label>
            Reason (recorded with each plan's change)
            <textarea required value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
          </label>
          {action === "cancel" && (
            <fieldset>
              <legend>Compensation</legend>
              <label>
                <input type="radio" name="compensate" checked={!compensate} onChange={() => setCompensate(false)} /> No: cancel only
              </label>
              <label>
                <input type="radio" name="compensate" checked={compensate} onChange={() => setCompensate(true)} /> Yes: first undo the steps that succeeded (their compensations)
              </label>
            </fieldset>
          )}
          <div className="actions">
            <button type="submit" disabled={!reason.trim()}>
              Review
            </button>
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
        </form>
      ) : (
        <div className="bulk-confirm">
          <p data-testid="bulk-confirmation">
            {count === null
              ? "Counting the plans…"
              : count === 0
                ? `No plan to ${info.verb}: none matches in a state that can take it.`
                : `${info.verb[0]!.toUpperCase()}${info.verb.slice(1)} ${plans(count)}${action === "cancel" ? (compensate ? ", with compensation" : ", without compensation") : ""}? Reason: “${reason.trim()}”.`}
          </p>
          {scope === "filter" && <p className="small muted">Plans that change state meanwhile are judged as they are at their turn; plans created from now on are not taken.</p>}
          <div className="actions">
            <button type="button" className="danger" disabled={!count} onClick={() => count && onConfirm(reason.trim(), compensate, count)}>
              Confirm: {info.verb} {count === null ? "…" : plans(count)}
            </button>
            <button type="button" onClick={() => setStep("ask")}>
              Back
            </button>
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

export interface BulkRun {
  action: BulkAction;
  reason: string;
  /** How many plans it was expected to take. */
  count: number;
  progress: BulkProgress;
  /** The names of the plans known when it started, by id. */
  names: ReadonlyMap<string, string>;
}

const PlanRef = ({ id, names }: { id: string; names: ReadonlyMap<string, string> }) => (
  <>
    <Link href={`/plans/${encodeURIComponent(id)}`}>{names.get(id) ?? id}</Link>
    {names.has(id) && <div className="muted small mono">{id}</div>}
  </>
);

/** The progress of a running action, then its result. */
export function BulkResult({ run, onClose }: { run: BulkRun; onClose: () => void }) {
  const { action, progress, names } = run;
  const info = BULK_ACTIONS[action];
  const handled = progress.applied.length + progress.rejected.length;
  const finished = progress.done || progress.error !== null;
  return (
    <section className="bulk-result card" aria-labelledby="bulk-result-title" data-testid="bulk-result">
      <h2 id="bulk-result-title">
        {finished ? `${info.label}: ${progress.applied.length} applied, ${progress.rejected.length} rejected` : `${info.doing}…`}
      </h2>
      <p className="small muted">Reason: “{run.reason}”</p>
      {!finished && (
        <p role="status">
          <progress max={Math.max(run.count, handled, 1)} value={handled} aria-label="Bulk action progress" /> {handled} of about {plans(run.count)} handled ({progress.applied.length} applied, {progress.rejected.length} rejected)
        </p>
      )}
      {progress.error && (
        <p className="error" role="alert">
          Stopped before the end: {progress.error}. The plans listed were handled before it stopped.
        </p>
      )}
      {finished && handled === 0 && !progress.error && <p>No plan was taken: none matched in a state that could take it.</p>}
      {progress.applied.length > 0 && (
        <>
          <h3>Applied</h3>
          <table className="bulk-applied">
            <thead>
              <tr>
                <th scope="col">Plan</th>
                <th scope="col">State now</th>
              </tr>
            </thead>
            <tbody>
              {progress.applied.map((a) => (
                <tr key={a.planId} data-plan-id={a.planId}>
                  <td>
                    <PlanRef id={a.planId} names={names} />
                  </td>
                  <td>
                    <StateBadge state={a.state} /> <span className="muted small">version {a.planVersion}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {progress.rejected.length > 0 && (
        <>
          <h3>Rejected</h3>
          <table className="bulk-rejected">
            <thead>
              <tr>
                <th scope="col">Plan</th>
                <th scope="col">Code</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {progress.rejected.map((r) => (
                <tr key={r.planId} data-plan-id={r.planId}>
                  <td>
                    <PlanRef id={r.planId} names={names} />
                  </td>
                  <td className="mono">{r.code}</td>
                  <td>{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {finished && (
        <button type="button" onClick={onClose}>
          Close the result
        </button>
      )}
    </section>
  );
}
