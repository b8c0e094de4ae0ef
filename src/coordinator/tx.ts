/**
 * The transaction context a service is handed by the runner (./runner.ts): the repositories to
 * read and write through, the transaction's working set (./unit.ts) and the clock. A service
 * reaches the store inside a transaction only through it, so that the runner alone decides what
 * a transaction is (the store's unit of work, with repositories bound to it: src/store/store.ts).
 */
import { notFound } from "../domain/errors.js";
import type { Json, PlanAggregate, SignalModel } from "../domain/model.js";
import type { SignalKind } from "../domain/statuses.js";
import type { Session } from "../store/store.js";
import type { Clock } from "./clock.js";
import { Unit } from "./unit.js";

/** The sender of what the gateway does by itself (timers, the agent sweep, regressions). */
export const SYSTEM = "system";

/** A signal to append: everything but what the log assigns (sequence, time). */
export interface SignalDraft {
  kind: SignalKind;
  planId?: string | null;
  stepKey?: string | null;
  agentId?: string | null;
  name?: string | null;
  sender: string;
  recipient?: string | null;
  payload?: Json;
}

export class Tx {
  /** What this transaction changed and what is left to do after it commits. */
  readonly unit = new Unit();

  constructor(
    /** The repositories, as this transaction sees them. */
    readonly store: Session,
    readonly clock: Clock,
    /** STEP checkpoints kept per plan (BATON_CHECKPOINT_KEEP). */
    readonly checkpointKeep: number,
  ) {}

  /** The plan as the transaction sees it (its own staged changes first), its row locked until the transaction ends. */
  load(planId: string): Promise<PlanAggregate | null> {
    return this.unit.aggregate(planId, (id) => this.store.plans.load(id, true));
  }

  async mustLoad(planId: string): Promise<PlanAggregate> {
    const a = await this.load(planId);
    if (!a) throw notFound("plan", planId);
    return a;
  }

  /**
   * Runs `fn` as a savepoint of this transaction: a throw undoes its writes and what it added to
   * the working set (signals, staged plans, checkpoints…), and goes on to the caller.
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const undo = this.unit.mark();
    try {
      return await this.store.savepoint(fn);
    } catch (e) {
      undo();
      throw e;
    }
  }

  /** Appends a signal row; it is published once the transaction commits. */
  async emit(s: SignalDraft): Promise<SignalModel> {
    const signal = await this.store.signals.append({
      kind: s.kind,
      name: s.name ?? null,
      planId: s.planId ?? null,
      stepKey: s.stepKey ?? null,
      agentId: s.agentId ?? null,
      sender: s.sender,
      recipient: s.recipient ?? null,
      payload: s.payload ?? null,
      at: this.clock.now(),
    });
    this.unit.signals.push(signal);
    return signal;
  }
}
