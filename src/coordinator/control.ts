/**
 * Operator control: interventions (the audit-logged changes to a running plan), checkpoints
 * and forks. Each is one transaction of the core, like every other change.
 */
import { newId } from "../domain/ids.js";
import { newStep, type PlanAggregate, type PlanModel } from "../domain/model.js";
import { notFound } from "../domain/errors.js";
import { isSatisfiedStepState } from "../domain/statuses.js";
import { intervene } from "../engine/interventions.js";
import type { CheckpointRecord } from "../store/checkpoints.js";
import type { InterventionRecord } from "../store/interventions.js";
import { CoordinatorCore } from "./core.js";
import { argsOf, checkRequestShape, toInterventionRequest, type ControlRequest } from "./requests.js";

export abstract class ControlCore extends CoordinatorCore {
  // ---------------------------------------------------------------- interventions

  /**
   * Applies an operator's intervention, or records why it was refused. Either way the
   * intervention is a row (the audit log) and a signal; an unknown plan or malformed
   * arguments are errors instead, and record nothing.
   */
  intervene(planId: string, input: ControlRequest, by: { actor: string; reason?: string | null; expectedVersion?: number | null }): InterventionRecord {
    checkRequestShape(input);
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
      const row = this.store.interventions.insert({
        ...record,
        status: "APPLIED",
        rejectionCode: null,
        rejectionReason: null,
        diff: result.diff,
        planVersion: result.aggregate.plan.version,
      });
      this.emit(u, { kind: "INTERVENTION_APPLIED", planId, stepKey, sender: by.actor, payload: { interventionId: row.id, kind: row.kind, reason: row.reason, diff: result.diff } });
      return row;
    });
  }

  // ---------------------------------------------------------------- checkpoints

  /** A MANUAL checkpoint of the plan as it is now. */
  createCheckpoint(planId: string, label: string | null, actor: string): CheckpointRecord {
    return this.run((u) => this.checkpoint(u, this.mustLoad(u, planId), "MANUAL", null, label, actor));
  }

  /**
   * A new plan that starts from a checkpoint's state: finished steps keep their outputs, the
   * others start afresh. The original plan is untouched; the fork names its checkpoint.
   */
  forkFromCheckpoint(checkpointId: string, name: string | null, actor: string): PlanModel {
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
    return this.run((u) => {
      this.store.plans.insert(aggregate);
      this.emit(u, { kind: "PLAN_CREATED", planId: aggregate.plan.id, sender: actor, payload: { name: aggregate.plan.name, forkedFrom: checkpointId } });
      return this.dispatch(u, aggregate.plan.id, { type: "PlanStarted" }, actor).aggregate.plan;
    });
  }
}
