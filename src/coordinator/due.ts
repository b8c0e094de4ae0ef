/**
 * Durable timers and lease expiry: one clock callback (./scheduler.ts) armed for the earliest
 * `timers` row or attempt `expires_at`; when it fires, each due timer or expired lease is applied
 * in its own transaction of the runner (./runner.ts). A message's reply timeout (MESSAGE_REPLY)
 * is the coordinator's own, handed to the messages (./messages.ts), not to the engine.
 */
import { decide } from "../engine/decide.js";
import type { EngineEvent } from "../engine/events.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import { MESSAGE_REPLY, type TimerRow } from "../store/timers.js";
import { logFailure } from "./background.js";
import type { Clock } from "./clock.js";
import { apply } from "./decisions.js";
import type { TransactionRunner } from "./runner.js";
import { earliest, Scheduler } from "./scheduler.js";
import { SYSTEM, type Tx } from "./tx.js";

export interface DueDeps {
  runner: TransactionRunner;
  /** For reads outside a transaction (what is due, when the next is). */
  store: Store;
  clock: Clock;
  /** A message's reply timeout fell due (a MESSAGE_REPLY timer), in the timer's transaction. */
  replyTimedOut: (tx: Tx, t: TimerRow) => Promise<void>;
  logger: () => Logger;
}

/** With other gateways on the database: how often the next due time is read again (what a dead gateway left fires within it). */
const OTHERS_POLL_MS = 2_000;

export class DueTimers {
  private readonly scheduler: Scheduler;

  constructor(private readonly deps: DueDeps) {
    const { store } = deps;
    this.scheduler = new Scheduler(
      deps.clock,
      () => store.read(async (r) => earliest(await r.timers.nextDue(), await r.attempts.nextExpiry())),
      () => this.fire(),
      (err, retryInMs) => logFailure(deps.logger(), err, "firing due timers and expired leases", retryInMs),
    );
  }

  /** Fires timers that fell due (also those due while the server was down) and arms the next. */
  start(): Promise<void> {
    if (this.deps.store.notices) this.scheduler.pollEvery(OTHERS_POLL_MS);
    return this.scheduler.rearm();
  }

  /** Stops firing; resolves once a round under way has ended. */
  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /** A timer or lease committed due at `dueAt`: armed earlier if it comes first. */
  noteTimer(dueAt: number): void {
    this.scheduler.noteTimer(dueAt);
  }

  /**
   * Fires up to 100 durable timers and expires up to 100 leases due now, each in its own
   * transaction. More due (a backlog after downtime): the scheduler, re-armed for what is still
   * due, comes back at once — after the event loop has served the requests waiting meanwhile, so
   * a restarted gateway answers while it catches up. A failure (a full disk) stops the round: the
   * rest stays due, and the scheduler tries again later.
   */
  async fire(): Promise<void> {
    const { runner, store, clock } = this.deps;
    const now = clock.now();
    const { due, expired } = await store.read(async (r) => ({ due: await r.timers.due(now, 100), expired: await r.attempts.expired(now, 100) }));
    if (due.length === 0 && expired.length === 0) return;
    for (const t of due) {
      await runner.transact(async (tx) => {
        if (!await tx.store.timers.take(t)) return; // moved or cleared since it was read
        const event = timerEvent(t);
        if (event) await fireEvent(tx, t.planId, event);
        else await this.deps.replyTimedOut(tx, t);
      });
    }
    // A lease's timer is its attempt's expires_at; the engine ignores one that moved on.
    for (const l of expired) {
      await runner.transact(async (tx) => {
        const fired = await fireEvent(tx, l.planId, { type: "LeaseExpired", stepKey: l.stepKey, leaseId: l.leaseId });
        // An attempt its step no longer knows would be found again and again: end it here.
        if (!fired) await tx.store.attempts.end(l.leaseId, "LOST", { message: "lease expired", type: "LEASE_EXPIRED", retryable: true, details: null }, tx.clock.now());
      });
    }
  }
}

/** Applies a timer's event; false when it changed nothing. */
async function fireEvent(tx: Tx, planId: string, event: EngineEvent): Promise<boolean> {
  const prev = await tx.load(planId);
  if (!prev) return false;
  const d = decide(prev, event, tx.clock.now());
  if (!d.ok || !d.changed) return false;
  await apply(tx, prev, d, SYSTEM);
  return true;
}

/** The engine event of a timer; null for the coordinator's own (a message's reply timeout). */
function timerEvent(t: TimerRow): EngineEvent | null {
  const stepKey = t.stepKey ?? "";
  switch (t.kind) {
    case "RETRY":
      return { type: "RetryDue", stepKey };
    case "STEP_TIMEOUT":
      return { type: "StepTimedOut", stepKey, leaseId: t.ref ?? "" };
    case "PLAN_DEADLINE":
      return { type: "PlanDeadlineReached" };
    case "PLAN_START":
      return { type: "PlanStarted" }; // refused (and dropped) if the plan was started meanwhile
    case "SCHEDULE_TO_START":
      return { type: "ScheduleToStartTimedOut", stepKey };
    case MESSAGE_REPLY:
      return null;
  }
}

