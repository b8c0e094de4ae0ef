/**
 * Operator control: interventions (the audit-logged changes to a running plan), checkpoints
 * and forks. Each is one transaction of the core, like every other change.
 */
import { newId } from "../domain/ids.js";
import { newStep, type PlanAggregate, type PlanModel } from "../domain/model.js";
import { badInput, conflict, notFound, type Problem } from "../domain/errors.js";
import { checkLengths, MAX_LABEL } from "../domain/limits.js";
import type { Json } from "../domain/model.js";
import { jsonEqual } from "../engine/conditions.js";
import type { ContextEntryModel } from "../store/context.js";
import { isSatisfiedStepState } from "../domain/statuses.js";
import { intervene } from "../engine/interventions.js";
import type { CheckpointRecord } from "../store/checkpoints.js";
import type { InterventionRecord } from "../store/interventions.js";
import { CoordinatorCore, SYSTEM } from "./core.js";
import { argsOf, checkContextUpdate, checkRequestShape, toInterventionRequest, type ContextUpdate, type ControlRequest } from "./requests.js";
import type { Unit } from "./unit.js";

/** BAD_USER_INPUT when one of the values is longer than its limit (MAX_NAME unless given). */
function checkNames(entries: Parameters<typeof checkLengths>[1]): void {
  const problems: Problem[] = [];
  checkLengths(problems, entries);
  if (problems.length > 0) throw badInput(problems);
}

export abstract class ControlCore extends CoordinatorCore {
  // ---------------------------------------------------------------- interventions

  /**
   * Applies an operator's intervention, or records why it was refused. Either way the
   * intervention is a row (the audit log) and a signal; an unknown plan or malformed
   * arguments are errors instead, and record nothing.
   */
  intervene(planId: string, input: ControlRequest, by: { actor: string; reason?: string | null; expectedVersion?: number | null }): InterventionRecord {
    checkRequestShape(input, by.reason);
    return this.run((u) => {
      const prev = this.mustLoad(u, planId);
      const request = toInterventionRequest(input, prev.plan, (id) => this.store.checkpoints.aggregate(id));
      const result = intervene(prev, request, this.clock.now(), by.expectedVersion);
      const stepKey = "stepKey" in request ? request.stepKey : request.kind === "ADD_STEP" ? request.step.key : null;
      const record = {
        id: newId("intervention"),
        planId,
        kind: request.kind,
        stepKey,
        actor: by.actor,
        reason: by.reason ?? null,
        args: argsOf(input),
        at: this.clock.now(),
      };
      if (!result.ok) {
        const row = this.store.interventions.insert({
          ...record,
          status: "REJECTED",
          rejectionCode: result.code,
          rejectionReason: result.reason,
          diff: null,
          planVersion: prev.plan.version,
        });
        this.emit(u, {
          kind: "INTERVENTION_REJECTED",
          planId,
          stepKey,
          sender: by.actor,
          payload: { interventionId: row.id, kind: row.kind, reason: row.reason, rejectionCode: result.code, rejectionReason: result.reason },
        });
        return row;
      }
      this.apply(u, prev, { ok: true, aggregate: result.aggregate, commands: result.commands, changed: true }, by.actor);
      if (request.kind === "RESTORE_CHECKPOINT") this.restoreContext(u, planId, this.store.checkpoints.get(request.checkpointId)!.contextVersion, by.actor);
      return this.recordApplied(u, record, result.diff, result.aggregate.plan.version);
    });
  }

  private recordApplied(u: Unit, record: Omit<InterventionRecord, "seq" | "status" | "rejectionCode" | "rejectionReason" | "diff" | "planVersion">, diff: Json, planVersion: number): InterventionRecord {
    const row = this.store.interventions.insert({ ...record, status: "APPLIED", rejectionCode: null, rejectionReason: null, diff, planVersion });
    this.emit(u, { kind: "INTERVENTION_APPLIED", planId: row.planId, stepKey: row.stepKey, sender: row.actor, payload: { interventionId: row.id, kind: row.kind, reason: row.reason, diff } });
    return row;
  }

  // ---------------------------------------------------------------- shared context

