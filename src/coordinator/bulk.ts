/**
 * Bulk actions: one plan-wide intervention (pause, resume, cancel, retry) applied to many plans,
 * named by id or chosen by a filter. Each plan is one call of Control.interveneWithState, in a
 * transaction of its own: it is checked, applied, audited (its interventions row) and signalled
 * exactly as a single intervention is, and a plan that cannot take it is refused on its own
 * while the others still apply.
 */
import { badInput, isBatonError, type Problem } from "../domain/errors.js";
import { checkLengths } from "../domain/limits.js";
import type { PlanState } from "../domain/statuses.js";
import { PLAN_STATES_FOR, type PlanWideKind } from "../engine/interventions.js";
import type { Logger } from "../logger.js";
import type { PlanCursor, PlanFilter } from "../store/plans.js";
import type { Store } from "../store/store.js";
import type { Control } from "./control.js";
import { checkRequestShape, type ControlRequest } from "./requests.js";

/** The most plans one bulk action changes: more ids are refused; a filter is walked in pages of at most this many. */
export const MAX_BULK = 1_000;

/**
 * Plans whose transactions run at once. On PostgreSQL they overlap (each is a dozen round trips;
 * 1,000 cancels took 12.5 s one at a time, 9 s four at a time, on a busy 2-core machine with the
 * database beside it) while most of the pool stays free for other work; SQLite runs them one
 * after another anyway.
 */
const IN_FLIGHT = 4;

/** The intervention a bulk action applies to each plan. */
export type BulkRequest = Extract<ControlRequest, { kind: PlanWideKind }>;

/** A plan named by id, with the version the caller saw (a stale one is refused with VERSION_CONFLICT). */
export interface BulkTarget {
  id: string;
  expectedVersion?: number | null;
}

/** Which plans: `plans` by id, or every plan matching `filter` (newest first, `first` of them after the cursor `after`). */
export interface BulkSelection {
  plans?: readonly BulkTarget[] | null;
  filter?: PlanFilter | null;
  first?: number | null;
  after?: PlanCursor | null;
}

export interface BulkApplied {
  planId: string;
  interventionId: string;
  /** The plan's version and state after the change. */
  planVersion: number;
  state: PlanState;
}

export interface BulkRejected {
  planId: string;
  /** The intervention's rejection code (INVALID_STATE, VERSION_CONFLICT…), or the error's code when nothing could be recorded (NOT_FOUND, STORAGE_*, INTERNAL_SERVER_ERROR). */
  code: string;
  message: string;
  /** The REJECTED intervention recorded, or null when there is none (an unknown plan, a failed transaction). */
  interventionId: string | null;
}

export interface BulkOutcome {
  applied: BulkApplied[];
  rejected: BulkRejected[];
  /** With a filter: more plans match past `endCursor`. */
  hasMore: boolean;
  /** With a filter: the last plan considered (applied or rejected), to continue from; null when none was. */
  endCursor: PlanCursor | null;
}

export interface BulkDeps {
  control: Control;
  store: Store;
  logger: () => Logger;
}

export class BulkControl {
  constructor(private readonly deps: BulkDeps) {}

