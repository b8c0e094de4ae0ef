/** The audit log of interventions: one row per request, applied or rejected. */
import type Database from "better-sqlite3";
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Json } from "../domain/model.js";
import type { Db } from "./database.js";
import { rangeSql, seqRange, type SeqRange } from "./paging.js";
import { interventions } from "./schema.js";

export interface InterventionRecord {
  seq: number;
  id: string;
  planId: string;
  kind: string;
  stepKey: string | null;
  actor: string;
  reason: string | null;
  status: "APPLIED" | "REJECTED";
  rejectionCode: string | null;
  rejectionReason: string | null;
  diff: Json | null;
  args: Json | null;
  planVersion: number;
  at: number;
}

type Row = typeof interventions.$inferSelect;
const fromRow = (r: Row): InterventionRecord => ({ ...r, status: r.status as InterventionRecord["status"], diff: r.diff ?? null, args: r.args ?? null });

export class InterventionRepository {
  private readonly byId;
  /** Prepared once: drizzle would build the insert anew on every call (half the cost of a context write). */
  private readonly insertRow;

  constructor(
    private readonly db: Db,
    sqlite: Database.Database,
  ) {
    this.byId = db.select().from(interventions).where(eq(interventions.id, sql.placeholder("id"))).prepare();
    this.insertRow = sqlite.prepare<Record<string, unknown>, { seq: number }>(
      `INSERT INTO interventions (id, plan_id, kind, step_key, actor, reason, status, rejection_code, rejection_reason, diff, args, plan_version, at)
       VALUES (@id, @planId, @kind, @stepKey, @actor, @reason, @status, @rejectionCode, @rejectionReason, @diff, @args, @planVersion, @at) RETURNING seq`,
    );
  }

  insert(r: Omit<InterventionRecord, "seq">): InterventionRecord {
    const json = (v: Json | null): string | null => (v === null ? null : JSON.stringify(v));
    const { seq } = this.insertRow.get({ ...r, diff: json(r.diff), args: json(r.args) })!;
    return { ...r, seq };
  }

  get(id: string): InterventionRecord | null {
    const row = this.byId.get({ id });
    return row ? fromRow(row) : null;
  }

  /** Oldest first, after the cursor (or in a range, see paging.ts), optionally of one plan. */
  list(planId: string | null | undefined, afterSeq: SeqRange, limit: number): InterventionRecord[] {
    const range = rangeSql(interventions.seq, seqRange(afterSeq));
    const parts: (SQL | undefined)[] = [...range.where];
    if (planId) parts.push(eq(interventions.planId, planId));
    return this.db
      .select()
      .from(interventions)
      .where(and(...parts))
      .orderBy(range.orderBy)
      .limit(limit)
      .all()
      .map(fromRow);
  }
}
