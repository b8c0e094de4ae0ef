/**
 * Replays share the gateway: ReplayLimiter's caps per connection and per token (queued in
 * arrival order, no head-of-line blocking, withdrawal on abort), and followSignals reading
 * the log in pages without holding the event loop, waiting for its slot and still handing
 * off from log to live with no gap and no duplicate.
 */
import { describe, expect, it } from "vitest";
import type { Coordinator } from "../../src/coordinator/coordinator.js";
import { followSignals } from "../../src/signals/hub.js";
import { ReplayLimiter, type Release } from "../../src/signals/replays.js";
import { nextWithin, planReq } from "../helpers/coordinator.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Whether a promise has settled, after the microtasks queued so far ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

/** A plan and `n` CUSTOM signals on it, one transaction each. */
async function logOf(c: Coordinator, n: number): Promise<string> {
  const p = await c.createPlan(planReq([{ key: "a", role: "nobody" }], { start: false }), "t");
  for (let i = 0; i < n; i++) await c.sendSignal({ planId: p.id, name: `n${i}` }, "t");
  return p.id;
}

describe("ReplayLimiter", () => {
  it("caps replays per connection; one over waits and gets the slot given back, in arrival order", async () => {
    const limiter = new ReplayLimiter(2, 10);
    const conn = {};
    const a = await limiter.acquire(conn, "t");
    const b = await limiter.acquire(conn, "t");
    const c = limiter.acquire(conn, "t");
    const d = limiter.acquire(conn, "t");
    expect([await settled(c), await settled(d), limiter.active("t"), limiter.waiting("t")]).toEqual([false, false, 2, 2]);
    b();
    b(); // twice: one slot given back, not two
    expect([await settled(c), await settled(d)]).toEqual([true, false]);
    a();
    expect(await settled(d)).toBe(true);
    (await c)();
    (await d)();
    expect([limiter.active("t"), limiter.waiting("t")]).toEqual([0, 0]);
  });

  it("caps replays per token over all its connections, without one connection's queue holding up another's", async () => {
    const limiter = new ReplayLimiter(1, 2);
    const [c1, c2, c3, c4] = [{}, {}, {}, {}];
    const r1 = await limiter.acquire(c1, "t");
    const blocked = limiter.acquire(c1, "t"); // over c1's cap
    const r2 = await limiter.acquire(c2, "t"); // c2 has room: not held up by c1's waiter
    const r3 = limiter.acquire(c3, "t"); // the token is full
    const other = limiter.acquire(c4, "u"); // another token: its own count
    expect([await settled(blocked), await settled(r3), await settled(other)]).toEqual([false, false, true]);
    r2(); // a token slot: c3 fits, c1's waiter (earlier) does not
    expect([await settled(blocked), await settled(r3)]).toEqual([false, true]);
    r1();
    expect(await settled(blocked)).toBe(true);
    for (const r of [await blocked, await r3, await other]) r();
    expect([limiter.active("t"), limiter.active("u")]).toEqual([0, 0]);
  });

  it("an aborted waiter leaves the queue and takes no slot", async () => {
    const limiter = new ReplayLimiter(1, 1);
    const conn = {};
    const held = await limiter.acquire(conn, "t");
    const abort = new AbortController();
    const gone = limiter.acquire(conn, "t", abort.signal);
    const next = limiter.acquire(conn, "t");
    abort.abort();
    expect([await settled(gone), limiter.waiting("t")]).toEqual([true, 1]);
    (await gone)(); // a no-op release
    expect(await settled(next)).toBe(false);
    held();
    (await next)();
    expect([limiter.active("t"), limiter.waiting("t")]).toEqual([0, 0]);
  });
});

describe("followSignals and the event loop", () => {
  it("a replay of thousands of signals consumed as fast as possible lets timers run every few ms", async () => {
    const { coordinator, store } = await makeCoordinator();
    await logOf(coordinator, 6_000);
    const head = await store.queries.signals.head();
    // A probe on the event loop: the longest time between two runs of a 1 ms timer.
    let last = performance.now();
    let longest = 0;
    const probe = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const it = followSignals(coordinator.hub, store, { filter: {}, afterSequence: 0 });
    const got: number[] = [];
    const t0 = performance.now();
    // Never awaits anything else; each signal costs ~30 µs, as executing and sending it would.
    while (got.length < head) {
      got.push((await it.next()).value!.sequence);
      for (const until = performance.now() + 0.03; performance.now() < until; );
    }
    const took = performance.now() - t0;
    clearInterval(probe);
    await it.return(undefined);
    expect(got).toEqual(range(1, head));
    expect(took).toBeGreaterThan(150); // the replay ran long enough to show a held loop
    expect(longest).toBeLessThan(60); // the slice is 8 ms; a loaded CI machine gets some slack
  });
});

