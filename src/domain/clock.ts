/**
 * Time, injectable (src/coordinator/clock.ts has the system clock and the ManualClock of tests).
 * Only the interface lives here, so that whoever takes a clock need not import the coordinator.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  schedule(ms: number, fn: () => void): TimerHandle;
}
