/**
 * Checkpoints, stored as deltas: a base row holds the whole plan; each later row holds the
 * plan row and only the steps that changed since the plan's previous checkpoint. Reading one
 * applies the deltas from the nearest base. Pruning a row folds it into its successor, so
 * every kept checkpoint stays readable.
 */
import { Lru } from "../domain/lru.js";
import type { PlanAggregate, PlanModel, StepModel } from "../domain/model.js";
import { tableCodec } from "./codec.js";
import { PLAN, STEP } from "./fields.js";
import { rangeSql, seqRange, type SeqRange } from "./paging.js";
import { checkpoints } from "./schema.js";
import { dynamic, query, type Sql } from "./sql.js";

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

const ROW = tableCodec(checkpoints);
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

const Q = {
  insert: query<[Record<string, unknown>], { seq: number }>("checkpoints.insert", `${ROW.insert(["seq"])} RETURNING seq`),
  countSteps: query<[string], { n: number }>("checkpoints.countSteps", "SELECT count(*) AS n FROM checkpoints WHERE plan_id = ? AND reason = 'STEP'"),
  newest: query<[string], { seq: number | null }>("checkpoints.newest", "SELECT max(seq) AS seq FROM checkpoints WHERE plan_id = ?"),
  byId: query<[string], object>("checkpoints.byId", `SELECT ${ROW.select} FROM checkpoints WHERE id = ?`),
  bySeq: query<[number], object>("checkpoints.bySeq", `SELECT ${ROW.select} FROM checkpoints WHERE seq = ?`),
  baseOf: query<[string, number], object>(
    "checkpoints.baseOf",
    `SELECT ${ROW.select} FROM checkpoints WHERE plan_id = ? AND seq <= ? AND base = 1 ORDER BY seq DESC LIMIT 1`,
  ),
  between: query<[string, number, number], object>(
    "checkpoints.between",
    `SELECT ${ROW.select} FROM checkpoints WHERE plan_id = ? AND seq > ? AND seq <= ? ORDER BY seq`,
  ),
  atSequence: query<[string, number], object>(
    "checkpoints.atSequence",
    `SELECT ${ROW.select} FROM checkpoints WHERE plan_id = ? AND sequence <= ? ORDER BY seq DESC LIMIT 1`,
  ),
  stepSeqs: query<[string], { seq: number }>("checkpoints.stepSeqs", "SELECT seq FROM checkpoints WHERE plan_id = ? AND reason = 'STEP' ORDER BY seq DESC"),
  next: query<[string, number], object>("checkpoints.next", `SELECT ${ROW.select} FROM checkpoints WHERE plan_id = ? AND seq > ? ORDER BY seq LIMIT 1`),
  merge: query("checkpoints.merge", `UPDATE checkpoints SET base = @base, plan = @plan, steps = @steps, "order" = @order, bytes = @bytes WHERE seq = @seq`),
  delete: query("checkpoints.delete", "DELETE FROM checkpoints WHERE seq = ?"),
  bytes: query<[string], { count: number; bytes: number }>(
    "checkpoints.bytes",
    "SELECT count(*) AS count, CAST(coalesce(sum(bytes), 0) AS bigint) AS bytes FROM checkpoints WHERE plan_id = ?",
  ),
};

export interface TakeCheckpoint {
  id: string;
  reason: CheckpointReason;
  stepKey: string | null;
  label: string | null;
  sequence: number;
  contextVersion: number;
  at: number;
}

/** Plans whose newest checkpoint this process remembers (as many as the plan cache holds: src/store/plans.ts). */
const REMEMBERED = 2_000;

export class CheckpointRepository {
  /**
   * The aggregate each plan's newest checkpoint holds (steps compared by identity), and that row,
   * for the plans checkpointed most recently: a plan not remembered gets a base row next.
   */
  private readonly last = new Lru<string, { aggregate: PlanAggregate; sinceBase: number; seq: number }>(REMEMBERED);

  /** STEP checkpoints per plan, counted once from the table, then kept up to date (for the plans checkpointed most recently). */
  private readonly stepCounts = new Lru<string, number>(REMEMBERED);

  constructor(
    private readonly sql: Sql,
    /**
     * Other processes write the same database (PostgreSQL): what this process remembers is
     * checked against the table before it is used (the newest row a delta builds on, the count).
     */
    private readonly shared = false,
  ) {}

  private async stepCount(planId: string): Promise<number> {
    let n = this.shared ? undefined : this.stepCounts.get(planId);
    if (n === undefined) this.stepCounts.set(planId, (n = (await this.sql.get(Q.countSteps, planId))?.n ?? 0));
    return n;
  }

  /** What the plan's newest checkpoint holds, when this process remembers it and it is still the newest. */
  private async previous(planId: string): Promise<{ aggregate: PlanAggregate; sinceBase: number } | undefined> {
    const prev = this.last.get(planId);
    if (!prev || !this.shared) return prev;
    return (await this.sql.get(Q.newest, planId))?.seq === prev.seq ? prev : undefined;
  }

