/**
 * The transactional core of the coordinator: every change runs as
 *   load → decide → stage, in ONE synchronous transaction with its signal rows; the changed
 * aggregates are saved (version-guarded) just before commit, and only after commit are signals
 * published, timers re-armed and waiting claimers woken.
 */
import { BatonError, conflict, notFound } from "../domain/errors.js";
import type { RoleLimitSpec } from "../domain/limits.js";
import { newId } from "../domain/ids.js";
import type { AttemptModel, Json, PlanAggregate, SignalModel } from "../domain/model.js";
import type { SignalKind } from "../domain/statuses.js";
import type { EngineCommand } from "../engine/commands.js";
import { decide, type Decision, type Rejection } from "../engine/decide.js";
import type { EngineEvent } from "../engine/events.js";
import { SignalHub } from "../signals/hub.js";
import { isPrunable, type CheckpointReason, type CheckpointRecord } from "../store/checkpoints.js";
import { contextData, visibleTo, type ContextEntryModel, type ContextWrite } from "../store/context.js";
import { regressionSignal } from "../insight/assess.js";
import { sqliteErrorOf } from "../store/storage-errors.js";
import type { Store } from "../store/store.js";
import { MESSAGE_REPLY, type TimerRow } from "../store/timers.js";
import { createLogger, type Logger } from "../logger.js";
import { logFailure } from "./background.js";
import type { Clock } from "./clock.js";
import type { CoordinatorObserver } from "./observer.js";
import { Scheduler } from "./scheduler.js";
import { Unit } from "./unit.js";
import { ClaimWaiters } from "./waiters.js";

export interface CoordinatorOptions {
  clock: Clock;
  /** A remote agent not seen for this long goes OFFLINE. */
  agentOfflineMs: number;
  /** STEP checkpoints kept per plan (BATON_CHECKPOINT_KEEP). */
  checkpointKeep: number;
  /** Role limits applied at start (BATON_RATE_LIMITS); others set at run time are kept. */
  roleLimits?: readonly RoleLimitSpec[];
  /** Where background work (timers, the agent sweep) reports failures; JSON on stderr by default. */
  logger?: Logger;
  /** Told what each committed transaction did (the metrics, tracing). */
  observers?: readonly CoordinatorObserver[];
}

export const SYSTEM = "system";

export abstract class CoordinatorCore {
  readonly hub = new SignalHub();
  protected readonly waiters = new ClaimWaiters();
  private readonly scheduler: Scheduler;
  protected draining = false;
  /** Agents' last contact as committed, to write last_seen_at at most once a second. */
  protected readonly lastSeen = new Map<string, number>();
  private fallbackLogger: Logger | null = null;

  constructor(
    readonly store: Store,
    protected readonly options: CoordinatorOptions,
  ) {
    this.scheduler = new Scheduler(
      options.clock,
      () => earliest(store.timers.nextDue(), store.attempts.nextExpiry()),
      () => this.fireDueTimers(),
      (err, retryInMs) => logFailure(this.logger, err, "firing due timers and expired leases", retryInMs),
    );
  }

  get clock(): Clock {
    return this.options.clock;
  }

