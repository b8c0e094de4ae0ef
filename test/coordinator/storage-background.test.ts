/**
 * Background work on a database that cannot be written: durable timers, lease expiry, the agent
 * sweep and the built-in agents log the failure and try again later — nothing is thrown into a
 * clock callback (a crash in production), no timer or report is lost, and once the database can
 * be written again the work is done. Real file database; the clock is a ManualClock.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RETRY_MIN_MS } from "../../src/coordinator/background.js";
import { BuiltinAgents } from "../../src/coordinator/builtins.js";
import type { Coordinator } from "../../src/coordinator/coordinator.js";
import type { Logger } from "../../src/logger.js";
import { DEFAULT_DELIVERY_POLICY } from "../../src/webhooks/model.js";
import { registerWebhook } from "../../src/webhooks/registry.js";
import { flush } from "../helpers/coordinator.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";
import { BIG, capturingLogger, diskFreed, diskFull, readOnly, signalLogHasNoGap, tempDbFile } from "../helpers/storage.js";
import { gateway, receiver } from "../webhooks/helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { agentOfflineMs?: number } = {}) {
  const db = tempDbFile();
  const { logger, lines } = capturingLogger();
  const env = await makeCoordinator({ file: db.file, logger, ...opts });
  cleanups.push(db.cleanup, () => env.store.close(), () => env.coordinator.stop());
  return { ...env, lines, logger, messages: () => lines.map((l) => l.msg) };
}

describe("durable timers and lease expiry", () => {
  it("a read-only database: logged and retried with backoff, never thrown; fired once writable again", async () => {
    const { coordinator, store, clock, messages } = await setup();
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const plan = await coordinator.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "test");
    const later = await coordinator.createPlan({ name: "later", delayMs: 30_000, steps: [{ key: "a", role: "r" }] }, "test");
    await coordinator.claim(agent.id, 1);
    const lease = (await store.queries.attempts.list(plan.id))[0]!;
    readOnly(store, true);

    await clock.advance(lease.expiresAt - clock.now()); // the lease expires and the delayed plan is due
    const failed = "firing due timers and expired leases failed: the database is read-only: Baton must be able to write the file and its folder (for the -wal and -shm files) (SQLITE_READONLY)";
    expect(messages()).toEqual([`${failed}; trying again in ${RETRY_MIN_MS} ms`]);
    await clock.advance(RETRY_MIN_MS);
    expect(messages()).toEqual([`${failed}; trying again in ${RETRY_MIN_MS} ms`, `${failed}; trying again in ${2 * RETRY_MIN_MS} ms`]);
    expect((await store.queries.attempts.get(lease.id))!.outcome).toBe("RUNNING");
    expect((await store.queries.plans.load(later.id))!.plan.state).toBe("IDLE");

    readOnly(store, false);
    await clock.advance(2 * RETRY_MIN_MS);
    expect((await store.queries.attempts.get(lease.id))!.outcome).toBe("LOST");
    expect((await store.queries.plans.load(later.id))!.plan.state).toBe("RUNNING");
    expect(messages()).toHaveLength(2);
    expect(await signalLogHasNoGap(store)).toBe(true);
  });

  it("a full disk: a scheduled plan start that cannot be saved is tried again, and starts once there is room", async () => {
    const { coordinator, store, clock, messages } = await setup();
    // Starting takes the INITIAL checkpoint: the whole plan, with its 200 KB input.
    const plan = await coordinator.createPlan({ name: "p", delayMs: 10_000, input: { blob: BIG }, steps: [{ key: "a", role: "r" }] }, "test");
    diskFull(store);
    await clock.advance(10_000);
    expect(messages()).toEqual([`firing due timers and expired leases failed: the disk holding the database is full (SQLITE_FULL); trying again in ${RETRY_MIN_MS} ms`]);
    expect((await store.queries.plans.load(plan.id))!.plan).toMatchObject({ state: "IDLE", version: 1 });
    expect(await store.queries.timers.due(clock.now(), 10)).toHaveLength(1); // still there, still due

    diskFreed(store);
    await clock.advance(RETRY_MIN_MS);
    expect((await store.queries.plans.load(plan.id))!.plan).toMatchObject({ state: "RUNNING", version: 2 });
    expect(await store.queries.timers.due(clock.now(), 10)).toHaveLength(0);
    expect(messages()).toHaveLength(1);
    expect(await signalLogHasNoGap(store)).toBe(true);
  });
});

describe("the agent sweep", () => {
  it("a read-only database: logged, and the next sweep takes the agent OFFLINE", async () => {
    const { coordinator, store, clock, messages } = await setup({ agentOfflineMs: 2_000 });
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    readOnly(store, true);
    await clock.advance(3_000);
    expect(messages()).toEqual([
      "the agent sweep failed: the database is read-only: Baton must be able to write the file and its folder (for the -wal and -shm files) (SQLITE_READONLY); trying again in 1000 ms",
    ]);
    expect((await store.queries.agents.get(agent.id))!.status).toBe("ONLINE");
    readOnly(store, false);
    await clock.advance(1_000);
    expect((await store.queries.agents.get(agent.id))!.status).toBe("OFFLINE");
  });
});

/** The built-in agents on this coordinator, stopped after the test. */
async function startBuiltins(coordinator: Coordinator, logger: Logger): Promise<void> {
  const builtins = new BuiltinAgents(coordinator, logger);
  await builtins.start();
  cleanups.push(async () => {
    await coordinator.stop(); // ends the long polls
    await builtins.stop();
  });
}

