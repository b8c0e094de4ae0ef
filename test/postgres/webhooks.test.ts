/**
 * Webhooks with two gateways on one PostgreSQL database: a webhook registered on one is followed
 * by both (the other looks at registrations again every 2 s), signals committed on either are
 * delivered, and each delivery is sent once (a gateway takes the due deliveries it sends; the other
 * passes over them).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/fixtures.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";
import { receiver, type Cleanup } from "../webhooks/helpers.js";

const cleanups: Cleanup[] = [];
const gateways: Gateway[] = [];
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.stop();
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("webhooks across gateways", () => {
  it("delivers what either gateway commits, each delivery once", async () => {
    const hook = await receiver(cleanups);
    const dir = mkdtempSync(join(tmpdir(), "baton-hooks-")); // one database for both
    const env = { BATON_AUTH: "off", BATON_OUTBOUND_ALLOW: "127.0.0.1" };
    const [a, b] = [await startGateway({ env, dir }), await startGateway({ env, dir })];
    gateways.push(a, b);
    const listeningOnB = b.app.coordinator.hub.subscriberCount;
    const reg = await a.post(`mutation($url: String!) { registerWebhook(url: $url, kinds: [PLAN_CREATED]) { webhook { id } } }`, { url: hook.url() }, null);
    expect(reg.body.errors).toBeUndefined();
    // b hears of the webhook by itself (it looks every 2 s) and follows its hub for it too: from
    // here on both gateways queue and send
    await waitFor(() => b.app.coordinator.hub.subscriberCount > listeningOnB, 10_000);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const made = await (i % 2 ? b : a).post(`mutation($n: String!) { createPlan(input: { name: $n, start: false, steps: [{ key: "s", role: "r" }] }) { id } }`, { n: `p${i}` }, null);
      ids.push((made.body.data as { createPlan: { id: string } }).createPlan.id);
    }
    await waitFor(() => ids.every((id) => hook.requests.some((r) => (JSON.parse(r.body) as { planId: string }).planId === id)), 15_000);
    await waitFor(async () => {
      const q = await a.post(`query($id: ID) { webhookDeliveries(webhookId: $id) { edges { node { status } } } }`, { id: (reg.body.data as { registerWebhook: { webhook: { id: string } } }).registerWebhook.webhook.id }, null);
      const edges = (q.body.data as { webhookDeliveries: { edges: { node: { status: string } }[] } }).webhookDeliveries.edges;
      return edges.length === 6 && edges.every((e) => e.node.status === "DELIVERED");
    }, 15_000);
    const deliveryIds = hook.requests.map((r) => r.headers["x-baton-delivery"]);
    expect(new Set(deliveryIds).size).toBe(deliveryIds.length); // none sent twice
    expect(deliveryIds).toHaveLength(6);
  });
});
