/**
 * What a committed transaction did, for whoever watches the coordinator (the metrics): told
 * after the commit only, so a rolled-back transaction is never counted.
 */
import type { TraceOutcome } from "../domain/statuses.js";

/** An attempt begun: a step claimed. */
export interface AttemptStarted {
  role: string;
  /** From READY to claimed (dispatch latency); null when unknown. */
  waitMs: number | null;
}

/** An attempt ended, however it ended. */
export interface AttemptEnded {
  planId: string;
  stepKey: string;
  /** The attempt's number (1 for the first). */
  attempt: number;
  agentId: string | null;
  role: string;
  outcome: Exclude<TraceOutcome, "RUNNING">;
  /** From claimed to ended; null when unknown. */
  durationMs: number | null;
}

export interface Committed {
  /** How long the SQLite transaction took, commit included. */
  transactionMs: number;
  started: readonly AttemptStarted[];
  ended: readonly AttemptEnded[];
}

export interface CoordinatorObserver {
  committed(c: Committed): void;
}
