/**
 * The webhook tables (./schema.ts: webhooks, webhook_deliveries, webhook_cursor): `store.webhooks`,
 * one per store, shared by the resolvers (which register and remove webhooks) and the dispatcher
 * (src/webhooks/dispatcher.ts, which reloads its webhooks when `generation` moves).
 * Methods run in the caller's transaction when there is one; none opens its own.
 */
import type Database from "better-sqlite3";
import type { SignalKind } from "../domain/statuses.js";
import type { DeliveryModel, DeliveryStatus, WebhookWithSecret } from "../domain/webhooks.js";
import { seqRange, type SeqRange } from "./paging.js";

interface RawWebhook {
  id: string;
  url: string;
  kinds: string;
  plan_id: string | null;
  secret: string;
  from_sequence: number;
  created_at: number;
  active: number;
}

interface RawDelivery {
  seq: number;
  webhook_id: string;
  signal_sequence: number;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

const webhookOf = (r: RawWebhook): WebhookWithSecret => ({
  id: r.id,
  url: r.url,
  kinds: JSON.parse(r.kinds) as SignalKind[],
  planId: r.plan_id,
  secret: r.secret,
  fromSequence: r.from_sequence,
  createdAt: r.created_at,
  active: r.active === 1,
});

const deliveryOf = (r: RawDelivery): DeliveryModel => ({
  seq: r.seq,
  webhookId: r.webhook_id,
  signalSequence: r.signal_sequence,
  status: r.status as DeliveryStatus,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

/** The outcome of one attempt, as written to its delivery row. */
export interface AttemptRecord {
  status: DeliveryStatus;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: number | null;
}

export interface DeliveryFilter {
  webhookId?: string | null;
  status?: DeliveryStatus | null;
}

export const REMOVED_ERROR = "webhook removed";

export class WebhookRepository {
  /** Bumped on every registration or removal, so that readers can tell when to reload. */
  generation = 0;
  private readonly watchers = new Set<() => void>();
  private readonly stmt;

  constructor(private readonly sqlite: Database.Database) {
    this.stmt = {
      insert: sqlite.prepare(
        `INSERT INTO webhooks (id, url, kinds, plan_id, secret, from_sequence, created_at, active)
         VALUES (@id, @url, @kinds, @planId, @secret, @fromSequence, @createdAt, 1)`,
      ),
      get: sqlite.prepare<[string], RawWebhook>("SELECT * FROM webhooks WHERE id = ?"),
      active: sqlite.prepare<[], RawWebhook>("SELECT * FROM webhooks WHERE active = 1 ORDER BY created_at, id"),
      all: sqlite.prepare<[], RawWebhook>("SELECT * FROM webhooks ORDER BY created_at, id"),
      deactivate: sqlite.prepare("UPDATE webhooks SET active = 0 WHERE id = ? AND active = 1"),
      failPending: sqlite.prepare(
        `UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL, last_error = ?
         WHERE webhook_id = ? AND status = 'PENDING'`,
      ),
      planExists: sqlite.prepare<[string], { one: number }>("SELECT 1 AS one FROM plans WHERE id = ?"),
      enqueue: sqlite.prepare(
        `INSERT OR IGNORE INTO webhook_deliveries (webhook_id, signal_sequence, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, 'PENDING', 0, ?, ?)`,
      ),
      cursor: sqlite.prepare<[], { sequence: number }>("SELECT sequence FROM webhook_cursor WHERE id = 1"),
      setCursor: sqlite.prepare(
        "INSERT INTO webhook_cursor (id, sequence) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence",
      ),
      due: sqlite.prepare<[number, number], RawDelivery>(
        `SELECT * FROM webhook_deliveries WHERE status = 'PENDING' AND next_attempt_at <= ?
         ORDER BY next_attempt_at, seq LIMIT ?`,
      ),
      nextDueAfter: sqlite.prepare<[number], { due: number | null }>(
        "SELECT min(next_attempt_at) AS due FROM webhook_deliveries WHERE status = 'PENDING' AND next_attempt_at > ?",
      ),
      record: sqlite.prepare(
        `UPDATE webhook_deliveries
         SET status = @status, attempts = attempts + 1, next_attempt_at = @nextAttemptAt,
             last_status_code = @lastStatusCode, last_error = @lastError, delivered_at = @deliveredAt
         WHERE seq = @seq AND status = 'PENDING'`,
      ),
      delivery: sqlite.prepare<[number], RawDelivery>("SELECT * FROM webhook_deliveries WHERE seq = ?"),
    };
  }

  // ------------------------------------------------------------------ webhooks

  insert(h: Omit<WebhookWithSecret, "active">): void {
    this.stmt.insert.run({ ...h, kinds: JSON.stringify(h.kinds) });
    this.changed();
  }

  get(id: string): WebhookWithSecret | null {
    const r = this.stmt.get.get(id);
    return r ? webhookOf(r) : null;
  }

  /** Active webhooks (or all, removed ones too), oldest first. */
  list(includeRemoved = false): WebhookWithSecret[] {
    return (includeRemoved ? this.stmt.all : this.stmt.active).all().map(webhookOf);
  }

  /** Deactivates a webhook and fails its pending deliveries; false when it was not active. */
  deactivate(id: string): boolean {
    if (this.stmt.deactivate.run(id).changes === 0) return false;
    this.stmt.failPending.run(REMOVED_ERROR, id);
    this.changed();
    return true;
  }

  /** Calls `fn` (synchronously, inside the writer's transaction) after each registration or removal. */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private changed(): void {
    this.generation++;
    for (const w of this.watchers) w();
  }

  planExists(id: string): boolean {
    return this.stmt.planExists.get(id) !== undefined;
  }

  // ------------------------------------------------------------------ the queue

  /** Queues one delivery per (webhook, signal), due at `now`; already queued pairs are skipped. */
  enqueue(rows: readonly { webhookId: string; signalSequence: number }[], now: number): number {
    let added = 0;
    for (const r of rows) added += this.stmt.enqueue.run(r.webhookId, r.signalSequence, now, now).changes;
    return added;
  }

  /** Every signal up to this sequence has been enqueued (0 before the first). */
  cursor(): number {
    return this.stmt.cursor.get()?.sequence ?? 0;
  }

  setCursor(sequence: number): void {
    this.stmt.setCursor.run(sequence);
  }

  /** PENDING deliveries due at `now`, earliest first. */
  due(now: number, limit: number): DeliveryModel[] {
    return this.stmt.due.all(now, limit).map(deliveryOf);
  }

  /** The earliest due time of a PENDING delivery that is not due yet. */
  nextDueAfter(now: number): number | null {
    return this.stmt.nextDueAfter.get(now)?.due ?? null;
  }

  /** Writes one attempt's outcome (attempts + 1) if the delivery is still PENDING. */
  record(seq: number, r: AttemptRecord): boolean {
    return this.stmt.record.run({ seq, ...r }).changes === 1;
  }

  delivery(seq: number): DeliveryModel | null {
    const r = this.stmt.delivery.get(seq);
    return r ? deliveryOf(r) : null;
  }

  /**
   * Deliveries older than `beforeSeq` (null = from the newest), newest first; or a range of the
   * newest-first list (src/store/paging.ts: `after` is older, `before` newer), read oldest first
   * when it is `backward`.
   */
  page(filter: DeliveryFilter, beforeSeq: SeqRange | null, limit: number): DeliveryModel[] {
    const range = seqRange(beforeSeq);
    const parts: [string, string | number | null | undefined][] = [
      ["seq < ?", range.after],
      ["seq > ?", range.before],
      ["webhook_id = ?", filter.webhookId],
      ["status = ?", filter.status],
    ];
    const used = parts.filter((p): p is [string, string | number] => p[1] !== null && p[1] !== undefined);
    const where = used.length ? `WHERE ${used.map((p) => p[0]).join(" AND ")}` : "";
    const sql = `SELECT * FROM webhook_deliveries ${where} ORDER BY seq ${range.backward ? "ASC" : "DESC"} LIMIT ?`;
    return (this.sqlite.prepare(sql).all(...used.map((p) => p[1]), limit) as RawDelivery[]).map(deliveryOf);
  }
}
