import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { loadConfig } from "../../src/config.js";
import { createApp, type App } from "../../src/server/app.js";
import { packageRoot } from "../../src/store/database.js";
import { silentLogger } from "../helpers/api.js";
import { gatewayDatabase, onPostgres } from "../helpers/database.js";
import { waitFor } from "../helpers/fixtures.js";
import { tempDb } from "../helpers/process.js";

let app: App;
let url: string;
let ws: Client;
beforeAll(async () => {
  app = await createApp(loadConfig({ BATON_AUTH: "off", BATON_PORT: "0", ...gatewayDatabase(tempDb()) }), { logger: silentLogger });
  url = (await app.start()).url;
  ws = createClient({ url: url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
});
afterAll(async () => {
  await ws.dispose();
  await app.stop();
});

/** Collects a subscription's data into an array until disposed. */
function collect<T>(query: string, variables: Record<string, unknown> = {}): { items: T[]; errors: unknown[]; stop: () => void } {
  const items: T[] = [];
  const errors: unknown[] = [];
  const stop = ws.subscribe<T>({ query, variables }, { next: ({ data }) => items.push(data as T), error: (e) => errors.push(e), complete: () => undefined });
  return { items, errors, stop };
}

describe("subscriptions", () => {
  it("planUpdated pushes the plan after each change, ending COMPLETED", async () => {
    const c = app.coordinator;
    const plan = await c.createPlan({ name: "watched", start: false, steps: [{ key: "a", role: "manual" }, { key: "b", role: "manual", dependsOn: ["a"] }] }, "t");
    const listening = c.hub.subscriberCount;
    const sub = collect<{ planUpdated: { state: string; version: number } }>(`subscription($id: ID!) { planUpdated(id: $id) { state version } }`, { id: plan.id });
    const agent = await c.registerAgent({ name: "w", roles: ["manual"] });
    await waitFor(() => c.hub.subscriberCount > listening);
    await c.startPlan(plan.id, "t");
    await waitFor(() => sub.items.length >= 1);
    for (const key of ["a", "b"]) {
      const [g] = await c.claim(agent.id, 1);
      expect(g!.step.key).toBe(key);
      await c.complete(g!.lease.id, { key });
    }
    await waitFor(() => sub.items.at(-1)?.planUpdated.state === "COMPLETED");
    sub.stop();
    await waitFor(() => c.hub.subscriberCount === listening); // the listener goes with the subscription
    const versions = sub.items.map((i) => i.planUpdated.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(versions.length);
    expect(sub.items[0]!.planUpdated.state).toBe("RUNNING");
  });

  it("filters signals by names, kinds and recipient; without afterSequence only new ones arrive", async () => {
    const c = app.coordinator;
    const plan = await c.createPlan({ name: "talk", start: false, steps: [{ key: "a", role: "manual" }] }, "t");
    await c.sendSignal({ planId: plan.id, name: "before" }, "t"); // sent before subscribing: not replayed
    const listening = c.hub.subscriberCount;
    const byName = collect<{ signals: { name: string } }>(`subscription($p: ID) { signals(planId: $p, names: ["approved"]) { name } }`, { p: plan.id });
    const toReviewer = collect<{ signals: { name: string; recipient: string } }>(`subscription { signals(recipient: "reviewer") { name recipient } }`);
    const starts = collect<{ signals: { kind: string } }>(`subscription($p: ID) { signals(planId: $p, kinds: [PLAN_STARTED]) { kind } }`, { p: plan.id });
    await waitFor(() => c.hub.subscriberCount >= listening + 3);
    await c.sendSignal({ planId: plan.id, name: "noise" }, "t");
    await c.sendSignal({ planId: plan.id, name: "approved", payload: { by: "ops" } }, "t");
    await c.sendSignal({ planId: plan.id, name: "please-review", recipient: "reviewer" }, "t");
    await c.startPlan(plan.id, "t");
    await waitFor(() => byName.items.length === 1 && toReviewer.items.length === 1 && starts.items.length === 1);
    expect(byName.items).toEqual([{ signals: { name: "approved" } }]);
    expect(toReviewer.items).toEqual([{ signals: { name: "please-review", recipient: "reviewer" } }]);
    expect(starts.items).toEqual([{ signals: { kind: "PLAN_STARTED" } }]);
    for (const s of [byName, toReviewer, starts]) s.stop();
    await waitFor(() => c.hub.subscriberCount === listening);
  });

  it("unsubscribing releases the hub listener at once, even while nothing matching arrives", async () => {
    const c = app.coordinator;
    const plan = await c.createPlan({ name: "quiet", start: false, steps: [{ key: "a", role: "manual" }] }, "t");
    const listening = c.hub.subscriberCount;
    const subs = [
      collect(`subscription($id: ID!) { planUpdated(id: $id) { state } }`, { id: plan.id }),
      collect(`subscription($p: ID) { signals(planId: $p, names: ["never"]) { name } }`, { p: plan.id }),
    ];
    await waitFor(() => c.hub.subscriberCount === listening + 2);
    const other = await c.createPlan({ name: "other", start: false, steps: [{ key: "a", role: "manual" }] }, "t");
    await c.sendSignal({ planId: other.id, name: "noise" }, "t"); // wakes the listeners with nothing for them
    for (const s of subs) s.stop();
    await waitFor(() => c.hub.subscriberCount === listening);
  });

  it("rejects a negative afterSequence with BAD_USER_INPUT, as the operation's result", async () => {
    const results: { errors?: { extensions?: { code?: string } }[] }[] = [];
    let done = false;
    ws.subscribe({ query: `subscription { signals(afterSequence: -1) { sequence } }` }, { next: (r) => results.push(r as never), error: () => (done = true), complete: () => (done = true) });
    await waitFor(() => done);
    expect(results).toHaveLength(1);
    expect(results[0]!.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

// The demo makes its own SQLite database (examples/demo.ts): the same run on either tier.
describe.skipIf(onPostgres)("npm run demo", () => {
  it("runs the example plan end to end with agents in a separate process and exits 0", () => {
    const res = spawnSync(process.execPath, [join(packageRoot(), "dist", "examples", "demo.js")], { encoding: "utf8", timeout: 60_000 });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("PLAN_COMPLETED");
    expect(res.stdout).toMatch(/plan COMPLETED/);
  });
});
