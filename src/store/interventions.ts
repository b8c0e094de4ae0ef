/** The audit log of interventions: one row per request, applied or rejected. */
import { and, asc, eq, gt, sql, type SQL } from "drizzle-orm";
import type { Json } from "../domain/model.js";
import type { Db } from "./database.js";
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

  constructor(private readonly db: Db) {
    this.byId = db.select().from(interventions).where(eq(interventions.id, sql.placeholder("id"))).prepare();
  }

  insert(r: Omit<InterventionRecord, "seq">): InterventionRecord {
    const row = this.db.insert(interventions).values(r).returning().get();
    return fromRow(row);
  }

  get(id: string): InterventionRecord | null {
    const row = this.byId.get({ id });
    return row ? fromRow(row) : null;
  }

  /** Oldest first, after the cursor, optionally of one plan. */
  list(planId: string | null | undefined, afterSeq: number, limit: number): InterventionRecord[] {
    const parts: (SQL | undefined)[] = [gt(interventions.seq, afterSeq)];
    if (planId) parts.push(eq(interventions.planId, planId));
    return this.db
      .select()
      .from(interventions)
      .where(and(...parts))
      .orderBy(asc(interventions.seq))
      .limit(limit)
      .all()
      .map(fromRow);
  }
}
