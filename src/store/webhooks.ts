/**
 * The webhook tables (./schema.ts: webhooks, webhook_deliveries, webhook_cursor): `store.webhooks`,
 * one per store, shared by the resolvers (which register and remove webhooks) and the dispatcher
 * (src/webhooks/dispatcher.ts, which reloads its webhooks when a registration or removal tells
 * its watcher).
 * Methods run in the caller's transaction when there is one; none opens its own.
 */
import type { SignalKind } from "../domain/statuses.js";
import type { DeliveryModel, DeliveryStatus, WebhookWithSecret } from "../domain/webhooks.js";
import { rangeSql, seqRange, type SeqRange } from "./paging.js";
import { dynamic, query, type Sql } from "./sql.js";

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

const Q = {
  insert: query(
    "webhooks.insert",
    `INSERT INTO webhooks (id, url, kinds, plan_id, secret, from_sequence, created_at, active)
     VALUES (@id, @url, @kinds, @planId, @secret, @fromSequence, @createdAt, 1)`,
  ),
  get: query<[string], RawWebhook>("webhooks.get", "SELECT * FROM webhooks WHERE id = ?"),
  active: query<[], RawWebhook>("webhooks.active", "SELECT * FROM webhooks WHERE active = 1 ORDER BY created_at, id"),
  all: query<[], RawWebhook>("webhooks.all", "SELECT * FROM webhooks ORDER BY created_at, id"),
  deactivate: query("webhooks.deactivate", "UPDATE webhooks SET active = 0 WHERE id = ? AND active = 1"),
  failPending: query(
    "webhooks.failPending",
    `UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL, last_error = ?
     WHERE webhook_id = ? AND status = 'PENDING'`,
  ),
  planExists: query<[string], { one: number }>("webhooks.planExists", "SELECT 1 AS one FROM plans WHERE id = ?"),
  enqueue: query(
    "webhooks.enqueue",
    `INSERT INTO webhook_deliveries (webhook_id, signal_sequence, status, attempts, next_attempt_at, created_at)
     VALUES (?, ?, 'PENDING', 0, ?, ?)
     ON CONFLICT (webhook_id, signal_sequence) DO NOTHING`,
  ),
  cursor: query<[], { sequence: number }>("webhooks.cursor", "SELECT sequence FROM webhook_cursor WHERE id = 1"),
  setCursor: query(
    "webhooks.setCursor",
    "INSERT INTO webhook_cursor (id, sequence) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence",
  ),
  // The due deliveries this gateway will send: taken for a while (`until`) so that no other
  // gateway sends them meanwhile; a send that ends records its outcome, one cut off is released,
  // one whose gateway died is due again when the time is up. PostgreSQL passes over rows another
  // gateway is taking (SKIP LOCKED).
  claimDue: query<[Record<string, unknown>], RawDelivery>(
    "webhooks.claimDue",
    (d) => `UPDATE webhook_deliveries SET next_attempt_at = @until
            WHERE seq IN (SELECT seq FROM webhook_deliveries WHERE status = 'PENDING' AND next_attempt_at <= @now
                          ORDER BY next_attempt_at, seq LIMIT @limit${d.name === "postgres" ? " FOR UPDATE SKIP LOCKED" : ""})
            RETURNING *`,
  ),
  release: query<[number, number]>("webhooks.release", "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE seq = ? AND status = 'PENDING'"),
  nextDueAfter: query<[number], { due: number | null }>(
    "webhooks.nextDueAfter",
    "SELECT min(next_attempt_at) AS due FROM webhook_deliveries WHERE status = 'PENDING' AND next_attempt_at > ?",
  ),
  record: query(
    "webhooks.record",
    `UPDATE webhook_deliveries
     SET status = @status, attempts = attempts + 1, next_attempt_at = @nextAttemptAt,
         last_status_code = @lastStatusCode, last_error = @lastError, delivered_at = @deliveredAt
     WHERE seq = @seq AND status = 'PENDING'`,
  ),
  delivery: query<[number], RawDelivery>("webhooks.delivery", "SELECT * FROM webhook_deliveries WHERE seq = ?"),
};

export class WebhookRepository {
  private readonly watchers = new Set<() => void>();

  constructor(private readonly sql: Sql) {}

  // ------------------------------------------------------------------ webhooks

