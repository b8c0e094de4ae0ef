import { describe, expect, it } from "vitest";
import { makeCoordinator } from "../helpers/fixtures.js";

const steps = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, role: "r" }));

describe("queue policies", () => {
  it("fair share: one plan with 1,000 READY steps does not starve ten plans with 10 each", async () => {
    const { coordinator: c, clock, store } = await makeCoordinator();
    const big = (await c.createPlan({ name: "big", policy: { maxParallel: 1_000 }, steps: steps(1_000, "b") }, "t")).id;
    await clock.advance(1);
    const small: string[] = [];
    for (let i = 0; i < 10; i++) small.push((await c.createPlan({ name: `small ${i}`, policy: { maxParallel: 10 }, steps: steps(10, "s") }, "t")).id);
    const agent = await c.registerAgent({ name: "solo", roles: ["r"], concurrency: 1 });
    let bigDone = 0;
    let served = 0;
    const smallDone = async () => {
      for (const id of small) if ((await store.queries.plans.load(id))!.plan.state !== "COMPLETED") return false;
      return true;
    };
    while (!(await smallDone())) {
      await clock.advance(1);
      const [g] = await c.claim(agent.id);
      await c.complete(g!.lease.id, null);
      if (g!.plan.id === big) bigDone++;
      served++;
    }
    // Round robin across the eleven plans: the small ones finish within about ten rounds.
    expect(served).toBeLessThanOrEqual(110 + 11);
    expect(bigDone).toBeLessThanOrEqual(11);
    expect((await store.queries.plans.load(big))!.plan.state).toBe("RUNNING");
  });

  it("CRISIS plans are claimed ahead of every other step, even URGENT ones; then priority", async () => {
    const { coordinator: c, clock } = await makeCoordinator();
    const urgent = (await c.createPlan({ name: "urgent", priority: "URGENT", steps: [{ key: "u", role: "r" }] }, "t")).id;
    await clock.advance(1);
    const low = (await c.createPlan({ name: "low", priority: "LOW", steps: [{ key: "l", role: "r" }] }, "t")).id;
    await clock.advance(1);
    const crisis = (await c.createPlan({ name: "crisis", policy: { complexity: "CRISIS" }, steps: [{ key: "c", role: "r" }] }, "t")).id;
    const agent = await c.registerAgent({ name: "w", roles: ["r"], concurrency: 3 });
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await c.claim(agent.id))[0]!.plan.id);
    expect(order).toEqual([crisis, urgent, low]);
  });
});

describe("scheduled steps (runAt, delayMs)", () => {
  it("a step with delayMs waits that long after its dependencies, a step with runAt until then", async () => {
    const { coordinator: c, clock, store } = await makeCoordinator();
    const t0 = clock.now();
    const plan = (
      await c.createPlan(
        {
          name: "scheduled",
          steps: [
            { key: "a", role: "r" },
            { key: "later", role: "r", dependsOn: ["a"], delayMs: 5_000 },
            { key: "at", role: "r", runAt: new Date(t0 + 2_000) },
          ],
        },
        "t",
      )
    ).id;
    const state = async (k: string) => (await store.queries.plans.load(plan))!.steps.find((s) => s.key === k)!;
    expect(await state("at")).toMatchObject({ state: "WAITING", retryAt: t0 + 2_000 });
    const agent = await c.registerAgent({ name: "w", roles: ["r"], concurrency: 3 });
    const [g] = await c.claim(agent.id);
    expect(g!.step.key).toBe("a");
    await clock.advance(1_000);
    await c.complete(g!.lease.id, null);
    expect(await state("later")).toMatchObject({ state: "WAITING", retryAt: t0 + 6_000 });
    await clock.advance(999);
    expect((await state("at")).state).toBe("WAITING");
    await clock.advance(1);
    expect((await state("at")).state).toBe("READY");
    await clock.advance(3_999);
    expect((await state("later")).state).toBe("WAITING");
    await clock.advance(1);
    expect((await state("later")).state).toBe("READY");
  });

  it("a schedule is frozen while the plan is paused", async () => {
    const { coordinator: c, clock, store } = await makeCoordinator();
    const plan = (await c.createPlan({ name: "p", steps: [{ key: "s", role: "r", delayMs: 1_000 }] }, "t")).id;
    await clock.advance(400);
    await c.intervene(plan, { kind: "PAUSE" }, { actor: "ops" });
    await clock.advance(10_000);
    expect((await store.queries.plans.load(plan))!.steps[0]!.state).toBe("WAITING");
    await c.intervene(plan, { kind: "RESUME" }, { actor: "ops" });
    await clock.advance(599);
    expect((await store.queries.plans.load(plan))!.steps[0]!.state).toBe("WAITING");
    await clock.advance(1);
    expect((await store.queries.plans.load(plan))!.steps[0]!.state).toBe("READY");
  });

  it("a negative delayMs is BAD_USER_INPUT", async () => {
    const { coordinator: c } = await makeCoordinator();
    await expect(c.createPlan({ name: "p", steps: [{ key: "s", role: "r", delayMs: -1 }] }, "t")).rejects.toThrow(/delayMs/);
  });
});

