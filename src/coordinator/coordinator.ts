/**
 * The coordinator's API: plans, agents, leases (operator control is in ./control.ts, messages in ./messages.ts). Each call is one transaction of the core
 * (./core.ts): load → decide → save with its signals, then publish and wake after commit.
 */
import { isReservedRole, roleListProblems } from "../domain/builtins.js";
import { BatonError, badInput, conflict, isBatonError, notFound, type Problem } from "../domain/errors.js";
import { checkLengths, MAX_TEXT, type RoleLimitSpec } from "../domain/limits.js";
import { newId } from "../domain/ids.js";
import { newStep, type AgentModel, type AttemptModel, type Json, type PlanAggregate, type PlanModel, type SignalModel } from "../domain/model.js";
import type { EngineCommand } from "../engine/commands.js";
import { readsContext } from "../engine/conditions.js";
import { decide } from "../engine/decide.js";
import type { EngineEvent } from "../engine/events.js";
import { checkPlanSteps, type StepDraft } from "../engine/validate.js";
import { atStepsPath, Templates } from "../templates/templates.js";
import type { TimerHandle } from "./clock.js";
import {
  checkReport,
  createPlanRequestHash,
  planRequestProblems,
  signalProblems,
  reportEvent,
  type CreatePlanRequest,
  type LeaseGrant,
  type LeaseStatus,
  type RegisterAgentRequest,
  type Report,
  type ReportedError,
  type StepResult,
} from "./requests.js";
import { Tokens } from "../auth/tokens.js";
import { MessagesCore } from "./messages.js";
import { logFailure } from "./background.js";
import { attemptOf, SYSTEM } from "./core.js";
import { RoleLimits, type RoleLimitStatus } from "./limits.js";
import { withPrefetch } from "./prefetch.js";
import type { Unit } from "./unit.js";

export type { CoordinatorOptions } from "./core.js";
export type { MessageRequest } from "./messages.js";
export type { ControlRequest, CreatePlanRequest, LeaseGrant, LeaseStatus, RegisterAgentRequest, Report, ReportedError, StepResult } from "./requests.js";

export const MAX_CLAIM_BATCH = 100;
export const MAX_CLAIM_WAIT_MS = 30_000;
const SEEN_RESOLUTION_MS = 1_000;
/** Candidates read for a claim of n steps: some may be skipped (a plan at maxParallel within the batch). */
const claimWindow = (n: number): number => n * 4 + 8;

/** The longest agent name registerAgent takes. */
export const MAX_AGENT_NAME = 200;

/**
 * The agent as it may claim: a remote agent never serves a reserved builtin.* role, even one
 * stored before registerAgent refused them (an old database), so it can never complete the
 * gateway's own work such as an approval.
 */
const claimant = (agent: AgentModel | null): AgentModel | null =>
  agent && !agent.builtin && agent.roles.some(isReservedRole) ? { ...agent, roles: agent.roles.filter((r) => !isReservedRole(r)) } : agent;

export class Coordinator extends MessagesCore {
  readonly templates = new Templates(this.store, this.clock);
  /** API tokens: who may call the gateway (src/auth/tokens.ts). */
  readonly tokens = new Tokens(this.store.tokens, () => this.clock.now());
  private readonly limits = new RoleLimits(this.store, this.clock, (roles) => this.waiters.wake(roles));
  private sweepHandle: TimerHandle | null = null;

  /** Fires timers that fell due (also those due while the server was down), arms the next, starts the agent sweep. */
  start(): void {
    this.limits.configure(this.options.roleLimits ?? [], SYSTEM);
    this.startTimers();
    this.scheduleSweep();
  }

  /** Stops handing out work: claims return nothing and long polls end now. */
  drain(): void {
    this.draining = true;
    this.waiters.abandonAll();
  }

  stop(): void {
    this.drain();
    this.stopTimers();
    this.limits.stop();
    this.sweepHandle?.cancel();
  }

  // ---------------------------------------------------------------- plans