  /** Where background failures go: options.logger, else JSON on stderr (made when first needed). */
  protected get logger(): Logger {
    return this.options.logger ?? (this.fallbackLogger ??= createLogger({ logLevel: "info", dev: false }));
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Claims parked in a long poll now. */
  get waitingClaims(): number {
    return this.waiters.size;
  }

  /** Fires timers that fell due (also those due while the server was down) and arms the next. */
  protected startTimers(): void {
    this.scheduler.rearm();
  }

  protected stopTimers(): void {
    this.scheduler.stop();
  }

  /**
   * Fires up to 100 durable timers and expires up to 100 leases due now, each in its own
   * transaction. More due (a backlog after downtime): the scheduler, re-armed for what is still
   * due, comes back at once — after the event loop has served the requests waiting meanwhile, so
   * a restarted gateway answers while it catches up. A failure (a full disk) stops the round: the
   * rest stays due, and the scheduler tries again later.
   */
  fireDueTimers(): void {
    const now = this.clock.now();
    const due = this.store.timers.due(now, 100);
    const expired = this.store.attempts.expired(now, 100);
    if (due.length === 0 && expired.length === 0) return;
    for (const t of due) {
      this.run((u) => {
        if (!this.store.timers.take(t)) return; // moved or cleared since it was read
        const event = timerEvent(t);
        if (event) this.fire(u, t.planId, event);
        else this.replyTimedOut(u, t);
      });
    }
    // A lease's timer is its attempt's expires_at; the engine ignores one that moved on.
    for (const l of expired) {
      this.run((u) => {
        const fired = this.fire(u, l.planId, { type: "LeaseExpired", stepKey: l.stepKey, leaseId: l.leaseId });
        // An attempt its step no longer knows would be found again and again: end it here.
        if (!fired) this.store.attempts.end(l.leaseId, "LOST", { message: "lease expired", type: "LEASE_EXPIRED", retryable: true, details: null }, this.clock.now());
      });
    }
  }

  /** A message's reply timeout fell due (a MESSAGE_REPLY timer: not a plan-state event, see ./messages.ts). */
  protected abstract replyTimedOut(u: Unit, t: TimerRow): void;

  /** Applies a timer's event; false when it changed nothing. */
  private fire(u: Unit, planId: string, event: EngineEvent): boolean {
    const prev = this.load(u, planId);
    if (!prev) return false;
    const d = decide(prev, event, this.clock.now());
    if (!d.ok || !d.changed) return false;
    this.apply(u, prev, d, SYSTEM);
    return true;
  }

  /** Runs `fn` in one transaction; after commit publishes, re-arms and wakes. */
  protected run<T>(fn: (u: Unit) => T): T {
    const u = new Unit();
    const t0 = performance.now();
    const result = this.store.transaction(() => {
      const r = fn(u);
      for (const c of u.checkpoints()) this.checkpoint(u, this.load(u, c.planId)!, c.reason, c.stepKey, null, c.sender);
      for (const { base, next } of u.changes()) this.store.plans.save(base, next);
      this.announceRegressions(u);
      return r;
    });
    if (this.options.observers?.length) {
      const committed = { transactionMs: performance.now() - t0, started: u.started, ended: u.ended };
      for (const o of this.options.observers) {
        try {
          o.committed(committed);
        } catch (err) {
          this.logger.error({ err }, "an observer of committed transactions failed (metrics or tracing); the transaction stands");
        }
      }
    }
    for (const [id, at] of u.seen) this.lastSeen.set(id, at);
    this.hub.publish(u.signals);
    if (u.earliestTimer !== null) this.scheduler.noteTimer(u.earliestTimer);
    if (u.wake.size > 0) this.waiters.wake(u.wake);
    return result;
  }

  /**
   * Each plan made from a template that COMPLETED in this transaction is compared with the earlier
   * runs of its template version (src/insight/); a regression is announced by a REGRESSION signal
   * in this same transaction, so it commits with the completion or not at all (a crash cannot
   * lose it). Runs after the plans are saved, so that plans completed together judge each other
   * as Plan.evaluation does on read. A bug in the judging (not a storage failure, which dooms the
   * transaction anyway) is logged rather than allowed to refuse the completion.
   */
  private announceRegressions(u: Unit): void {
    for (const { base, next } of u.changes()) {
      if (base.plan.state === "COMPLETED" || next.plan.state !== "COMPLETED" || next.plan.templateId === null) continue;
      let payload: Json | null = null;
      try {
        payload = regressionSignal(this.store, next);
      } catch (err) {
        if (sqliteErrorOf(err)) throw err;
        this.logger.error({ err, planId: next.plan.id }, "judging a completed plan against its template's earlier runs failed");
      }
      if (payload) this.emit(u, { kind: "REGRESSION", planId: next.plan.id, sender: SYSTEM, payload });
    }
  }

  /** The plan as the transaction sees it (its own staged changes first). */
  protected load(u: Unit, planId: string): PlanAggregate | null {
    return u.aggregate(planId, (id) => this.store.plans.load(id));
  }

  protected mustLoad(u: Unit, planId: string): PlanAggregate {
    const a = this.load(u, planId);
    if (!a) throw notFound("plan", planId);
    return a;
  }

  /** Loads, decides and applies; a rejection becomes an error with a stable code. */
  protected dispatch(u: Unit, planId: string, event: EngineEvent, sender: string): Decision {
    const prev = this.mustLoad(u, planId);
    const d = decide(prev, event, this.clock.now());
    if (!d.ok) throw rejectionError(d);
    this.apply(u, prev, d, sender);
    return d;
  }

  /** Stages a decision and carries out its commands, in the caller's transaction. */
  protected apply(u: Unit, prev: PlanAggregate, d: Decision, sender: string): void {
    if (!d.changed) return;
    const planId = prev.plan.id;
    const now = this.clock.now();
    // Completions share a STEP checkpoint only with completions: anything else that follows in
    // the same transaction first gets the state right after them checkpointed.
    if (!d.commands.some((c) => c.type === "TakeCheckpoint" && c.reason === "STEP")) {
      const pending = u.takePendingStep(planId);
      if (pending) this.checkpoint(u, prev, "STEP", pending.stepKey, null, pending.sender);
    }
    u.stage(prev, d.aggregate);
    for (const c of d.commands) {
      switch (c.type) {
        case "EmitSignal":
          this.emit(u, { kind: c.kind, planId, stepKey: c.stepKey, agentId: c.agentId, sender, payload: c.payload });
          break;
        case "StartAttempt":
          this.store.attempts.start({ ...c, id: c.leaseId, planId, startedAt: now });
          u.started.push({ role: c.role, waitMs: c.queuedAt === null ? null : now - c.queuedAt });
          u.earliestTimer = Math.min(u.earliestTimer ?? c.expiresAt, c.expiresAt); // the lease's expiry
          break;
        case "ExtendLease":
          this.store.attempts.extend(c.leaseId, c.expiresAt);
          break;
        case "EndAttempt": {
          const step = prev.steps.find((s) => s.leaseId === c.leaseId);
          const done = c.outcome === "SUCCEEDED" && step ? d.aggregate.steps.find((s) => s.key === step.key) : undefined;
          this.store.attempts.end(c.leaseId, c.outcome, c.error, now, done?.output ?? null, done?.quality ?? null);
          if (step) {
            u.wake.add(step.role); // the agent has room again: its waiting claim may take work of any plan
            const durationMs = step.startedAt === null ? null : now - step.startedAt;
            u.ended.push({ planId, stepKey: step.key, attempt: step.attempts, agentId: step.agentId, role: step.role, outcome: c.outcome, durationMs });
          }
          break;
        }
        case "SetTimer":
          this.store.timers.set({ planId, stepKey: c.stepKey, kind: c.kind, ref: c.ref, dueAt: c.dueAt }, c.frozen ? now : null);
          if (!c.frozen) u.earliestTimer = Math.min(u.earliestTimer ?? c.dueAt, c.dueAt);
          break;
        case "FreezeTimers":
          this.store.timers.freeze(planId, now);
          break;
        case "TakeCheckpoint":
          u.checkpointAtCommit({ planId, reason: c.reason, stepKey: c.stepKey, sender });
          break;
        case "ThawTimers":
          this.store.timers.thaw(planId, now);
          u.earliestTimer = now; // re-read the earliest due time after commit
          break;
        case "ClearTimers":
          this.store.timers.clear(planId, c.stepKey);
          break;
        case "WriteContext": {
          const w = { planId, key: c.key, value: c.value, targets: [], by: sender, at: now };
          if (c.announce) this.writeContext(u, w);
          else this.store.context.write(w);
          break;
        }
      }
    }
    const { plan, steps } = d.aggregate;
    if (plan.state === "RUNNING" || plan.state === "COMPENSATING") for (const s of steps) if (s.state === "READY") u.wake.add(s.role);
  }

  /**
   * The plan's context as one object: every entry, or with a `reader` (an agent) only those it
   * may see (`visibleTo`: the one rule for leases and claim-time input mappings), as of `asOf`
   * when given (else the current context).
   */
  protected contextData(planId: string, reader: { id: string; roles: readonly string[] } | null = null, asOf?: number): { [key: string]: Json } {
    return contextData(this.store.context.entries(planId, asOf).filter((e) => visibleTo(e, reader)));
  }

  /** Writes a context entry and announces it (CONTEXT_UPDATED, without the value: targets may hide it). */
  protected writeContext(u: Unit, w: ContextWrite, extra: Json = {}): ContextEntryModel {
    const e = this.store.context.write(w);
    const payload = { key: e.key, version: e.version, contextVersion: e.contextVersion, targets: e.targets, ...(w.deleted ? { deleted: true } : {}), ...(extra as object) };
    this.emit(u, { kind: "CONTEXT_UPDATED", planId: w.planId, sender: w.by, payload });
    return e;
  }

  /** Records the aggregate as a checkpoint; STEP checkpoints past the limit are pruned. */
  protected checkpoint(u: Unit, a: PlanAggregate, reason: CheckpointReason, stepKey: string | null, label: string | null, sender: string): CheckpointRecord {
    const now = this.clock.now();
    const record = this.store.checkpoints.take(a, {
      id: newId("checkpoint"),
      reason,
      stepKey,
      label,
      sequence: this.store.signals.head(),
      contextVersion: this.store.context.version(a.plan.id),
      at: now,
    });
    // STEP checkpoints come with every completion and are announced by its STEP_SUCCEEDED;
    // the others get a signal of their own.
    if (isPrunable(reason)) this.store.checkpoints.prune(a.plan.id, this.options.checkpointKeep);
    if (reason !== "STEP") this.emit(u, { kind: "CHECKPOINT_CREATED", planId: a.plan.id, stepKey, sender, payload: { checkpointId: record.id, reason, label } });
    return record;
  }

  protected emit(
    u: Unit,
    s: { kind: SignalKind; planId?: string | null; stepKey?: string | null; agentId?: string | null; name?: string | null; sender: string; recipient?: string | null; payload?: Json },
  ): SignalModel {
    const signal = this.store.signals.append({
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
    u.signals.push(signal);
    return signal;
  }
}

export function attemptOf(c: Extract<EngineCommand, { type: "StartAttempt" }>, planId: string, now: number): AttemptModel {
  return {
    id: c.leaseId,
    planId,
    stepKey: c.stepKey,
    attempt: c.attempt,
    agentId: c.agentId,
    role: c.role,
    outcome: "RUNNING",
    error: null,
    queuedAt: c.queuedAt,
    startedAt: now,
    finishedAt: null,
    expiresAt: c.expiresAt,
    heartbeatTimeoutMs: c.heartbeatTimeoutMs,
    cancelRequested: false,
    output: null,
    quality: null,
  };
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

const earliest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

function rejectionError(r: Rejection): BatonError {
  if (r.code === "NOT_FOUND") return new BatonError("NOT_FOUND", r.message);
  return conflict(r.message, { reason: r.code });
}
