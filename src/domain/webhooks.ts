/**
 * The webhook records: a registered endpoint and its deliveries, with their statuses (the rules
 * that make and send them are in src/webhooks/model.ts). Defined here, below both, because the
 * store keeps them (src/store/webhooks.ts) and webhooks/ and graphql/ read them.
 */
import type { Millis } from "./model.js";
import type { SignalKind } from "./statuses.js";

export const DeliveryStatus = {
  PENDING: "PENDING",
  DELIVERED: "DELIVERED",
  FAILED: "FAILED",
} as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

/** A registered endpoint. The secret is kept apart: it is shown once, at registration. */
export interface WebhookModel {
  id: string;
  url: string;
  kinds: SignalKind[];
  /** Only this plan's signals; null = all. */
  planId: string | null;
  /** The signal log's head at registration: only later signals are delivered. */
  fromSequence: number;
  createdAt: Millis;
  active: boolean;
}

export interface WebhookWithSecret extends WebhookModel {
  secret: string;
}

export interface DeliveryModel {
  seq: number;
  webhookId: string;
  signalSequence: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Millis | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Millis;
  deliveredAt: Millis | null;
}
