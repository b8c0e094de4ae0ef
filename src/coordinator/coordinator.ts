/**
 * The imperative shell around the pure engine. Every change runs as
 *   load → decide → save, in ONE synchronous transaction with its signal rows,
 * and only after commit are signals published, timers re-armed and waiting claimers woken.
 */
import { builtinConfigProblems } from "../domain/builtins.js";
import { BatonError, badInput, conflict, isBatonError, notFound, type Problem } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { AgentModel, AttemptModel, Json, PlanAggregate, PlanModel, SignalModel, StepError, StepModel } from "../domain/model.js";
import type { Priority, SignalKind } from "../domain/statuses.js";
import { decide, type Decision, type Rejection } from "../engine/decide.js";
import type { EngineCommand } from "../engine/commands.js";
import type { EngineEvent } from "../engine/events.js";
import { validatePlanSteps, type PolicyDraft, type StepDraft } from "../engine/validate.js";
import { SignalHub } from "../signals/hub.js";
import type { Store } from "../store/store.js";
import type { TimerRow } from "../store/timers.js";
import type { Clock } from "./clock.js";
import { Scheduler } from "./scheduler.js";
import { ClaimWaiters } from "./waiters.js";

export interface CreatePlanRequest {
  name: string;
  goal?: string | null;
  steps?: StepDraft[] | null;
  input?: Json;
  policy?: PolicyDraft | null;
  priority?: Priority | null;
  labels?: string[] | null;
  start?: boolean | null;
  idempotencyKey?: string | null;
}

export interface RegisterAgentRequest {
  name: string;
  roles: string[];
  concurrency?: number | null;
  metadata?: Json;
}

/** A claimed step: the lease, and the step and plan as they were when it was granted. */
export interface LeaseGrant {
  lease: AttemptModel;
  step: StepModel;
  plan: PlanModel;
}

/** An error as an agent reports it; omitted fields take defaults (retryable: true). */
export interface ReportedError {
  message: string;
  type?: string | null;
  retryable?: boolean | null;
  details?: Json;
}

/** What an agent reports at the end of an attempt. */
export type Report =
  | { kind: "complete"; leaseId: string; output: Json | null; quality?: number | null }
  | { kind: "fail"; leaseId: string; error: ReportedError };

/** A step after an agent reported on it. */
export interface StepResult {
  planId: string;
  step: StepModel;
}

export interface LeaseStatus {
  expiresAt: number;
  cancelRequested: boolean;
}

export interface CoordinatorOptions {
  clock: Clock;
  /** A remote agent not seen for this long goes OFFLINE. */
  agentOfflineMs: number;
}

export const MAX_CLAIM_BATCH = 100;
export const MAX_CLAIM_WAIT_MS = 30_000;
const SYSTEM = "system";
const SEEN_RESOLUTION_MS = 1_000;

/** What one transaction leaves to do after it commits. */
class Unit {
  readonly signals: SignalModel[] = [];
  readonly wake = new Set<string>();
  readonly seen = new Map<string, number>();
  earliestTimer: number | null = null;
}

export class Coordinator {
  readonly hub = new SignalHub();
  private readonly waiters = new ClaimWaiters();
  private readonly scheduler: Scheduler;
  private draining = false;
  private sweepHandle: { cancel(): void } | null = null;
  private readonly lastSeen = new Map<string, number>();

  constructor(
    readonly store: Store,
    private readonly options: CoordinatorOptions,
  ) {
    this.scheduler = new Scheduler(options.clock, () => store.timers.nextDue(), () => this.fireDueTimers());
  }

  get clock(): Clock {
    return this.options.clock;
  }

  /** Fires timers that fell due (also those due while the server was down) and arms the next. */
  start(): void {
    this.scheduler.rearm();
    this.scheduleSweep();
  }

  /** Stops handing out work: claims return nothing and long polls end now. */
  drain(): void {
    this.draining = true;
    this.waiters.abandonAll();
  }

