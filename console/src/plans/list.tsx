/**
 * The plans list (/ and /plans): newest first, filtered by state, label, template and name,
 * paged by cursor, and live: a signal that a plan was created or changed state (or finished a
 * step) reads the page again, so rows change and new plans appear without a reload.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useQuery } from "urql";
import { Link, useLocation, useSearch } from "wouter";
import { useViewer } from "../auth.js";
import { PlansQuery } from "../documents.js";
import type { SignalKind } from "../gql/graphql.js";
import { useCoalesced, useLiveSignals } from "../live.js";
import { canSteer } from "../roles.js";
import { LiveIndicator, StateBadge, Time } from "../state-badge.js";
import { PLAN_STATES, stateWord, type PlanState } from "../states.js";
import { BulkBar, SelectPageBox, SelectRowBox, useBulkSelection } from "./bulk.js";
import { formatListParams, instantFromLocalInput, localInputFromInstant, pageVariables, parseListParams, toPlanFilter, withFilter, type ListParams } from "./filters.js";

const PAGE_SIZE = 25;

/** The signals that change what the list shows: a plan's state, or its progress. */
const LIST_KINDS: readonly SignalKind[] = [
  "PLAN_CREATED",
  "PLAN_STARTED",
  "PLAN_PAUSED",
  "PLAN_RESUMED",
  "PLAN_COMPLETED",
  "PLAN_FAILED",
  "PLAN_CANCELLED",
  "PLAN_COMPENSATING",
  "PLAN_COMPENSATED",
  "STEP_SUCCEEDED",
  "STEP_FAILED",
  "STEP_SKIPPED",
];

