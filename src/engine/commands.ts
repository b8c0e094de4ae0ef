import type { Json, Millis, StepError } from "../domain/model.js";
import type { SignalKind, TraceOutcome } from "../domain/statuses.js";
import type { TimerKind } from "../domain/timers.js";

/** Durable timers (defined in the domain: the store keeps them too). */
export { TimerKind } from "../domain/timers.js";

/**
 * What the coordinator must do after a decision, inside the same transaction as the state
 * change. Imperative names. The engine never performs them itself.
 */
export type EngineCommand =
  | { type: "EmitSignal"; kind: SignalKind; stepKey: string | null; agentId: string | null; payload: Json | null }
  | {
      type: "StartAttempt";
      leaseId: string;
      stepKey: string;
      attempt: number;
      agentId: string;
      role: string;
      queuedAt: Millis | null;
      expiresAt: Millis;
      heartbeatTimeoutMs: number;
    }
  /** Moves the lease's expiry; the attempt row's expires_at is the lease timer itself. */
  | { type: "ExtendLease"; leaseId: string; expiresAt: Millis }
  | { type: "EndAttempt"; leaseId: string; outcome: Exclude<TraceOutcome, "RUNNING">; error: StepError | null }
  /** `frozen`: the plan is paused, so the timer keeps `dueAt − now` for when it resumes. */
  | { type: "SetTimer"; kind: TimerKind; stepKey: string | null; ref: string | null; dueAt: Millis; frozen: boolean }
  /** Records the plan as it is after this decision (INITIAL, STEP, PAUSE, RESTORE). */
  | { type: "TakeCheckpoint"; reason: "INITIAL" | "STEP" | "PAUSE" | "RESTORE"; stepKey: string | null }
  /** Pause: every timer of the plan but lease expiry stops with the time it has left. */
  | { type: "FreezeTimers" }
  /** Resume: frozen timers run again with the time they had left. */
  | { type: "ThawTimers" }
  /** Clears the step's timers, or every timer of the plan when stepKey is null. */
  | { type: "ClearTimers"; stepKey: string | null }
  /**
   * Writes a key of the plan's shared context (a new version of the entry, visible to everyone),
   * announced by CONTEXT_UPDATED unless the step's STEP_SUCCEEDED already says it (its output).
   */
  | { type: "WriteContext"; key: string; value: Json | null; announce: boolean };