  async insert(h: Omit<WebhookWithSecret, "active">): Promise<void> {
    await this.sql.run(Q.insert, { ...h, kinds: JSON.stringify(h.kinds) });
  }

  async get(id: string): Promise<WebhookWithSecret | null> {
    const r = await this.sql.get(Q.get, id);
    return r ? webhookOf(r) : null;
  }

  /** Active webhooks (or all, removed ones too), oldest first. */
  async list(includeRemoved = false): Promise<WebhookWithSecret[]> {
    return (await this.sql.all(includeRemoved ? Q.all : Q.active)).map(webhookOf);
  }

  /** Deactivates a webhook and fails its pending deliveries; false when it was not active. */
  async deactivate(id: string): Promise<boolean> {
    if ((await this.sql.run(Q.deactivate, id)) === 0) return false;
    await this.sql.run(Q.failPending, REMOVED_ERROR, id);
    return true;
  }

  /** Calls `fn` after each registration or removal, once it is committed (see `changed`). */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /**
   * Tells the watchers that webhooks were registered or removed: called once the change is
   * committed (src/webhooks/registry.ts), so that what they read then includes it.
   */
  changed(): void {
    for (const w of this.watchers) w();
  }

  async planExists(id: string): Promise<boolean> {
    return (await this.sql.get(Q.planExists, id)) !== undefined;
  }

  // ------------------------------------------------------------------ the queue

  /** Queues one delivery per (webhook, signal), due at `now`; already queued pairs are skipped. */
  async enqueue(rows: readonly { webhookId: string; signalSequence: number }[], now: number): Promise<number> {
    let added = 0;
    for (const r of rows) added += await this.sql.run(Q.enqueue, r.webhookId, r.signalSequence, now, now);
    return added;
  }

  /** Every signal up to this sequence has been enqueued (0 before the first). */
  async cursor(): Promise<number> {
    return (await this.sql.get(Q.cursor))?.sequence ?? 0;
  }

  async setCursor(sequence: number): Promise<void> {
    await this.sql.run(Q.setCursor, sequence);
  }

  /**
   * Takes PENDING deliveries due at `now` (at most `limit`, oldest first) for this gateway to send
   * until `until`: they are not due for anyone before then (see Q.claimDue). Call in a transaction.
   */
  async claimDue(now: number, limit: number, until: number): Promise<DeliveryModel[]> {
    return (await this.sql.all(Q.claimDue, { now, limit, until })).map(deliveryOf).sort((a, b) => a.seq - b.seq);
  }

  /** Gives back a delivery taken by claimDue and not sent (its send was cut off): due at `at`. */
  async release(seq: number, at: number): Promise<void> {
    await this.sql.run(Q.release, at, seq);
  }

  /** The earliest due time of a PENDING delivery that is not due yet. */
  async nextDueAfter(now: number): Promise<number | null> {
    return (await this.sql.get(Q.nextDueAfter, now))?.due ?? null;
  }

  /** Writes one attempt's outcome (attempts + 1) if the delivery is still PENDING. */
  async record(seq: number, r: AttemptRecord): Promise<boolean> {
    return (await this.sql.run(Q.record, { seq, ...r })) === 1;
  }

  async delivery(seq: number): Promise<DeliveryModel | null> {
    const r = await this.sql.get(Q.delivery, seq);
    return r ? deliveryOf(r) : null;
  }

  /**
   * Deliveries older than `beforeSeq` (null = from the newest), newest first; or a range of the
   * newest-first list (src/store/paging.ts: `after` is older, `before` newer), read oldest first
   * when it is `backward`.
   */
  async page(filter: DeliveryFilter, beforeSeq: SeqRange | null, limit: number): Promise<DeliveryModel[]> {
    const range = rangeSql("seq", seqRange(beforeSeq), true);
    const where = [...range.where];
    const params: unknown[] = [...range.params];
    if (filter.webhookId != null) {
      where.push("webhook_id = ?");
      params.push(filter.webhookId);
    }
    if (filter.status != null) {
      where.push("status = ?");
      params.push(filter.status);
    }
    const text = `SELECT * FROM webhook_deliveries${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${range.orderBy} LIMIT ?`;
    return (await this.sql.all(dynamic<RawDelivery>(text), ...params, limit)).map(deliveryOf);
  }
}
