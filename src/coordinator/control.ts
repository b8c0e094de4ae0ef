/**
 * Operator control: interventions (the audit-logged changes to a running plan), checkpoints
 * and forks. Each is one transaction of the runner (./runner.ts), like every other change.
 */
import { newId } from "../domain/ids.js";
import { newStep, type PlanAggregate, type PlanModel } from "../domain/model.js";
import { badInput, notFound, type Problem } from "../domain/errors.js";
import { checkLengths, MAX_LABEL, MAX_TEXT } from "../domain/limits.js";
import type { Json } from "../domain/model.js";
import { jsonEqual } from "../engine/conditions.js";
import { isSatisfiedStepState, type PlanState } from "../domain/statuses.js";
import { intervene } from "../engine/interventions.js";
import type { CheckpointRecord } from "../store/checkpoints.js";
import type { InterventionRecord } from "../store/interventions.js";
import type { Clock } from "./clock.js";
import { apply, checkpoint, dispatch, writeContext } from "./decisions.js";
import { argsOf, checkRequestShape, toInterventionRequest, type ControlRequest } from "./requests.js";
import type { TransactionRunner } from "./runner.js";
import type { Tx } from "./tx.js";

/** BAD_USER_INPUT when one of the values is longer than its limit (MAX_NAME unless given). */
function checkNames(entries: Parameters<typeof checkLengths>[1]): void {
  const problems: Problem[] = [];
  checkLengths(problems, entries);
  if (problems.length > 0) throw badInput(problems);
}

/** Who asks for an intervention, why, and the plan version they saw. */
export interface InterventionActor {
  actor: string;
  reason?: string | null;
  expectedVersion?: number | null;
}

/** An intervention's record, and the plan's state once it is done (as it was, when refused). */
export interface Intervened {
  record: InterventionRecord;
  state: PlanState;
}

export interface ControlDeps {
  runner: TransactionRunner;
  clock: Clock;
}

export class Control {
  constructor(private readonly deps: ControlDeps) {}

  // ---------------------------------------------------------------- interventions

  /**
   * Applies an operator's intervention, or records why it was refused. Either way the
   * intervention is a row (the audit log) and a signal; an unknown plan or malformed
   * arguments are errors instead, and record nothing.
   */
  async intervene(planId: string, input: ControlRequest, by: InterventionActor): Promise<InterventionRecord> {
    return (await this.interveneWithState(planId, input, by)).record;
  }

  /** As intervene, with the plan's state once the intervention is done (what the bulk actions report). */
  async interveneWithState(planId: string, input: ControlRequest, by: InterventionActor): Promise<Intervened> {
    checkRequestShape(input, by.reason);
    return await this.deps.runner.transact(async (tx): Promise<Intervened> => {
      const prev = await tx.mustLoad(planId);
      const request = await toInterventionRequest(input, prev.plan, (id) => tx.store.checkpoints.aggregate(id));
      const result = intervene(prev, request, tx.clock.now(), by.expectedVersion);
      const stepKey = "stepKey" in request ? request.stepKey : request.kind === "ADD_STEP" ? request.step.key : null;
      const record = {
        id: newId("intervention"),
        planId,
        kind: request.kind,
        stepKey,
        actor: by.actor,
        reason: by.reason ?? null,
        args: argsOf(input),
        at: tx.clock.now(),
      };
      if (!result.ok) {
        const row = await tx.store.interventions.insert({
          ...record,
          status: "REJECTED",
          rejectionCode: result.code,
          rejectionReason: result.reason,
          diff: null,
          planVersion: prev.plan.version,
        });
        tx.emit({
          kind: "INTERVENTION_REJECTED",
          planId,
          stepKey,
          sender: by.actor,
          payload: { interventionId: row.id, kind: row.kind, reason: row.reason, rejectionCode: result.code, rejectionReason: result.reason },
        });
        return { record: row, state: prev.plan.state };
      }
      await apply(tx, prev, { ok: true, aggregate: result.aggregate, commands: result.commands, changed: true }, by.actor);
      if (request.kind === "RESTORE_CHECKPOINT") await restoreContext(tx, planId, (await tx.store.checkpoints.get(request.checkpointId))!.contextVersion, by.actor);
      return { record: await recordApplied(tx, record, result.diff, result.aggregate.plan.version), state: result.aggregate.plan.state };
    });
  }