  createPlan(req: CreatePlanRequest, actor: string): PlanModel {
    // The same key with the same request is a retry: the first plan, written once. With another
    // request it is a mistake that would silently drop the new plan: CONFLICT.
    const requestHash = req.idempotencyKey ? createPlanRequestHash(req) : null;
    if (req.idempotencyKey) {
      const existing = this.store.plans.findIdempotent(req.idempotencyKey);
      if (existing) {
        if (existing.requestHash !== null && existing.requestHash !== requestHash) {
          throw conflict(`idempotencyKey ${JSON.stringify(req.idempotencyKey)} was used for plan ${existing.plan.id} with a different request`, {
            planId: existing.plan.id,
            idempotencyKey: req.idempotencyKey,
          });
        }
        return existing.plan;
      }
    }
    const source = this.templates.source(req);
    const priority = req.priority ?? "NORMAL";
    const drafts = source.steps.map((d) => (d.priority ? d : { ...d, priority }));
    const { steps, policy, problems } = withPrefetch(checkPlanSteps(drafts, source.policy), req.prefetch, priority);
    if (req.delayMs != null && !(Number.isInteger(req.delayMs) && req.delayMs >= 0)) problems.push({ path: "delayMs", message: `must be a whole number ≥ 0, got ${req.delayMs}` });
    problems.unshift(...planRequestProblems(req)); // name, goal, labels, keys: empty or too long
    if (problems.length > 0) throw badInput(atStepsPath(problems, source.stepsPath));
    const now = this.clock.now();
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
        pausedAt: null,
        forkedFrom: null,
        lastClaimedAt: null,
        templateId: source.templateId,
      },
      steps: steps.map((s, i) => newStep(s, i)),
    };
    return this.run((u) => {
      this.store.plans.insert(aggregate);
      if (requestHash) this.store.plans.setIdempotencyHash(aggregate.plan.id, requestHash);
      const startsAt = Math.max(req.runAt instanceof Date ? req.runAt.getTime() : (req.runAt ?? 0), req.delayMs ? now + req.delayMs : 0);
      const payload: Json = startsAt > now ? { name: req.name, startsAt } : { name: req.name };
      this.emit(u, { kind: "PLAN_CREATED", planId: aggregate.plan.id, sender: actor, payload });
      if (req.start === false) return aggregate.plan;
      // Not started before runAt / delayMs: a durable timer starts it (startPlan may still start it earlier).
      const first: EngineEvent = startsAt > now ? { type: "PlanStartScheduled", at: startsAt } : { type: "PlanStarted" };
      return this.dispatch(u, aggregate.plan.id, first, actor).aggregate.plan;
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
      const a = this.mustLoad(u, req.planId);
      const problems = signalProblems(req, a.steps);
      if (problems.length > 0) throw badInput(problems);
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
    if (req.name.trim() === "" || req.name.length > MAX_AGENT_NAME) problems.push({ path: "name", message: `must be 1 to ${MAX_AGENT_NAME} characters, not blank` });
    problems.push(...roleListProblems(req.roles, "roles"));
    const concurrency = req.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      problems.push({ path: "concurrency", message: `must be a whole number from 1 to 1000, got ${concurrency}` });
    }
    if (problems.length) throw badInput(problems);
    // builtin.* steps are the gateway's own work (an approval is a builtin.signal step): only
    // its built-in agents serve them, so a remote agent may not even name such a role.
    const reserved = builtin ? [] : req.roles.filter(isReservedRole);
    if (reserved.length > 0) {
      throw new BatonError("FORBIDDEN", `builtin.* roles are reserved for the gateway's own agents: ${reserved.join(", ")}`, { roles: reserved });
    }
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
      owner: req.owner ?? null,
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
    const agent = claimant(this.store.agents.get(agentId));
    if (!agent) throw notFound("agent", agentId);
    const now = this.tryClaim(agent, max);
    if (now.length > 0 || waitMs === 0 || this.draining || signal?.aborted) return now;
    return new Promise((resolve, reject) => {
      const giveUp = (): void => {
        leave();
        end();
      };
      const settle = (): void => {
        timeout.cancel();
        signal?.removeEventListener("abort", giveUp);
      };
      const end = (grants: LeaseGrant[] = []): void => {
        settle();
        resolve(grants);
      };
      const timeout = this.clock.schedule(waitMs, giveUp);
      // A caller that went away (HTTP request closed) must not be handed work nobody receives.
      signal?.addEventListener("abort", giveUp, { once: true });
      const leave = this.waiters.add(
        agent.roles,
        () => {
          let grants: LeaseGrant[];
          try {
            grants = this.tryClaim(agent, max);
          } catch (e) {
            // Nothing was claimed (a full disk…): this claimer gets the error, not the commit
            // that woke it, and the other waiters still get their turn.
            settle();
            reject(e);
            return true;
          }
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
      const gate = this.limits.gate(agent.roles, now);
      const candidates = gate
        ? this.store.plans.claimable(gate.roles, claimWindow(room), (role) => claimWindow(Math.min(room, gate.left(role))))
        : this.store.plans.claimable(agent.roles, claimWindow(room));
      for (const c of candidates) {
        if (grants.length >= room) break;
        if (gate && gate.left(c.role) <= 0) continue; // the role's limit is reached within this batch
        const prev = this.load(u, c.planId);
        if (!prev) continue;
        const leaseId = newId("lease");
        const needs = prev.steps.find((s) => s.key === c.key)?.inputMapping != null;
        // The inputMapping reads the context as this agent may see it (the lease's view, same
        // version): a key targeted at other roles or agents is absent, never handed over.
        const contextVersion = this.store.context.version(c.planId);
        const visibleContext = (): { [key: string]: Json } => this.contextData(c.planId, agent, contextVersion);
        const d = decide(prev, { type: "StepClaimed", stepKey: c.key, leaseId, agentId: agent.id, context: needs ? visibleContext() : null }, now);
        if (!d.ok) continue; // e.g. the plan reached maxParallel within this batch
        this.apply(u, prev, d, agent.id);
        gate?.take(c.role);
        const start = d.commands.find((x): x is Extract<EngineCommand, { type: "StartAttempt" }> => x.type === "StartAttempt")!;
        grants.push({
          lease: attemptOf(start, c.planId, now),
          step: d.aggregate.steps.find((s) => s.key === c.key)!,
          plan: d.aggregate.plan,
          context: () => ({ data: visibleContext(), version: contextVersion }),
        });
      }
      return grants;
    });
  }

  heartbeat(leaseId: string, progress: number | null = null, message: string | null = null): LeaseStatus {
    const problems: Problem[] = [];
    if (progress !== null && !(progress >= 0 && progress <= 1)) problems.push({ path: "progress", message: `must be from 0 to 1, got ${progress}` });
    checkLengths(problems, [["message", message, MAX_TEXT]]);
    if (problems.length > 0) throw badInput(problems);
    return this.run((u) => {
      const lease = this.leaseOf(u, leaseId, true);
      if (lease.outcome === "CANCELLED") return { expiresAt: lease.expiresAt, cancelRequested: true };
      this.dispatch(u, lease.planId, { type: "StepHeartbeat", stepKey: lease.stepKey, leaseId, progress, message }, lease.agentId ?? SYSTEM);
      return { expiresAt: this.store.attempts.get(leaseId)!.expiresAt, cancelRequested: false };
    });
  }

  /** Completes the attempt; `addSteps` join the plan (dynamic plans), or the attempt fails with INVALID_PLAN when they are invalid. */
  complete(leaseId: string, output: Json | null, quality: number | null = null, addSteps: StepDraft[] | null = null): StepResult {
    return this.reportOne({ kind: "complete", leaseId, output, quality, addSteps });
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
        const undo = u.mark();
        try {
          checkReport(r);
          return this.store.transaction(() => this.applyReport(u, r));
        } catch (e) {
          if (!isBatonError(e)) throw e;
          undo(); // rolled back with the savepoint: never saved nor published
          return e;
        }
      }),
    );
  }

  private applyReport(u: Unit, r: Report): StepResult {
    const lease = this.leaseOf(u, r.leaseId, false);
    const a = this.mustLoad(u, lease.planId);
    const event = reportEvent(r, lease.stepKey, a.plan);
    // Route rules that read the context get it with the event, so the decision stays a pure function of it.
    if (event.type === "StepCompleted" && readsContext(a.steps.find((s) => s.key === lease.stepKey)!)) event.context = this.contextData(lease.planId);
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
        this.store.agents.touch(id, this.store.agents.get(id)!.lastSeenAt ?? before, "OFFLINE");
        this.emit(u, { kind: "AGENT_OFFLINE", agentId: id, sender: SYSTEM, payload: null });
      }
    });
    for (const id of ids) this.lastSeen.delete(id); // once committed
  }

  private scheduleSweep(): void {
    const every = Math.max(1000, this.options.agentOfflineMs / 2);
    this.sweepHandle = this.clock.schedule(every, () => {
      try {
        this.sweepAgents();
      } catch (err) {
        logFailure(this.logger, err, "the agent sweep", every); // the next sweep finds them again
      }
      this.scheduleSweep();
    });
  }

  // ---------------------------------------------------------------- queue policies per role

  /** Sets a role's claim rate and/or cap on running leases (see ./limits.ts); BAD_USER_INPUT for a bad or empty one. */
  setRoleLimit(spec: RoleLimitSpec, actor: string): RoleLimitStatus {
    return this.limits.set(spec, actor);
  }

  /** Removes a role's limits; false when it had none. */
  removeRoleLimit(role: string): boolean {
    return this.limits.remove(role);
  }

  /** Every role's limits as they stand now, by role. */
  roleLimits(): RoleLimitStatus[] {
    return this.limits.list();
  }

}