  stop(): void {
    this.drain();
    this.scheduler.stop();
    this.sweepHandle?.cancel();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Claims parked in a long poll now. */
  get waitingClaims(): number {
    return this.waiters.size;
  }

  // ---------------------------------------------------------------- plans

  createPlan(req: CreatePlanRequest, actor: string): PlanModel {
    if (req.idempotencyKey) {
      const existing = this.store.plans.findByIdempotencyKey(req.idempotencyKey);
      if (existing) return existing;
    }
    const { steps, policy, problems } = validatePlanSteps(req.steps, req.policy);
    if (req.name.trim() === "") problems.unshift({ path: "name", message: "must not be empty" });
    steps.forEach((s, i) => problems.push(...builtinConfigProblems(s.role, s.config, `steps[${i}]`)));
    if (problems.length > 0) throw badInput(problems);
    const now = this.clock.now();
    const priority = req.priority ?? "NORMAL";
    const aggregate: PlanAggregate = {
      plan: {
        id: newId("plan"),
        name: req.name,
        goal: req.goal ?? null,
        state: "IDLE",
        version: 1,
        priority,
        labels: [...new Set(req.labels ?? [])],
        input: req.input ?? null,
        policy,
        result: null,
        error: null,
        idempotencyKey: req.idempotencyKey ?? null,
        createdAt: now,
        startedAt: null,
        finishedAt: null,
      },
      steps: steps.map((s, i) => ({
        ...s,
        priority: req.steps?.[i]?.priority ?? priority,
        position: i,
        state: "PENDING",
        output: null,
        error: null,
        attempts: 0,
        progress: null,
        progressMessage: null,
        quality: null,
        agentId: null,
        leaseId: null,
        readyAt: null,
        startedAt: null,
        finishedAt: null,
        retryAt: null,
      })),
    };
    return this.run((u) => {
      this.store.plans.insert(aggregate);
      this.emit(u, { kind: "PLAN_CREATED", planId: aggregate.plan.id, sender: actor, payload: { name: req.name } });
      if (req.start === false) return aggregate.plan;
      return this.dispatch(u, aggregate.plan.id, { type: "PlanStarted" }, actor).aggregate.plan;
    });
  }

  startPlan(id: string, actor: string): PlanModel {
    return this.run((u) => this.dispatch(u, id, { type: "PlanStarted" }, actor).aggregate.plan);
  }

  /** Appends a CUSTOM signal to a plan's timeline. */
  sendSignal(
    req: { planId: string; name: string; stepKey?: string | null; payload?: Json; recipient?: string | null },
    sender: string,
  ): SignalModel {
    return this.run((u) => {
      const a = this.mustLoad(req.planId);
      if (req.name.trim() === "") throw badInput([{ path: "name", message: "must not be empty" }]);
      if (req.stepKey && !a.steps.some((s) => s.key === req.stepKey)) {
        throw badInput([{ path: "stepKey", message: `plan has no step "${req.stepKey}"` }]);
      }
      return this.emit(u, {
        kind: "CUSTOM",
        name: req.name,
        planId: req.planId,
        stepKey: req.stepKey ?? null,
        sender,
        recipient: req.recipient ?? null,
        payload: req.payload ?? null,
      });
    });
  }

  // ---------------------------------------------------------------- agents and leases

  registerAgent(req: RegisterAgentRequest, builtin = false): AgentModel {
    const problems: Problem[] = [];
    if (req.name.trim() === "") problems.push({ path: "name", message: "must not be empty" });
    if (req.roles.length === 0 || req.roles.some((r) => r.trim() === "")) {
      problems.push({ path: "roles", message: "at least one role, none empty" });
    }
    const concurrency = req.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      problems.push({ path: "concurrency", message: `must be a whole number from 1 to 1000, got ${concurrency}` });
    }
    if (problems.length) throw badInput(problems);
    const now = this.clock.now();
    const agent: AgentModel = {
      id: newId("agent"),
      name: req.name,
      roles: [...new Set(req.roles)],
      concurrency,
      status: "ONLINE",
      builtin,
      metadata: req.metadata ?? null,
      lastSeenAt: now,
      createdAt: now,
    };
    return this.run((u) => {
      this.store.agents.insert(agent);
      this.emit(u, { kind: "AGENT_ONLINE", agentId: agent.id, sender: agent.id, payload: { name: agent.name, roles: agent.roles } });
      return agent;
    });
  }

