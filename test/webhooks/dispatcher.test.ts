import { afterEach, describe, expect, it } from "vitest";
import { BuiltinAgents } from "../../src/coordinator/builtins.js";
import { SignalKind } from "../../src/domain/statuses.js";
import { DEFAULT_DELIVERY_POLICY, backoffMs, deliveryId } from "../../src/webhooks/model.js";
import { registerWebhook, removeWebhook } from "../../src/webhooks/registry.js";
import { silentLogger } from "../helpers/api.js";
import { allSignals, flush, planReq } from "../helpers/coordinator.js";
import { waitFor } from "../helpers/fixtures.js";
import { gateway, receiver, verifySignature, type Cleanup } from "./helpers.js";

const cleanups: Cleanup[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("webhook deliveries", () => {
  it("retries a failing endpoint after 1 s, then 2 s, and records every attempt; the receiver verifies the signature", async () => {
    const hook = await receiver(cleanups, (_r, res, n) => (n <= 2 ? res.writeHead(500).end("down") : res.writeHead(204).end()));
    const { store, clock, coordinator, dispatcher, deliveries } = await gateway(cleanups);
    const { webhook, secret } = await registerWebhook(store, clock.now(), { url: hook.url(), kinds: ["PLAN_CREATED"] });
    const plan = await coordinator.createPlan(planReq([{ key: "a" }]), "tester");
    const t0 = clock.now();

    await waitFor(async () => (await deliveries())[0]?.attempts === 1);
    expect(hook.requests).toHaveLength(1);
    expect(await deliveries()).toMatchObject([{ status: "PENDING", lastStatusCode: 500, lastError: "HTTP 500: down", nextAttemptAt: t0 + 1_000 }]);

    await clock.advance(999);
    expect(dispatcher.sending).toBe(0); // not due yet: nothing was started
    await clock.advance(1);
    await waitFor(() => dispatcher.sending === 1); // due now: the retry was started
    await waitFor(async () => (await deliveries())[0]?.attempts === 2);
    expect((await deliveries())[0]).toMatchObject({ status: "PENDING", nextAttemptAt: t0 + 3_000 });

    await clock.advance(1_999);
    expect(dispatcher.sending).toBe(0);
    await clock.advance(1);
    await waitFor(async () => (await deliveries())[0]?.status === "DELIVERED");
    const [d] = await deliveries();
    expect(d).toMatchObject({ attempts: 3, lastStatusCode: 204, lastError: null, nextAttemptAt: null, deliveredAt: t0 + 3_000 });

    const created = (await allSignals(store, plan.id)).find((s) => s.kind === "PLAN_CREATED")!;
    expect(hook.requests).toHaveLength(3);
    for (const r of hook.requests) {
      expect(verifySignature(secret, r.body, r.headers["x-baton-signature"])).toBe(true);
      expect(verifySignature("not the secret", r.body, r.headers["x-baton-signature"])).toBe(false);
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["x-baton-delivery"]).toBe(deliveryId(d!.seq)); // the same on every retry
      expect(r.headers["x-baton-event"]).toBe("PLAN_CREATED");
      expect(JSON.parse(r.body)).toEqual({
        id: `sig_${created.sequence}`,
        sequence: created.sequence,
        kind: "PLAN_CREATED",
        name: null,
        planId: plan.id,
        stepKey: null,
        agentId: null,
        sender: "tester",
        recipient: null,
        payload: { name: "plan" },
        at: new Date(created.at).toISOString(),
      });
    }
    expect(d!.webhookId).toBe(webhook.id);
  });

  it("sends only the kinds and the plan asked for, and only signals committed after registration", async () => {
    const hook = await receiver(cleanups);
    const { store, clock, coordinator, deliveries } = await gateway(cleanups);
    const a = await coordinator.createPlan(planReq([{ key: "x" }]), "tester");
    const b = await coordinator.createPlan(planReq([{ key: "x" }]), "tester");
    const onlyA = (await registerWebhook(store, clock.now(), { url: hook.url("/a"), kinds: ["CUSTOM"], planId: a.id })).webhook;
    const any = (await registerWebhook(store, clock.now(), { url: hook.url("/any"), kinds: ["CUSTOM", "PLAN_CREATED"] })).webhook;
    await coordinator.sendSignal({ planId: a.id, name: "to_a" }, "tester");
    await coordinator.sendSignal({ planId: b.id, name: "to_b" }, "tester");
    const c = await coordinator.createPlan(planReq([{ key: "x" }]), "tester");

    await waitFor(async () => {
      const ds = await deliveries();
      return ds.length === 4 && ds.every((d) => d.status === "DELIVERED");
    });
    const got = (path: string) =>
      hook.requests
        .filter((r) => r.path === path)
        .map((r) => JSON.parse(r.body) as { kind: string; name: string | null; planId: string })
        .map((s) => `${s.kind}:${s.name ?? s.planId}`)
        .sort();
    expect(got("/a")).toEqual(["CUSTOM:to_a"]);
    expect(got("/any")).toEqual(["CUSTOM:to_a", "CUSTOM:to_b", `PLAN_CREATED:${c.id}`].sort());
    expect(await deliveries(onlyA.id)).toHaveLength(1);
    expect(await deliveries(any.id)).toHaveLength(3);
    // STEP_READY, PLAN_STARTED … were committed too, but match no webhook.
    expect((await allSignals(store)).filter((s) => s.kind === "STEP_READY").length).toBeGreaterThan(0);
  });

  it("gives up (FAILED) once the next attempt would fall after the retry period", async () => {
    const hook = await receiver(cleanups, (_r, res) => res.writeHead(503).end());
    const { store, clock, coordinator, deliveries } = await gateway(cleanups, { policy: { maxAgeMs: 10_000 } });
    await registerWebhook(store, clock.now(), { url: hook.url(), kinds: ["PLAN_CREATED"] });
    await coordinator.createPlan(planReq([{ key: "a" }]), "tester");
    for (const [attempts, wait] of [[1, 1_000], [2, 2_000], [3, 4_000]] as const) {
      await waitFor(async () => (await deliveries())[0]?.attempts === attempts);
      await clock.advance(wait);
    }
    await waitFor(async () => (await deliveries())[0]?.attempts === 4);
    // The 5th attempt would be due at 7 s + 8 s = 15 s > 10 s after it was queued.
    expect((await deliveries())[0]).toMatchObject({ status: "FAILED", attempts: 4, lastStatusCode: 503, nextAttemptAt: null });
    await clock.advance(3_600_000);
    await flush();
    expect(hook.requests).toHaveLength(4);
  });

  it("doubles the backoff from 1 s up to 5 min", () => {
    const waits = [1, 2, 3, 9, 10, 30].map((n) => backoffMs(n, DEFAULT_DELIVERY_POLICY));
    expect(waits).toEqual([1_000, 2_000, 4_000, 256_000, 300_000, 300_000]);
  });

  it("counts an endpoint that does not answer in time as a failed attempt", async () => {
    const hook = await receiver(cleanups, () => undefined); // never answers
    const { store, clock, coordinator, deliveries } = await gateway(cleanups, { policy: { timeoutMs: 50 } });
    await registerWebhook(store, clock.now(), { url: hook.url(), kinds: ["PLAN_CREATED"] });
    await coordinator.createPlan(planReq([{ key: "a" }]), "tester");
    await waitFor(async () => (await deliveries())[0]?.attempts === 1);
    expect((await deliveries())[0]).toMatchObject({ status: "PENDING", lastStatusCode: null, lastError: "no reply within 50 ms" });
  });

  it("records a refused connection and retries it", async () => {
    const hook = await receiver(cleanups);
    const url = hook.url();
    await new Promise<void>((r) => hook.server.close(() => r())); // nothing listens there any more
    const { store, clock, coordinator, deliveries } = await gateway(cleanups);
    await registerWebhook(store, clock.now(), { url, kinds: ["PLAN_CREATED"] });
    await coordinator.createPlan(planReq([{ key: "a" }]), "tester");
    await waitFor(async () => (await deliveries())[0]?.attempts === 1);
    expect((await deliveries())[0]).toMatchObject({ status: "PENDING", lastStatusCode: null, lastError: expect.stringMatching(/ECONNREFUSED/) });
  });

  it("never slows plan execution: a plan of builtin.echo steps completes while the endpoint hangs", async () => {
    const hook = await receiver(cleanups, () => undefined); // takes every request, answers none
    const { store, clock, coordinator, dispatcher, deliveries } = await gateway(cleanups);
    const builtins = new BuiltinAgents(coordinator, silentLogger);
    await builtins.start();
    cleanups.push(async () => {
      coordinator.drain();
      await builtins.stop();
    });
    await registerWebhook(store, clock.now(), { url: hook.url(), kinds: Object.values(SignalKind) });
    const steps = Array.from({ length: 30 }, (_, i) => ({ key: `s${i}`, role: "builtin.echo", input: { i }, dependsOn: i > 0 ? [`s${i - 1}`] : [] }));
    const plan = await coordinator.createPlan({ name: "echoes", steps }, "tester");

    await waitFor(async () => (await store.queries.plans.load(plan.id))!.plan.state === "COMPLETED", 5_000);
    await waitFor(() => dispatcher.sending === DEFAULT_DELIVERY_POLICY.concurrency);
    const signalsOfPlan = (await allSignals(store, plan.id)).length;
    await waitFor(async () => (await deliveries()).length === signalsOfPlan); // every signal queued durably
    expect((await deliveries()).filter((d) => d.status === "DELIVERED")).toHaveLength(0);
    expect(hook.requests.length).toBeLessThanOrEqual(DEFAULT_DELIVERY_POLICY.concurrency);
  });

  it("follows the hub only while a webhook is active, and reads from the log what was not published", async () => {
    const hook = await receiver(cleanups);
    const { store, clock, coordinator, deliveries } = await gateway(cleanups);
    expect(coordinator.hub.subscriberCount).toBe(0); // no webhook: nothing to pay on commits
    const { webhook } = await registerWebhook(store, clock.now(), { url: hook.url(), kinds: ["CUSTOM"] });
    await waitFor(() => coordinator.hub.subscriberCount === 1);

    const plan = await coordinator.createPlan(planReq([{ key: "a" }]), "tester");
    // A signal committed without being published: the next batch does not follow on, so the
    // dispatcher reads the log from where it was.
    await store.transact((s) => s.signals.append({ kind: "CUSTOM", name: "unpublished", planId: plan.id, stepKey: null, agentId: null, sender: "tester", recipient: null, payload: null, at: clock.now() }));
    await coordinator.sendSignal({ planId: plan.id, name: "published" }, "tester");
    await waitFor(async () => {
      const ds = await deliveries();
      return ds.length === 2 && ds.every((d) => d.status === "DELIVERED");
    });
    expect(hook.requests.map((r) => (JSON.parse(r.body) as { name: string }).name).sort()).toEqual(["published", "unpublished"]);

    await removeWebhook(store, webhook.id);
    await waitFor(() => coordinator.hub.subscriberCount === 0);
  });

  it("removing a webhook stops its deliveries: pending ones fail, new signals are not queued", async () => {
    const hook = await receiver(cleanups, (_r, res) => res.writeHead(500).end());
    const { store, clock, coordinator, dispatcher, deliveries } = await gateway(cleanups);
    const { webhook } = await registerWebhook(store, clock.now(), { url: hook.url(), kinds: ["PLAN_CREATED", "CUSTOM"] });
    const plan = await coordinator.createPlan(planReq([{ key: "a" }]), "tester");
    await waitFor(async () => (await deliveries())[0]?.attempts === 1);

    expect(await removeWebhook(store, webhook.id)).toBe(true);
    expect(await deliveries()).toMatchObject([{ status: "FAILED", attempts: 1, lastError: "webhook removed", nextAttemptAt: null }]);
    await coordinator.sendSignal({ planId: plan.id, name: "after_removal" }, "tester");
    await clock.advance(60_000);
    await flush();
    expect(dispatcher.sending).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect(await deliveries()).toHaveLength(1);
    expect(await removeWebhook(store, webhook.id)).toBe(false);
  });
});