export function PlansPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = useMemo(() => parseListParams(search), [search]);
  const go = useCallback((p: ListParams) => navigate(`/plans${formatListParams(p)}`), [navigate]);

  const variables = useMemo(() => ({ ...pageVariables(params, PAGE_SIZE), filter: toPlanFilter(params) }), [params]);
  const refreshRef = useRef(() => {});
  const live = useLiveSignals({ kinds: LIST_KINDS, onSignal: useCallback(() => refreshRef.current(), []) });
  // The page is read once the log's head is known: what changes after it comes as signals.
  const [result, reexecute] = useQuery({ query: PlansQuery, variables, pause: !live.ready, requestPolicy: "cache-and-network" });
  const refresh = useCoalesced(
    useCallback(() => reexecute({ requestPolicy: "network-only" }), [reexecute]),
    250,
    result.fetching,
  );
  useEffect(() => {
    refreshRef.current = refresh;
  }, [refresh]);
  const plans = result.data?.plans;
  const steer = canSteer(useViewer().role);
  const filter = useMemo(() => toPlanFilter(params), [params]);
  const selection = useBulkSelection(JSON.stringify(filter ?? {}));
  const rows = useMemo(() => plans?.edges.map((e) => e.node) ?? [], [plans]);

  return (
    <section aria-labelledby="plans-title">
      <div className="title-row">
        <h1 id="plans-title">Plans</h1>
        <span className="muted" role="status" data-testid="plans-count">
          {plans ? `${plans.totalCount} ${plans.totalCount === 1 ? "plan" : "plans"}` : ""}
        </span>
        <LiveIndicator error={live.error} />
      </div>
      <Filters params={params} onChange={go} />
      {steer && <BulkBar selection={selection} rows={rows} filter={filter} matching={plans?.totalCount ?? null} />}
      {result.error && !plans && (
        <p className="error" role="alert">
          {result.error.message}
        </p>
      )}
      {plans && plans.edges.length === 0 && <p className="muted">No plan matches.</p>}
      {plans && plans.edges.length > 0 && (
        <table className="plans">
          <thead>
            <tr>
              {steer && (
                <th scope="col" className="select">
                  <SelectPageBox selection={selection} rows={rows} />
                </th>
              )}
              <th scope="col">Plan</th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col">Labels</th>
              <th scope="col">Template</th>
              <th scope="col">Created</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {plans.edges.map(({ node: plan }) => (
              <tr key={plan.id} data-plan-id={plan.id}>
                {steer && (
                  <td className="select">
                    <SelectRowBox selection={selection} row={plan} />
                  </td>
                )}
                <td>
                  <Link href={`/plans/${encodeURIComponent(plan.id)}`}>{plan.name}</Link>
                  <div className="muted small mono">{plan.id}</div>
                </td>
                <td>
                  <StateBadge state={plan.state} />
                </td>
                <td>
                  <progress max={1} value={plan.progress} aria-label={`${plan.name} progress`} /> {Math.round(plan.progress * 100)}%
                </td>
                <td>
                  {plan.labels.map((l) => (
                    <span key={l} className="tag">
                      {l}
                    </span>
                  ))}
                </td>
                <td>{plan.template ? `${plan.template.name}@${plan.template.version}` : <span className="muted">—</span>}</td>
                <td>
                  <Time at={plan.createdAt} />
                </td>
                <td>
                  <Time at={plan.finishedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {plans && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={!(params.after || params.before) || !plans.pageInfo.hasPreviousPage} onClick={() => go({ ...params, after: null, before: plans.pageInfo.startCursor ?? null })}>
            ← Newer
          </button>
          <button type="button" disabled={!(params.after || params.before)} onClick={() => go({ ...params, after: null, before: null })}>
            Newest
          </button>
          <button type="button" disabled={!plans.pageInfo.hasNextPage} onClick={() => go({ ...params, before: null, after: plans.pageInfo.endCursor ?? null })}>
            Older →
          </button>
        </nav>
      )}
    </section>
  );
}

function Filters({ params, onChange }: { params: ListParams; onChange: (p: ListParams) => void }) {
  const [labels, setLabels] = useState(params.labels.join(", "));
  const [template, setTemplate] = useState(params.template);
  const [name, setName] = useState(params.name);
  const [search, setSearch] = useState(params.search);
  const [createdAfter, setCreatedAfter] = useState(localInputFromInstant(params.createdAfter));
  const [createdBefore, setCreatedBefore] = useState(localInputFromInstant(params.createdBefore));
  const toggle = (state: PlanState) => onChange(withFilter(params, { states: params.states.includes(state) ? params.states.filter((s) => s !== state) : [...params.states, state] }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange(withFilter(params, { labels: labels.split(",").map((l) => l.trim()).filter(Boolean), template: template.trim(), name: name.trim(), search: search.trim(), createdAfter: instantFromLocalInput(createdAfter), createdBefore: instantFromLocalInput(createdBefore) }));
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter plans">
      <fieldset className="states">
        <legend>State</legend>
        {PLAN_STATES.map((state) => (
          <button key={state} type="button" className={`chip state-${state.toLowerCase()}`} aria-pressed={params.states.includes(state)} onClick={() => toggle(state)}>
            {stateWord(state)}
          </button>
        ))}
      </fieldset>
      <label>
        Search <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="plan id or name" />
      </label>
      <label>
        Name contains <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Labels <input value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="a, b" />
      </label>
      <label>
        Template <input value={template} onChange={(e) => setTemplate(e.target.value)} placeholder="name or name@version" />
      </label>
      <label>
        Created from <input type="datetime-local" value={createdAfter} onChange={(e) => setCreatedAfter(e.target.value)} />
      </label>
      <label>
        Created before <input type="datetime-local" value={createdBefore} onChange={(e) => setCreatedBefore(e.target.value)} />
      </label>
      <button type="submit">Filter</button>
      {toPlanFilter(params) && (
        <button
          type="button"
          className="link"
          onClick={() => {
            setLabels("");
            setTemplate("");
            setName("");
            setSearch("");
            setCreatedAfter("");
            setCreatedBefore("");
            onChange(withFilter(params, { states: [], labels: [], template: "", name: "", search: "", createdAfter: "", createdBefore: "" }));
          }}
        >
          Clear
        </button>
      )}
    </form>
  );
}
