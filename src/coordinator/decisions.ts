/**
 * Load → decide → stage, in the caller's transaction: an engine decision staged on the
 * transaction's working set and its commands carried out (signal, attempt, timer, context and
 * checkpoint rows). The building blocks every service shares, each taking the transaction
 * context (./tx.ts) it runs in.
 */
import { BatonError, conflict } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { Json, PlanAggregate } from "../domain/model.js";
import { decide, type Decision, type Rejection } from "../engine/decide.js";
import type { EngineEvent } from "../engine/events.js";
import { isPrunable, type CheckpointReason, type CheckpointRecord } from "../store/checkpoints.js";
import { contextData as contextObject, visibleTo, type ContextEntryModel, type ContextRepository, type ContextWrite } from "../store/context.js";
import type { Tx } from "./tx.js";

/** Loads, decides and applies; a rejection becomes an error with a stable code. */
export async function dispatch(tx: Tx, planId: string, event: EngineEvent, sender: string): Promise<Decision> {
  const prev = await tx.mustLoad(planId);
  const d = decide(prev, event, tx.clock.now());
  if (!d.ok) throw rejectionError(d);
  await apply(tx, prev, d, sender);
  return d;
}

/** Stages a decision and carries out its commands, in the caller's transaction. */
export async function apply(tx: Tx, prev: PlanAggregate, d: Decision, sender: string): Promise<void> {
  if (!d.changed) return;
  const { store, unit: u } = tx;
  const planId = prev.plan.id;
  const now = tx.clock.now();
  // Completions share a STEP checkpoint only with completions: anything else that follows in
  // the same transaction first gets the state right after them checkpointed.
  if (!d.commands.some((c) => c.type === "TakeCheckpoint" && c.reason === "STEP")) {
    const pending = u.takePendingStep(planId);
    if (pending) await checkpoint(tx, prev, "STEP", pending.stepKey, null, pending.sender);
  }
  u.stage(prev, d.aggregate);
  // A step's timers cleared before the plan's are all cleared (a plan that ends): one statement.
  const allCleared = d.commands.findLastIndex((c) => c.type === "ClearTimers" && c.stepKey === null);
  for (const [i, c] of d.commands.entries()) {
    switch (c.type) {
      case "EmitSignal":
        tx.emit({ kind: c.kind, planId, stepKey: c.stepKey, agentId: c.agentId, sender, payload: c.payload });
        break;
      case "StartAttempt":
        await store.attempts.start({ ...c, id: c.leaseId, planId, startedAt: now });
        u.started.push({ role: c.role, waitMs: c.queuedAt === null ? null : now - c.queuedAt });
        u.earliestTimer = Math.min(u.earliestTimer ?? c.expiresAt, c.expiresAt); // the lease's expiry
        break;
      case "ExtendLease":
        tx.attemptChanged(c.leaseId);
        await store.attempts.extend(c.leaseId, c.expiresAt);
        break;
      case "EndAttempt": {
        const step = prev.steps.find((s) => s.leaseId === c.leaseId);
        const done = c.outcome === "SUCCEEDED" && step ? d.aggregate.steps.find((s) => s.key === step.key) : undefined;
        tx.attemptChanged(c.leaseId);
        await store.attempts.end(c.leaseId, c.outcome, c.error, now, done?.output ?? null, done?.quality ?? null);
        if (step) {
          u.wake.add(step.role); // the agent has room again: its waiting claim may take work of any plan
          const durationMs = step.startedAt === null ? null : now - step.startedAt;
          u.ended.push({ planId, stepKey: step.key, attempt: step.attempts, agentId: step.agentId, role: step.role, outcome: c.outcome, durationMs });
        }
        break;
      }
      case "SetTimer":
        await store.timers.set({ planId, stepKey: c.stepKey, kind: c.kind, ref: c.ref, dueAt: c.dueAt }, c.frozen ? now : null);
        if (!c.frozen) u.earliestTimer = Math.min(u.earliestTimer ?? c.dueAt, c.dueAt);
        break;
      case "FreezeTimers":
        await store.timers.freeze(planId, now);
        break;
      case "TakeCheckpoint":
        u.checkpointAtCommit({ planId, reason: c.reason, stepKey: c.stepKey, sender });
        break;
      case "ThawTimers":
        await store.timers.thaw(planId, now);
        u.earliestTimer = now; // re-read the earliest due time after commit
        break;
      case "ClearTimers":
        if (c.stepKey === null || i > allCleared) await store.timers.clear(planId, c.stepKey);
        break;
      case "WriteContext": {
        const w = { planId, key: c.key, value: c.value, targets: [], by: sender, at: now };
        if (c.announce) await writeContext(tx, w);
        else await store.context.writeLater(w);
        break;
      }
    }
  }
  const { plan, steps } = d.aggregate;
  if (plan.state === "RUNNING" || plan.state === "COMPENSATING") for (const s of steps) if (s.state === "READY") u.wake.add(s.role);
}

/** Writes a context entry and announces it (CONTEXT_UPDATED, without the value: targets may hide it). */
export async function writeContext(tx: Tx, w: ContextWrite, extra: Json = {}): Promise<ContextEntryModel> {
  const e = await tx.store.context.write(w);
  const payload = { key: e.key, version: e.version, contextVersion: e.contextVersion, targets: e.targets, ...(w.deleted ? { deleted: true } : {}), ...(extra as object) };
  tx.emit({ kind: "CONTEXT_UPDATED", planId: w.planId, sender: w.by, payload });
  return e;
}

/**
 * Records the aggregate as a checkpoint; STEP checkpoints past the limit are pruned.
 * `contextVersion`: the plan's context version when the caller read it already (else read here).
 */
export async function checkpoint(
  tx: Tx,
  a: PlanAggregate,
  reason: CheckpointReason,
  stepKey: string | null,
  label: string | null,
  sender: string,
  contextVersion?: number,
): Promise<CheckpointRecord> {
  const { store } = tx;
  const now = tx.clock.now();
  const record = await store.checkpoints.take(a, {
    id: newId("checkpoint"),
    reason,
    stepKey,
    label,
    sequence: await tx.head(),
    contextVersion: contextVersion ?? (await store.context.version(a.plan.id)),
    at: now,
  });
  // A plan has at most as many STEP checkpoints as versions (each came with a change of it): none
  // to prune before its version passes the number kept, so nothing to count.
  if (isPrunable(reason) && a.plan.version > tx.checkpointKeep) await store.checkpoints.prune(a.plan.id, tx.checkpointKeep);
  // STEP checkpoints come with every completion and are announced by its STEP_SUCCEEDED;
  // the others get a signal of their own.
  if (reason !== "STEP") tx.emit({ kind: "CHECKPOINT_CREATED", planId: a.plan.id, stepKey, sender, payload: { checkpointId: record.id, reason, label } });
  return record;
}

/**
 * The plan's context as one object: every entry, or with a `reader` (an agent) only those it
 * may see (`visibleTo`: the one rule for leases and claim-time input mappings), as of `asOf`
 * when given (else the current context). Takes the repository, not a transaction: a lease
 * reads its pinned context on demand, after the claim committed.
 */
export async function contextData(
  context: ContextRepository,
  planId: string,
  reader: { id: string; roles: readonly string[] } | null = null,
  asOf?: number,
): Promise<{ [key: string]: Json }> {
  return contextObject((await context.entries(planId, asOf)).filter((e) => visibleTo(e, reader)));
}

function rejectionError(r: Rejection): BatonError {
  if (r.code === "NOT_FOUND") return new BatonError("NOT_FOUND", r.message);
  return conflict(r.message, { reason: r.code });
}