  /**
   * Applies `request` to each selected plan, each in its own transaction (IN_FLIGHT at a time),
   * and answers in the order of the selection. Malformed arguments are a BAD_USER_INPUT error
   * and change nothing; everything else is an answer per plan.
   */
  async interveneMany(selection: BulkSelection, request: BulkRequest, by: { actor: string; reason: string }): Promise<BulkOutcome> {
    checkSelection(selection, by.reason);
    checkRequestShape(request, by.reason);
    const { targets, hasMore, endCursor } = await this.select(selection, request.kind);
    const answers: (BulkApplied | BulkRejected)[] = new Array(targets.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const i = next++;
        answers[i] = await this.one(targets[i]!, request, by);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, targets.length) }, worker));
    const outcome: BulkOutcome = { applied: [], rejected: [], hasMore, endCursor };
    for (const a of answers) {
      if ("state" in a) outcome.applied.push(a);
      else outcome.rejected.push(a);
    }
    return outcome;
  }

  /** One plan's intervention, in its own transaction: applied, or rejected with why. */
  private async one(t: BulkTarget, request: BulkRequest, by: { actor: string; reason: string }): Promise<BulkApplied | BulkRejected> {
    try {
      const { record, state } = await this.deps.control.interveneWithState(t.id, request, { ...by, expectedVersion: t.expectedVersion });
      if (record.status === "APPLIED") return { planId: t.id, interventionId: record.id, planVersion: record.planVersion, state };
      return { planId: t.id, code: record.rejectionCode!, message: record.rejectionReason!, interventionId: record.id };
    } catch (e) {
      // Nothing of this plan was saved (an unknown plan, a failed transaction): said so, and on to the next.
      if (!isBatonError(e)) this.deps.logger().error({ err: e, planId: t.id, kind: request.kind }, "unexpected error in a bulk action");
      const [code, message] = isBatonError(e) ? [e.code, e.message] : ["INTERNAL_SERVER_ERROR", "Unexpected error."];
      return { planId: t.id, code, message, interventionId: null };
    }
  }

  /**
   * The plans to act on. By id: as listed. By filter: one read of the plans that match it and
   * are in a state the intervention accepts, newest first after the cursor.
   */
  private async select(s: BulkSelection, kind: PlanWideKind): Promise<{ targets: readonly BulkTarget[]; hasMore: boolean; endCursor: PlanCursor | null }> {
    if (s.plans) return { targets: s.plans, hasMore: false, endCursor: null };
    const filter = s.filter!;
    const accepting = PLAN_STATES_FOR[kind];
    const states = filter.states?.length ? filter.states.filter((st) => accepting.includes(st)) : [...accepting];
    if (states.length === 0) return { targets: [], hasMore: false, endCursor: null };
    const first = s.first ?? MAX_BULK;
    const rows = await this.deps.store.queries.plans.page({ ...filter, states }, { after: s.after ?? null }, first + 1);
    const page = rows.slice(0, first);
    const last = page.at(-1);
    return {
      targets: page.map((p) => ({ id: p.id })),
      hasMore: rows.length > first,
      endCursor: last ? { createdAt: last.createdAt, id: last.id } : null,
    };
  }
}

/** Every problem of a selection at once: exactly one of plans and filter, within the bounds; a reason that says something (its length is checkRequestShape's). */
function checkSelection(s: BulkSelection, reason: string): void {
  const problems: Problem[] = [];
  if (reason.trim() === "") problems.push({ path: "reason", message: "must not be empty: say why, for the audit log" });
  if ((s.plans == null) === (s.filter == null)) {
    problems.push({ path: "plans", message: s.plans == null ? "name the plans to act on (plans), or give a filter" : "give plans or filter, not both" });
  }
  if (s.plans) {
    if (s.plans.length > MAX_BULK) problems.push({ path: "plans", message: `at most ${MAX_BULK} plans per call, got ${s.plans.length}: send them in several calls` });
    const seen = new Set<string>();
    s.plans.forEach((t, i) => {
      checkLengths(problems, [[`plans[${i}].id`, t.id]]);
      if (seen.has(t.id)) problems.push({ path: `plans[${i}].id`, message: `plan ${t.id} is listed twice` });
      seen.add(t.id);
    });
    if (s.first != null) problems.push({ path: "first", message: "goes with filter only" });
    if (s.after != null) problems.push({ path: "after", message: "goes with filter only" });
  }
  if (s.first != null && !(Number.isInteger(s.first) && s.first >= 1 && s.first <= MAX_BULK)) {
    problems.push({ path: "first", message: `must be from 1 to ${MAX_BULK}, got ${s.first}` });
  }
  if (problems.length) throw badInput(problems);
}
