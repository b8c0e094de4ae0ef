/**
 * The transaction context a service is handed by the runner (./runner.ts): the repositories to
 * read and write through, the transaction's working set (./unit.ts) and the clock. A service
 * reaches the store inside a transaction only through it, so that the runner alone decides what
 * a transaction is (the store's unit of work, with repositories bound to it: src/store/store.ts).
 */
import { notFound } from "../domain/errors.js";
import type { AttemptModel, Json, PlanAggregate, SignalModel } from "../domain/model.js";
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
  /** Attempts read ahead (readAttempts), dropped as this transaction changes them. */
  private readonly attempts = new Map<string, AttemptModel>();
  /** Plans as read from the store in this transaction (`load`). */
  private readonly loaded = new Map<string, PlanAggregate>();
  /** Signals added but not written yet (see `emit`). */
  private readonly pending: Omit<SignalModel, "sequence">[] = [];

  constructor(
    /** The repositories, as this transaction sees them. */
    readonly store: Session,
    readonly clock: Clock,
    /** STEP checkpoints kept per plan (BATON_CHECKPOINT_KEEP). */
    readonly checkpointKeep: number,
  ) {}

  /**
   * Reads the attempts (leases) of these ids at once, for `attempt` to return without a round trip
   * each (a batch of reports names many).
   */
  async readAttempts(ids: readonly string[]): Promise<void> {
    for (const a of await this.store.attempts.getMany(ids)) this.attempts.set(a.id, a);
  }

  /** The attempt as this transaction sees it: as read by readAttempts unless changed since, else read now. */
  async attempt(id: string): Promise<AttemptModel | null> {
    return this.attempts.get(id) ?? (await this.store.attempts.get(id));
  }

  /** This transaction changes the attempt: what readAttempts read of it no longer holds. */
  attemptChanged(id: string): void {
    this.attempts.delete(id);
  }

  /**
   * The plan as the transaction sees it (its own staged changes first), its row locked until the
   * transaction ends: read once per transaction (no other can change it meanwhile).
   */
  load(planId: string): Promise<PlanAggregate | null> {
    return this.unit.aggregate(planId, async (id) => {
      const read = this.loaded.get(id);
      if (read) return read;
      const a = await this.store.plans.load(id, true);
      if (a) this.loaded.set(id, a);
      return a;
    });
  }

  /** A plan this transaction has just written as it is (a new plan): `load` needs not read it. */
  loadedAs(a: PlanAggregate): void {
    this.loaded.set(a.plan.id, a);
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
    await this.flush(); // what came before is not the savepoint's to undo
    const undo = this.unit.mark();
    try {
      return await this.store.savepoint(fn);
    } catch (e) {
      undo();
      this.pending.length = 0;
      throw e;
    }
  }

  /**
   * Adds a signal to the transaction. It is written with the transaction's other signals in one
   * statement at `flush` (at the latest just before commit): on PostgreSQL that takes the log
   * head's row lock, which serialises appends, so the later it comes the more transactions overlap.
   * Published once the transaction commits.
   */
  emit(s: SignalDraft): void {
    this.pending.push({
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
  }

  /** Adds a signal and writes it now (with those before it): for a caller that needs its sequence. */
  async emitNow(s: SignalDraft): Promise<SignalModel> {
    this.emit(s);
    await this.flush();
    return this.unit.signals[this.unit.signals.length - 1]!;
  }

  /** Writes the signals added since the last flush. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const written = await this.store.signals.appendMany(this.pending.splice(0));
    this.unit.signals.push(...written);
  }

  /** The sequence of the newest signal as this transaction sees it (its own written first). */
  async head(): Promise<number> {
    await this.flush();
    // once this transaction has written signals, none can follow them but its own (SQLite has one
    // writer; on PostgreSQL it holds the log head's lock until it commits)
    return this.unit.signals.at(-1)?.sequence ?? (await this.store.signals.head());
  }

  /** The signal log as this transaction sees it (its own signals written first). */
  async signalLog(): Promise<Session["signals"]> {
    await this.flush();
    return this.store.signals;
  }
}
