/**
 * Leases: claims (with long polls), heartbeats and agents' reports (one, or many in one
 * transaction: group commit). A lease is an attempt row; each call is one transaction of the
 * runner (./runner.ts). Lease expiry is fired with the timers (./due.ts).
 */
import { isReservedRole } from "../domain/builtins.js";
import { BatonError, badInput, conflict, isBatonError, notFound, type Problem } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import { checkLengths, MAX_TEXT } from "../domain/limits.js";
import type { AgentModel, AttemptModel, Json } from "../domain/model.js";
import type { EngineCommand } from "../engine/commands.js";
import { readsContext } from "../engine/conditions.js";
import { decide } from "../engine/decide.js";
import type { StepDraft } from "../engine/validate.js";
import type { Store } from "../store/store.js";
import type { Agents } from "./agents.js";
import { Batcher } from "./batcher.js";
import type { Clock } from "./clock.js";
import { apply, contextData, dispatch } from "./decisions.js";
import type { RoleLimits } from "./limits.js";
import { checkReport, reportEvent, type LeaseGrant, type LeaseStatus, type Report, type ReportedError, type StepResult } from "./requests.js";
import type { TransactionRunner } from "./runner.js";
import { SYSTEM, type Tx } from "./tx.js";
import type { ClaimWaiters } from "./waiters.js";

export const MAX_CLAIM_BATCH = 100;
export const MAX_CLAIM_WAIT_MS = 30_000;
/** Candidates read for a claim of n steps: some may be skipped (a plan at maxParallel within the batch). */
const claimWindow = (n: number): number => n * 4 + 8;

/**
 * The agent as it may claim: a remote agent never serves a reserved builtin.* role, even one
 * stored before registerAgent refused them (an old database), so it can never complete the
 * gateway's own work such as an approval.
 */
const claimant = (agent: AgentModel | null): AgentModel | null =>
  agent && !agent.builtin && agent.roles.some(isReservedRole) ? { ...agent, roles: agent.roles.filter((r) => !isReservedRole(r)) } : agent;

export interface LeaseDeps {
  runner: TransactionRunner;
  /** For reads outside a transaction (the claiming agent). */
  store: Store;
  clock: Clock;
  agents: Agents;
  limits: RoleLimits;
  waiters: ClaimWaiters;
  /** Draining: claims return nothing. */
  isDraining: () => boolean;
}

export class Leases {
  constructor(private readonly deps: LeaseDeps) {}

