/** The append-only signal log: written in the transaction of the change it describes. */
import type { SignalModel } from "../domain/model.js";
import type { SignalKind } from "../domain/statuses.js";
import { pgRecordset, tableCodec } from "./codec.js";
import { rangeSql, seqRange, type SeqRange } from "./paging.js";
import { signals as pgSignals } from "./pg-schema.js";
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

/** The columns a signal is written with (the sequence is the log's). */
const COLUMNS = ["kind", "name", "plan_id", "step_key", "agent_id", "sender", "recipient", "payload", "at"];

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
  // PostgreSQL: a transaction's signals in one statement, numbered from the log head it moves
  // once (as late in the transaction as it can: see Tx.flush in src/coordinator/tx.ts).
  insertMany: query<[number, number, string], { sequence: number }>("signals.insertMany", () => {
    const r = pgRecordset(pgSignals, COLUMNS, ["i bigint"]);
    return `WITH head AS (UPDATE signal_log_head SET sequence = sequence + ? WHERE id = 1 RETURNING sequence)
            INSERT INTO signals (sequence, ${COLUMNS.join(", ")})
            SELECT (SELECT sequence FROM head) - ? + r.i, ${COLUMNS.map(r.value).join(", ")} FROM ${r.from} ORDER BY r.i
            RETURNING sequence`;
  }),
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
   * Appends signals in order and returns them with their (consecutive) sequences: on PostgreSQL in
   * one statement, on SQLite one prepared insert each (no round trip to save there).
   */
  async appendMany(list: readonly Omit<SignalModel, "sequence">[]): Promise<SignalModel[]> {
    if (list.length === 0) return [];
    if (this.sql.dialect.name === "sqlite" || list.length === 1) {
      const out: SignalModel[] = [];
      for (const s of list) out.push(await this.append(s));
      return out;
    }
    const rows = list.map((s, i) => ({
      i: i + 1,
      kind: s.kind,
      name: s.name,
      plan_id: s.planId,
      step_key: s.stepKey,
      agent_id: s.agentId,
      sender: s.sender,
      recipient: s.recipient,
      payload: s.payload === null ? null : JSON.stringify(s.payload),
      at: s.at,
    }));
    const first = Math.min(...(await this.sql.all(Q.insertMany, list.length, list.length, JSON.stringify(rows))).map((r) => r.sequence));
    return list.map((s, i) => ({ ...s, sequence: first + i }));
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
