/**
 * Checkpoints, stored as deltas: a base row holds the whole plan; each later row holds the
 * plan row and only the steps that changed since the plan's previous checkpoint. Reading one
 * applies the deltas from the nearest base. Pruning a row folds it into its successor, so
 * every kept checkpoint stays readable.
 */
import { and, asc, desc, eq, gt, lte, sql } from "drizzle-orm";
import type { PlanAggregate, PlanModel, StepModel } from "../domain/model.js";
import type Database from "better-sqlite3";
import type { Db } from "./database.js";
import { PLAN, STEP } from "./fields.js";
import { rangeSql, seqRange, type SeqRange } from "./paging.js";
import { checkpoints } from "./schema.js";

export const CheckpointReason = { INITIAL: "INITIAL", STEP: "STEP", PAUSE: "PAUSE", MANUAL: "MANUAL", RESTORE: "RESTORE" } as const;
export type CheckpointReason = (typeof CheckpointReason)[keyof typeof CheckpointReason];

/**
 * STEP checkpoints (one per completion) are kept up to a limit; the others mark what people
 * did or decided (start, pause, a label, a restore) and are all kept.
 */
export const isPrunable = (r: CheckpointReason): boolean => r === "STEP";

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
  /** The plan context's version when it was taken. */
  contextVersion: number;
  createdAt: number;
}

const utf8 = (text: string): number => Buffer.byteLength(text, "utf8");

/** A base every this many checkpoints bounds the deltas applied to read one. */
const BASE_EVERY = 128;

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
  contextVersion: r.contextVersion,
  createdAt: r.createdAt,
});

export interface TakeCheckpoint {
  id: string;
  reason: CheckpointReason;
  stepKey: string | null;
  label: string | null;
  sequence: number;
  contextVersion: number;
  at: number;
}

export class CheckpointRepository {
  /** The aggregate each plan's newest checkpoint holds (steps compared by identity). */
  private readonly last = new Map<string, { aggregate: PlanAggregate; sinceBase: number }>();

  /** STEP checkpoints per plan, counted once from the table, then kept up to date. */
  private readonly stepCounts = new Map<string, number>();
  private readonly insert;
  private readonly countSteps;

  constructor(
    private readonly db: Db,
    sqlite: Database.Database,
  ) {
    this.insert = sqlite.prepare(
      `INSERT INTO checkpoints (id, plan_id, reason, step_key, label, sequence, plan_version, base, plan, steps, "order", bytes, context_version, created_at)
       VALUES (@id, @planId, @reason, @stepKey, @label, @sequence, @planVersion, @base, @plan, @steps, @order, @bytes, @contextVersion, @createdAt)`,
    );
    this.countSteps = sqlite.prepare<[string], { n: number }>("SELECT count(*) AS n FROM checkpoints WHERE plan_id = ? AND reason = 'STEP'");
  }

  private stepCount(planId: string): number {
    let n = this.stepCounts.get(planId);
    if (n === undefined) this.stepCounts.set(planId, (n = this.countSteps.get(planId)?.n ?? 0));
    return n;
  }

  take(a: PlanAggregate, c: TakeCheckpoint): CheckpointRecord {
    const prev = this.last.get(a.plan.id);
    const base = !prev || prev.sinceBase + 1 >= BASE_EVERY;
    let steps: StepDelta[] = a.steps;
    let order: string[] | null = a.steps.map((s) => s.key);
    if (!base) {
      const before = new Map(prev.aggregate.steps.map((s) => [s.key, s] as const));
      steps = a.steps.flatMap((s) => {
        const was = before.get(s.key);
        return was === s ? [] : [was ? changedFields(was, s) : s];
      });
      const sameOrder = prev.aggregate.steps.length === a.steps.length && a.steps.every((s, i) => prev.aggregate.steps[i]!.key === s.key);
      if (sameOrder) order = null;
    }
    // A delta keeps only the plan's run state while its definition (name, policy, input…) is unchanged.
    const plan = base || PLAN_DEFINITION.some((f) => prev.aggregate.plan[f] !== a.plan[f]) ? a.plan : planRunState(a.plan);
    const json = { plan: JSON.stringify(plan), steps: JSON.stringify(steps), order: order && JSON.stringify(order) };
    const bytes = utf8(json.plan) + utf8(json.steps) + (json.order ? utf8(json.order) : 0);
    const res = this.insert.run({
      id: c.id,
      planId: a.plan.id,
      reason: c.reason,
      stepKey: c.stepKey,
      label: c.label,
      sequence: c.sequence,
      planVersion: a.plan.version,
      base: base ? 1 : 0,
      ...json,
      bytes,
      contextVersion: c.contextVersion,
      createdAt: c.at,
    });
    this.last.set(a.plan.id, { aggregate: a, sinceBase: base ? 0 : prev!.sinceBase + 1 });
    if (isPrunable(c.reason)) this.stepCounts.set(a.plan.id, this.stepCount(a.plan.id) + 1);
    const { id, reason, stepKey, label, sequence, contextVersion, at } = c;
    return { seq: Number(res.lastInsertRowid), id, planId: a.plan.id, reason, stepKey, label, sequence, planVersion: a.plan.version, bytes, contextVersion, createdAt: at };
  }

