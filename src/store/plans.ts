/**
 * Plan aggregates: a plan row and its step rows, loaded and saved together.
 * Saves are guarded by the version the caller read (`WHERE version = ?`); a stale save
 * throws CONFLICT and writes nothing. Hot-path writes use prepared better-sqlite3
 * statements (drizzle rebuilds the query on every call, a third of raw speed).
 */
import type Database from "better-sqlite3";
import { and, asc, count, desc, eq, gt, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { conflict } from "../domain/errors.js";
import type { PlanAggregate, PlanModel } from "../domain/model.js";
import type { PlanState } from "../domain/statuses.js";
import type { Db } from "./database.js";
import { PLAN, STEP } from "./fields.js";
import type { Range } from "./paging.js";
import { PLAN_ROWS, STEP_ROWS } from "./rows.js";
import { plans, steps, templates } from "./schema.js";
import type { TemplateRef } from "./templates.js";

const { columns: planCols } = PLAN_ROWS;
const { columns: stepCols } = STEP_ROWS;
const assign = (cols: readonly string[]) => cols.map((c) => `${c} = @${c}`).join(", ");
const matches = (cols: readonly string[]) => cols.map((c) => `${c} = @${c}`).join(" AND ");
const notKey = (cols: { all: readonly string[]; key: readonly string[] }) => cols.all.filter((c) => !cols.key.includes(c));
const insertSql = (table: string, cols: readonly string[], conflictClause = "") =>
  `INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map((c) => `@${c}`).join(", ")})${conflictClause}`;

export interface PlanFilter {
  states?: PlanState[] | null;
  labels?: string[] | null;
  nameContains?: string | null;
  /** Only plans made from this template: any version of the name, or exactly one. */
  template?: TemplateRef | null;
}

export interface ClaimCandidate {
  planId: string;
  key: string;
  role: string;
  priority: number;
  readyAt: number | null;
  position: number;
  /** 1 for a CRISIS plan. */
  crisis: number;
  /** When the plan was last served a claim (0 = never). */
  served: number;
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
  private readonly query;

  constructor(
    private readonly db: Db,
    sqlite: Database.Database,
  ) {
    this.query = {
      plan: db.select().from(plans).where(eq(plans.id, sql.placeholder("id"))).prepare(),
      steps: db.select().from(steps).where(eq(steps.planId, sql.placeholder("id"))).orderBy(asc(steps.position)).prepare(),
    };
    this.stmt = {
      version: sqlite.prepare<[string], { version: number }>("SELECT version FROM plans WHERE id = ?"),
      insertPlan: sqlite.prepare(insertSql("plans", planCols.all)),
      updatePlan: sqlite.prepare(`UPDATE plans SET ${assign(notKey(planCols))} WHERE ${matches(planCols.key)} AND version = @expected_version`),
      updatePlanRun: sqlite.prepare(`UPDATE plans SET ${assign(planCols.run)} WHERE ${matches(planCols.key)} AND version = @expected_version`),
      updateStepRun: sqlite.prepare(`UPDATE steps SET ${assign(stepCols.run)} WHERE ${matches(stepCols.key)}`),
      deleteStep: sqlite.prepare("DELETE FROM steps WHERE plan_id = ? AND key = ?"),
      upsertStep: sqlite.prepare(
        insertSql("steps", stepCols.all, ` ON CONFLICT (${stepCols.key.join(", ")}) DO UPDATE SET ${notKey(stepCols).map((c) => `${c} = excluded.${c}`).join(", ")}`),
      ),
      // The READY steps of a role come from the ready-queue index (CROSS JOIN keeps SQLite from
      // starting at plans); claim order: CRISIS plans first, then priority, then the plan served
      // least recently (fair share), then the step READY longest, then plan order.
      claimable: sqlite.prepare<[string, number], ClaimCandidate>(
        `SELECT s.plan_id AS planId, s.key, s.role, s.priority, s.ready_at AS readyAt, s.position,
                (json_extract(p.policy, '$.complexity') = 'CRISIS') AS crisis, coalesce(p.last_claimed_at, 0) AS served
         FROM steps s CROSS JOIN plans p
         WHERE s.state = 'READY' AND s.role = ? AND p.id = s.plan_id
           AND p.state IN ('RUNNING', 'COMPENSATING') AND p.running_count < p.max_parallel
         ORDER BY crisis DESC, s.priority DESC, served ASC, s.ready_at ASC, s.position ASC LIMIT ?`,
      ),
    };
  }

  insert(a: PlanAggregate): void {
    this.stmt.insertPlan.run(PLAN_ROWS.params(a, a.plan));
    for (const s of a.steps) this.stmt.upsertStep.run(STEP_ROWS.params(a.plan.id, s));
    this.remember(a);
  }

  /**
   * Saves `next` over `prev`: the plan row guarded by prev's version, then every changed step.
   * When only run state changed (the usual case) the narrow statements write just those columns.
   */
  save(prev: PlanAggregate, next: PlanAggregate): void {
    if (next.plan !== prev.plan) {
      const specSame = PLAN.spec.every((f) => prev.plan[f] === next.plan[f]);
      const params = specSame ? PLAN_ROWS.runParams(next, next.plan) : PLAN_ROWS.params(next, next.plan);
      params.expected_version = prev.plan.version;
      const res = (specSame ? this.stmt.updatePlanRun : this.stmt.updatePlan).run(params);
      if (res.changes !== 1) {
        this.cache.delete(prev.plan.id);
        throw conflict(`plan ${prev.plan.id} changed since version ${prev.plan.version} was read`, {
          planId: prev.plan.id,
          expectedVersion: prev.plan.version,
        });
      }
    }
    const before = new Map(prev.steps.map((s) => [s.key, s] as const));
    if (next.steps.length !== prev.steps.length || next.steps.some((s) => !before.has(s.key))) {
      const kept = new Set(next.steps.map((s) => s.key));
      for (const s of prev.steps) if (!kept.has(s.key)) this.stmt.deleteStep.run(next.plan.id, s.key);
    }
    for (const s of next.steps) {
      const old = before.get(s.key);
      if (old === s) continue;
      if (old && STEP.spec.every((f) => old[f] === s[f])) this.stmt.updateStepRun.run(STEP_ROWS.runParams(next.plan.id, s));
      else this.stmt.upsertStep.run(STEP_ROWS.params(next.plan.id, s));
    }
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
    const planRow = this.query.plan.get({ id });
    if (!planRow) return null;
    const stepRows = this.query.steps.all({ id });
    const a = { plan: PLAN_ROWS.fromRow(planRow), steps: stepRows.map(STEP_ROWS.fromRow) };
    this.remember(a);
    return a;
  }

  /** Drops every cached aggregate (after a rolled-back transaction). */
  forgetAll(): void {
    this.cache.clear();
  }

  findByIdempotencyKey(key: string): PlanModel | null {
    return this.findIdempotent(key)?.plan ?? null;
  }

  /** The plan created with this idempotency key, and the hash of the request that created it (null for plans made before it was kept). */
  findIdempotent(key: string): { plan: PlanModel; requestHash: string | null } | null {
    const row = this.db.select().from(plans).where(eq(plans.idempotencyKey, key)).get();
    return row ? { plan: PLAN_ROWS.fromRow(row), requestHash: row.idempotencyHash ?? null } : null;
  }

  /** Records the hash of the createPlan request behind a plan's idempotency key (in the creating transaction). */
  setIdempotencyHash(planId: string, hash: string): void {
    this.db.update(plans).set({ idempotencyHash: hash }).where(eq(plans.id, planId)).run();
  }

  /**
   * READY steps an agent serving `roles` may claim now, in claim order (see the statement):
   * at most `limit`, and at most `limitOf(role)` of each role.
   */
  claimable(roles: readonly string[], limit: number, limitOf: (role: string) => number = () => limit): ClaimCandidate[] {
    const all = roles.flatMap((r) => this.stmt.claimable.all(r, limitOf(r)));
    if (roles.length > 1) {
      all.sort((a, b) => b.crisis - a.crisis || b.priority - a.priority || a.served - b.served || (a.readyAt ?? 0) - (b.readyAt ?? 0) || a.position - b.position);
    }
    return all.slice(0, limit);
  }

  /** Plans newest first, after the cursor, with the total matching the filter. */
  list(filter: PlanFilter, first: number, after: PlanCursor | null): { plans: PlanModel[]; hasMore: boolean; total: number } {
    const rows = this.page(filter, { after }, first + 1);
    return { plans: rows.slice(0, first), hasMore: rows.length > first, total: this.count(filter) };
  }

  /**
   * Plans matching the filter in a range of the newest-first list (paging.ts): `after` a cursor
   * is older, `before` it newer; read newest first, or oldest first when `backward`.
   */
  page(filter: PlanFilter, range: Range<PlanCursor>, limit: number): PlanModel[] {
    const older = (c: PlanCursor) => or(lt(plans.createdAt, c.createdAt), and(eq(plans.createdAt, c.createdAt), lt(plans.id, c.id)));
    const newer = (c: PlanCursor) => or(gt(plans.createdAt, c.createdAt), and(eq(plans.createdAt, c.createdAt), gt(plans.id, c.id)));
    const order = range.backward ? asc : desc;
    return this.db
      .select()
      .from(plans)
      .where(and(this.filterSql(filter), range.after ? older(range.after) : undefined, range.before ? newer(range.before) : undefined))
      .orderBy(order(plans.createdAt), order(plans.id))
      .limit(limit)
      .all()
      .map(PLAN_ROWS.fromRow);
  }

  /** How many plans match the filter. */
  count(filter: PlanFilter): number {
    return this.db.select({ n: count() }).from(plans).where(this.filterSql(filter)).get()?.n ?? 0;
  }

  private filterSql(filter: PlanFilter): SQL | undefined {
    const parts: (SQL | undefined)[] = [];
    if (filter.states?.length) parts.push(inArray(plans.state, filter.states));
    if (filter.labels?.length) {
      parts.push(sql`EXISTS (SELECT 1 FROM json_each(${plans.labels}) WHERE value IN (SELECT value FROM json_each(${JSON.stringify(filter.labels)})))`);
    }
    if (filter.nameContains) parts.push(sql`instr(lower(${plans.name}), lower(${filter.nameContains})) > 0`);
    if (filter.template) {
      const { name, version } = filter.template;
      const versions = this.db
        .select({ id: templates.id })
        .from(templates)
        .where(and(eq(templates.name, name), version === null ? undefined : eq(templates.version, version)));
      parts.push(inArray(plans.templateId, versions));
    }
    return parts.length ? and(...parts) : undefined;
  }

  private remember(a: PlanAggregate): void {
    this.cache.delete(a.plan.id);
    this.cache.set(a.plan.id, a);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
  }
}
