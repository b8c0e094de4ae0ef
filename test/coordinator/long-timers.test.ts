/**
 * Timers past what one Node timer holds (2³¹−1 ms, 24.8 days): a plan scheduled 60 days ahead
 * starts then, not after 1 ms, and costs one armed callback meanwhile — with the ManualClock
 * through the coordinator, and with the system clock's own timers (vitest's fake timers emulate
 * Node's overflow: a longer delay fires after 1 ms).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMER_MS, systemClock } from "../../src/coordinator/clock.js";
import { makeCoordinator } from "../helpers/fixtures.js";
import { planReq } from "../helpers/coordinator.js";

const DAY = 86_400_000;

describe("a plan scheduled 60 days ahead", () => {
  it("starts exactly at runAt (ManualClock), with one callback armed meanwhile", async () => {
    // The agent sweep runs every agentOfflineMs / 2: a day apart keeps 60 days of it short.
    const { coordinator, clock, store } = await makeCoordinator({ agentOfflineMs: DAY });
    const p = await coordinator.createPlan(planReq([{ key: "a" }], { runAt: clock.now() + 60 * DAY }), "t");
    expect((await store.queries.plans.load(p.id))!.plan.state).toBe("IDLE");
    expect(clock.scheduled).toBeLessThanOrEqual(2); // the timer and the agent sweep, nothing re-arming in a loop
    await clock.advance(30 * DAY);
    expect((await store.queries.plans.load(p.id))!.plan.state).toBe("IDLE");
    await clock.advance(30 * DAY - 1);
    expect((await store.queries.plans.load(p.id))!.plan.state).toBe("IDLE");
    await clock.advance(1);
    expect((await store.queries.plans.load(p.id))!.plan.state).toBe("RUNNING");
  });
});

describe("the system clock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits out a delay longer than one Node timer in legs, firing once at the end", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const fired: number[] = [];
    const start = Date.now();
    systemClock.schedule(60 * DAY, () => fired.push(Date.now() - start));
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]); // Node alone would have fired after 1 ms
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(1); // one leg armed at a time
    vi.advanceTimersByTime(60 * DAY - MAX_TIMER_MS - 1_000 - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([60 * DAY]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("cancels a long delay in any leg", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    let fired = false;
    const handle = systemClock.schedule(40 * DAY, () => (fired = true));
    vi.advanceTimersByTime(MAX_TIMER_MS + 1);
    handle.cancel();
    vi.advanceTimersByTime(40 * DAY);
    expect(fired).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("fires short delays as before", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    let fired = 0;
    systemClock.schedule(10, () => fired++);
    vi.advanceTimersByTime(9);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
  });
});
