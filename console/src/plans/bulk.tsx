/**
 * The plans list's bulk actions (offered to admins and operators only: ../roles.ts): rows are
 * selected with checkboxes (or all those on the page), and the bar acts on the selection — the
 * ids with the versions seen, so a plan changed meanwhile is refused with VERSION_CONFLICT — or
 * on every plan matching the filter, walked a page at a time with its progress shown. Each
 * action asks a reason and a confirmation naming how many plans it takes; the result lists
 * the plans applied and those rejected, with why. Each plan's change is an Intervention.
 */
import { useState } from "react";
import { useClient, type CombinedError } from "urql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { actOnTargets, BULK_ACTION_ORDER, BULK_ACTIONS, plans, targetsOf, walkFilter, type BulkAction, type BulkPage, type BulkProgress, type PlanTarget } from "./bulk-logic.js";
import { CancelPlansMutation, PausePlansMutation, ResumePlansMutation, RetryPlansMutation } from "./bulk-documents.js";
import { BulkDialog, BulkResult, type BulkRun, type Scope } from "./bulk-dialog.js";
import type { PlanFilterInput } from "./filters.js";
import "./bulk.css";

/** A row of the list, as the selection needs it. */
export interface BulkRow {
  id: string;
  name: string;
  version: number;
}

/** Plans per call when walking a filter: the progress moves between calls. */
const WALK_PAGE = 200;

type BulkDocument = TypedDocumentNode<Record<string, BulkPage>, Record<string, unknown>>;
const DOCUMENTS: Record<BulkAction, BulkDocument> = {
  cancel: CancelPlansMutation as unknown as BulkDocument,
  retry: RetryPlansMutation as unknown as BulkDocument,
  pause: PausePlansMutation as unknown as BulkDocument,
  resume: ResumePlansMutation as unknown as BulkDocument,
};

/** A refused call in words: each error's message, with the problems a BAD_USER_INPUT lists. */
function errorText(error: CombinedError): string {
  if (error.networkError) return error.networkError.message;
  return error.graphQLErrors
    .map((e) => {
      const problems = e.extensions?.["problems"];
      return Array.isArray(problems) && problems.length ? `${e.message} (${problems.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join("; ")})` : e.message;
    })
    .join("; ");
}

type Selected = ReadonlyMap<string, { name: string; version: number }>;
const NONE: Selected = new Map();

/** The selected rows, by id, forgotten when `resetKey` (the filter) changes. */
export function useBulkSelection(resetKey: string) {
  const [state, setState] = useState<{ key: string; selected: Selected }>({ key: resetKey, selected: NONE });
  const selected = state.key === resetKey ? state.selected : NONE;
  const update = (change: (m: Map<string, { name: string; version: number }>) => void) =>
    setState((s) => {
      const next = new Map(s.key === resetKey ? s.selected : NONE);
      change(next);
      return { key: resetKey, selected: next };
    });
  return {
    selected,
    isSelected: (id: string) => selected.has(id),
    set: (rows: readonly BulkRow[], on: boolean) =>
      update((m) => {
        for (const r of rows) {
          if (on) m.set(r.id, { name: r.name, version: r.version });
          else m.delete(r.id);
        }
      }),
    clear: () => update((m) => m.clear()),
  };
}
export type BulkSelection = ReturnType<typeof useBulkSelection>;

/** The header cell's checkbox: all the plans on this page. */
export function SelectPageBox({ selection, rows }: { selection: BulkSelection; rows: readonly BulkRow[] }) {
  const all = rows.length > 0 && rows.every((r) => selection.isSelected(r.id));
  const some = rows.some((r) => selection.isSelected(r.id));
  return (
    <input
      type="checkbox"
      aria-label="Select all plans on this page"
      checked={all}
      ref={(el) => {
        if (el) el.indeterminate = some && !all;
      }}
      onChange={() => selection.set(rows, !all)}
    />
  );
}

export function SelectRowBox({ selection, row }: { selection: BulkSelection; row: BulkRow }) {
  return <input type="checkbox" aria-label={`Select ${row.name}`} checked={selection.isSelected(row.id)} onChange={(e) => selection.set([row], e.target.checked)} />;
}

/**
 * The bar above the list: the selection's size, what to act on, the four actions; then the
 * dialog of the chosen action, and the progress and result of the last one.
 */
export function BulkBar({ selection, rows, filter, matching }: { selection: BulkSelection; rows: readonly BulkRow[]; filter: PlanFilterInput | undefined; matching: number | null }) {
  const client = useClient();
  const [chosenScope, setScope] = useState<Scope>("selected");
  const [open, setOpen] = useState<BulkAction | null>(null);
  const [run, setRun] = useState<BulkRun | null>(null);
  const count = selection.selected.size;
  const scope: Scope = count === 0 ? "filter" : chosenScope;
  const running = run !== null && !run.progress.done && run.progress.error === null;

  const start = async (action: BulkAction, reason: string, compensate: boolean, expected: number) => {
    setOpen(null);
    const names = new Map<string, string>([...rows.map((r): [string, string] => [r.id, r.name]), ...[...selection.selected].map(([id, s]): [string, string] => [id, s.name])]);
    const base = { reason, ...(action === "cancel" ? { compensate } : {}) };
    const call = async (variables: Record<string, unknown>): Promise<BulkPage> => {
      const result = await client.mutation(DOCUMENTS[action], { ...base, ...variables }).toPromise();
      if (result.error) throw new Error(errorText(result.error));
      const page = Object.values(result.data ?? {})[0];
      if (!page) throw new Error("the gateway gave no answer");
      return page;
    };
    const show = (progress: BulkProgress) => setRun({ action, reason, count: expected, progress, names });
    show({ applied: [], rejected: [], calls: 0, done: false, error: null });
    if (scope === "selected") {
      const versions = new Map([...selection.selected].map(([id, s]) => [id, s.version]));
      const targets: PlanTarget[] = targetsOf(versions, rows);
      await actOnTargets(targets, (chunk) => call({ plans: chunk }), show);
      selection.clear();
    } else {
      await walkFilter((after) => call({ filter: filter ?? {}, first: WALK_PAGE, ...(after ? { after } : {}) }), show);
    }
  };

  return (
    <div className="bulk">
      <div className="bulk-bar" role="group" aria-label="Bulk actions">
        <span data-testid="bulk-selected">{count ? `${plans(count)} selected` : "No plan selected"}</span>
        {count > 0 && (
          <button type="button" className="link" onClick={selection.clear}>
            Clear selection
          </button>
        )}
        <fieldset className="bulk-scope">
          <legend>Act on</legend>
          <label>
            <input type="radio" name="bulk-scope" disabled={count === 0} checked={scope === "selected"} onChange={() => setScope("selected")} /> the selected plans
          </label>
          <label>
            <input type="radio" name="bulk-scope" checked={scope === "filter"} onChange={() => setScope("filter")} /> every plan matching the filter
            {matching !== null ? ` (${plans(matching)} match)` : ""}
          </label>
        </fieldset>
        {BULK_ACTION_ORDER.map((action) => (
          <button key={action} type="button" className={action === "cancel" ? "danger" : undefined} disabled={running} onClick={() => setOpen(action)}>
            {BULK_ACTIONS[action].label}…
          </button>
        ))}
      </div>
      {open && <BulkDialog key={`${open}-${scope}`} action={open} scope={scope} selected={count} filter={filter} onClose={() => setOpen(null)} onConfirm={(reason, compensate, n) => void start(open, reason, compensate, n)} />}
      {run && <BulkResult run={run} onClose={() => setRun(null)} />}
    </div>
  );
}
