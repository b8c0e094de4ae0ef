/**
 * The tabs under a plan's graph: its signal log (a live tail: each signal the page's subscription
 * receives reads the tab again), its context entries with their versions, its interventions (the
 * audit), and once it has finished, its evaluation and any regression.
 */
import { useEffect, useId, useState } from "react";
import { useQuery, type AnyVariables, type TypedDocumentNode } from "urql";
import { useCoalesced } from "../live.js";
import { Time } from "../state-badge.js";
import { PlanAuditTab, PlanContextTab, PlanEvaluationTab, PlanSignalsTab } from "./tab-documents.js";
import "./tabs.css";

const TAIL = 100;

type Tab = "signals" | "context" | "audit" | "evaluation";

/** A tab's query, read again (at most once per 100 ms) whenever the plan's signals move `tick`. */
export function useLiveTab<Data, Variables extends AnyVariables>(query: TypedDocumentNode<Data, Variables>, variables: Variables, tick: number) {
  const [result, reexecute] = useQuery({
    query,
    variables,
    requestPolicy: "cache-and-network",
  });
  const refresh = useCoalesced(() => reexecute({ requestPolicy: "network-only" }), 100, result.fetching);
  useEffect(() => {
    if (tick > 0) refresh();
  }, [tick, refresh]);
  return result;
}

function words(s: string): string {
  return s.toLowerCase().replace(/_/g, " ");
}

