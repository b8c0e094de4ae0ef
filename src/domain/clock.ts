/**
 * Time, injectable (src/coordinator/clock.ts has the system clock and the ManualClock of tests).
 * Only the interface lives here, so that whoever takes a clock need not import the coordinator.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /**
   * Calls `fn` once, `ms` from now. `fn` may return the promise of the work it started (it must
   * not reject): the ManualClock of tests waits for it before it moves on.
   */
  schedule(ms: number, fn: () => unknown): TimerHandle;
}
