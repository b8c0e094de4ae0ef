/**
 * Durable timers: the kinds the engine sets (its SetTimer command, src/engine/commands.ts) and the
 * store keeps (`timers.kind`, src/store/timers.ts). One timer per (plan, step, kind); setting it
 * again moves it.
 */
export const TimerKind = {
  /** A step WAITING after a failure becomes READY again. */
  RETRY: "RETRY",
  /** An attempt running longer than the step's timeoutMs is timed out. `ref` is the lease id. */
  STEP_TIMEOUT: "STEP_TIMEOUT",
  /** The plan's planTimeoutMs deadline. */
  PLAN_DEADLINE: "PLAN_DEADLINE",
  /** A plan created with runAt / delayMs starts. */
  PLAN_START: "PLAN_START",
  /** A READY step not claimed within its scheduleToStartMs. */
  SCHEDULE_TO_START: "SCHEDULE_TO_START",
} as const;
export type TimerKind = (typeof TimerKind)[keyof typeof TimerKind];