describe("built-in agents", () => {
  it("a full disk: the report is kept and saved once there is room; the worker loop claims on", async () => {
    const { coordinator, store, clock, logger, messages } = await setup();
    await startBuiltins(coordinator, logger);
    // builtin.wait returns its input: completing it writes 200 KB (the output, and the context).
    const plan = await coordinator.createPlan({ name: "p", steps: [{ key: "w", role: "builtin.wait", config: { ms: 1_000 }, input: { blob: BIG } }] }, "test");
    await waitFor(async () => (await store.queries.plans.load(plan.id))!.steps[0]!.state === "RUNNING");
    await flush(); // the handler has started its wait
    const version = (await store.queries.plans.load(plan.id))!.plan.version;
    diskFull(store);

    await clock.advance(1_000); // the wait ends: its report cannot be saved
    await waitFor(() => messages().length === 1);
    expect(messages()).toEqual([`saving 1 built-in report(s) failed: the disk holding the database is full (SQLITE_FULL); trying again in ${RETRY_MIN_MS} ms`]);
    expect((await store.queries.plans.load(plan.id))!.plan.version).toBe(version);
    expect((await store.queries.plans.load(plan.id))!.steps[0]!.state).toBe("RUNNING");

    diskFreed(store);
    await clock.advance(RETRY_MIN_MS);
    await waitFor(async () => (await store.queries.plans.load(plan.id))!.plan.state === "COMPLETED");
    expect((await store.queries.plans.load(plan.id))!.steps[0]!.output).toEqual({ blob: BIG });

    // The loops still run: a new plan is done by them too.
    const next = await coordinator.createPlan({ name: "next", steps: [{ key: "e", role: "builtin.echo", input: 1 }] }, "test");
    await waitFor(async () => (await store.queries.plans.load(next.id))!.plan.state === "COMPLETED");
    expect(await signalLogHasNoGap(store)).toBe(true);
  });

  it("a read-only database: claims fail, are logged, and the loops claim again with backoff", async () => {
    const { coordinator, store, clock, logger, messages } = await setup();
    await startBuiltins(coordinator, logger);
    await waitFor(() => coordinator.waitingClaims === 6); // one long poll per built-in role
    readOnly(store, true);
    await clock.advance(30_000); // the long polls end; each loop claims again (a transaction) and fails
    await waitFor(() => messages().length >= 6);
    expect(new Set(messages().map((m) => m.replace(/agt_\w+/, "agt_…")))).toEqual(
      new Set([`a claim of built-in agent agt_… failed: the database is read-only: Baton must be able to write the file and its folder (for the -wal and -shm files) (SQLITE_READONLY); trying again in ${RETRY_MIN_MS} ms`]),
    );
    readOnly(store, false);
    await clock.advance(RETRY_MIN_MS);
    await waitFor(() => coordinator.waitingClaims === 6);
    const plan = await coordinator.createPlan({ name: "p", steps: [{ key: "e", role: "builtin.echo", input: 1 }] }, "test");
    await waitFor(async () => (await store.queries.plans.load(plan.id))!.plan.state === "COMPLETED");
  });
});

describe("webhooks", () => {
  it("a read-only database when signals are enqueued: read from the log again after a backoff, no other commit needed", async () => {
    const db = tempDbFile();
    cleanups.push(db.cleanup);
    const hook = await receiver(cleanups);
    const { store, clock, coordinator, deliveries } = await gateway(cleanups, { file: db.file });
    await registerWebhook(store, clock.now(), { url: hook.url(), kinds: ["PLAN_CREATED"] });
    await flush(); // the dispatcher follows the hub from now on
    const plan = await coordinator.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "test");
    readOnly(store, true); // before the next turn of the event loop, where the dispatcher enqueues
    await flush();
    expect(await deliveries()).toEqual([]);

    readOnly(store, false);
    await clock.advance(DEFAULT_DELIVERY_POLICY.initialBackoffMs); // no other commit comes to trigger it
    await waitFor(async () => (await deliveries())[0]?.status === "DELIVERED");
    expect(hook.requests.map((r) => JSON.parse(r.body).planId)).toEqual([plan.id]);
  });

  it("a read-only database when a new webhook's backlog is enqueued: nothing skipped, read again after a backoff", async () => {
    const db = tempDbFile();
    cleanups.push(db.cleanup);
    const hook = await receiver(cleanups);
    const { store, clock, coordinator, deliveries } = await gateway(cleanups, { file: db.file });
    await registerWebhook(store, clock.now(), { url: hook.url(), kinds: ["PLAN_CREATED"] });
    const plan = await coordinator.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "test"); // before the dispatcher follows the hub
    readOnly(store, true);
    await flush(); // the dispatcher reads the backlog and cannot enqueue it
    expect(await deliveries()).toEqual([]);

    readOnly(store, false);
    await clock.advance(DEFAULT_DELIVERY_POLICY.initialBackoffMs);
    await waitFor(async () => (await deliveries())[0]?.status === "DELIVERED");
    expect(hook.requests.map((r) => JSON.parse(r.body).planId)).toEqual([plan.id]);
  });
});
