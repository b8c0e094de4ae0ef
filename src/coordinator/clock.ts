/**
 * Time, injectable: the system clock in production, a ManualClock in tests so that timers
 * (backoff, lease expiry, timeouts, long polls) fire exactly when a test advances time. The
 * interface is the domain's (src/domain/clock.ts), so that templates and webhooks take a clock
 * without importing the coordinator.
 */
import { AsyncResource } from "node:async_hooks";
import type { Clock, TimerHandle } from "../domain/clock.js";

export type { Clock, TimerHandle } from "../domain/clock.js";

/**
 * The longest delay Node's timers take: 2³¹−1 ms (24.8 days). A longer one is not refused but
 * fires after 1 ms, with a TimeoutOverflowWarning.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The context timer callbacks run in: the one this module was loaded in. A timer armed inside a
 * unit of work is a new flow, not part of that unit; run in the unit's async context it would
 * look, to the store, like a unit started from inside another while that one commits.
 */
const root = new AsyncResource("baton.clock");

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    // A delay past what one timer holds is waited out in legs of at most MAX_TIMER_MS, each
    // re-armed for what is left (a plan scheduled 60 days ahead wakes once every 24.8 days).
    const at = Date.now() + Math.max(0, ms);
    let t: NodeJS.Timeout;
    const arm = (left: number): void => {
      t = setTimeout(() => {
        const rest = at - Date.now();
        if (rest > 0 && left > MAX_TIMER_MS) arm(rest);
        else void root.runInAsyncScope(fn);
      }, Math.min(Math.max(0, left), MAX_TIMER_MS));
      t.unref();
    };
    arm(at - Date.now());
    return { cancel: () => clearTimeout(t) };
  },
};

interface Pending {
  at: number;
  seq: number;
  fn: () => unknown;
}

/** A clock that moves only when told to; due callbacks run in time order as it advances. */
export class ManualClock implements Clock {
  private pending: Pending[] = [];
  private seq = 0;

  constructor(private time = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.time;
  }

  schedule(ms: number, fn: () => unknown): TimerHandle {
    const entry = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.push(entry);
    return { cancel: () => (this.pending = this.pending.filter((p) => p !== entry)) };
  }

  /**
   * Moves time forward by `ms`, running every callback that falls due on the way, in time order,
   * each after the work the one before started (the promise it returned) has settled.
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      const next = this.pending
        .filter((p) => p.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.time = Math.max(this.time, next.at);
      await next.fn();
    }
    this.time = target;
  }

  /** Callbacks waiting to run. */
  get scheduled(): number {
    return this.pending.length;
  }
}
