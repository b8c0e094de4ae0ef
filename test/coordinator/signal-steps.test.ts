/**
 * builtin.signal: a step that waits for a CUSTOM signal of its plan (an approval, "agent X
 * is done"), run by the in-process built-in agent on a real store and a ManualClock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BuiltinAgents, jsonContains } from "../../src/coordinator/builtins.js";
import { ManualClock } from "../../src/coordinator/clock.js";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import type { BatonError } from "../../src/domain/errors.js";
import type { Json } from "../../src/domain/model.js";
import type { StepDraft } from "../../src/engine/validate.js";
import { openStore } from "../../src/store/sqlite-store.js";
import { silentLogger } from "../helpers/api.js";
import { claimOne, flush, planReq, rejected } from "../helpers/coordinator.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Heartbeats come every third of the heartbeat timeout (30 s by default). */
const HEARTBEAT_EVERY = 10_000;

/** A coordinator on a manual clock with the built-in agents running. */
async function setup() {
  const env = await makeCoordinator();
  const builtins = new BuiltinAgents(env.coordinator, silentLogger);
  await builtins.start();
  cleanups.push(async () => {
    await env.coordinator.stop();
    await builtins.stop();
  });
  const hub = env.coordinator.hub;
  const run = async (steps: StepDraft[], retry = { initialIntervalMs: 1_000, maxAttempts: 3 }) =>
    (await env.coordinator.createPlan({ name: "s", steps: steps.map((s) => ({ retry, ...s })) }, "test")).id;
  const plan = async (id: string) => (await env.store.queries.plans.load(id))!;
  const step = async (id: string, key: string) => (await plan(id)).steps.find((s) => s.key === key)!;
  const send = (planId: string, name: string, payload: Json = null) => env.coordinator.sendSignal({ planId, name, payload }, "ops");
  return { ...env, builtins, hub, run, plan, step, send };
}

