/**
 * Plan aggregates: a plan row and its step rows, loaded and saved together.
 * Saves are guarded by the version the caller read (`WHERE version = ?`); a stale save
 * throws CONFLICT and writes nothing. Hot-path writes use prepared better-sqlite3
 * statements (drizzle rebuilds the query on every call, a third of raw speed).
 */
import type Database from "better-sqlite3";
import { and, asc, count, desc, eq, getTableColumns, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { conflict } from "../domain/errors.js";
import type { PlanAggregate, PlanModel, StepModel } from "../domain/model.js";
import { priorityFromRank, priorityRank, type PlanState } from "../domain/statuses.js";
import type { Db } from "./database.js";
import { plans, steps } from "./schema.js";

const toJson = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

type PlanRow = typeof plans.$inferSelect;
type StepRow = typeof steps.$inferSelect;

export const planFromRow = (r: PlanRow): PlanModel => ({
  id: r.id,
  name: r.name,
  goal: r.goal,
  state: r.state as PlanState,
  version: r.version,
  priority: priorityFromRank(r.priority),
  labels: r.labels,
  input: r.input ?? null,
  policy: r.policy,
  result: r.result ?? null,
  error: r.error ?? null,
  idempotencyKey: r.idempotencyKey,
  createdAt: r.createdAt,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
});

const stepFromRow = (r: StepRow): StepModel => ({
  key: r.key,
  position: r.position,
  name: r.name,
  description: r.description,
  role: r.role,
  state: r.state as StepModel["state"],
  dependsOn: r.dependsOn,
  priority: priorityFromRank(r.priority),
  input: r.input ?? null,
  output: r.output ?? null,
  error: r.error ?? null,
  attempts: r.attempts,
  retry: r.retry,
  timeoutMs: r.timeoutMs,
  config: r.config ?? null,
  progress: r.progress,
  progressMessage: r.progressMessage,
  quality: r.quality,
  agentId: r.agentId,
  leaseId: r.leaseId,
  readyAt: r.readyAt,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
  retryAt: r.retryAt,
});

const runningCount = (a: PlanAggregate): number => a.steps.reduce((n, s) => n + (s.state === "RUNNING" ? 1 : 0), 0);

const planParams = (p: PlanModel, running: number) => ({
  id: p.id,
  name: p.name,
  goal: p.goal,
  state: p.state,
  version: p.version,
  priority: priorityRank(p.priority),
  labels: JSON.stringify(p.labels),
  input: toJson(p.input),
  policy: JSON.stringify(p.policy),
  max_parallel: p.policy.maxParallel,
  running_count: running,
  result: toJson(p.result),
  error: toJson(p.error),
  idempotency_key: p.idempotencyKey,
  created_at: p.createdAt,
  started_at: p.startedAt,
  finished_at: p.finishedAt,
});

const stepParams = (planId: string, s: StepModel) => ({
  plan_id: planId,
  key: s.key,
  position: s.position,
  name: s.name,
  description: s.description,
  role: s.role,
  state: s.state,
  depends_on: JSON.stringify(s.dependsOn),
  priority: priorityRank(s.priority),
  input: toJson(s.input),
  output: toJson(s.output),
  error: toJson(s.error),
  attempts: s.attempts,
  retry: JSON.stringify(s.retry),
  timeout_ms: s.timeoutMs,
  config: toJson(s.config),
  progress: s.progress,
  progress_message: s.progressMessage,
  quality: s.quality,
  agent_id: s.agentId,
  lease_id: s.leaseId,
  ready_at: s.readyAt,
  started_at: s.startedAt,
  finished_at: s.finishedAt,
  retry_at: s.retryAt,
});

/** The SQL column names of a table, from its drizzle definition. */
const columns = (table: typeof plans | typeof steps): string[] => Object.values(getTableColumns(table)).map((c) => c.name);
const insertSql = (table: string, cols: string[], conflictClause = "") =>
  `INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map((c) => `@${c}`).join(", ")})${conflictClause}`;

export interface PlanFilter {
  states?: PlanState[] | null;
  labels?: string[] | null;
  nameContains?: string | null;
}

export interface PlanCursor {
  createdAt: number;
  id: string;
}

/** Most aggregates kept in memory; a load checks the cached version against the row. */
const CACHE_LIMIT = 2_000;

export class PlanRepository {
  private readonly cache = new Map<string, PlanAggregate>();
  private readonly stmt;

  constructor(
    private readonly db: Db,
    sqlite: Database.Database,
  ) {
    const planCols = columns(plans);
    const stepCols = columns(steps);
    this.stmt = {
      version: sqlite.prepare<[string], { version: number }>("SELECT version FROM plans WHERE id = ?"),
      insertPlan: sqlite.prepare(insertSql("plans", planCols)),
      updatePlan: sqlite.prepare(
        `UPDATE plans SET ${planCols
          .filter((c) => c !== "id")
          .map((c) => `${c} = @${c}`)
          .join(", ")} WHERE id = @id AND version = @expected_version`,
      ),
      upsertStep: sqlite.prepare(
        insertSql(
          "steps",
          stepCols,
          ` ON CONFLICT (plan_id, key) DO UPDATE SET ${stepCols
            .filter((c) => c !== "plan_id" && c !== "key")
            .map((c) => `${c} = excluded.${c}`)
            .join(", ")}`,
        ),
      ),
      claimable: sqlite.prepare<[string, number], { plan_id: string; key: string }>(
        `SELECT s.plan_id, s.key FROM steps s JOIN plans p ON p.id = s.plan_id
         WHERE s.state = 'READY' AND s.role IN (SELECT value FROM json_each(?))
           AND p.state = 'RUNNING' AND p.running_count < p.max_parallel
         ORDER BY s.priority DESC, s.ready_at ASC, p.created_at ASC, s.position ASC LIMIT ?`,
      ),
    };
  }

  insert(a: PlanAggregate): void {
    this.stmt.insertPlan.run(planParams(a.plan, runningCount(a)));
    for (const s of a.steps) this.stmt.upsertStep.run(stepParams(a.plan.id, s));
    this.remember(a);
  }

  /** Saves `next` over `prev`: the plan row guarded by prev's version, then every changed step. */
  save(prev: PlanAggregate, next: PlanAggregate): void {
    if (next.plan !== prev.plan) {
      const res = this.stmt.updatePlan.run({ ...planParams(next.plan, runningCount(next)), expected_version: prev.plan.version });
      if (res.changes !== 1) {
        this.cache.delete(prev.plan.id);
        throw conflict(`plan ${prev.plan.id} changed since version ${prev.plan.version} was read`, {
          planId: prev.plan.id,
          expectedVersion: prev.plan.version,
        });
      }
    }
    const before = new Map(prev.steps.map((s) => [s.key, s] as const));
    for (const s of next.steps) if (before.get(s.key) !== s) this.stmt.upsertStep.run(stepParams(next.plan.id, s));
    this.remember(next);
  }

  /** The plan with its steps in position order, or null. */
  load(id: string): PlanAggregate | null {
    const row = this.stmt.version.get(id);
    if (!row) {
      this.cache.delete(id);
      return null;
    }
    const cached = this.cache.get(id);
    if (cached && cached.plan.version === row.version) return cached;
    const planRow = this.db.select().from(plans).where(eq(plans.id, id)).get();
    if (!planRow) return null;
    const stepRows = this.db.select().from(steps).where(eq(steps.planId, id)).orderBy(asc(steps.position)).all();
    const a = { plan: planFromRow(planRow), steps: stepRows.map(stepFromRow) };
    this.remember(a);
    return a;
  }

  /** Drops every cached aggregate (after a rolled-back transaction). */
  forgetAll(): void {
    this.cache.clear();
  }

  findByIdempotencyKey(key: string): PlanModel | null {
    const row = this.db.select().from(plans).where(eq(plans.idempotencyKey, key)).get();
    return row ? planFromRow(row) : null;
  }

  /** READY steps an agent serving `roles` may claim now, best first. */
  claimable(roles: readonly string[], limit: number): { planId: string; key: string }[] {
    return this.stmt.claimable.all(JSON.stringify(roles), limit).map((r) => ({ planId: r.plan_id, key: r.key }));
  }

  /** Plans newest first, after the cursor, with the total matching the filter. */
  list(filter: PlanFilter, first: number, after: PlanCursor | null): { plans: PlanModel[]; hasMore: boolean; total: number } {
    const where = this.filterSql(filter);
    const page = after
      ? or(lt(plans.createdAt, after.createdAt), and(eq(plans.createdAt, after.createdAt), lt(plans.id, after.id)))
      : undefined;
    const rows = this.db
      .select()
      .from(plans)
      .where(and(where, page))
      .orderBy(desc(plans.createdAt), desc(plans.id))
      .limit(first + 1)
      .all();
    const total = this.db.select({ n: count() }).from(plans).where(where).get()?.n ?? 0;
    return { plans: rows.slice(0, first).map(planFromRow), hasMore: rows.length > first, total };
  }

  private filterSql(filter: PlanFilter): SQL | undefined {
    const parts: (SQL | undefined)[] = [];
    if (filter.states?.length) parts.push(inArray(plans.state, filter.states));
    if (filter.labels?.length) {
      parts.push(sql`EXISTS (SELECT 1 FROM json_each(${plans.labels}) WHERE value IN (SELECT value FROM json_each(${JSON.stringify(filter.labels)})))`);
    }
    if (filter.nameContains) parts.push(sql`instr(lower(${plans.name}), lower(${filter.nameContains})) > 0`);
    return parts.length ? and(...parts) : undefined;
  }

  private remember(a: PlanAggregate): void {
    this.cache.delete(a.plan.id);
    this.cache.set(a.plan.id, a);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
  }
}
