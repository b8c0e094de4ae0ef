/**
 * A plan (/plans/<id>): its graph of steps, the selected step (?step=<key>), its attempts on a
 * timeline, and for admins and operators the interventions. Live: every signal of the plan
 * (followed from the log's head, resumed after the last one on a reconnection) reads the plan
 * again, a read per burst of signals.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useQuery } from "urql";
import { Link, useLocation, useSearch } from "wouter";
import { useViewer } from "../auth.js";
import { PlanQuery } from "../documents.js";
import type { SignalKind } from "../gql/graphql.js";
import { useCoalesced, useLiveSignals, type LiveSignal } from "../live.js";
import { canSteer } from "../roles.js";
import { LiveIndicator, StateBadge, Time } from "../state-badge.js";
import { PlanActions } from "./actions.js";
import { CheckpointsPanel } from "./checkpoints.js";
import { PlanGraph } from "./graph.js";
import { StepPanel } from "./step-panel.js";
import { PlanTabs } from "./tabs.js";
import { Timeline } from "./timeline-view.js";

/** Signals that leave the plan as its query reads it: the page does not read it again for them. */
const KEEPS_PLAN: ReadonlySet<SignalKind> = new Set<SignalKind>(["CUSTOM", "MESSAGE"]);

export function PlanPage({ id }: { id: string }) {
  const viewer = useViewer();
  const search = useSearch();
  const [location, navigate] = useLocation();
  const selected = new URLSearchParams(search).get("step");
  const select = useCallback((key: string | null) => navigate(key ? `${location}?step=${encodeURIComponent(key)}` : location, { replace: true }), [location, navigate]);

  const refreshRef = useRef(() => {});
  // Signals also move `tick`, at most every 100 ms: the tab on show reads again (./tabs.tsx). A
  // busy plan's signals would otherwise draw the whole page anew for each.
  const [tick, setTick] = useState(0);
  const bump = useCoalesced(
    useCallback(() => setTick((t) => t + 1), []),
    100,
  );
  const onSignal = useCallback(
    (signal: LiveSignal) => {
      if (!KEEPS_PLAN.has(signal.kind)) refreshRef.current();
      bump();
    },
    [bump],
  );
  const live = useLiveSignals({ planId: id, onSignal });
  const [result, reexecute] = useQuery({ query: PlanQuery, variables: { id }, pause: !live.ready, requestPolicy: "cache-and-network" });
  const refresh = useCoalesced(
    useCallback(() => reexecute({ requestPolicy: "network-only" }), [reexecute]),
    100,
    result.fetching,
  );
  useEffect(() => {
    refreshRef.current = refresh;
  }, [refresh]);

  const plan = result.data?.plan;
  if (result.error && !plan) {
    return (
      <p className="error" role="alert">
        {result.error.message}
      </p>
    );
  }
  if (!result.data) return <p className="muted">Loading the plan…</p>;
  if (!plan) {
    return (
      <p>
        No plan has the id <span className="mono">{id}</span>. <Link href="/">Back to the plans.</Link>
      </p>
    );
  }
  const step = plan.steps.find((s) => s.key === selected) ?? null;
  return (
    <section aria-labelledby="plan-title" className="plan">
      <p className="small">
        <Link href="/">← Plans</Link>
      </p>
      <div className="title-row">
        <h1 id="plan-title">{plan.name}</h1>
        <StateBadge state={plan.state} />
        <span>
          <progress max={1} value={plan.progress} aria-label="progress" /> {Math.round(plan.progress * 100)}%
        </span>
        <LiveIndicator error={live.error} />
      </div>
      <p className="muted small">
        <span className="mono">{plan.id}</span> · version {plan.version}
        {plan.template ? ` · from ${plan.template.name}@${plan.template.version}` : ""} · created <Time at={plan.createdAt} />
        {plan.finishedAt ? (
          <>
            {" "}
            · finished <Time at={plan.finishedAt} />
          </>
        ) : null}
      </p>
      {plan.goal && <p>{plan.goal}</p>}
      {plan.error && (
        <p className="error" role="alert">
          {plan.error.type ? `${plan.error.type}: ` : ""}
          {plan.error.message}
        </p>
      )}
      {canSteer(viewer.role) && <PlanActions id={plan.id} state={plan.state} version={plan.version} steps={plan.steps} />}
      <div className={step ? "plan-body with-panel" : "plan-body"}>
        <PlanGraph steps={plan.steps} selected={selected} onSelect={select} />
        {step && <StepPanel planId={plan.id} version={plan.version} step={step} traces={plan.traces} tick={tick} onClose={() => select(null)} />}
      </div>
      <PlanTabs planId={plan.id} finished={Boolean(plan.finishedAt)} tick={tick} />
      <h2>Attempts</h2>
      <Timeline traces={plan.traces} onSelect={select} />
      <h2>Checkpoints</h2>
      <CheckpointsPanel key={plan.id} plan={plan} canAct={canSteer(viewer.role)} />
    </section>
  );
}
