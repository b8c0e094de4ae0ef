import { afterEach, describe, expect, it } from "vitest";
import { registerWebhook } from "../../src/webhooks/registry.js";
import { planReq } from "../helpers/coordinator.js";
import { waitFor } from "../helpers/fixtures.js";
import { tempDb } from "../helpers/process.js";
import { gateway, receiver, verifySignature, type Cleanup } from "./helpers.js";

const cleanups: Cleanup[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const delivered = (ds: { status: string }[], n: number) => ds.length === n && ds.every((d) => d.status === "DELIVERED");

describe("webhook deliveries across a restart", () => {
  it("sends deliveries queued before a shutdown once a new gateway opens the same file", async () => {
    const file = tempDb();
    const hook = await receiver(cleanups);
    const first = await gateway(cleanups, { file });
    const { secret } = await registerWebhook(first.store, first.clock.now(), { url: hook.url(), kinds: ["PLAN_CREATED"] });
    await first.coordinator.createPlan(planReq([{ key: "a" }]), "tester");
    await first.dispatcher.stop(); // before anything was sent: the signal is queued durably
    expect(await first.deliveries()).toMatchObject([{ status: "PENDING", attempts: 0 }]);
    await first.close();
    expect(hook.requests).toHaveLength(0);

    const second = await gateway(cleanups, { file });
    await waitFor(async () => delivered(await second.deliveries(), 1));
    expect(hook.requests).toHaveLength(1);
    expect(verifySignature(secret, hook.requests[0]!.body, hook.requests[0]!.headers["x-baton-signature"])).toBe(true);
    expect((await second.deliveries())[0]).toMatchObject({ attempts: 1, lastStatusCode: 200 });
  });

  it("queues at start-up the signals committed after the cursor (a crash between commit and enqueue), without duplicates", async () => {
    const file = tempDb();
    const hook = await receiver(cleanups);
    const first = await gateway(cleanups, { file });
    await registerWebhook(first.store, first.clock.now(), { url: hook.url(), kinds: ["PLAN_CREATED", "CUSTOM"] });
    const plan = await first.coordinator.createPlan(planReq([{ key: "a" }]), "tester");
    await waitFor(async () => delivered(await first.deliveries(), 1));

    // The dispatcher stops following the hub, as if the process died right after these commits,
    // and the cursor is left where an earlier crash could have left it.
    await first.dispatcher.stop();
    await first.coordinator.sendSignal({ planId: plan.id, name: "lost_1" }, "tester");
    await first.coordinator.sendSignal({ planId: plan.id, name: "lost_2" }, "tester");
    await first.store.transact((s) => s.webhooks.setCursor(0));
    expect(await first.deliveries()).toHaveLength(1);
    await first.close();

    const second = await gateway(cleanups, { file });
    await waitFor(async () => delivered(await second.deliveries(), 3));
    const got = hook.requests.map((r) => JSON.parse(r.body) as { kind: string; name: string | null });
    expect(got.map((s) => s.name ?? s.kind).sort()).toEqual(["PLAN_CREATED", "lost_1", "lost_2"]);
    expect(await second.store.queries.webhooks.cursor()).toBe(await second.store.queries.signals.head());
  });

  it("sends a delivery cut off by a shutdown again after the restart (at least once, same delivery id)", async () => {
    const file = tempDb();
    let answering = false;
    const hook = await receiver(cleanups, (_r, res) => (answering ? res.writeHead(200).end() : undefined));
    const first = await gateway(cleanups, { file });
    await registerWebhook(first.store, first.clock.now(), { url: hook.url(), kinds: ["PLAN_CREATED"] });
    await first.coordinator.createPlan(planReq([{ key: "a" }]), "tester");
    await waitFor(() => hook.requests.length === 1); // in flight, unanswered
    await first.close();
    answering = true;

    const second = await gateway(cleanups, { file });
    await waitFor(async () => delivered(await second.deliveries(), 1));
    expect((await second.deliveries())[0]).toMatchObject({ attempts: 1 }); // the cut-off request did not count
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests[1]!.headers["x-baton-delivery"]).toBe(hook.requests[0]!.headers["x-baton-delivery"]);
  });
});
