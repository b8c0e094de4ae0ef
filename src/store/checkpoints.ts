/**
 * Checkpoints, stored as deltas: a base row holds the whole plan; each later row holds the
 * plan row and only the steps that changed since the plan's previous checkpoint. Reading one
 * applies the deltas from the nearest base. Pruning a row folds it into its successor, so
 * every kept checkpoint stays readable.
 */
import { and, asc, desc, eq, gt, lte, sql } from "drizzle-orm";
import type { PlanAggregate, StepModel } from "../domain/model.js";
import type { Db } from "./database.js";
import { checkpoints } from "./schema.js";

export const CheckpointReason = { INITIAL: "INITIAL", STEP: "STEP", PAUSE: "PAUSE", MANUAL: "MANUAL", RESTORE: "RESTORE" } as const;
export type CheckpointReason = (typeof CheckpointReason)[keyof typeof CheckpointReason];

export interface CheckpointRecord {
  seq: number;
  id: string;
  planId: string;
  reason: CheckpointReason;
  stepKey: string | null;
  label: string | null;
  sequence: number;
  planVersion: number;
  bytes: number;
  createdAt: number;
}

/** A base every this many checkpoints bounds the deltas applied to read one. */
const BASE_EVERY = 32;

type Row = typeof checkpoints.$inferSelect;
const record = (r: Row): CheckpointRecord => ({
  seq: r.seq,
  id: r.id,
  planId: r.planId,
  reason: r.reason as CheckpointReason,
  stepKey: r.stepKey,
  label: r.label,
  sequence: r.sequence,
  planVersion: r.planVersion,
  bytes: r.bytes,
  createdAt: r.createdAt,
});

export interface TakeCheckpoint {
  id: string;
  reason: CheckpointReason;
  stepKey: string | null;
  label: string | null;
  sequence: number;
  at: number;
}

export class CheckpointRepository {
  /** The aggregate each plan's newest checkpoint holds (steps compared by identity). */
  private readonly last = new Map<string, { aggregate: PlanAggregate; sinceBase: number }>();

  constructor(private readonly db: Db) {}

  take(a: PlanAggregate, c: TakeCheckpoint): CheckpointRecord {
    const prev = this.last.get(a.plan.id);
    const base = !prev || prev.sinceBase + 1 >= BASE_EVERY;
    let steps: StepModel[] = a.steps;
    let order: string[] | null = a.steps.map((s) => s.key);
    if (!base) {
      const before = new Map(prev.aggregate.steps.map((s) => [s.key, s] as const));
      steps = a.steps.filter((s) => before.get(s.key) !== s);
      const sameOrder = prev.aggregate.steps.length === a.steps.length && a.steps.every((s, i) => prev.aggregate.steps[i]!.key === s.key);
      if (sameOrder) order = null;
    }
    const json = { plan: JSON.stringify(a.plan), steps: JSON.stringify(steps), order: order && JSON.stringify(order) };
    const bytes = json.plan.length + json.steps.length + (json.order?.length ?? 0);
    const row = this.db
      .insert(checkpoints)
      .values({
        id: c.id,
        planId: a.plan.id,
        reason: c.reason,
        stepKey: c.stepKey,
        label: c.label,
        sequence: c.sequence,
        planVersion: a.plan.version,
        base,
        plan: a.plan,
        steps,
        order,
        bytes,
        createdAt: c.at,
      })
      .returning()
      .get();
    this.last.set(a.plan.id, { aggregate: a, sinceBase: base ? 0 : prev!.sinceBase + 1 });
    return record(row);
  }

  /** Forgets what this process remembers (after a rolled-back transaction): the next checkpoint is a base. */
  forgetAll(): void {
    this.last.clear();
  }

  get(id: string): CheckpointRecord | null {
    const row = this.db.select().from(checkpoints).where(eq(checkpoints.id, id)).get();
    return row ? record(row) : null;
  }

