/**
 * Retention (BATON_RETENTION, src/coordinator/retention.ts): the finished plans older than a time,
 * and their removal with every row that is theirs. Steps, attempts, timers, interventions,
 * checkpoints and context entries go with the plan row (ON DELETE CASCADE); its signals are
 * removed from the log too, except the log's newest signal, which stays so that the log's head
 * never moves back (sequences are never reused either way).
 */
import { query, type Sql } from "./sql.js";

/** The states a plan ends in (retryPlan may start a FAILED one again, until it is removed). */
const FINISHED = "('COMPLETED', 'FAILED', 'CANCELLED', 'COMPENSATED')";

const Q = {
  // The index over finished_at; on PostgreSQL a plan another gateway is removing is passed over.
  expired: query<[number, number], { id: string }>(
    "retention.expired",
    (d) =>
      `SELECT id FROM plans WHERE finished_at IS NOT NULL AND finished_at < ? AND state IN ${FINISHED} ORDER BY finished_at LIMIT ?${d.name === "postgres" ? " FOR UPDATE SKIP LOCKED" : ""}`,
  ),
  removeSignals: query<[string]>(
    "retention.removeSignals",
    (d) =>
      `DELETE FROM signals WHERE plan_id IN (SELECT value FROM ${d.jsonElements("?")}) AND sequence < (SELECT max(sequence) FROM signals)`,
  ),
  removePlans: query<[string]>("retention.removePlans", (d) => `DELETE FROM plans WHERE id IN (SELECT value FROM ${d.jsonElements("?")})`),
};

export class RetentionRepository {
  constructor(private readonly sql: Sql) {}

  /** Up to `limit` finished plans that finished before `before` (epoch ms), oldest first. */
  async expired(before: number, limit: number): Promise<string[]> {
    return (await this.sql.all(Q.expired, before, limit)).map((r) => r.id);
  }

  /** Removes the plans and everything of theirs; the number of plans removed. */
  async remove(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const json = JSON.stringify(ids);
    await this.sql.run(Q.removeSignals, json);
    return this.sql.run(Q.removePlans, json);
  }
}
