/**
 * Writes to a plan's shared context by an operator or an agent (updateContext), each one
 * transaction of the runner (./runner.ts). The engine's own writes (outputs, outputMapping) are
 * commands of its decisions (./decisions.ts); a restore's are an intervention's (./control.ts).
 */
import { conflict } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { ContextEntryModel } from "../store/context.js";
import { recordApplied } from "./control.js";
import { writeContext } from "./decisions.js";
import { leaseHolder } from "./leases.js";
import { checkContextUpdate, type ContextUpdate } from "./requests.js";
import type { TransactionRunner } from "./runner.js";

export class SharedContext {
  constructor(private readonly runner: TransactionRunner) {}

  /**
   * Writes one key of a plan's shared context: a new version of the entry, announced by
   * CONTEXT_UPDATED. With a lease, the agent holding it writes; otherwise an operator does, and
   * the write is also recorded as an UPDATE_CONTEXT intervention. A stale expectedVersion (of
   * the whole context) is a CONFLICT and writes nothing.
   */
  async update(req: ContextUpdate, by: { actor: string; leaseId?: string | null; reason?: string | null }): Promise<ContextEntryModel> {
    checkContextUpdate(req, by.reason);
    return await this.runner.transact(async (tx) => {
      const plan = (await tx.mustLoad(req.planId)).plan;
      const writer = by.leaseId ? await leaseHolder(tx, req.planId, by.leaseId) : by.actor;
      const current = await tx.store.context.version(req.planId);
      if (req.expectedVersion != null && req.expectedVersion !== current) {
        throw conflict(`the context of plan ${req.planId} is at version ${current}, not ${req.expectedVersion}`, { planId: req.planId, contextVersion: current });
      }
      const before = await tx.store.context.entry(req.planId, req.key);
      const now = tx.clock.now();
      const entry = await writeContext(tx, { planId: req.planId, key: req.key, value: req.value ?? null, targets: req.targets ?? [], by: writer, at: now });
      if (!by.leaseId) {
        const args = { key: req.key, value: req.value ?? null, targets: req.targets ?? [] };
        const record = { id: newId("intervention"), planId: req.planId, kind: "UPDATE_CONTEXT", stepKey: null, actor: by.actor, reason: by.reason ?? null, args, at: now };
        await recordApplied(tx, record, { key: req.key, before: before?.value ?? null, after: entry.value, contextVersion: entry.contextVersion }, plan.version);
      }
      return entry;
    });
  }
}
