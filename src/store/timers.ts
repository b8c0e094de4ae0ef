/** Durable timers: rows with a due time; the scheduler fires those that are due. */
import type { TimerKind } from "../domain/timers.js";
import { deferrable, query, type Sql } from "./sql.js";

/**
 * A message's reply timeout (src/coordinator/messages.ts), fired by the coordinator, never by the
 * engine: `step_key` is `msg:<sequence>` (never a step's key), `ref` the request's sequence. A
 * conversation is not plan execution, so it is neither frozen with a paused plan nor cleared with
 * the plan's timers (a plan that ends leaves its pending requests to time out).
 */
export const MESSAGE_REPLY = "MESSAGE_REPLY";
/** The kinds stored: the engine's, and the coordinator's own. */
export type StoredTimerKind = TimerKind | typeof MESSAGE_REPLY;

export interface TimerRow {
  planId: string;
  /** null for plan-wide timers. */
  stepKey: string | null;
  kind: StoredTimerKind;
  ref: string | null;
  dueAt: number;
}

interface RawTimer {
  plan_id: string;
  step_key: string;
  kind: string;
  ref: string | null;
  due_at: number;
}

const Q = {
  // A later set of the same timer in one batch wins (DISTINCT ON … i DESC): one statement may not
  // change a row twice.
  set: deferrable(
    "timers.set",
    `INSERT INTO timers (plan_id, step_key, kind, ref, due_at, remaining_ms) VALUES (@planId, @stepKey, @kind, @ref, @dueAt, @remaining)
     ON CONFLICT (plan_id, step_key, kind) DO UPDATE
       SET ref = excluded.ref, due_at = excluded.due_at, remaining_ms = excluded.remaining_ms`,
    `INSERT INTO timers (plan_id, step_key, kind, ref, due_at, remaining_ms)
     SELECT DISTINCT ON (r."planId", r."stepKey", r.kind) r."planId", r."stepKey", r.kind, r.ref, r."dueAt", r.remaining
     FROM jsonb_to_recordset(?::jsonb) AS r(i bigint, "planId" text, "stepKey" text, kind text, ref text, "dueAt" bigint, remaining bigint)
     ORDER BY r."planId", r."stepKey", r.kind, r.i DESC
     ON CONFLICT (plan_id, step_key, kind) DO UPDATE
       SET ref = excluded.ref, due_at = excluded.due_at, remaining_ms = excluded.remaining_ms`,
  ),
  freeze: query(
    "timers.freeze",
    (d) => `UPDATE timers SET remaining_ms = ${d.greatest("0", "due_at - @now")}
            WHERE plan_id = @planId AND remaining_ms IS NULL AND kind <> '${MESSAGE_REPLY}'`,
  ),
  thaw: query("timers.thaw", "UPDATE timers SET due_at = @now + remaining_ms, remaining_ms = NULL WHERE plan_id = @planId AND remaining_ms IS NOT NULL"),
  clearStep: deferrable(
    "timers.clearStep",
    "DELETE FROM timers WHERE plan_id = @planId AND step_key = @stepKey",
    `DELETE FROM timers AS t USING jsonb_to_recordset(?::jsonb) AS r("planId" text, "stepKey" text) WHERE t.plan_id = r."planId" AND t.step_key = r."stepKey"`,
  ),
  clearPlan: query("timers.clearPlan", `DELETE FROM timers WHERE plan_id = ? AND kind <> '${MESSAGE_REPLY}'`),
  take: query("timers.take", "DELETE FROM timers WHERE plan_id = ? AND step_key = ? AND kind = ? AND due_at = ? AND remaining_ms IS NULL"),
  due: query<[number, number], RawTimer>("timers.due", "SELECT * FROM timers WHERE due_at <= ? AND remaining_ms IS NULL ORDER BY due_at LIMIT ?"),
  next: query<[], { due: number | null }>("timers.next", "SELECT min(due_at) AS due FROM timers WHERE remaining_ms IS NULL"),
};

export class TimerRepository {
  constructor(private readonly sql: Sql) {}

  /** Sets (or moves) a timer; `frozenAt` stores it frozen, with `dueAt − frozenAt` left. */
  async set(t: TimerRow, frozenAt: number | null = null): Promise<void> {
    const remaining = frozenAt === null ? null : Math.max(0, t.dueAt - frozenAt);
    await this.sql.defer(Q.set, { planId: t.planId, stepKey: t.stepKey ?? "", kind: t.kind, ref: t.ref, dueAt: t.dueAt, remaining });
  }

  /** Stops the plan's timers (but message reply timeouts) with the time they have left. */
  async freeze(planId: string, now: number): Promise<void> {
    await this.sql.run(Q.freeze, { planId, now });
  }

  /** Restarts the plan's frozen timers with the time they had left. */
  async thaw(planId: string, now: number): Promise<void> {
    await this.sql.run(Q.thaw, { planId, now });
  }

  /** Clears one step's timers (or a message's, by its `msg:<sequence>` key), or all of the plan's but message reply timeouts when stepKey is null. */
  async clear(planId: string, stepKey: string | null): Promise<void> {
    if (stepKey === null) await this.sql.run(Q.clearPlan, planId);
    else await this.sql.defer(Q.clearStep, { planId, stepKey });
  }

  /** Deletes the timer if it is still as read (and not frozen); false when it was moved or cleared since. */
  async take(t: TimerRow): Promise<boolean> {
    return (await this.sql.run(Q.take, t.planId, t.stepKey ?? "", t.kind, t.dueAt)) === 1;
  }

  async due(now: number, limit: number): Promise<TimerRow[]> {
    return (await this.sql.all(Q.due, now, limit)).map((r) => ({
      planId: r.plan_id,
      stepKey: r.step_key === "" ? null : r.step_key,
      kind: r.kind as StoredTimerKind,
      ref: r.ref,
      dueAt: r.due_at,
    }));
  }

  async nextDue(): Promise<number | null> {
    return (await this.sql.get(Q.next))?.due ?? null;
  }
}
