/**
 * /metrics scraped from a running gateway after a known plan: the counts match the plan's, the
 * endpoint is for admin and metrics tokens only, and BATON_METRICS=off turns it off.
 */
import { createClient as createWsClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { waitFor } from "../helpers/fixtures.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

const scrape = async (token: string | null) => {
  const res = await fetch(gw.url.replace(/\/graphql$/, "/metrics"), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};

/** The value of one sample, e.g. value(text, 'baton_plans{state="COMPLETED"}'); 0 when absent. */
function value(text: string, sample: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

describe("/metrics", () => {
  it("counts what a known plan did: plans and steps by state, claims, outcomes, retries, latencies, requests, subscriptions", async () => {
    const c = gw.app.coordinator;
    // Three steps of role m; b fails once (retried at once), then all succeed.
    const created = await gw.post(
      `mutation CreateMetricsPlan { createPlan(input: { name: "m", steps: [{ key: "a", role: "m" }, { key: "b", role: "m", dependsOn: ["a"], retry: { maxAttempts: 2, initialIntervalMs: 0 } }, { key: "c", role: "m", dependsOn: ["b"] }] }) { id } }`,
    );
    const planId = created.body.data!["createPlan"].id as string;
    const ws = createWsClient({ url: gw.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${gw.adminToken}` } });
    let received = 0;
    ws.subscribe({ query: `subscription { signals(afterSequence: 0) { kind } }` }, { next: () => received++, error: () => undefined, complete: () => undefined });
    const agent = await c.registerAgent({ name: "metered", roles: ["m"] });
    let failedOnce = false;
    while ((await c.store.queries.plans.load(planId))!.plan.state !== "COMPLETED") {
      const [g] = await c.claim(agent.id, 1);
      if (g!.step.key === "b" && !failedOnce) {
        failedOnce = true;
        await c.fail(g!.lease.id, { message: "flaky" });
      } else await c.complete(g!.lease.id, { ok: true });
    }
    await waitFor(() => received > 0); // the subscription is open

    const m = await scrape(gw.adminToken);
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const t = m.text;
    expect(value(t, 'baton_plans{state="COMPLETED"}')).toBe(1);
    expect(value(t, 'baton_steps{state="SUCCEEDED",role="m"}')).toBe(3);
    expect(value(t, 'baton_claims_total{role="m"}')).toBe(4);
    expect(value(t, 'baton_attempts_ended_total{role="m",outcome="SUCCEEDED"}')).toBe(3);
    expect(value(t, 'baton_attempts_ended_total{role="m",outcome="FAILED"}')).toBe(1);
    expect(value(t, "baton_retries_total")).toBe(1);
    expect(value(t, 'baton_dispatch_latency_seconds_count{role="m"}')).toBe(4);
    expect(value(t, 'baton_step_duration_seconds_count{role="m",outcome="SUCCEEDED"}')).toBe(3);
    expect(value(t, "baton_signal_log_size")).toBe((await c.store.queries.signals.read({ planId: null }, 0, 1_000_000)).at(-1)!.sequence);
    expect(value(t, 'baton_graphql_request_duration_seconds_count{operation="CreateMetricsPlan",type="mutation"}')).toBe(1);
    expect(value(t, "baton_sqlite_transaction_duration_seconds_count")).toBeGreaterThanOrEqual(8);
    expect(value(t, "baton_subscriptions")).toBe(1);
    expect(value(t, "baton_websocket_connections")).toBe(1);
    expect(t).toContain("baton_process_resident_memory_bytes");
    await ws.dispose();
  });

  it("is for admin and metrics tokens only; a metrics token reads nothing else", async () => {
    const metricsToken = await gw.token("metrics");
    expect((await scrape(metricsToken)).status).toBe(200);
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape("baton_nope")).status).toBe(401);
    const viewer = await scrape(await gw.token("viewer"));
    expect([viewer.status, JSON.parse(viewer.text).code]).toEqual([403, "FORBIDDEN"]);
    const q = await gw.post(`{ plans { totalCount } }`, {}, metricsToken);
    expect(q.body.errors![0]!.extensions!["code"]).toBe("FORBIDDEN");
  });

  it("is not served with BATON_METRICS=off", async () => {
    const off = await startGateway({ env: { BATON_METRICS: "off" } });
    try {
      const res = await fetch(off.url.replace(/\/graphql$/, "/metrics"), { headers: { authorization: `Bearer ${off.adminToken}` } });
      expect(res.status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});