  /** The plan as the checkpoint holds it. */
  aggregate(id: string): PlanAggregate | null {
    const target = this.db.select().from(checkpoints).where(eq(checkpoints.id, id)).get();
    if (!target) return null;
    const base = this.db
      .select()
      .from(checkpoints)
      .where(and(eq(checkpoints.planId, target.planId), lte(checkpoints.seq, target.seq), eq(checkpoints.base, true)))
      .orderBy(desc(checkpoints.seq))
      .limit(1)
      .get();
    if (!base) throw new Error(`checkpoint ${id} has no base`);
    const rows = this.db
      .select()
      .from(checkpoints)
      .where(and(eq(checkpoints.planId, target.planId), gt(checkpoints.seq, base.seq), lte(checkpoints.seq, target.seq)))
      .orderBy(asc(checkpoints.seq))
      .all();
    return [base, ...rows].reduce<PlanAggregate | null>((acc, r) => applyRow(acc, r), null);
  }

  /** The newest checkpoint of a plan at or before a signal sequence. */
  atSequence(planId: string, sequence: number): CheckpointRecord | null {
    const row = this.db
      .select()
      .from(checkpoints)
      .where(and(eq(checkpoints.planId, planId), lte(checkpoints.sequence, sequence)))
      .orderBy(desc(checkpoints.seq))
      .limit(1)
      .get();
    return row ? record(row) : null;
  }

  /** A plan's checkpoints, oldest first, after the cursor. */
  list(planId: string, afterSeq: number, limit: number): CheckpointRecord[] {
    return this.db
      .select()
      .from(checkpoints)
      .where(and(eq(checkpoints.planId, planId), gt(checkpoints.seq, afterSeq)))
      .orderBy(asc(checkpoints.seq))
      .limit(limit)
      .all()
      .map(record);
  }

  /**
   * Keeps the newest `keep` STEP checkpoints of a plan (every other reason is kept). A pruned
   * row's changes move into the next row, which becomes a base when the pruned one was.
   */
  prune(planId: string, keep: number): number {
    const steps = this.db
      .select({ seq: checkpoints.seq })
      .from(checkpoints)
      .where(and(eq(checkpoints.planId, planId), eq(checkpoints.reason, "STEP")))
      .orderBy(desc(checkpoints.seq))
      .all();
    const doomed = steps.slice(keep).map((r) => r.seq).reverse();
    for (const seq of doomed) this.fold(planId, seq);
    return doomed.length;
  }

  private fold(planId: string, seq: number): void {
    const row = this.db.select().from(checkpoints).where(eq(checkpoints.seq, seq)).get()!;
    const next = this.db
      .select()
      .from(checkpoints)
      .where(and(eq(checkpoints.planId, planId), gt(checkpoints.seq, seq)))
      .orderBy(asc(checkpoints.seq))
      .limit(1)
      .get();
    if (next && !next.base) {
      const merged = new Map(row.steps.map((s) => [s.key, s] as const));
      for (const s of next.steps as StepModel[]) merged.set(s.key, s);
      const order = next.order ?? row.order;
      const keys = order ? new Set(order) : null;
      const steps = [...merged.values()].filter((s) => !keys || keys.has(s.key));
      const bytes = JSON.stringify(next.plan).length + JSON.stringify(steps).length + (order ? JSON.stringify(order).length : 0);
      this.db.update(checkpoints).set({ base: row.base, steps, order, bytes }).where(eq(checkpoints.seq, next.seq)).run();
    }
    this.db.delete(checkpoints).where(eq(checkpoints.seq, seq)).run();
  }

  /** Total stored bytes of a plan's checkpoints (for the benchmark). */
  bytes(planId: string): { count: number; bytes: number } {
    const r = this.db
      .select({ count: sql<number>`count(*)`, bytes: sql<number>`coalesce(sum(${checkpoints.bytes}), 0)` })
      .from(checkpoints)
      .where(eq(checkpoints.planId, planId))
      .get();
    return { count: r?.count ?? 0, bytes: r?.bytes ?? 0 };
  }
}

function applyRow(acc: PlanAggregate | null, r: Row): PlanAggregate {
  const plan = r.plan;
  const changed = r.steps;
  if (r.base || !acc) return { plan, steps: changed };
  const byKey = new Map(acc.steps.map((s) => [s.key, s] as const));
  for (const s of changed) byKey.set(s.key, s);
  const order = r.order ?? acc.steps.map((s) => s.key);
  return { plan, steps: order.map((k) => byKey.get(k)!) };
}
