import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createApp } from "../../src/server/app.js";
import { silentLogger } from "../helpers/api.js";
import { waitFor } from "../helpers/fixtures.js";
import { tempDb } from "../helpers/process.js";
import { receiver, verifySignature, type Cleanup } from "./helpers.js";

const cleanups: Cleanup[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("webhooks in the gateway (HTTP, system clock)", () => {
  it("POSTs a plan's completion, signed, to an endpoint registered over HTTP", async () => {
    const hook = await receiver(cleanups);
    const app = await createApp(loadConfig({ BATON_AUTH: "off", BATON_PORT: "0", BATON_DB: tempDb(), BATON_OUTBOUND_ALLOW: "127.0.0.1" }), { logger: silentLogger });
    cleanups.push(() => app.stop());
    const { url } = await app.start();
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };

    const { registerWebhook: reg } = await gql(`mutation($url: String!) { registerWebhook(url: $url, kinds: [PLAN_COMPLETED]) { secret webhook { id } } }`, { url: hook.url() });
    const { createPlan } = await gql(`mutation { createPlan(input: { name: "hooked", steps: [{ key: "e", role: "builtin.echo", input: { x: 1 } }] }) { id } }`);
    await waitFor(() => hook.requests.length === 1);
    const [r] = hook.requests;
    expect(verifySignature(reg.secret, r!.body, r!.headers["x-baton-signature"])).toBe(true);
    expect(r!.headers["x-baton-event"]).toBe("PLAN_COMPLETED");
    expect(JSON.parse(r!.body)).toMatchObject({ kind: "PLAN_COMPLETED", planId: createPlan.id });

    const q = `query($id: ID) { webhookDeliveries(webhookId: $id) { edges { node { status attempts } } } }`;
    await waitFor(async () => (await gql(q, { id: reg.webhook.id })).webhookDeliveries.edges[0]?.node.status === "DELIVERED");
    await app.stop();
  });
});
