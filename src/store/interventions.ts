/** The audit log of interventions: one row per request, applied or rejected. */
import type { Json } from "../domain/model.js";
import { tableCodec } from "./codec.js";
import { rangeSql, seqRange, type SeqRange } from "./paging.js";
import { interventions } from "./schema.js";
import { dynamic, query, type Sql } from "./sql.js";
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

const ROW = tableCodec(interventions);
const fromRow = (raw: object): InterventionRecord => {
  const r = ROW.decode(raw);
  return { ...r, status: r.status as InterventionRecord["status"], diff: r.diff ?? null, args: r.args ?? null };
};

const Q = {
  byId: query<[string], object>("interventions.byId", `SELECT ${ROW.select} FROM interventions WHERE id = ?`),
  insert: query<[Record<string, unknown>], { seq: number }>("interventions.insert", `${ROW.insert(["seq"])} RETURNING seq`),
};

export class InterventionRepository {
  constructor(private readonly sql: Sql) {}

  async insert(r: Omit<InterventionRecord, "seq">): Promise<InterventionRecord> {
    const { seq } = (await this.sql.get(Q.insert, ROW.encode(r)))!;
    return { ...r, seq };
  }

  async get(id: string): Promise<InterventionRecord | null> {
    const row = await this.sql.get(Q.byId, id);
    return row ? fromRow(row) : null;
  }

  /** Oldest first, after the cursor (or in a range, see paging.ts), optionally of one plan. */
  async list(planId: string | null | undefined, afterSeq: SeqRange, limit: number): Promise<InterventionRecord[]> {
    const range = rangeSql("seq", seqRange(afterSeq));
    const where = [...range.where];
    const params: unknown[] = [...range.params];
    if (planId) {
      where.push("plan_id = ?");
      params.push(planId);
    }
    const text = `SELECT ${ROW.select} FROM interventions${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${range.orderBy} LIMIT ?`;
    return (await this.sql.all(dynamic<object>(text), ...params, limit)).map(fromRow);
  }
}