  // ---------------------------------------------------------------- checkpoints

  /** A MANUAL checkpoint of the plan as it is now (its label at most MAX_LABEL characters). */
  async createCheckpoint(planId: string, label: string | null, actor: string): Promise<CheckpointRecord> {
    checkNames([["label", label, MAX_LABEL]]);
    return await this.deps.runner.transact(async (tx) => await checkpoint(tx, await tx.mustLoad(planId), "MANUAL", null, label, actor));
  }

  /**
   * A new plan that starts from a checkpoint's state: finished steps keep their outputs, the
   * others start afresh. The original plan is unchanged; its audit log records the fork (a
   * FORK_CHECKPOINT intervention with the actor and reason), and the fork names its checkpoint.
   */
  async forkFromCheckpoint(checkpointId: string, name: string | null, actor: string, reason: string | null = null): Promise<PlanModel> {
    checkNames([
      ["name", name],
      ["reason", reason, MAX_TEXT],
    ]);
    const now = this.deps.clock.now();
    return await this.deps.runner.transact(async (tx) => {
      const state = await tx.store.checkpoints.aggregate(checkpointId);
      if (!state) throw notFound("checkpoint", checkpointId);
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
      const from = (await tx.store.checkpoints.get(checkpointId))!;
      await tx.store.plans.insert(aggregate);
      tx.loadedAs(aggregate);
      // The fork starts with the context as it was (its own history begins there).
      for (const e of await tx.store.context.entries(from.planId, from.contextVersion)) {
        await tx.store.context.write({ planId: aggregate.plan.id, key: e.key, value: e.value, targets: e.targets, by: e.updatedBy, at: now });
      }
      tx.emit({ kind: "PLAN_CREATED", planId: aggregate.plan.id, sender: actor, payload: { name: aggregate.plan.name, forkedFrom: checkpointId, reason } });
      const original = (await tx.mustLoad(from.planId)).plan;
      const record = { id: newId("intervention"), planId: original.id, kind: "FORK_CHECKPOINT", stepKey: null, actor, reason, args: { checkpointId, name }, at: now };
      await recordApplied(tx, record, { forkedTo: aggregate.plan.id }, original.version);
      return (await dispatch(tx, aggregate.plan.id, { type: "PlanStarted" }, actor)).aggregate.plan;
    });
  }
}

/** Records an APPLIED intervention (the audit log) and its INTERVENTION_APPLIED signal, in the caller's transaction. */
export async function recordApplied(
  tx: Tx,
  record: Omit<InterventionRecord, "seq" | "status" | "rejectionCode" | "rejectionReason" | "diff" | "planVersion">,
  diff: Json,
  planVersion: number,
): Promise<InterventionRecord> {
  const row = await tx.store.interventions.insert({ ...record, status: "APPLIED", rejectionCode: null, rejectionReason: null, diff, planVersion });
  tx.emit({ kind: "INTERVENTION_APPLIED", planId: row.planId, stepKey: row.stepKey, sender: row.actor, payload: { interventionId: row.id, kind: row.kind, reason: row.reason, diff } });
  return row;
}

/** The context back as it was at a context version: changed keys rewritten, later ones removed. */
async function restoreContext(tx: Tx, planId: string, version: number, by: string): Promise<void> {
  const then = new Map((await tx.store.context.entries(planId, version)).map((e) => [e.key, e] as const));
  const at = tx.clock.now();
  for (const e of await tx.store.context.entries(planId)) {
    const old = then.get(e.key);
    if (!old) await writeContext(tx, { planId, key: e.key, value: null, targets: e.targets, by, at, deleted: true }, { restoredTo: version });
    else if (!jsonEqual(old.value, e.value) || !jsonEqual(old.targets, e.targets)) {
      await writeContext(tx, { planId, key: e.key, value: old.value, targets: old.targets, by, at }, { restoredTo: version });
    }
    then.delete(e.key);
  }
  for (const old of then.values()) await writeContext(tx, { planId, key: old.key, value: old.value, targets: old.targets, by, at }, { restoredTo: version });
}
