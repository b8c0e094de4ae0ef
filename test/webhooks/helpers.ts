/** Webhook test helpers: a real HTTP receiver on port 0, and a coordinator with a dispatcher. */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ManualClock } from "../../src/coordinator/clock.js";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import { openStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { WebhookDispatcher } from "../../src/webhooks/dispatcher.js";
import type { DeliveryModel, DeliveryPolicy } from "../../src/webhooks/model.js";
import { silentLogger } from "../helpers/api.js";
import { loopbackAllowed } from "../helpers/outbound.js";
import type { OutboundPolicy } from "../../src/outbound/policy.js";

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply = (r: Received, res: ServerResponse, n: number) => void;

export type Cleanup = () => Promise<void> | void;

/**
 * A local HTTP server on port 0 that records each request (once its body has arrived) and
 * answers with `reply` (called with the request's 1-based number); by default 200.
 */
export async function receiver(cleanups: Cleanup[], reply: Reply = (_r, res) => res.writeHead(200).end("ok")) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (body += d));
    req.on("end", () => {
      const r = { path: req.url ?? "/", headers: req.headers, body };
      requests.push(r);
      reply(r, res, requests.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  cleanups.push(() => void server.closeAllConnections());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: (path = "/hook") => `${base}${path}`, requests, server };
}

/** What a receiver does: recompute the HMAC of the exact body and compare in constant time. */
export function verifySignature(secret: string, body: string, header: string | string[] | undefined): boolean {
  if (typeof header !== "string" || !header.startsWith("sha256=")) return false;
  const expected = Buffer.from(createHmac("sha256", secret).update(body).digest("hex"));
  const got = Buffer.from(header.slice("sha256=".length));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/**
 * A coordinator on a manual clock and a started dispatcher over the same store; its outbound
 * policy allows the receivers on 127.0.0.1 unless another is given.
 */
export async function gateway(cleanups: Cleanup[], opts: { file?: string; policy?: Partial<DeliveryPolicy>; clock?: ManualClock; outbound?: OutboundPolicy } = {}) {
  const clock = opts.clock ?? new ManualClock();
  const store = openStore(opts.file ?? ":memory:");
  const coordinator = new Coordinator(store, { clock, agentOfflineMs: 60_000, checkpointKeep: 100 });
  await coordinator.start();
  const dispatcher = new WebhookDispatcher({ store, hub: coordinator.hub, clock, logger: silentLogger, policy: opts.policy, outbound: opts.outbound ?? loopbackAllowed() });
  await dispatcher.start();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await coordinator.stop();
    await dispatcher.stop();
    await store.close();
  };
  cleanups.push(close);
  return { clock, store, coordinator, dispatcher, close, deliveries: (webhookId?: string) => deliveriesOf(store, webhookId) };
}

/** A webhook's deliveries (or all), oldest first. */
export const deliveriesOf = async (store: Store, webhookId?: string): Promise<DeliveryModel[]> =>
  (await store.queries.webhooks.page({ webhookId }, null, 10_000)).reverse();
