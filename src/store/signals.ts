/** The append-only signal log: written in the transaction of the change it describes. */
import type { SignalModel } from "../domain/model.js";
import type { SignalKind } from "../domain/statuses.js";
import { tableCodec } from "./codec.js";
import { rangeSql, seqRange, type SeqRange } from "./paging.js";
import { signals } from "./schema.js";
import { dynamic, query, type Sql } from "./sql.js";
/** The recipient of a message to every agent of its plan. */
export const EVERY_AGENT = "*";

export interface SignalFilter {
  planId?: string | null;
  kinds?: readonly SignalKind[] | null;
  names?: readonly string[] | null;
  /** Signals addressed to this agent or role, and those addressed to every agent (`*`). */
  recipient?: string | null;
}

const ROW = tableCodec(signals);
const fromRow = (raw: object): SignalModel => {
  const r = ROW.decode(raw);
  return { ...r, kind: r.kind as SignalKind, payload: r.payload ?? null };
};

const Q = {
  // SQLite numbers the rows itself (AUTOINCREMENT: one writer, so in commit order). PostgreSQL
  // takes the next number from the log-head row, whose lock the transaction then holds until it
  // commits: appends are serialised, so sequences are consecutive and in commit order (a
  // sequence would leave holes on rollback and number in insert order, not commit order).
  insert: query<[Record<string, unknown>], { sequence: number }>("signals.insert", (d) =>
    d.name === "postgres"
      ? `WITH head AS (UPDATE signal_log_head SET sequence = sequence + 1 WHERE id = 1 RETURNING sequence)
         ${ROW.insert([], { sequence: "(SELECT sequence FROM head)" })} RETURNING sequence`
      : `${ROW.insert(["sequence"])} RETURNING sequence`,
  ),
  head: query<[], { head: number | null }>("signals.head", "SELECT max(sequence) AS head FROM signals"),
  get: query<[number], object>("signals.get", `SELECT ${ROW.select} FROM signals WHERE sequence = ?`),
  answerTo: query<[string, number, number], object>(
    "signals.answerTo",
    (d) => `SELECT ${ROW.select} FROM signals
            WHERE plan_id = ? AND sequence > ? AND kind = 'MESSAGE' AND ${d.jsonField("payload", "inReplyTo")} = ?
            ORDER BY sequence LIMIT 1`,
  ),
};

export class SignalRepository {
  constructor(private readonly sql: Sql) {}

  /** Appends one signal and returns it with its sequence. */
  async append(s: Omit<SignalModel, "sequence">): Promise<SignalModel> {
    const { sequence } = (await this.sql.get(Q.insert, ROW.encode(s)))!;
    return { ...s, sequence };
  }

  /**
   * Signals after `afterSequence` (and up to `upTo`) that match the filter, oldest first; or a
   * range of sequences (see paging.ts), read newest first when it is `backward`.
   */
  async read(filter: SignalFilter, afterSequence: SeqRange, limit: number, upTo?: number): Promise<SignalModel[]> {
    const range = rangeSql("sequence", seqRange(afterSequence));
    const where = [...range.where];
    const params: unknown[] = [...range.params];
    const add = (clause: string, ...values: unknown[]): void => {
      where.push(clause);
      params.push(...values);
    };
    const among = (values: readonly unknown[]): string => values.map(() => "?").join(", ");
    if (upTo !== undefined) add("sequence <= ?", upTo);
    if (filter.planId) add("plan_id = ?", filter.planId);
    if (filter.kinds?.length) add(`kind IN (${among(filter.kinds)})`, ...filter.kinds);
    if (filter.names?.length) add(`name IN (${among(filter.names)})`, ...filter.names);
    if (filter.recipient) add("recipient IN (?, ?)", filter.recipient, EVERY_AGENT);
    const text = `SELECT ${ROW.select} FROM signals${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${range.orderBy} LIMIT ?`;
    return (await this.sql.all(dynamic<object>(text), ...params, limit)).map(fromRow);
  }

  /** The sequence of the newest signal, 0 for an empty log. */
  async head(): Promise<number> {
    return (await this.sql.get(Q.head))?.head ?? 0;
  }

  async get(sequence: number): Promise<SignalModel | null> {
    const row = await this.sql.get(Q.get, sequence);
    return row ? fromRow(row) : null;
  }

  /** The plan's first MESSAGE answering message `sequence` (its payload's inReplyTo): a reply or its reply timeout. */
  async answerTo(planId: string, sequence: number): Promise<SignalModel | null> {
    const row = await this.sql.get(Q.answerTo, planId, sequence, sequence);
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
