import { afterEach, describe, expect, it } from "vitest";
import { WebhookDispatcher } from "../../src/webhooks/dispatcher.js";
import { makeApi, silentLogger } from "../helpers/api.js";
import { waitFor } from "../helpers/fixtures.js";
import { loopbackAllowed } from "../helpers/outbound.js";
import { receiver, verifySignature, type Cleanup } from "./helpers.js";

const cleanups: Cleanup[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The in-process API, with a dispatcher sending its deliveries. */
async function api() {
  const a = await makeApi();
  const dispatcher = new WebhookDispatcher({ store: a.store, hub: a.coordinator.hub, clock: a.clock, logger: silentLogger, outbound: loopbackAllowed() });
  await dispatcher.start();
  cleanups.push(async () => {
    await a.coordinator.stop();
    await dispatcher.stop();
    await a.stop();
  });
  return a;
}

const REGISTER = `mutation($url: String!, $kinds: [SignalKind!]!, $planId: ID) {
  registerWebhook(url: $url, kinds: $kinds, planId: $planId) { secret webhook { id url kinds planId active fromSequence createdAt } }
}`;
const DELIVERIES = `query($webhookId: ID, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(webhookId: $webhookId, status: $status, first: $first, after: $after) {
    edges { cursor node { id webhookId signalSequence status attempts lastStatusCode lastError deliveredAt signal { id kind planId } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;
const CREATE_PLAN = `mutation { createPlan(input: { name: "p", steps: [{ key: "a", role: "r" }] }) { id } }`;

const codes = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.map((e) => e.extensions?.["code"]);

describe("the webhook API", () => {
  it("registers a webhook (the secret once), lists it without the secret, and removes it", async () => {
    const { ok, exec } = await api();
    const plan = (await ok<{ createPlan: { id: string } }>(CREATE_PLAN)).createPlan;
    const reg = (await ok(REGISTER, { url: "https://example.test/hook", kinds: ["PLAN_COMPLETED", "PLAN_FAILED", "PLAN_COMPLETED"], planId: plan.id })).registerWebhook;
    expect(reg.secret).toMatch(/^whsec_[\w-]{32}$/);
    expect(reg.webhook).toMatchObject({ id: expect.stringMatching(/^whk_/), url: "https://example.test/hook", kinds: ["PLAN_COMPLETED", "PLAN_FAILED"], planId: plan.id, active: true });

    expect((await ok(`{ webhooks { id url kinds planId } }`)).webhooks).toEqual([{ id: reg.webhook.id, url: "https://example.test/hook", kinds: ["PLAN_COMPLETED", "PLAN_FAILED"], planId: plan.id }]);
    expect(codes(await exec(`{ webhooks { secret } }`))).toEqual(["GRAPHQL_VALIDATION_FAILED"]);

    expect((await ok(`mutation($id: ID!) { removeWebhook(id: $id) }`, { id: reg.webhook.id })).removeWebhook).toBe(true);
    expect((await ok(`mutation($id: ID!) { removeWebhook(id: $id) }`, { id: reg.webhook.id })).removeWebhook).toBe(false);
    expect((await ok(`{ webhooks { id } }`)).webhooks).toEqual([]);
    expect((await ok(`{ webhooks(includeRemoved: true) { id active } }`)).webhooks).toEqual([{ id: reg.webhook.id, active: false }]);
  });

  it("refuses bad registrations with BAD_USER_INPUT (every problem at once) and unknown ids with NOT_FOUND", async () => {
    const { exec } = await api();
    const bad = await exec(REGISTER, { url: "ftp://example.test/x", kinds: [] });
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
    expect(bad.errors![0]!.extensions!["problems"]).toEqual([
      { path: "url", message: "must be http or https, got ftp" },
      { path: "kinds", message: "must name at least one signal kind" },
    ]);
    const unparsable = await exec(REGISTER, { url: "not a url", kinds: ["CUSTOM"] });
    expect(unparsable.errors![0]).toMatchObject({ message: "url: is not a valid absolute URL", extensions: { code: "BAD_USER_INPUT" } });
    expect(codes(await exec(REGISTER, { url: "http://localhost:1/x", kinds: ["CUSTOM"], planId: "plan_nope" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await exec(REGISTER, { url: "http://localhost:1/x", kinds: ["NOT_A_KIND"] }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await exec(`mutation { removeWebhook(id: "whk_nope") }`))).toEqual(["NOT_FOUND"]);
    expect(codes(await exec(DELIVERIES, { webhookId: "whk_nope" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await exec(DELIVERIES, { first: 501 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await exec(DELIVERIES, { after: "garbage" }))).toEqual(["BAD_USER_INPUT"]);
    expect((await exec(`{ webhooks { id } }`)).data).toEqual({ webhooks: [] });
  });

  it("pages the delivery log newest first, with the signal of each delivery", async () => {
    const hook = await receiver(cleanups);
    const { ok } = await api();
    const reg = (await ok(REGISTER, { url: hook.url(), kinds: ["PLAN_CREATED"] })).registerWebhook;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await ok<{ createPlan: { id: string } }>(CREATE_PLAN)).createPlan.id);
    await waitFor(async () => (await ok(DELIVERIES, { status: "DELIVERED" })).webhookDeliveries.edges.length === 3);
    for (const r of hook.requests) expect(verifySignature(reg.secret, r.body, r.headers["x-baton-signature"])).toBe(true);

    const p1 = (await ok(DELIVERIES, { webhookId: reg.webhook.id, first: 2 })).webhookDeliveries;
    expect(p1.edges.map((e: any) => e.node.signal.planId)).toEqual([ids[2], ids[1]]);
    expect(p1.edges[0].node).toMatchObject({ id: expect.stringMatching(/^whd_\d+$/), webhookId: reg.webhook.id, status: "DELIVERED", attempts: 1, lastStatusCode: 200, lastError: null, signal: { kind: "PLAN_CREATED" } });
    expect(p1.edges[0].node.signal.id).toBe(`sig_${p1.edges[0].node.signalSequence}`);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p2 = (await ok(DELIVERIES, { webhookId: reg.webhook.id, first: 2, after: p1.pageInfo.endCursor })).webhookDeliveries;
    expect(p2.edges.map((e: any) => e.node.signal.planId)).toEqual([ids[0]]);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect((await ok(DELIVERIES, { status: "PENDING" })).webhookDeliveries.edges).toEqual([]);
  });
});

describe("webhooks as nodes", () => {
  it("node(id) finds a webhook, without its secret", async () => {
    const api = await makeApi();
    try {
      const reg = await api.ok(`mutation { registerWebhook(url: "http://127.0.0.1:9/hook", kinds: [PLAN_COMPLETED]) { webhook { id } secret } }`);
      const id = reg.registerWebhook.webhook.id as string;
      const found = await api.ok(`query($id: ID!) { node(id: $id) { id ... on Webhook { url kinds active } } }`, { id });
      expect(found.node).toEqual({ id, url: "http://127.0.0.1:9/hook", kinds: ["PLAN_COMPLETED"], active: true });
      expect(JSON.stringify(found)).not.toContain(reg.registerWebhook.secret);
    } finally {
      await api.stop();
    }
  });
});