  /**
   * Writes one key of a plan's shared context: a new version of the entry, announced by
   * CONTEXT_UPDATED. With a lease, the agent holding it writes; otherwise an operator does, and
   * the write is also recorded as an UPDATE_CONTEXT intervention. A stale expectedVersion (of
   * the whole context) is a CONFLICT and writes nothing.
   */
  updateContext(req: ContextUpdate, by: { actor: string; leaseId?: string | null; reason?: string | null }): ContextEntryModel {
    checkContextUpdate(req, by.reason);
    return this.run((u) => {
      const plan = this.mustLoad(u, req.planId).plan;
      const writer = by.leaseId ? this.leaseHolder(req.planId, by.leaseId) : by.actor;
      const current = this.store.context.version(req.planId);
      if (req.expectedVersion != null && req.expectedVersion !== current) {
        throw conflict(`the context of plan ${req.planId} is at version ${current}, not ${req.expectedVersion}`, { planId: req.planId, contextVersion: current });
      }
      const before = this.store.context.entry(req.planId, req.key);
      const now = this.clock.now();
      const entry = this.writeContext(u, { planId: req.planId, key: req.key, value: req.value ?? null, targets: req.targets ?? [], by: writer, at: now });
      if (!by.leaseId) {
        const args = { key: req.key, value: req.value ?? null, targets: req.targets ?? [] };
        const record = { id: newId("intervention"), planId: req.planId, kind: "UPDATE_CONTEXT", stepKey: null, actor: by.actor, reason: by.reason ?? null, args, at: now };
        this.recordApplied(u, record, { key: req.key, before: before?.value ?? null, after: entry.value, contextVersion: entry.contextVersion }, plan.version);
      }
      return entry;
    });
  }

  /** The agent holding a running lease of this plan (CONFLICT when it is no longer running). */
  protected leaseHolder(planId: string, leaseId: string): string {
    const lease = this.store.attempts.get(leaseId);
    if (!lease || lease.planId !== planId) throw notFound("lease", leaseId);
    if (lease.outcome !== "RUNNING") throw conflict(`lease ${leaseId} is no longer active (attempt ${lease.outcome})`, { leaseId, outcome: lease.outcome });
    return lease.agentId ?? SYSTEM;
  }

  /** The context back as it was at a context version: changed keys rewritten, later ones removed. */
  private restoreContext(u: Unit, planId: string, version: number, by: string): void {
    const then = new Map(this.store.context.entries(planId, version).map((e) => [e.key, e] as const));
    const at = this.clock.now();
    for (const e of this.store.context.entries(planId)) {
      const old = then.get(e.key);
      if (!old) this.writeContext(u, { planId, key: e.key, value: null, targets: e.targets, by, at, deleted: true }, { restoredTo: version });
      else if (!jsonEqual(old.value, e.value) || !jsonEqual(old.targets, e.targets)) {
        this.writeContext(u, { planId, key: e.key, value: old.value, targets: old.targets, by, at }, { restoredTo: version });
      }
      then.delete(e.key);
    }
    for (const old of then.values()) this.writeContext(u, { planId, key: old.key, value: old.value, targets: old.targets, by, at }, { restoredTo: version });
  }

  // ---------------------------------------------------------------- checkpoints

  /** A MANUAL checkpoint of the plan as it is now (its label at most MAX_LABEL characters). */
  createCheckpoint(planId: string, label: string | null, actor: string): CheckpointRecord {
    checkNames([["label", label, MAX_LABEL]]);
    return this.run((u) => this.checkpoint(u, this.mustLoad(u, planId), "MANUAL", null, label, actor));
  }

  /**
   * A new plan that starts from a checkpoint's state: finished steps keep their outputs, the
   * others start afresh. The original plan is untouched; the fork names its checkpoint.
   */
  forkFromCheckpoint(checkpointId: string, name: string | null, actor: string): PlanModel {
    checkNames([["name", name]]);
    const state = this.store.checkpoints.aggregate(checkpointId);
    if (!state) throw notFound("checkpoint", checkpointId);
    const now = this.clock.now();
    const aggregate: PlanAggregate = {
      plan: {
        ...state.plan,
        id: newId("plan"),
        name: name ?? `${state.plan.name} (fork)`,
        state: "IDLE",
        version: 1,
        result: null,
        error: null,
        idempotencyKey: null,
        createdAt: now,
        startedAt: null,
        finishedAt: null,
        pausedAt: null,
        forkedFrom: checkpointId,
        lastClaimedAt: null,
        templateId: state.plan.templateId,
      },
      steps: state.steps.map((s, i) => (isSatisfiedStepState(s.state) ? { ...s, position: i, agentId: null, leaseId: null } : newStep(s, i))),
    };
    const checkpoint = this.store.checkpoints.get(checkpointId)!;
    return this.run((u) => {
      this.store.plans.insert(aggregate);
      // The fork starts with the context as it was (its own history begins there).
      for (const e of this.store.context.entries(checkpoint.planId, checkpoint.contextVersion)) {
        this.store.context.write({ planId: aggregate.plan.id, key: e.key, value: e.value, targets: e.targets, by: e.updatedBy, at: now });
      }
      this.emit(u, { kind: "PLAN_CREATED", planId: aggregate.plan.id, sender: actor, payload: { name: aggregate.plan.name, forkedFrom: checkpointId } });
      return this.dispatch(u, aggregate.plan.id, { type: "PlanStarted" }, actor).aggregate.plan;
    });
  }
}
