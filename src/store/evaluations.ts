/**
 * Reads for plan evaluations and regressions (src/insight/): the earlier runs of a template
 * version, and when a plan was suspended and resumed. Read-only; nothing here is written.
 */
import type Database from "better-sqlite3";

/** A plan signal that suspends its run (paused, or ended) or resumes it (PLAN_RESUMED). */
export interface SuspensionChange {
  kind: "PLAN_PAUSED" | "PLAN_COMPLETED" | "PLAN_FAILED" | "PLAN_CANCELLED" | "PLAN_COMPENSATED" | "PLAN_RESUMED";
  at: number;
}

export class EvaluationRepository {
  private readonly stmt;

  constructor(sqlite: Database.Database) {
    this.stmt = {
      // Served by plans_template_finished (template_id, state, finished_at; migration 0018). Forks
      // are left out: they start from a checkpoint, not afresh.
      completedBefore: sqlite.prepare<[string, number, number], { id: string }>(
        `SELECT id FROM plans
         WHERE template_id = ? AND state = 'COMPLETED' AND forked_from IS NULL AND finished_at < ?
         ORDER BY finished_at DESC, id DESC LIMIT ?`,
      ),
      // Served by signals_plan (plan_id, sequence): the plan's signals, a few per step.
      suspensions: sqlite.prepare<[string], SuspensionChange>(
        `SELECT kind, at FROM signals
         WHERE plan_id = ? AND kind IN ('PLAN_PAUSED', 'PLAN_COMPLETED', 'PLAN_FAILED', 'PLAN_CANCELLED', 'PLAN_COMPENSATED', 'PLAN_RESUMED')
         ORDER BY sequence`,
      ),
    };
  }

  /**
   * Ids of the last `limit` plans made from this template version that COMPLETED strictly before
   * `before` (epoch ms), latest first; forks left out.
   */
  completedBefore(templateId: string, before: number, limit: number): string[] {
    return this.stmt.completedBefore.all(templateId, before, limit).map((r) => r.id);
  }

  /** The plan's signals that suspended or resumed its run, oldest first. */
  suspensions(planId: string): SuspensionChange[] {
    return this.stmt.suspensions.all(planId);
  }
}