  /**
   * Claims up to `max` READY steps of the agent's roles, best first. With `waitMs` and nothing
   * ready, waits until a commit makes work claimable or the time runs out.
   */
  async claim(agentId: string, max = 1, waitMs = 0, signal?: AbortSignal): Promise<LeaseGrant[]> {
    const problems: Problem[] = [];
    if (!Number.isInteger(max) || max < 1 || max > MAX_CLAIM_BATCH) problems.push({ path: "max", message: `must be from 1 to ${MAX_CLAIM_BATCH}` });
    if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > MAX_CLAIM_WAIT_MS) problems.push({ path: "waitMs", message: `must be from 0 to ${MAX_CLAIM_WAIT_MS}` });
    if (problems.length) throw badInput(problems);
    const agent = this.store.agents.get(agentId);
    if (!agent) throw notFound("agent", agentId);
    const now = this.tryClaim(agent, max);
    if (now.length > 0 || waitMs === 0 || this.draining || signal?.aborted) return now;
    return new Promise((resolve) => {
      const giveUp = (): void => {
        leave();
        end();
      };
      const end = (grants: LeaseGrant[] = []): void => {
        timeout.cancel();
        signal?.removeEventListener("abort", giveUp);
        resolve(grants);
      };
      const timeout = this.clock.schedule(waitMs, giveUp);
      // A caller that went away (HTTP request closed) must not be handed work nobody receives.
      signal?.addEventListener("abort", giveUp, { once: true });
      const leave = this.waiters.add(
        agent.roles,
        () => {
          const grants = this.tryClaim(agent, max);
          if (grants.length === 0) return false;
          end(grants);
          return true;
        },
        () => end(),
      );
    });
  }

  private tryClaim(agent: AgentModel, max: number): LeaseGrant[] {
    if (this.draining) return [];
    return this.run((u) => {
      const now = this.clock.now();
      this.seen(u, agent.id, now);
      const room = Math.min(max, agent.concurrency - this.store.attempts.runningCount(agent.id));
      const grants: LeaseGrant[] = [];
      if (room <= 0) return grants;
      for (const c of this.store.plans.claimable(agent.roles, room * 4 + 8)) {
        if (grants.length >= room) break;
        const prev = this.store.plans.load(c.planId);
        if (!prev) continue;
        const leaseId = newId("lease");
        const d = decide(prev, { type: "StepClaimed", stepKey: c.key, leaseId, agentId: agent.id }, now);
        if (!d.ok) continue; // e.g. the plan reached maxParallel within this batch
        this.apply(u, prev, d, agent.id);
        const start = d.commands.find((x): x is Extract<EngineCommand, { type: "StartAttempt" }> => x.type === "StartAttempt")!;
        grants.push({
          lease: attemptOf(start, c.planId, now),
          step: d.aggregate.steps.find((s) => s.key === c.key)!,
          plan: d.aggregate.plan,
        });
      }
      return grants;
    });
  }

  heartbeat(leaseId: string, progress: number | null = null, message: string | null = null): LeaseStatus {
    if (progress !== null && !(progress >= 0 && progress <= 1)) {
      throw badInput([{ path: "progress", message: `must be from 0 to 1, got ${progress}` }]);
    }
    return this.run((u) => {
      const lease = this.leaseOf(u, leaseId, true);
      if (lease.outcome === "CANCELLED") return { expiresAt: lease.expiresAt, cancelRequested: true };
      this.dispatch(u, lease.planId, { type: "StepHeartbeat", stepKey: lease.stepKey, leaseId, progress, message }, lease.agentId ?? SYSTEM);
      return { expiresAt: this.store.attempts.get(leaseId)!.expiresAt, cancelRequested: false };
    });
  }

  complete(leaseId: string, output: Json | null, quality: number | null = null): StepResult {
    return this.reportOne({ kind: "complete", leaseId, output, quality });
  }

  fail(leaseId: string, error: ReportedError): StepResult {
    return this.reportOne({ kind: "fail", leaseId, error });
  }

  private reportOne(r: Report): StepResult {
    checkReport(r);
    return this.run((u) => this.applyReport(u, r));
  }

  /**
   * Applies many agent reports in ONE transaction (group commit), each in its own savepoint:
   * a refused report is undone alone and returned as its error, in input order.
   */
  reportMany(reports: readonly Report[]): (StepResult | BatonError)[] {
    return this.run((u) =>
      reports.map((r) => {
        const mark = u.signals.length;
        try {
          checkReport(r);
          return this.store.transaction(() => this.applyReport(u, r));
        } catch (e) {
          if (!isBatonError(e)) throw e;
          u.signals.length = mark; // rolled back with the savepoint: never published
          return e;
        }
      }),
    );
  }

  private applyReport(u: Unit, r: Report): StepResult {
    const lease = this.leaseOf(u, r.leaseId, false);
    const event: EngineEvent =
      r.kind === "complete"
        ? { type: "StepCompleted", stepKey: lease.stepKey, leaseId: r.leaseId, output: r.output, quality: r.quality ?? null }
        : { type: "StepFailed", stepKey: lease.stepKey, leaseId: r.leaseId, error: toStepError(r.error) };
    const d = this.dispatch(u, lease.planId, event, lease.agentId ?? SYSTEM);
    return { planId: lease.planId, step: d.aggregate.steps.find((s) => s.key === lease.stepKey)! };
  }

  /** The lease, still running (or, for heartbeats, cancelled); CONFLICT otherwise. */
  private leaseOf(u: Unit, leaseId: string, allowCancelled: boolean): AttemptModel {
    const lease = this.store.attempts.get(leaseId);
    if (!lease) throw conflict(`unknown lease ${leaseId}`, { leaseId });
    if (lease.agentId) this.seen(u, lease.agentId, this.clock.now());
    if (lease.outcome === "RUNNING" || (allowCancelled && lease.outcome === "CANCELLED")) return lease;
    throw conflict(`lease ${leaseId} is no longer active (attempt ${lease.outcome})`, { leaseId, outcome: lease.outcome });
  }

  /**
   * Records that an agent was heard from; an OFFLINE agent comes back ONLINE. Writes at most
   * once a second per agent: last_seen_at is only compared with the offline threshold (≥ 1 s).
   */
  private seen(u: Unit, agentId: string, now: number): void {
    const last = this.lastSeen.get(agentId);
    if (last !== undefined && now - last < SEEN_RESOLUTION_MS) return;
    const agent = this.store.agents.get(agentId);
    if (!agent) return;
    u.seen.set(agentId, now); // remembered once committed
    this.store.agents.touch(agentId, now, "ONLINE");
    if (agent.status === "OFFLINE") {
      this.emit(u, { kind: "AGENT_ONLINE", agentId, sender: agentId, payload: { name: agent.name } });
    }
  }

  /** Remote agents not heard from within agentOfflineMs go OFFLINE. */
  sweepAgents(): void {
    const before = this.clock.now() - this.options.agentOfflineMs;
    const ids = this.store.agents.staleIds(before);
    if (ids.length === 0) return;
    this.run((u) => {
      for (const id of ids) {
        this.lastSeen.delete(id);
        this.store.agents.touch(id, this.store.agents.get(id)!.lastSeenAt ?? before, "OFFLINE");
        this.emit(u, { kind: "AGENT_OFFLINE", agentId: id, sender: SYSTEM, payload: null });
      }
    });
  }

  private scheduleSweep(): void {
    this.sweepHandle = this.clock.schedule(Math.max(1000, this.options.agentOfflineMs / 2), () => {
      this.sweepAgents();
      this.scheduleSweep();
    });
  }

  // ---------------------------------------------------------------- timers

  /** Fires every durable timer due now, each in its own transaction. */
  fireDueTimers(): void {
    for (;;) {
      const due = this.store.timers.due(this.clock.now(), 100);
      if (due.length === 0) return;
      for (const t of due) {
        this.run((u) => {
          if (!this.store.timers.take(t)) return; // moved or cleared since it was read
          const prev = this.store.plans.load(t.planId);
          if (!prev) return;
          const d = decide(prev, timerEvent(t), this.clock.now());
          if (d.ok) this.apply(u, prev, d, SYSTEM);
        });
      }
    }
  }

  // ---------------------------------------------------------------- transactions

  /** Runs `fn` in one transaction; after commit publishes, re-arms and wakes. */
  private run<T>(fn: (u: Unit) => T): T {
    const u = new Unit();
    const result = this.store.transaction(() => fn(u));
    for (const [id, at] of u.seen) this.lastSeen.set(id, at);
    this.hub.publish(u.signals);
    if (u.earliestTimer !== null) this.scheduler.noteTimer(u.earliestTimer);
    if (u.wake.size > 0) this.waiters.wake(u.wake);
    return result;
  }

  private mustLoad(planId: string): PlanAggregate {
    const a = this.store.plans.load(planId);
    if (!a) throw notFound("plan", planId);
    return a;
  }

  /** Loads, decides and applies; a rejection becomes an error with a stable code. */
  private dispatch(u: Unit, planId: string, event: EngineEvent, sender: string): Decision {
    const prev = this.mustLoad(planId);
    const d = decide(prev, event, this.clock.now());
    if (!d.ok) throw rejectionError(d);
    this.apply(u, prev, d, sender);
    return d;
  }

  /** Saves a decision and carries out its commands, in the caller's transaction. */
  private apply(u: Unit, prev: PlanAggregate, d: Decision, sender: string): void {
    if (!d.changed) return;
    const planId = prev.plan.id;
    const now = this.clock.now();
    this.store.plans.save(prev, d.aggregate);
    for (const c of d.commands) {
      switch (c.type) {
        case "EmitSignal":
          this.emit(u, { kind: c.kind, planId, stepKey: c.stepKey, agentId: c.agentId, sender, payload: c.payload });
          break;
        case "StartAttempt":
          this.store.attempts.start({ ...c, id: c.leaseId, planId, startedAt: now });
          break;
        case "ExtendLease":
          this.store.attempts.extend(c.leaseId, c.expiresAt);
          break;
        case "EndAttempt": {
          this.store.attempts.end(c.leaseId, c.outcome, c.error, now);
          // The agent has room again: its waiting claim may take work of any plan.
          const role = prev.steps.find((s) => s.leaseId === c.leaseId)?.role;
          if (role) u.wake.add(role);
          break;
        }
        case "SetTimer":
          this.store.timers.set({ planId, stepKey: c.stepKey, kind: c.kind, ref: c.ref, dueAt: c.dueAt });
          u.earliestTimer = Math.min(u.earliestTimer ?? c.dueAt, c.dueAt);
          break;
        case "ClearTimers":
          this.store.timers.clear(planId, c.stepKey);
          break;
      }
    }
    const { plan, steps } = d.aggregate;
    if (plan.state === "RUNNING") for (const s of steps) if (s.state === "READY") u.wake.add(s.role);
  }

  private emit(
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

function checkReport(r: Report): void {
  if (r.kind === "complete" && r.quality != null && !(r.quality >= 0 && r.quality <= 1)) {
    throw badInput([{ path: "quality", message: `must be from 0 to 1, got ${r.quality}` }]);
  }
  if (r.kind === "fail" && r.error.message.trim() === "") throw badInput([{ path: "error.message", message: "must not be empty" }]);
}

const toStepError = (e: ReportedError): StepError => ({
  message: e.message,
  type: e.type ?? null,
  retryable: e.retryable ?? true,
  details: e.details ?? null,
});

function attemptOf(c: Extract<EngineCommand, { type: "StartAttempt" }>, planId: string, now: number): AttemptModel {
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
  };
}

function timerEvent(t: TimerRow): EngineEvent {
  const stepKey = t.stepKey ?? "";
  switch (t.kind) {
    case "RETRY":
      return { type: "RetryDue", stepKey };
    case "LEASE":
      return { type: "LeaseExpired", stepKey, leaseId: t.ref ?? "" };
    case "STEP_TIMEOUT":
      return { type: "StepTimedOut", stepKey, leaseId: t.ref ?? "" };
    case "PLAN_DEADLINE":
      return { type: "PlanDeadlineReached" };
  }
}

function rejectionError(r: Rejection): BatonError {
  if (r.code === "NOT_FOUND") return new BatonError("NOT_FOUND", r.message);
  return conflict(r.message, { reason: r.code });
}
