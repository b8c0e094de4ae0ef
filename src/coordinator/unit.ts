import type { PlanAggregate, SignalModel } from "../domain/model.js";
import type { AttemptEnded, AttemptStarted } from "./observer.js";

export interface PendingCheckpoint {
  planId: string;
  reason: "INITIAL" | "STEP" | "PAUSE" | "RESTORE";
  stepKey: string | null;
  sender: string;
}

interface Staged {
  /** The aggregate as stored when the transaction first loaded it. */
  base: PlanAggregate;
  /** The aggregate after every decision applied so far. */
  next: PlanAggregate;
}

/**
 * One transaction's working set: the aggregates it changed (saved once, at the end, guarded by
 * the version first read — ten claims on one plan write its row once) and what is left to do
 * after commit (publish signals, wake claimers, re-arm the scheduler). Held by the transaction
 * context (./tx.ts); the runner (./runner.ts) acts on it before and after commit.
 */
export class Unit {
  readonly signals: SignalModel[] = [];
  /** Attempts begun and ended, for the observer (src/coordinator/observer.ts). */
  readonly started: AttemptStarted[] = [];
  readonly ended: AttemptEnded[] = [];
  readonly wake = new Set<string>();
  seen = new Map<string, number>();
  earliestTimer: number | null = null;
  private staged = new Map<string, Staged>();
  private pendingCheckpoints: PendingCheckpoint[] = [];

  /**
   * A checkpoint of the plan as this transaction leaves it. Completions committed together
   * share one STEP checkpoint (naming the last step): no reader could see a state between them.
   */
  checkpointAtCommit(c: PendingCheckpoint): void {
    const last = this.pendingCheckpoints.findLast((p) => p.planId === c.planId);
    if (last && last.reason === "STEP" && c.reason === "STEP") last.stepKey = c.stepKey;
    else this.pendingCheckpoints.push(c);
  }

  /** Removes and returns the plan's pending STEP checkpoint, if the last pending one is. */
  takePendingStep(planId: string): PendingCheckpoint | null {
    const i = this.pendingCheckpoints.findLastIndex((p) => p.planId === planId);
    if (i < 0 || this.pendingCheckpoints[i]!.reason !== "STEP") return null;
    return this.pendingCheckpoints.splice(i, 1)[0]!;
  }

  checkpoints(): readonly PendingCheckpoint[] {
    return this.pendingCheckpoints;
  }

  /** The plan as this transaction sees it: its own changes, else what `load` returns. */
  async aggregate(planId: string, load: (id: string) => Promise<PlanAggregate | null>): Promise<PlanAggregate | null> {
    return this.staged.get(planId)?.next ?? load(planId);
  }

  stage(prev: PlanAggregate, next: PlanAggregate): void {
    const s = this.staged.get(prev.plan.id);
    if (s) s.next = next;
    else this.staged.set(prev.plan.id, { base: prev, next });
  }

  /** Changed aggregates, to save before commit. */
  changes(): Iterable<Staged> {
    return this.staged.values();
  }

  /** A point to return to when a savepoint inside the transaction rolls back. */
  mark(): () => void {
    const signals = this.signals.length;
    const started = this.started.length;
    const ended = this.ended.length;
    const staged = new Map([...this.staged].map(([k, v]) => [k, { ...v }] as const));
    const seen = new Map(this.seen);
    const pending = this.pendingCheckpoints.map((c) => ({ ...c }));
    return () => {
      this.signals.length = signals;
      this.started.length = started;
      this.ended.length = ended;
      this.staged = staged;
      this.seen = seen;
      this.pendingCheckpoints = pending;
    };
  }
}