  async take(a: PlanAggregate, c: TakeCheckpoint): Promise<CheckpointRecord> {
    const prev = await this.previous(a.plan.id);
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
    // Counted before the row is added (an uncached count read after would include it).
    // A plan's first checkpoint comes before any STEP one: nothing to count.
    if (c.reason === "INITIAL" && !this.shared && this.stepCounts.get(a.plan.id) === undefined) this.stepCounts.set(a.plan.id, 0);
    const counted = isPrunable(c.reason) && !this.shared ? await this.stepCount(a.plan.id) : null;
    const row = await this.sql.get(Q.insert, {
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
    const seq = row!.seq;
    this.last.set(a.plan.id, { aggregate: a, sinceBase: base ? 0 : prev!.sinceBase + 1, seq });
    if (counted !== null) this.stepCounts.set(a.plan.id, counted + 1);
    const { id, reason, stepKey, label, sequence, contextVersion, at } = c;
    return { seq, id, planId: a.plan.id, reason, stepKey, label, sequence, planVersion: a.plan.version, bytes, contextVersion, createdAt: at };
  }

  /** Forgets what this process remembers (after a rolled-back transaction): the next checkpoint is a base. */
  forgetAll(): void {
    this.last.clear();
    this.stepCounts.clear();
  }

  async get(id: string): Promise<CheckpointRecord | null> {
    const row = await this.sql.get(Q.byId, id);
    return row ? record(ROW.decode(row)) : null;
  }

  /** The plan as the checkpoint holds it. */
  async aggregate(id: string): Promise<PlanAggregate | null> {
    const stored = await this.sql.get(Q.byId, id);
    if (!stored) return null;
    const target = ROW.decode(stored);
    const found = await this.sql.get(Q.baseOf, target.planId, target.seq);
    if (!found) throw new Error(`checkpoint ${id} has no base`);
    const base = ROW.decode(found);
    const rows = (await this.sql.all(Q.between, target.planId, base.seq, target.seq)).map((r) => ROW.decode(r));
    return [base, ...rows].reduce<PlanAggregate | null>(applyRow, null);
  }

  /** The newest checkpoint of a plan at or before a signal sequence. */
  async atSequence(planId: string, sequence: number): Promise<CheckpointRecord | null> {
    const row = await this.sql.get(Q.atSequence, planId, sequence);
    return row ? record(ROW.decode(row)) : null;
  }

  /** A plan's checkpoints, oldest first, after the cursor (or in a range, see paging.ts). */
  async list(planId: string, afterSeq: SeqRange, limit: number): Promise<CheckpointRecord[]> {
    const range = rangeSql("seq", seqRange(afterSeq));
    const text = `SELECT ${ROW.select} FROM checkpoints WHERE ${["plan_id = ?", ...range.where].join(" AND ")} ORDER BY ${range.orderBy} LIMIT ?`;
    return (await this.sql.all(dynamic<object>(text), planId, ...range.params, limit)).map((r) => record(ROW.decode(r)));
  }

  /**
   * Keeps the newest `keep` STEP checkpoints of a plan (every other reason is kept). A pruned
   * row's changes move into the next row, which becomes a base when the pruned one was.
   */
  async prune(planId: string, keep: number): Promise<number> {
    if ((await this.stepCount(planId)) <= keep) return 0;
    const steps = await this.sql.all(Q.stepSeqs, planId);
    const doomed = steps.slice(keep).map((r) => r.seq).reverse();
    for (const seq of doomed) await this.fold(planId, seq);
    this.stepCounts.set(planId, steps.length - doomed.length);
    return doomed.length;
  }

  private async fold(planId: string, seq: number): Promise<void> {
    const row = ROW.decode((await this.sql.get(Q.bySeq, seq))!);
    const found = await this.sql.get(Q.next, planId, seq);
    const next = found ? ROW.decode(found) : undefined;
    if (next && !next.base) {
      // The successor takes the pruned row's changes under its own: plan fields and step fields.
      const merged = new Map<string, StepDelta>(row.steps.map((s) => [s.key, s] as const));
      for (const s of next.steps) merged.set(s.key, { ...merged.get(s.key), ...s });
      const order = next.order ?? row.order;
      const steps = order ? order.flatMap((k) => merged.get(k) ?? []) : [...merged.values()];
      const plan = { ...row.plan, ...next.plan };
      const bytes = utf8(JSON.stringify(plan)) + utf8(JSON.stringify(steps)) + (order ? utf8(JSON.stringify(order)) : 0);
      await this.sql.run(Q.merge, ROW.encode({ base: row.base, plan, steps, order, bytes, seq: next.seq }));
    }
    // With nothing after it, the next checkpoint has no row to be a delta of: make it a base.
    if (!next) this.last.delete(planId);
    await this.sql.run(Q.delete, seq);
  }

  /** Total stored bytes of a plan's checkpoints (for the benchmark). */
  async bytes(planId: string): Promise<{ count: number; bytes: number }> {
    const r = await this.sql.get(Q.bytes, planId);
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
