/**
 * Reads for plan evaluations and regressions (src/insight/): the earlier runs of a template
 * version, and when a plan was paused and resumed. Read-only; nothing here is written.
 */
import type Database from "better-sqlite3";

/** A pause or a resume of a plan, as applied (an intervention row). */
export interface PauseChange {
  kind: "PAUSE" | "RESUME";
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
      pauses: sqlite.prepare<[string], PauseChange>(
        `SELECT kind, at FROM interventions
         WHERE plan_id = ? AND status = 'APPLIED' AND kind IN ('PAUSE', 'RESUME') ORDER BY seq`,
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

  /** The plan's applied PAUSE and RESUME interventions, oldest first. */
  pauses(planId: string): PauseChange[] {
    return this.stmt.pauses.all(planId);
  }
}
