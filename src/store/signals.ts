/** The append-only signal log: written in the transaction of the change it describes. */
import type Database from "better-sqlite3";
import { and, asc, gt, inArray, eq, lte, sql, type SQL } from "drizzle-orm";
import type { SignalModel } from "../domain/model.js";
import type { SignalKind } from "../domain/statuses.js";
import type { Db } from "./database.js";
import { rangeSql, seqRange, type SeqRange } from "./paging.js";
import { signals } from "./schema.js";

/** The recipient of a message to every agent of its plan. */
export const EVERY_AGENT = "*";

export interface SignalFilter {
  planId?: string | null;
  kinds?: readonly SignalKind[] | null;
  names?: readonly string[] | null;
  /** Signals addressed to this agent or role, and those addressed to every agent (`*`). */
  recipient?: string | null;
}

type SignalRow = typeof signals.$inferSelect;
const fromRow = (r: SignalRow): SignalModel => ({ ...r, kind: r.kind as SignalKind, payload: r.payload ?? null });

export class SignalRepository {
  private readonly insertStmt;
  private readonly headStmt;

  constructor(
    private readonly db: Db,
    sqlite: Database.Database,
  ) {
    this.insertStmt = sqlite.prepare(
      `INSERT INTO signals (kind, name, plan_id, step_key, agent_id, sender, recipient, payload, at)
       VALUES (@kind, @name, @planId, @stepKey, @agentId, @sender, @recipient, @payload, @at)`,
    );
    this.headStmt = sqlite.prepare<[], { head: number | null }>("SELECT max(sequence) AS head FROM signals");
  }

  /** Appends one signal and returns it with its sequence. */
  append(s: Omit<SignalModel, "sequence">): SignalModel {
    const res = this.insertStmt.run({ ...s, payload: s.payload === null ? null : JSON.stringify(s.payload) });
    return { ...s, sequence: Number(res.lastInsertRowid) };
  }

  /**
   * Signals after `afterSequence` (and up to `upTo`) that match the filter, oldest first; or a
   * range of sequences (see paging.ts), read newest first when it is `backward`.
   */
  read(filter: SignalFilter, afterSequence: SeqRange, limit: number, upTo?: number): SignalModel[] {
    const range = rangeSql(signals.sequence, seqRange(afterSequence));
    const parts: (SQL | undefined)[] = [...range.where];
    if (upTo !== undefined) parts.push(lte(signals.sequence, upTo));
    if (filter.planId) parts.push(eq(signals.planId, filter.planId));
    if (filter.kinds?.length) parts.push(inArray(signals.kind, [...filter.kinds]));
    if (filter.names?.length) parts.push(inArray(signals.name, [...filter.names]));
    if (filter.recipient) parts.push(inArray(signals.recipient, [filter.recipient, EVERY_AGENT]));
    return this.db
      .select()
      .from(signals)
      .where(and(...parts))
      .orderBy(range.orderBy)
      .limit(limit)
      .all()
      .map(fromRow);
  }

  /** The sequence of the newest signal, 0 for an empty log. */
  head(): number {
    return this.headStmt.get()?.head ?? 0;
  }

  get(sequence: number): SignalModel | null {
    const row = this.db.select().from(signals).where(eq(signals.sequence, sequence)).get();
    return row ? fromRow(row) : null;
  }

  /** The plan's first MESSAGE answering message `sequence` (its payload's inReplyTo): a reply or its reply timeout. */
  answerTo(planId: string, sequence: number): SignalModel | null {
    const row = this.db
      .select()
      .from(signals)
      .where(and(eq(signals.planId, planId), gt(signals.sequence, sequence), eq(signals.kind, "MESSAGE"), sql`json_extract(${signals.payload}, '$.inReplyTo') = ${sequence}`))
      .orderBy(asc(signals.sequence))
      .limit(1)
      .get();
    return row ? fromRow(row) : null;
  }
}

/** Whether a signal passes a filter; the in-memory twin of SignalRepository.read's WHERE. */
export function matchesSignal(f: SignalFilter, s: SignalModel): boolean {
  if (f.planId && s.planId !== f.planId) return false;
  if (f.kinds?.length && !f.kinds.includes(s.kind)) return false;
  if (f.names?.length && (s.name === null || !f.names.includes(s.name))) return false;
  if (f.recipient && s.recipient !== f.recipient && s.recipient !== EVERY_AGENT) return false;
  return true;
}