describe("schedule-to-start timeouts", () => {
  it("a READY step not claimed within scheduleToStartMs fails the plan; one claimed in time does not", async () => {
    const { coordinator: c, clock, store } = await makeCoordinator();
    const late = (await c.createPlan({ name: "late", steps: [{ key: "a", role: "nobody", scheduleToStartMs: 1_000 }] }, "t")).id;
    const onTime = (await c.createPlan({ name: "on time", steps: [{ key: "a", role: "r", scheduleToStartMs: 1_000 }] }, "t")).id;
    const agent = await c.registerAgent({ name: "w", roles: ["r"] });
    await clock.advance(500);
    const [g] = await c.claim(agent.id);
    expect(g!.plan.id).toBe(onTime);
    await clock.advance(499); // 999 ms after both became READY
    expect((await store.queries.plans.load(late))!.plan.state).toBe("RUNNING");
    await clock.advance(1);
    const failed = (await store.queries.plans.load(late))!;
    expect(failed.plan.state).toBe("FAILED");
    expect(failed.steps[0]).toMatchObject({ state: "FAILED", error: { type: "SCHEDULE_TO_START_TIMEOUT", retryable: false } });
    await clock.advance(5_000);
    expect((await store.queries.plans.load(onTime))!.steps[0]!.state).toBe("RUNNING");
  });
});

describe("scheduled plans (runAt, delayMs on createPlan)", () => {
  it("stays IDLE until then, started by a durable timer; startPlan may start it sooner", async () => {
    const { coordinator: c, clock, store } = await makeCoordinator();
    const t0 = clock.now();
    const later = await c.createPlan({ name: "later", delayMs: 1_000, steps: [{ key: "a", role: "r" }] }, "t");
    const at = await c.createPlan({ name: "at", runAt: new Date(t0 + 3_000), steps: [{ key: "a", role: "r" }] }, "t");
    expect([later.state, at.state]).toEqual(["IDLE", "IDLE"]);
    const created = (await store.queries.signals.read({ planId: later.id, kinds: ["PLAN_CREATED"] }, 0, 1))[0]!;
    expect(created.payload).toEqual({ name: "later", startsAt: t0 + 1_000 });
    const agent = await c.registerAgent({ name: "w", roles: ["r"] });
    expect(await c.claim(agent.id)).toEqual([]);
    await clock.advance(999);
    expect((await store.queries.plans.load(later.id))!.plan.state).toBe("IDLE");
    await clock.advance(1);
    expect((await store.queries.plans.load(later.id))!.plan.state).toBe("RUNNING");
    await c.startPlan(at.id, "ops"); // sooner, by hand
    await clock.advance(5_000); // its timer fires and is dropped
    expect((await store.queries.plans.load(at.id))!.plan).toMatchObject({ state: "RUNNING", startedAt: t0 + 1_000 });
    await expect(c.createPlan({ name: "bad", delayMs: -5, steps: [{ key: "a", role: "r" }] }, "t")).rejects.toThrow(/delayMs/);
  });
});