export function short(value: unknown): string {
  if (value === null || value === undefined) return "";
  const s = JSON.stringify(value);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

function Failed({ message }: { message: string }) {
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

function SignalsTab({ planId, tick }: { planId: string; tick: number }) {
  const result = useLiveTab(PlanSignalsTab, { id: planId, last: TAIL }, tick);
  if (result.error && !result.data) return <Failed message={result.error.message} />;
  const edges = result.data?.plan?.signals.edges;
  if (!edges) return <p className="muted">Loading the signals…</p>;
  const newest = [...edges].reverse();
  return (
    <>
      <p className="small muted">The last {TAIL} signals of the plan, newest first; new ones appear as they happen.</p>
      <table className="tab-table" data-testid="signals">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When</th>
            <th scope="col">Kind</th>
            <th scope="col">Step</th>
            <th scope="col">From</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {newest.map(({ node: s }) => (
            <tr key={s.id} data-sequence={s.sequence} data-kind={s.kind}>
              <td className="nowrap">{s.sequence}</td>
              <td>
                <Time at={s.at} />
              </td>
              <td className="nowrap">
                {words(s.kind)}
                {s.name ? ` (${s.name})` : ""}
              </td>
              <td className="mono nowrap">{s.stepKey ?? ""}</td>
              <td>{s.sender}</td>
              <td className="mono small">{short(s.payload)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function ContextTab({ planId, tick }: { planId: string; tick: number }) {
  const result = useLiveTab(PlanContextTab, { id: planId }, tick);
  if (result.error && !result.data) return <Failed message={result.error.message} />;
  const context = result.data?.plan?.context;
  if (!context) return <p className="muted">Loading the context…</p>;
  return (
    <>
      <p className="small muted">Context version {context.version}.</p>
      {context.entries.length === 0 ? (
        <p className="muted">No context entry yet.</p>
      ) : (
        <table className="tab-table" data-testid="context">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Version</th>
              <th scope="col">Written by</th>
              <th scope="col">When</th>
              <th scope="col">Visible to</th>
            </tr>
          </thead>
          <tbody>
            {context.entries.map((e) => (
              <tr key={e.key}>
                <td className="mono">{e.key}</td>
                <td className="mono small">{short(e.value)}</td>
                <td>
                  {e.version} <span className="muted small">(context {e.contextVersion})</span>
                </td>
                <td>{e.updatedBy}</td>
                <td>
                  <Time at={e.updatedAt} />
                </td>
                <td>{e.targets.length ? e.targets.join(", ") : "all"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function AuditTab({ planId, tick }: { planId: string; tick: number }) {
  const result = useLiveTab(PlanAuditTab, { id: planId, last: TAIL }, tick);
  if (result.error && !result.data) return <Failed message={result.error.message} />;
  const edges = result.data?.plan?.interventions.edges;
  if (!edges) return <p className="muted">Loading the interventions…</p>;
  if (edges.length === 0) return <p className="muted">No intervention on this plan.</p>;
  return (
    <table className="tab-table" data-testid="audit">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Action</th>
          <th scope="col">Step</th>
          <th scope="col">By</th>
          <th scope="col">Reason</th>
          <th scope="col">Outcome</th>
          <th scope="col">Version</th>
        </tr>
      </thead>
      <tbody>
        {[...edges].reverse().map(({ node: i }) => (
          <tr key={i.id} data-kind={i.kind} data-status={i.status}>
            <td>
              <Time at={i.at} />
            </td>
            <td>{words(i.kind)}</td>
            <td className="mono">{i.stepKey ?? ""}</td>
            <td>{i.actor}</td>
            <td>{i.reason ?? <span className="muted">none given</span>}</td>
            <td className={i.status === "REJECTED" ? "error" : undefined}>
              {words(i.status)}
              {i.rejectionCode ? ` (${i.rejectionCode}): ${i.rejectionReason ?? ""}` : ""}
            </td>
            <td>{i.planVersion}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function percent(x: number | null | undefined): string {
  return x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`;
}

function EvaluationTab({ planId, tick }: { planId: string; tick: number }) {
  const result = useLiveTab(PlanEvaluationTab, { id: planId }, tick);
  if (result.error && !result.data) return <Failed message={result.error.message} />;
  if (!result.data) return <p className="muted">Loading the evaluation…</p>;
  const e = result.data.plan?.evaluation;
  if (!e) return <p className="muted">No evaluation: the plan has not finished.</p>;
  const r = e.regression;
  return (
    <div data-testid="evaluation">
      <dl className="facts">
        <dt>Grade</dt>
        <dd>
          {words(e.grade)} (score {Math.round(e.score)})
        </dd>
        <dt>Attempts that succeeded</dt>
        <dd>{percent(e.successRate)}</dd>
        <dt>Mean quality</dt>
        <dd>{percent(e.meanQuality)}</dd>
        <dt>Retries</dt>
        <dd>{e.retries}</dd>
        <dt>Duration</dt>
        <dd>{e.durationMs === null || e.durationMs === undefined ? "—" : `${(e.durationMs / 1000).toFixed(1)} s`}</dd>
      </dl>
      <h3>Regression</h3>
      {!r ? (
        <p className="muted">Not compared: only a plan completed from a template with at least 3 earlier runs is.</p>
      ) : r.detected ? (
        <ul className="error">
          {r.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      ) : (
        <p>None against the last {r.runs} runs.</p>
      )}
      <h3>Recommendations</h3>
      {e.recommendations.length === 0 ? (
        <p className="muted">Nothing stood out.</p>
      ) : (
        <ul>
          {e.recommendations.map((x) => (
            <li key={x}>{x}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

const LABELS: Record<Tab, string> = {
  signals: "Signals",
  context: "Context",
  audit: "Audit",
  evaluation: "Evaluation",
};

export function PlanTabs({ planId, finished, tick }: { planId: string; finished: boolean; tick: number }) {
  const [tab, setTab] = useState<Tab>("signals");
  const base = useId();
  const tabs: Tab[] = finished ? ["signals", "context", "audit", "evaluation"] : ["signals", "context", "audit"];
  const current = tabs.includes(tab) ? tab : "signals";
  return (
    <section className="plan-tabs">
      <div role="tablist" aria-label="About the plan">
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`${base}-${t}`}
            aria-selected={t === current}
            aria-controls={`${base}-panel`}
            className={t === current ? "tab selected" : "tab"}
            onClick={() => setTab(t)}
          >
            {LABELS[t]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-panel`} aria-labelledby={`${base}-${current}`} className="card tab-panel">
        {current === "signals" && <SignalsTab planId={planId} tick={tick} />}
        {current === "context" && <ContextTab planId={planId} tick={tick} />}
        {current === "audit" && <AuditTab planId={planId} tick={tick} />}
        {current === "evaluation" && <EvaluationTab planId={planId} tick={tick} />}
      </div>
    </section>
  );
}