describe("followSignals with replay slots", () => {
  it("a replay waits for its slot, then delivers backlog and live signals once each, in order, though the live buffer overflowed meanwhile", async () => {
    const { coordinator, store } = await makeCoordinator();
    const planId = await logOf(coordinator, 1_200);
    const limiter = new ReplayLimiter(1, 10);
    const conn = {};
    const slot = limiter.slotFor(conn, "t");
    const first = followSignals(coordinator.hub, store, { filter: {}, afterSequence: 0, replaySlot: slot });
    const second = followSignals(coordinator.hub, store, { filter: {}, afterSequence: 0, replaySlot: slot });
    const a: number[] = [(await nextWithin(first)).sequence];
    const secondNext = second.next();
    expect(await settled(secondNext)).toBe(false); // waits: the connection's one slot is taken
    expect([limiter.active("t"), limiter.waiting("t")]).toEqual([1, 1]);
    // More than the live buffer (256 batches) commits while the second one waits.
    for (let i = 0; i < 400; i++) await coordinator.sendSignal({ planId, name: `during${i}` }, "t");
    while (a.at(-1)! < (await store.queries.signals.head())) a.push((await nextWithin(first)).sequence);
    const firstNext = first.next(); // waits for live signals: caught up, its slot goes to the second
    await waitFor(() => limiter.active("t") === 1 && limiter.waiting("t") === 0);
    const b: number[] = [(await secondNext).value!.sequence];
    while (b.at(-1)! < (await store.queries.signals.head())) {
      b.push((await nextWithin(second)).sequence);
      if (b.length % 300 === 0) await coordinator.sendSignal({ planId, name: "live" }, "t");
    }
    const secondLive = second.next();
    await waitFor(() => limiter.active("t") === 0);
    await coordinator.sendSignal({ planId, name: "last" }, "t"); // live for both
    a.push((await firstNext).value!.sequence); // then the live ones sent while the second replayed
    while (a.at(-1)! < (await store.queries.signals.head())) a.push((await nextWithin(first)).sequence);
    b.push((await secondLive).value!.sequence);
    expect(a).toEqual(range(1, await store.queries.signals.head()));
    expect(b).toEqual(range(1, await store.queries.signals.head()));
    expect(limiter.active("t")).toBe(0); // live following holds no slot
    await first.return(undefined);
    await second.return(undefined);
    expect(coordinator.hub.subscriberCount).toBe(0);
  });

  it("a live-only subscription takes no slot; one that ends while waiting for its slot gives everything back", async () => {
    const { coordinator, store } = await makeCoordinator();
    const planId = await logOf(coordinator, 10);
    const limiter = new ReplayLimiter(1, 1);
    const conn = {};
    const held = await limiter.acquire(conn, "t");
    const live = followSignals(coordinator.hub, store, { filter: {}, afterSequence: null, replaySlot: limiter.slotFor(conn, "t") });
    const liveNext = live.next();
    await new Promise((r) => setImmediate(r));
    await coordinator.sendSignal({ planId, name: "now" }, "t");
    expect((await liveNext).value!.sequence).toBe(await store.queries.signals.head()); // not held up by the full slot

    const abort = new AbortController();
    const waiting = followSignals(coordinator.hub, store, { filter: {}, afterSequence: 0, replaySlot: limiter.slotFor(conn, "t"), signal: abort.signal });
    const waitingNext = waiting.next();
    await waitFor(() => limiter.waiting("t") === 1);
    abort.abort();
    expect((await waitingNext).done).toBe(true);
    expect(limiter.waiting("t")).toBe(0);
    held();
    expect(limiter.active("t")).toBe(0);
    await live.return(undefined);
    expect(coordinator.hub.subscriberCount).toBe(0);
  });
});
