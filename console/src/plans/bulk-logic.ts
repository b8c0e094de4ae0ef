/**
 * The plain logic of the plans list's bulk actions (./bulk.tsx): what each action takes, the
 * targets of a selection with the versions the operator saw, and the walk of a filter a page
 * at a time (hasMore / endCursor) with its progress. See docs/control.md, "Bulk actions".
 */
import type { PlanState } from "../states.js";

export type BulkAction = "cancel" | "retry" | "pause" | "resume";

export interface BulkActionInfo {
  /** The button's words. */
  label: string;
  /** The verb, lower case, for sentences ("cancel 3 plans"). */
  verb: string;
  /** While it runs ("Cancelling…"). */
  doing: string;
  /** The states of the plans a filter selects for it (the others are left alone). */
  accepts: readonly PlanState[];
}

export const BULK_ACTIONS: Record<BulkAction, BulkActionInfo> = {
  cancel: { label: "Cancel", verb: "cancel", doing: "Cancelling", accepts: ["IDLE", "RUNNING", "PAUSED", "COMPENSATING"] },
  retry: { label: "Retry failed", verb: "retry", doing: "Retrying", accepts: ["FAILED"] },
  pause: { label: "Pause", verb: "pause", doing: "Pausing", accepts: ["RUNNING"] },
  resume: { label: "Resume", verb: "resume", doing: "Resuming", accepts: ["PAUSED"] },
};

export const BULK_ACTION_ORDER: readonly BulkAction[] = ["cancel", "retry", "pause", "resume"];

/** The most plans one call names (the API refuses more). */
export const MAX_TARGETS = 1000;

/**
 * The states a filter walk of `action` takes: those it accepts, narrowed to the filter's own
 * states when it has some (an empty list: none of the matching plans can take it).
 */
export function actionableStates(action: BulkAction, filterStates: readonly PlanState[] | undefined): PlanState[] {
  const accepts = BULK_ACTIONS[action].accepts;
  return filterStates?.length ? filterStates.filter((s) => accepts.includes(s)) : [...accepts];
}

/** "1 plan", "3 plans". */
export function plans(n: number): string {
  return `${n} ${n === 1 ? "plan" : "plans"}`;
}

export interface PlanTarget {
  id: string;
  expectedVersion: number;
}

/**
 * The selected plans as targets, in selection order, each with the version the operator sees:
 * the row's current one when the plan is on the page shown (the list is live), else the one it
 * had when it was selected.
 */
export function targetsOf(selected: ReadonlyMap<string, number>, shown: readonly { id: string; version: number }[]): PlanTarget[] {
  const current = new Map(shown.map((p) => [p.id, p.version]));
  return [...selected].map(([id, version]) => ({ id, expectedVersion: current.get(id) ?? version }));
}

export interface AppliedPlan {
  planId: string;
  state: PlanState;
  planVersion: number;
  interventionId: string;
}

export interface RejectedPlan {
  planId: string;
  code: string;
  message: string;
  interventionId?: string | null;
}

/** One answer of a bulk mutation. */
export interface BulkPage {
  applied: readonly AppliedPlan[];
  rejected: readonly RejectedPlan[];
  hasMore: boolean;
  endCursor?: string | null;
}

/** What a bulk action has done so far. */
export interface BulkProgress {
  applied: AppliedPlan[];
  rejected: RejectedPlan[];
  /** Calls answered. */
  calls: number;
  /** Every call was answered and nothing more matches. */
  done: boolean;
  /** Why it stopped before the end (what was done before stays listed). */
  error: string | null;
}

const fresh = (): BulkProgress => ({ applied: [], rejected: [], calls: 0, done: false, error: null });

function add(progress: BulkProgress, page: BulkPage): BulkProgress {
  return { ...progress, applied: [...progress.applied, ...page.applied], rejected: [...progress.rejected, ...page.rejected], calls: progress.calls + 1 };
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Walks a filter: calls `call(after)` from the start (after = null), then with each answer's
 * endCursor while it says hasMore, reporting the running totals to `onProgress` after each
 * call. Stops at a failed call (the error is in the answer, with what was done before it), or
 * at a page that says hasMore without a new cursor (which would loop).
 */
export async function walkFilter(call: (after: string | null) => Promise<BulkPage>, onProgress: (p: BulkProgress) => void = () => {}): Promise<BulkProgress> {
  let progress = fresh();
  let after: string | null = null;
  for (;;) {
    let page: BulkPage;
    try {
      page = await call(after);
    } catch (e) {
      progress = { ...progress, error: messageOf(e) };
      onProgress(progress);
      return progress;
    }
    progress = add(progress, page);
    if (!page.hasMore) {
      progress = { ...progress, done: true };
      onProgress(progress);
      return progress;
    }
    if (!page.endCursor || page.endCursor === after) {
      progress = { ...progress, error: "the gateway said more plans match but gave no new place to go on from" };
      onProgress(progress);
      return progress;
    }
    after = page.endCursor;
    onProgress(progress);
  }
}

/** Acts on targets, at most MAX_TARGETS per call, reporting after each call as walkFilter does. */
export async function actOnTargets(targets: readonly PlanTarget[], call: (chunk: PlanTarget[]) => Promise<BulkPage>, onProgress: (p: BulkProgress) => void = () => {}): Promise<BulkProgress> {
  let progress = fresh();
  for (let i = 0; i < targets.length; i += MAX_TARGETS) {
    try {
      progress = add(progress, await call(targets.slice(i, i + MAX_TARGETS)));
    } catch (e) {
      progress = { ...progress, error: messageOf(e) };
      onProgress(progress);
      return progress;
    }
    if (i + MAX_TARGETS < targets.length) onProgress(progress);
  }
  progress = { ...progress, done: true };
  onProgress(progress);
  return progress;
}
