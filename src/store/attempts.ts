/** Attempts: the lease an agent holds while a step runs, and its trace afterwards. */
import type { AttemptModel, Json, StepError } from "../domain/model.js";
import type { TraceOutcome } from "../domain/statuses.js";
import { tableCodec } from "./codec.js";
import { attempts } from "./schema.js";
import { deferrable, query, type Sql } from "./sql.js";

const ROW = tableCodec(attempts);
const fromRow = (raw: object): AttemptModel => {
  const r = ROW.decode(raw);
  return { ...r, outcome: r.outcome as TraceOutcome, error: r.error ?? null, output: r.output ?? null, quality: r.quality ?? null };
};

const INSERTED = "id, plan_id, step_key, attempt, agent_id, role, outcome, error, queued_at, started_at, finished_at, expires_at, heartbeat_timeout_ms, cancel_requested";

const Q = {
  insert: deferrable(
    "attempts.insert",
    `INSERT INTO attempts (${INSERTED}) VALUES (@id, @planId, @stepKey, @attempt, @agentId, @role, 'RUNNING', NULL, @queuedAt, @startedAt,
       NULL, @expiresAt, @heartbeatTimeoutMs, 0)`,
    `INSERT INTO attempts (${INSERTED})
     SELECT r.id, r."planId", r."stepKey", r.attempt, r."agentId", r.role, 'RUNNING', NULL, r."queuedAt", r."startedAt", NULL, r."expiresAt", r."heartbeatTimeoutMs", 0
     FROM jsonb_to_recordset(?::jsonb) AS r(id text, "planId" text, "stepKey" text, attempt bigint, "agentId" text, role text,
       "queuedAt" bigint, "startedAt" bigint, "expiresAt" bigint, "heartbeatTimeoutMs" bigint)`,
  ),
  end: deferrable(
    "attempts.end",
    `UPDATE attempts SET outcome = @outcome, error = @error, output = @output, quality = @quality, finished_at = @finishedAt, cancel_requested = @cancel
     WHERE id = @id AND outcome = 'RUNNING'`,
    `UPDATE attempts AS a SET outcome = r.outcome, error = r.error::jsonb, output = r.output::jsonb, quality = r.quality, finished_at = r."finishedAt", cancel_requested = r.cancel
     FROM jsonb_to_recordset(?::jsonb) AS r(id text, outcome text, error text, output text, quality double precision, "finishedAt" bigint, cancel smallint)
     WHERE a.id = r.id AND a.outcome = 'RUNNING'`,
  ),
  extend: query<[number, string]>("attempts.extend", "UPDATE attempts SET expires_at = ? WHERE id = ? AND outcome = 'RUNNING'"),
  byId: query<[string], object>("attempts.byId", `SELECT ${ROW.select} FROM attempts WHERE id = ?`),
  byIds: query<[string], object>("attempts.byIds", (d) => `SELECT ${ROW.select} FROM attempts WHERE id IN (SELECT value FROM ${d.jsonElements("?")})`),
  expired: query<[number, number], { id: string; plan_id: string; step_key: string }>(
    "attempts.expired",
    "SELECT id, plan_id, step_key FROM attempts WHERE outcome = 'RUNNING' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
  ),
  nextExpiry: query<[], { at: number | null }>("attempts.nextExpiry", "SELECT min(expires_at) AS at FROM attempts WHERE outcome = 'RUNNING'"),
  running: query<[string], { n: number }>("attempts.running", "SELECT count(*) AS n FROM attempts WHERE agent_id = ? AND outcome = 'RUNNING'"),
  runningOfRole: query<[string], { n: number }>("attempts.runningOfRole", "SELECT count(*) AS n FROM attempts WHERE role = ? AND outcome = 'RUNNING'"),
  list: query<[string], object>("attempts.list", `SELECT ${ROW.select} FROM attempts WHERE plan_id = ? ORDER BY started_at, step_key, attempt`),
  listStep: query<[string, string], object>(
    "attempts.listStep",
    `SELECT ${ROW.select} FROM attempts WHERE plan_id = ? AND step_key = ? ORDER BY started_at, step_key, attempt`,
  ),
};

export class AttemptRepository {
  constructor(private readonly sql: Sql) {}

  async start(a: Omit<AttemptModel, "outcome" | "error" | "finishedAt" | "cancelRequested" | "output" | "quality">): Promise<void> {
    const { id, planId, stepKey, attempt, agentId, role, queuedAt, startedAt, expiresAt, heartbeatTimeoutMs } = a;
    await this.sql.defer(Q.insert, { id, planId, stepKey, attempt, agentId, role, queuedAt, startedAt, expiresAt, heartbeatTimeoutMs });
  }

  /** Ends a running attempt; `output` and `quality` are those of a SUCCEEDED one. */
  async end(id: string, outcome: Exclude<TraceOutcome, "RUNNING">, error: StepError | null, finishedAt: number, output: Json | null = null, quality: number | null = null): Promise<void> {
    await this.sql.defer(Q.end, {
      id,
      outcome,
      error: error ? JSON.stringify(error) : null,
      output: output === null ? null : JSON.stringify(output),
      quality,
      finishedAt,
      cancel: outcome === "CANCELLED" ? 1 : 0,
    });
  }

  async extend(id: string, expiresAt: number): Promise<void> {
    await this.sql.run(Q.extend, expiresAt, id);
  }

  /** The attempts of these ids that exist, in one statement. */
  async getMany(ids: readonly string[]): Promise<AttemptModel[]> {
    return ids.length === 0 ? [] : (await this.sql.all(Q.byIds, JSON.stringify(ids))).map(fromRow);
  }

  async get(id: string): Promise<AttemptModel | null> {
    const row = await this.sql.get(Q.byId, id);
    return row ? fromRow(row) : null;
  }

  /** Running attempts whose lease expired by `now`, soonest first. */
  async expired(now: number, limit: number): Promise<{ leaseId: string; planId: string; stepKey: string }[]> {
    return (await this.sql.all(Q.expired, now, limit)).map((r) => ({ leaseId: r.id, planId: r.plan_id, stepKey: r.step_key }));
  }

  /** When the next running lease expires, if any. */
  async nextExpiry(): Promise<number | null> {
    return (await this.sql.get(Q.nextExpiry))?.at ?? null;
  }

  /** Leases an agent holds now. */
  async runningCount(agentId: string): Promise<number> {
    return (await this.sql.get(Q.running, agentId))?.n ?? 0;
  }

  /** Leases of a role running now. */
  async runningOfRole(role: string): Promise<number> {
    return (await this.sql.get(Q.runningOfRole, role))?.n ?? 0;
  }

  /** Every attempt of a plan (or of one of its steps), in step then attempt order. */
  async list(planId: string, stepKey?: string | null): Promise<AttemptModel[]> {
    const rows = stepKey ? await this.sql.all(Q.listStep, planId, stepKey) : await this.sql.all(Q.list, planId);
    return rows.map(fromRow);
  }
}