  /**
   * Claims up to `max` READY steps of the agent's roles, best first. With `waitMs` and nothing
   * ready, waits until a commit makes work claimable or the time runs out.
   */
  async claim(agentId: string, max = 1, waitMs = 0, signal?: AbortSignal): Promise<LeaseGrant[]> {
    const problems: Problem[] = [];
    if (!Number.isInteger(max) || max < 1 || max > MAX_CLAIM_BATCH) problems.push({ path: "max", message: `must be from 1 to ${MAX_CLAIM_BATCH}` });
    if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > MAX_CLAIM_WAIT_MS) problems.push({ path: "waitMs", message: `must be from 0 to ${MAX_CLAIM_WAIT_MS}` });
    if (problems.length) throw badInput(problems);
    const agent = claimant(await this.deps.store.queries.agents.get(agentId));
    if (!agent) throw notFound("agent", agentId);
    if (waitMs === 0 || this.deps.isDraining() || signal?.aborted) return this.tryClaim(agent, max);
    // The waiter is queued before the first attempt, so that a commit while it runs wakes it: it
    // then tries again rather than sleep through work that came meanwhile. One attempt at a time;
    // an attempt under way ends the wait itself, so that no lease it takes is lost.
    return new Promise((resolve, reject) => {
      let trying = false;
      let again = false;
      let over = false;
      const finish = (end: () => void): void => {
        if (over) return;
        over = true;
        timeout.cancel();
        signal?.removeEventListener("abort", giveUp);
        end();
      };
      let gaveUp = false;
      const giveUp = (): void => {
        leave();
        gaveUp = true;
        if (!trying) finish(() => resolve([]));
      };
      /** Claims until it gets work or nothing changed meanwhile; true when the wait is over. */
      const attempt = async (): Promise<boolean> => {
        if (over) return true;
        if (trying) {
          again = true;
          return false;
        }
        trying = true;
        try {
          for (;;) {
            again = false;
            let grants: LeaseGrant[];
            try {
              grants = await this.tryClaim(agent, max);
            } catch (e) {
              // Nothing was claimed (a full disk…): this claimer gets the error, not the commit
              // that woke it, and the other waiters still get their turn.
              finish(() => reject(e));
              return true;
            }
            if (grants.length > 0 || gaveUp) {
              finish(() => resolve(grants));
              return true;
            }
            if (!again) return false;
          }
        } finally {
          trying = false;
        }
      };
      const timeout = this.deps.clock.schedule(waitMs, giveUp);
      // A caller that went away (HTTP request closed) must not be handed work nobody receives.
      signal?.addEventListener("abort", giveUp, { once: true });
      const leave = this.deps.waiters.add(agent.roles, attempt, () => finish(() => resolve([])));
      void attempt().then((done) => done && leave());
    });
  }

  private async tryClaim(agent: AgentModel, max: number): Promise<LeaseGrant[]> {
    if (this.deps.isDraining()) return [];
    return await this.deps.runner.transact(async (tx) => {
      const { store } = tx;
      const now = tx.clock.now();
      await this.deps.agents.seen(tx, agent.id, now);
      const room = Math.min(max, agent.concurrency - (await store.attempts.runningCount(agent.id)));
      const grants: LeaseGrant[] = [];
      if (room <= 0) return grants;
      const gate = await this.deps.limits.gate(tx.store, agent.roles, now);
      const candidates = gate
        ? await store.plans.claimable(gate.roles, claimWindow(room), (role) => claimWindow(Math.min(room, gate.left(role))))
        : await store.plans.claimable(agent.roles, claimWindow(room));
      // The candidates' plans are locked at once, those another transaction holds passed over;
      // their context versions (pinned by each lease) read at once too.
      const locked = await store.plans.lockOrSkip([...new Set(candidates.map((c) => c.planId))]);
      const contextVersions = await store.context.versions([...locked]);
      for (const c of candidates) {
        if (grants.length >= room) break;
        if (gate && gate.left(c.role) <= 0) continue; // the role's limit is reached within this batch
        if (!locked.has(c.planId)) continue; // another transaction holds the plan: the next candidate
        const prev = await tx.load(c.planId);
        if (!prev) continue;
        const leaseId = newId("lease");
        const needs = prev.steps.find((s) => s.key === c.key)?.inputMapping != null;
        // The inputMapping reads the context as this agent may see it (the lease's view, same
        // version): a key targeted at other roles or agents is absent, never handed over.
        const contextVersion = contextVersions.get(c.planId)!;
        const context = needs ? await contextData(store.context, c.planId, agent, contextVersion) : null;
        const d = decide(prev, { type: "StepClaimed", stepKey: c.key, leaseId, agentId: agent.id, context }, now);
        if (!d.ok) continue; // e.g. the plan reached maxParallel within this batch
        await apply(tx, prev, d, agent.id);
        await gate?.take(c.role);
        const start = d.commands.find((x): x is Extract<EngineCommand, { type: "StartAttempt" }> => x.type === "StartAttempt")!;
        grants.push({
          lease: attemptOf(start, c.planId, now),
          step: d.aggregate.steps.find((s) => s.key === c.key)!,
          plan: d.aggregate.plan,
          // read after commit, through the read port (the transaction is over by then)
          context: async () => ({ data: await contextData(this.deps.store.queries.context, c.planId, agent, contextVersion), version: contextVersion }),
        });
      }
      return grants;
    });
  }

  async heartbeat(leaseId: string, progress: number | null = null, message: string | null = null): Promise<LeaseStatus> {
    const problems: Problem[] = [];
    if (progress !== null && !(progress >= 0 && progress <= 1)) problems.push({ path: "progress", message: `must be from 0 to 1, got ${progress}` });
    checkLengths(problems, [["message", message, MAX_TEXT]]);
    if (problems.length > 0) throw badInput(problems);
    return await this.deps.runner.transact(async (tx) => {
      const lease = await this.leaseOf(tx, leaseId, true);
      if (lease.outcome === "CANCELLED") return { expiresAt: lease.expiresAt, cancelRequested: true };
      await dispatch(tx, lease.planId, { type: "StepHeartbeat", stepKey: lease.stepKey, leaseId, progress, message }, lease.agentId ?? SYSTEM);
      return { expiresAt: (await tx.store.attempts.get(leaseId))!.expiresAt, cancelRequested: false };
    });
  }

  /** Completes the attempt; `addSteps` join the plan (dynamic plans), or the attempt fails with INVALID_PLAN when they are invalid. */
  complete(leaseId: string, output: Json | null, quality: number | null = null, addSteps: StepDraft[] | null = null): Promise<StepResult> {
    return this.reportOne({ kind: "complete", leaseId, output, quality, addSteps });
  }

  fail(leaseId: string, error: ReportedError): Promise<StepResult> {
    return this.reportOne({ kind: "fail", leaseId, error });
  }

  /** Reports of one event-loop turn (several agents', or one agent's several) commit together. */
  private readonly reports = new Batcher<Report, StepResult>((rs) => this.reportMany(rs));

  private async reportOne(r: Report): Promise<StepResult> {
    checkReport(r);
    return await this.reports.add(r);
  }

  /**
   * Applies many agent reports in ONE transaction (group commit). A refused report is undone
   * alone and returned as its error, in input order: the batch is first applied straight (the
   * usual case: nothing refused, no savepoint round trips); if a report is refused, that attempt
   * rolls back and the batch runs again with each report in its own savepoint.
   */
  async reportMany(reports: readonly Report[]): Promise<(StepResult | BatonError)[]> {
    try {
      return await this.deps.runner.transact((tx) => this.applyAll(tx, reports, false));
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
    }
    return await this.deps.runner.transact((tx) => this.applyAll(tx, reports, true));
  }

  private async applyAll(tx: Tx, reports: readonly Report[], savepoints: boolean): Promise<(StepResult | BatonError)[]> {
    const results: (StepResult | BatonError)[] = [];
    await tx.readAttempts(reports.map((r) => r.leaseId).filter((id) => typeof id === "string"));
    for (const r of reports) {
      try {
        checkReport(r); // before any write: refused without undoing anything
      } catch (e) {
        if (!isBatonError(e)) throw e;
        results.push(e);
        continue;
      }
      try {
        results.push(savepoints ? await tx.savepoint(() => this.applyReport(tx, r)) : await this.applyReport(tx, r));
      } catch (e) {
        if (!isBatonError(e)) throw e;
        if (!savepoints) throw new Refused();
        results.push(e); // undone alone: never saved nor published
      }
    }
    return results;
  }

  private async applyReport(tx: Tx, r: Report): Promise<StepResult> {
    const lease = await this.leaseOf(tx, r.leaseId, false);
    const a = await tx.mustLoad(lease.planId);
    const event = reportEvent(r, lease.stepKey, a.plan);
    // Route rules that read the context get it with the event, so the decision stays a pure function of it.
    if (event.type === "StepCompleted" && readsContext(a.steps.find((s) => s.key === lease.stepKey)!)) event.context = await contextData(tx.store.context, lease.planId);
    const d = await dispatch(tx, lease.planId, event, lease.agentId ?? SYSTEM);
    return { planId: lease.planId, step: d.aggregate.steps.find((s) => s.key === lease.stepKey)! };
  }

  /** The lease, still running (or, for heartbeats, cancelled); CONFLICT otherwise. */
  private async leaseOf(tx: Tx, leaseId: string, allowCancelled: boolean): Promise<AttemptModel> {
    const lease = await tx.attempt(leaseId);
    if (!lease) throw conflict(`unknown lease ${leaseId}`, { leaseId });
    if (lease.agentId) await this.deps.agents.seen(tx, lease.agentId, tx.clock.now());
    if (lease.outcome === "RUNNING" || (allowCancelled && lease.outcome === "CANCELLED")) return lease;
    throw conflict(`lease ${leaseId} is no longer active (attempt ${lease.outcome})`, { leaseId, outcome: lease.outcome });
  }
}

/** A report of a batch applied without savepoints was refused: the batch runs again with them. */
class Refused extends Error {}

/** The agent holding a running lease of this plan (CONFLICT when it is no longer running): who writes or sends with the lease. */
export async function leaseHolder(tx: Tx, planId: string, leaseId: string): Promise<string> {
  const lease = await tx.store.attempts.get(leaseId);
  if (!lease || lease.planId !== planId) throw notFound("lease", leaseId);
  if (lease.outcome !== "RUNNING") throw conflict(`lease ${leaseId} is no longer active (attempt ${lease.outcome})`, { leaseId, outcome: lease.outcome });
  return lease.agentId ?? SYSTEM;
}

/** The lease a claim hands out, as its attempt row was written. */
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
    output: null,
    quality: null,
  };
}
