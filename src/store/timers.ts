/** Durable timers: rows with a due time; the scheduler fires those that are due. */
import type Database from "better-sqlite3";
import type { TimerKind } from "../domain/timers.js";

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

export class TimerRepository {
  private readonly stmt;

  constructor(sqlite: Database.Database) {
    this.stmt = {
      set: sqlite.prepare(
        `INSERT INTO timers (plan_id, step_key, kind, ref, due_at, remaining_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (plan_id, step_key, kind) DO UPDATE
           SET ref = excluded.ref, due_at = excluded.due_at, remaining_ms = excluded.remaining_ms`,
      ),
      freeze: sqlite.prepare(
        `UPDATE timers SET remaining_ms = max(0, due_at - @now)
         WHERE plan_id = @planId AND remaining_ms IS NULL AND kind <> '${MESSAGE_REPLY}'`,
      ),
      thaw: sqlite.prepare(
        "UPDATE timers SET due_at = @now + remaining_ms, remaining_ms = NULL WHERE plan_id = @planId AND remaining_ms IS NOT NULL",
      ),
      clearStep: sqlite.prepare("DELETE FROM timers WHERE plan_id = ? AND step_key = ?"),
      clearPlan: sqlite.prepare(`DELETE FROM timers WHERE plan_id = ? AND kind <> '${MESSAGE_REPLY}'`),
      take: sqlite.prepare(
        "DELETE FROM timers WHERE plan_id = ? AND step_key = ? AND kind = ? AND due_at = ? AND remaining_ms IS NULL",
      ),
      due: sqlite.prepare<[number, number], RawTimer>(
        "SELECT * FROM timers WHERE due_at <= ? AND remaining_ms IS NULL ORDER BY due_at LIMIT ?",
      ),
      next: sqlite.prepare<[], { due: number | null }>("SELECT min(due_at) AS due FROM timers WHERE remaining_ms IS NULL"),
    };
  }

  /** Sets (or moves) a timer; `frozenAt` stores it frozen, with `dueAt − frozenAt` left. */
  set(t: TimerRow, frozenAt: number | null = null): void {
    this.stmt.set.run(t.planId, t.stepKey ?? "", t.kind, t.ref, t.dueAt, frozenAt === null ? null : Math.max(0, t.dueAt - frozenAt));
  }

  /** Stops the plan's timers (but message reply timeouts) with the time they have left. */
  freeze(planId: string, now: number): void {
    this.stmt.freeze.run({ planId, now });
  }

  /** Restarts the plan's frozen timers with the time they had left. */
  thaw(planId: string, now: number): void {
    this.stmt.thaw.run({ planId, now });
  }

  /** Clears one step's timers (or a message's, by its `msg:<sequence>` key), or all of the plan's but message reply timeouts when stepKey is null. */
  clear(planId: string, stepKey: string | null): void {
    if (stepKey === null) this.stmt.clearPlan.run(planId);
    else this.stmt.clearStep.run(planId, stepKey);
  }

  /** Deletes the timer if it is still as read (and not frozen); false when it was moved or cleared since. */
  take(t: TimerRow): boolean {
    return this.stmt.take.run(t.planId, t.stepKey ?? "", t.kind, t.dueAt).changes === 1;
  }

  due(now: number, limit: number): TimerRow[] {
    return this.stmt.due.all(now, limit).map((r) => ({
      planId: r.plan_id,
      stepKey: r.step_key === "" ? null : r.step_key,
      kind: r.kind as StoredTimerKind,
      ref: r.ref,
      dueAt: r.due_at,
    }));
  }

  nextDue(): number | null {
    return this.stmt.next.get()?.due ?? null;
  }
}
