/**
 * Reads for plan evaluations and regressions (src/insight/): the earlier runs of a template
 * version, and when a plan was suspended and resumed. Read-only; nothing here is written.
 */
import { query, type Sql } from "./sql.js";

/** A plan signal that suspends its run (paused, or ended) or resumes it (PLAN_RESUMED). */
export interface SuspensionChange {
  kind: "PLAN_PAUSED" | "PLAN_COMPLETED" | "PLAN_FAILED" | "PLAN_CANCELLED" | "PLAN_COMPENSATED" | "PLAN_RESUMED";
  at: number;
}

const Q = {
  // Served by plans_template_finished (template_id, state, finished_at; migration 0018). Forks
  // are left out: they start from a checkpoint, not afresh.
  completedBefore: query<[string, number, number], { id: string }>(
    "evaluations.completedBefore",
    `SELECT id FROM plans
     WHERE template_id = ? AND state = 'COMPLETED' AND forked_from IS NULL AND finished_at < ?
     ORDER BY finished_at DESC, id DESC LIMIT ?`,
  ),
  // Served by signals_plan (plan_id, sequence): the plan's signals, a few per step.
  suspensions: query<[string], SuspensionChange>(
    "evaluations.suspensions",
    `SELECT kind, at FROM signals
     WHERE plan_id = ? AND kind IN ('PLAN_PAUSED', 'PLAN_COMPLETED', 'PLAN_FAILED', 'PLAN_CANCELLED', 'PLAN_COMPENSATED', 'PLAN_RESUMED')
     ORDER BY sequence`,
  ),
};

export class EvaluationRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Ids of the last `limit` plans made from this template version that COMPLETED strictly before
   * `before` (epoch ms), latest first; forks left out.
   */
  async completedBefore(templateId: string, before: number, limit: number): Promise<string[]> {
    return (await this.sql.all(Q.completedBefore, templateId, before, limit)).map((r) => r.id);
  }

  /** The plan's signals that suspended or resumed its run, oldest first. */
  async suspensions(planId: string): Promise<SuspensionChange[]> {
    return this.sql.all(Q.suspensions, planId);
  }
}
