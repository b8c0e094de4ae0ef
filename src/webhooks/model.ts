/**
 * Webhooks: the models, the delivery statuses and the pure rules (which signal goes to which
 * webhook, the body and its signature, the retry schedule). No I/O here.
 *
 * A delivery's life:
 *
 *   PENDING ──2xx──────────────────────────────▶ DELIVERED
 *      │ ▲
 *      │ └─ non-2xx, network error or timeout: attempts + 1, due again after the backoff
 *      └──── the next attempt would fall after createdAt + maxAgeMs, or the webhook was removed ─▶ FAILED
 */
import { createHmac } from "node:crypto";
import { signalId } from "../domain/ids.js";
import type { Millis, SignalModel } from "../domain/model.js";
import type { WebhookModel } from "../domain/webhooks.js";

// The records the store keeps (src/domain/webhooks.ts), re-exported for the rest of webhooks/.
export { DeliveryStatus, type DeliveryModel, type WebhookModel, type WebhookWithSecret } from "../domain/webhooks.js";

/** How deliveries are sent and retried. */
export interface DeliveryPolicy {
  /** Longest wait for a reply (headers and body), default 10 s. */
  timeoutMs: number;
  /** Requests in flight at once, over all webhooks, default 8. */
  concurrency: number;
  /** Wait after the first failed attempt; doubled after each further failure. Default 1 s. */
  initialBackoffMs: number;
  /** The longest wait between two attempts, default 5 min. */
  maxBackoffMs: number;
  /** A delivery not accepted this long after it was enqueued is FAILED, default 24 h. */
  maxAgeMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  timeoutMs: 10_000,
  concurrency: 8,
  initialBackoffMs: 1_000,
  maxBackoffMs: 5 * 60_000,
  maxAgeMs: 24 * 60 * 60_000,
};

export const SIGNATURE_HEADER = "x-baton-signature";
export const DELIVERY_HEADER = "x-baton-delivery";
export const EVENT_HEADER = "x-baton-event";

/** Delivery ids are derived from the row's sequence, like signal ids. */
export const deliveryId = (seq: number): string => `whd_${seq}`;

/** Whether a webhook takes a signal. */
export const matchesWebhook = (h: WebhookModel, s: SignalModel): boolean =>
  h.active && s.sequence > h.fromSequence && h.kinds.includes(s.kind) && (h.planId === null || s.planId === h.planId);

export interface WebhookMatch {
  webhookId: string;
  signalSequence: number;
}

/** The deliveries a signal makes: one per webhook that takes it. */
export const webhookMatches = (hooks: readonly WebhookModel[], s: SignalModel): WebhookMatch[] =>
  hooks.filter((h) => matchesWebhook(h, s)).map((h) => ({ webhookId: h.id, signalSequence: s.sequence }));

/** The JSON body of a delivery: the signal as the API shows it. */
export function signalBody(s: SignalModel): string {
  return JSON.stringify({
    id: signalId(s.sequence),
    sequence: s.sequence,
    kind: s.kind,
    name: s.name,
    planId: s.planId,
    stepKey: s.stepKey,
    agentId: s.agentId,
    sender: s.sender,
    recipient: s.recipient,
    payload: s.payload,
    at: new Date(s.at).toISOString(),
  });
}

/** The signature header's value: `sha256=` and the hex HMAC-SHA256 of the exact body. */
export const signBody = (secret: string, body: string): string =>
  `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;

/** The wait after the `attempts`-th failed attempt: initial × 2^(attempts − 1), capped. */
export const backoffMs = (attempts: number, p: DeliveryPolicy): number =>
  Math.min(p.initialBackoffMs * 2 ** Math.max(0, attempts - 1), p.maxBackoffMs);

/** When to try again after the `attempts`-th failure, or null when that is past the delivery's age limit. */
export function nextAttemptAt(createdAt: Millis, attempts: number, now: Millis, p: DeliveryPolicy): Millis | null {
  const at = now + backoffMs(attempts, p);
  return at - createdAt > p.maxAgeMs ? null : at;
}
