/** Attempts: the lease an agent holds while a step runs, and its trace afterwards. */
import type Database from "better-sqlite3";
import { and, asc, eq, sql } from "drizzle-orm";
import type { AttemptModel, Json, StepError } from "../domain/model.js";
import type { TraceOutcome } from "../domain/statuses.js";
import type { Db } from "./database.js";
import { attempts } from "./schema.js";

type AttemptRow = typeof attempts.$inferSelect;

const fromRow = (r: AttemptRow): AttemptModel => ({ ...r, outcome: r.outcome as TraceOutcome, error: r.error ?? null, output: r.output ?? null, quality: r.quality ?? null });

export class AttemptRepository {
  private readonly stmt;
  private readonly byId;

  constructor(
    private readonly db: Db,
    sqlite: Database.Database,
  ) {
    this.byId = db.select().from(attempts).where(eq(attempts.id, sql.placeholder("id"))).prepare();
    this.stmt = {
      insert: sqlite.prepare(
        `INSERT INTO attempts (id, plan_id, step_key, attempt, agent_id, role, outcome, error, queued_at, started_at,
           finished_at, expires_at, heartbeat_timeout_ms, cancel_requested)
         VALUES (@id, @planId, @stepKey, @attempt, @agentId, @role, 'RUNNING', NULL, @queuedAt, @startedAt,
           NULL, @expiresAt, @heartbeatTimeoutMs, 0)`,
      ),
      end: sqlite.prepare(
        `UPDATE attempts SET outcome = @outcome, error = @error, output = @output, quality = @quality, finished_at = @finishedAt, cancel_requested = @cancel
         WHERE id = @id AND outcome = 'RUNNING'`,
      ),
      extend: sqlite.prepare("UPDATE attempts SET expires_at = ? WHERE id = ? AND outcome = 'RUNNING'"),
      expired: sqlite.prepare<[number, number], { id: string; plan_id: string; step_key: string }>(
        "SELECT id, plan_id, step_key FROM attempts WHERE outcome = 'RUNNING' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
      ),
      nextExpiry: sqlite.prepare<[], { at: number | null }>("SELECT min(expires_at) AS at FROM attempts WHERE outcome = 'RUNNING'"),
      running: sqlite.prepare<[string], { n: number }>(
        "SELECT count(*) AS n FROM attempts WHERE agent_id = ? AND outcome = 'RUNNING'",
      ),
      runningOfRole: sqlite.prepare<[string], { n: number }>("SELECT count(*) AS n FROM attempts WHERE role = ? AND outcome = 'RUNNING'"),
    };
  }

  start(a: Omit<AttemptModel, "outcome" | "error" | "finishedAt" | "cancelRequested" | "output" | "quality">): void {
    this.stmt.insert.run(a);
  }

  /** Ends a running attempt; `output` and `quality` are those of a SUCCEEDED one. */
  end(id: string, outcome: Exclude<TraceOutcome, "RUNNING">, error: StepError | null, finishedAt: number, output: Json | null = null, quality: number | null = null): void {
    this.stmt.end.run({
      id,
      outcome,
      error: error ? JSON.stringify(error) : null,
      output: output === null ? null : JSON.stringify(output),
      quality,
      finishedAt,
      cancel: outcome === "CANCELLED" ? 1 : 0,
    });
  }

  extend(id: string, expiresAt: number): void {
    this.stmt.extend.run(expiresAt, id);
  }

  get(id: string): AttemptModel | null {
    const row = this.byId.get({ id });
    return row ? fromRow(row) : null;
  }

  /** Running attempts whose lease expired by `now`, soonest first. */
  expired(now: number, limit: number): { leaseId: string; planId: string; stepKey: string }[] {
    return this.stmt.expired.all(now, limit).map((r) => ({ leaseId: r.id, planId: r.plan_id, stepKey: r.step_key }));
  }

  /** When the next running lease expires, if any. */
  nextExpiry(): number | null {
    return this.stmt.nextExpiry.get()?.at ?? null;
  }

  /** Leases an agent holds now. */
  runningCount(agentId: string): number {
    return this.stmt.running.get(agentId)?.n ?? 0;
  }

  /** Leases of a role running now. */
  runningOfRole(role: string): number {
    return this.stmt.runningOfRole.get(role)?.n ?? 0;
  }

  /** Every attempt of a plan (or of one of its steps), in step then attempt order. */
  list(planId: string, stepKey?: string | null): AttemptModel[] {
    const where = stepKey ? and(eq(attempts.planId, planId), eq(attempts.stepKey, stepKey)) : eq(attempts.planId, planId);
    return this.db
      .select()
      .from(attempts)
      .where(where)
      .orderBy(asc(attempts.startedAt), asc(attempts.stepKey), asc(attempts.attempt))
      .all()
      .map(fromRow);
  }
}