  /** Forgets what this process remembers (after a rolled-back transaction): the next checkpoint is a base. */
  forgetAll(): void {
    this.last.clear();
    this.stepCounts.clear();
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

  /** A plan's checkpoints, oldest first, after the cursor (or in a range, see paging.ts). */
  list(planId: string, afterSeq: SeqRange, limit: number): CheckpointRecord[] {
    const range = rangeSql(checkpoints.seq, seqRange(afterSeq));
    return this.db
      .select()
      .from(checkpoints)
      .where(and(eq(checkpoints.planId, planId), ...range.where))
      .orderBy(range.orderBy)
      .limit(limit)
      .all()
      .map(record);
  }

  /**
   * Keeps the newest `keep` STEP checkpoints of a plan (every other reason is kept). A pruned
   * row's changes move into the next row, which becomes a base when the pruned one was.
   */
  prune(planId: string, keep: number): number {
    if (this.stepCount(planId) <= keep) return 0;
    const steps = this.db
      .select({ seq: checkpoints.seq })
      .from(checkpoints)
      .where(and(eq(checkpoints.planId, planId), eq(checkpoints.reason, "STEP")))
      .orderBy(desc(checkpoints.seq))
      .all();
    const doomed = steps.slice(keep).map((r) => r.seq).reverse();
    for (const seq of doomed) this.fold(planId, seq);
    this.stepCounts.set(planId, steps.length - doomed.length);
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
      // The successor takes the pruned row's changes under its own: plan fields and step fields.
      const merged = new Map<string, StepDelta>(row.steps.map((s) => [s.key, s] as const));
      for (const s of next.steps) merged.set(s.key, { ...merged.get(s.key), ...s });
      const order = next.order ?? row.order;
      const steps = order ? order.flatMap((k) => merged.get(k) ?? []) : [...merged.values()];
      const plan = { ...row.plan, ...next.plan };
      const bytes = utf8(JSON.stringify(plan)) + utf8(JSON.stringify(steps)) + (order ? utf8(JSON.stringify(order)) : 0);
      this.db.update(checkpoints).set({ base: row.base, plan, steps, order, bytes }).where(eq(checkpoints.seq, next.seq)).run();
    }
    // With nothing after it, the next checkpoint has no row to be a delta of: make it a base.
    if (!next) this.last.delete(planId);
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

/** A step in a checkpoint row: whole (base, or new since the last row), or its key and changed fields. */
type StepDelta = Partial<StepModel> & { key: string };

/** The fields of `now` that differ from `was` (copy-on-write keeps unchanged values identical). */
function changedFields(was: StepModel, now: StepModel): StepDelta {
  const delta: StepDelta = { key: now.key };
  for (const k of Object.keys(now) as (keyof StepModel)[]) if (now[k] !== was[k]) (delta as Record<string, unknown>)[k] = now[k];
  return delta;
}

/** The plan's definition (key and spec fields): a delta holds the whole plan when one of them changed. */
const PLAN_DEFINITION = [...PLAN.key, ...PLAN.spec];

/** The plan fields that change while it runs. */
const planRunState = (p: PlanModel): Partial<PlanModel> => {
  const run: Record<string, unknown> = {};
  for (const f of PLAN.run) run[f] = p[f];
  return run as Partial<PlanModel>;
};

/**
 * A plan or step from a base row: fields added after checkpoints were first written take the
 * value a new plan starts with (`absent` in fields.ts); stored values are upgraded as from a row.
 * A step's added fields come first, a plan's after its stored ones (the key order of what was
 * read so far, kept because checkpoints store these objects again).
 */
const STEP_ABSENT = STEP.absent;
const PLAN_ABSENT = Object.entries(PLAN.absent) as [keyof PlanModel, unknown][];
const basePlan = (stored: PlanModel): PlanModel => {
  const p: Record<string, unknown> = { ...stored };
  for (const [f, v] of PLAN_ABSENT) p[f] = p[f] ?? v;
  for (const [f, up] of PLAN.upgrade) p[f] = (up as (v: unknown) => unknown)(p[f]);
  return p as unknown as PlanModel;
};
const baseStep = (stored: StepDelta): StepModel => {
  const s = { ...STEP_ABSENT, ...stored } as Record<string, unknown>;
  for (const [f, up] of STEP.upgrade) s[f] = (up as (v: unknown) => unknown)(s[f]);
  return s as unknown as StepModel;
};

function applyRow(acc: PlanAggregate | null, r: Row): PlanAggregate {
  const changed = r.steps;
  if (r.base || !acc) {
    // Bases written before a field existed lack it: it takes the value a new plan starts with.
    const byKey = new Map(changed.map((s) => [s.key, baseStep(s)] as const));
    return { plan: basePlan(r.plan as PlanModel), steps: (r.order ?? changed.map((s) => s.key)).map((k) => byKey.get(k)!) };
  }
  const plan = { ...acc.plan, ...r.plan };
  const byKey = new Map(acc.steps.map((s) => [s.key, s] as const));
  for (const s of changed) byKey.set(s.key, { ...byKey.get(s.key), ...s } as StepModel);
  const order = r.order ?? acc.steps.map((s) => s.key);
  return { plan, steps: order.map((k) => byKey.get(k)!) };
}