describe("builtin.signal", () => {
  it("completes when a matching signal is sent while it waits; its output carries the signal", async () => {
    const { run, plan, step, send, hub, clock } = await setup();
    const listening = hub.subscriberCount;
    const id = await run([{ key: "approval", role: "builtin.signal", config: { name: "approved" } }]);
    await waitFor(async () => (await step(id, "approval")).state === "RUNNING" && hub.subscriberCount === listening + 1);
    await clock.advance(1_234);
    const sent = await send(id, "approved", { by: "alice", note: "ship it" });
    await waitFor(async () => (await plan(id)).plan.state === "COMPLETED");
    expect((await step(id, "approval")).output).toEqual({
      signal: { sequence: sent.sequence, name: "approved", sender: "ops", payload: { by: "alice", note: "ship it" }, at: new Date(clock.now()).toISOString() },
    });
    expect(hub.subscriberCount).toBe(listening);
  });

  it("counts a signal sent before the step became READY (while an earlier step ran), the first matching one", async () => {
    const { coordinator, run, plan, step, send } = await setup();
    const id = await run([
      { key: "work", role: "r" },
      { key: "approval", role: "builtin.signal", config: { name: "approved" }, dependsOn: ["work"] },
    ]);
    const worker = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const g = await claimOne(coordinator, worker.id);
    const first = await send(id, "approved", { n: 1 });
    await send(id, "approved", { n: 2 });
    expect((await step(id, "approval")).state).toBe("PENDING");
    await coordinator.complete(g.lease.id, "done");
    await waitFor(async () => (await plan(id)).plan.state === "COMPLETED");
    expect((await step(id, "approval")).output).toMatchObject({ signal: { sequence: first.sequence, payload: { n: 1 } } });
  });

  it("is not completed by another name, another plan, or a payload that does not contain config.match", async () => {
    const { run, plan, step, send, hub } = await setup();
    const listening = hub.subscriberCount;
    const match = { decision: "yes", meta: { env: "prod" }, tags: ["a"] };
    const id = await run([{ key: "approval", role: "builtin.signal", config: { name: "approved", match } }]);
    const other = await run([{ key: "x", role: "r" }]);
    await send(id, "rejected", match); // before it waits: read from the log
    await waitFor(async () => (await step(id, "approval")).state === "RUNNING" && hub.subscriberCount === listening + 1);
    await send(other, "approved", match);
    await send(id, "approved", null);
    await send(id, "approved", { decision: "no", meta: { env: "prod" }, tags: ["a"] });
    await send(id, "approved", { decision: "yes", meta: { env: "dev" }, tags: ["a"] });
    await send(id, "approved", { decision: "yes", tags: ["a"] }); // meta missing
    await send(id, "approved", { decision: "yes", meta: { env: "prod" }, tags: ["a", "b"] }); // arrays compare whole
    await flush();
    expect((await step(id, "approval")).state).toBe("RUNNING");
    // Extra keys, at any depth, are fine.
    const ok = await send(id, "approved", { decision: "yes", meta: { env: "prod", region: "eu" }, tags: ["a"], by: "bob" });
    await waitFor(async () => (await plan(id)).plan.state === "COMPLETED");
    expect((await step(id, "approval")).output).toMatchObject({ signal: { sequence: ok.sequence, payload: { by: "bob" } } });
  });

  it("releases its waiter when the plan is cancelled while it waits, and reports nothing", async () => {
    const { coordinator, store, run, plan, step, send, hub, clock } = await setup();
    const listening = hub.subscriberCount;
    const id = await run([{ key: "approval", role: "builtin.signal", config: { name: "approved" } }]);
    await waitFor(async () => (await step(id, "approval")).state === "RUNNING" && hub.subscriberCount === listening + 1);
    await coordinator.intervene(id, { kind: "CANCEL" }, { actor: "ops" });
    await clock.advance(HEARTBEAT_EVERY); // the next heartbeat answers cancelRequested
    await waitFor(() => hub.subscriberCount === listening);
    await send(id, "approved");
    await flush();
    expect([(await plan(id)).plan.state, (await step(id, "approval")).state]).toEqual(["CANCELLED", "CANCELLED"]);
    expect((await store.queries.attempts.list(id)).map((a) => a.outcome)).toEqual(["CANCELLED"]);
  });

  it("times out per the step's timeoutMs, is retried per its policy, then fails; every waiter is released", async () => {
    const { store, run, plan, step, hub, clock } = await setup();
    const listening = hub.subscriberCount;
    const id = await run([{ key: "approval", role: "builtin.signal", config: { name: "approved" }, timeoutMs: 5_000 }], { initialIntervalMs: 1_000, maxAttempts: 2 });
    await waitFor(async () => (await step(id, "approval")).state === "RUNNING" && hub.subscriberCount === listening + 1);
    await clock.advance(5_000);
    expect(await step(id, "approval")).toMatchObject({ state: "WAITING", error: { type: "TIMEOUT", retryable: true } });
    await clock.advance(1_000); // the retry backoff
    await waitFor(async () => {
      const s = await step(id, "approval");
      return s.state === "RUNNING" && s.attempts === 2;
    });
    await clock.advance(5_000);
    expect((await plan(id)).plan.state).toBe("FAILED");
    expect(await step(id, "approval")).toMatchObject({ state: "FAILED", attempts: 2, error: { type: "TIMEOUT" } });
    expect((await store.queries.attempts.list(id)).map((a) => a.outcome)).toEqual(["TIMED_OUT", "TIMED_OUT"]);
    await clock.advance(HEARTBEAT_EVERY); // each attempt's next heartbeat finds its lease gone
    await waitFor(() => hub.subscriberCount === listening);
  });

  it("checks its config: config.name is required, config.match must be an object", async () => {
    const { coordinator } = await makeCoordinator();
    const problems = async (config: Json) => {
      const e = (await rejected(coordinator.createPlan(planReq([{ key: "s", role: "builtin.signal", config }]), "t"))) as BatonError;
      expect(e.code).toBe("BAD_USER_INPUT");
      return (e.details["problems"] as { path: string }[]).map((p) => p.path);
    };
    expect(await problems(null)).toEqual(["steps[0].config.name"]);
    expect(await problems({ name: " " })).toEqual(["steps[0].config.name"]);
    expect(await problems({ name: 7, match: [1] })).toEqual(["steps[0].config.name", "steps[0].config.match"]);
    expect(await problems({ name: "ok", match: "yes" })).toEqual(["steps[0].config.match"]);
    expect(await problems({ name: "ok", match: null })).toEqual(["steps[0].config.match"]);
    const p = await coordinator.createPlan(planReq([{ key: "a", role: "builtin.signal", config: { name: "ok", match: { a: { b: [1] } } } }]), "t");
    expect(p.state).toBe("RUNNING");
  });

  it("survives a restart: stopping the agents ends the wait without a report; the re-claimed step finds the signal in the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-signal-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "baton.db");
    const clock = new ManualClock();
    const options = { clock, agentOfflineMs: 600_000, checkpointKeep: 100 };
    const boot = async () => {
      const coordinator = new Coordinator(openStore(file), options);
      await coordinator.start();
      const builtins = new BuiltinAgents(coordinator, silentLogger);
      await builtins.start();
      return { coordinator, builtins };
    };

    const before = await boot();
    const id = (await before.coordinator.createPlan({ name: "gate", steps: [{ key: "approval", role: "builtin.signal", config: { name: "approved" } }] }, "t")).id;
    await waitFor(() => before.coordinator.hub.subscriberCount === 1);
    before.coordinator.drain();
    await before.builtins.stop();
    expect(before.coordinator.hub.subscriberCount).toBe(0);
    const sent = await before.coordinator.sendSignal({ planId: id, name: "approved", payload: { by: "ops" } }, "ops"); // nobody waits now
    await flush();
    expect((await before.coordinator.store.queries.attempts.list(id)).map((a) => a.outcome)).toEqual(["RUNNING"]); // no report
    await before.coordinator.stop();
    await before.coordinator.store.close();

    const after = await boot();
    cleanups.push(async () => {
      await after.coordinator.stop();
      await after.builtins.stop();
      await after.coordinator.store.close();
    });
    await clock.advance(30_000); // the old lease expires; the step is READY again and claimed
    const load = async () => (await after.coordinator.store.queries.plans.load(id))!;
    await waitFor(async () => (await load()).plan.state === "COMPLETED");
    expect((await load()).steps[0]!.output).toMatchObject({ signal: { sequence: sent.sequence, payload: { by: "ops" } } });
    expect((await after.coordinator.store.queries.attempts.list(id)).map((a) => a.outcome)).toEqual(["LOST", "SUCCEEDED"]);
  });
});

describe("jsonContains (the config.match rule)", () => {
  it.each([
    [{ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } }, true],
    [{ a: 1 }, {}, true],
    [null, {}, false],
    [[{ a: 1 }], {}, false],
    [{ a: null }, { a: null }, true],
    [{}, { a: null }, false],
    [{ a: [1, { b: 2, c: 3 }] }, { a: [1, { b: 2 }] }, false], // arrays compare whole
    [{ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }, true],
    [{ a: "1" }, { a: 1 }, false],
  ] as [Json, Json, boolean][])("%j contains %j: %s", (value, pattern, expected) => {
    expect(jsonContains(value, pattern)).toBe(expected);
  });
});
