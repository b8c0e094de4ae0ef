/**
 * Plan aggregates: a plan row and its step rows, loaded and saved together.
 * Saves are guarded by the version the caller read (`WHERE version = ?`); a stale save
 * throws CONFLICT and writes nothing. Every statement is prepared (./sql.ts).
 */
import { conflict } from "../domain/errors.js";
import type { PlanAggregate, PlanModel } from "../domain/model.js";
import type { PlanState } from "../domain/statuses.js";
import { pgRecordset } from "./codec.js";
import { claimCrisis, claimServed, PLAN, STEP } from "./fields.js";
import type { Range } from "./paging.js";
import { plans as pgPlans, steps as pgSteps } from "./pg-schema.js";
import { PLAN_ROWS, STEP_ROWS } from "./rows.js";
import { dynamic, query, type Dialect, type Sql } from "./sql.js";
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
  /** Only plans created at or after this time (epoch ms). */
  createdAfter?: number | null;
  /** Only plans created before this time (epoch ms; exclusive). */
  createdBefore?: number | null;
  /** Only the plan with exactly this id, or plans whose name contains this text (case-insensitively, as nameContains). */
  search?: string | null;
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

type Row = Record<string, unknown>;

const Q = {
  version: query<[string], { version: number }>("plans.version", "SELECT version FROM plans WHERE id = ?"),
  // A transaction that may change the plan locks its row first (PostgreSQL; SQLite has one
  // writer): transactions on one plan wait for each other instead of failing the version guard.
  versionForUpdate: query<[string], { version: number }>("plans.versionForUpdate", (d) =>
    d.name === "postgres" ? "SELECT version FROM plans WHERE id = ? FOR UPDATE" : "SELECT version FROM plans WHERE id = ?",
  ),
  // A claim passes over the plans another transaction holds (FOR UPDATE SKIP LOCKED) rather than wait or fail.
  lockOrSkip: query<[string], { id: string }>(
    "plans.lockOrSkip",
    (d) => `SELECT id FROM plans WHERE id IN (SELECT value FROM ${d.jsonElements("?")})${d.name === "postgres" ? " FOR UPDATE SKIP LOCKED" : ""}`,
  ),
  plan: query<[string], Row>("plans.plan", "SELECT * FROM plans WHERE id = ?"),
  steps: query<[string], Row>("plans.steps", "SELECT * FROM steps WHERE plan_id = ? ORDER BY position"),
  insertPlan: query("plans.insertPlan", insertSql("plans", planCols.all)),
  updatePlan: query("plans.updatePlan", `UPDATE plans SET ${assign(notKey(planCols))} WHERE ${matches(planCols.key)} AND version = @expected_version`),
  updatePlanRun: query("plans.updatePlanRun", `UPDATE plans SET ${assign(planCols.run)} WHERE ${matches(planCols.key)} AND version = @expected_version`),
  updateStepRun: query("plans.updateStepRun", `UPDATE steps SET ${assign(stepCols.run)} WHERE ${matches(stepCols.key)}`),
  deleteStep: query("plans.deleteStep", "DELETE FROM steps WHERE plan_id = ? AND key = ?"),
  upsertStep: query(
    "plans.upsertStep",
    insertSql("steps", stepCols.all, ` ON CONFLICT (${stepCols.key.join(", ")}) DO UPDATE SET ${notKey(stepCols).map((c) => `${c} = excluded.${c}`).join(", ")}`),
  ),
  // PostgreSQL: many plans' run columns in one statement, each row guarded by its expected version (see saveAll).
  updatePlanRuns: query<[string]>("plans.updatePlanRuns", () => {
    const r = pgRecordset(pgPlans, [...planCols.key, ...planCols.run], ["expected_version bigint"]);
    return `UPDATE plans AS p SET ${planCols.run.map((c) => `${c} = ${r.value(c)}`).join(", ")}
            FROM ${r.from} WHERE ${planCols.key.map((c) => `p.${c} = r.${c}`).join(" AND ")} AND p.version = r.expected_version`;
  }),
  // PostgreSQL: many steps in one statement (see writeSteps).
  updateStepRuns: query<[string]>("plans.updateStepRuns", () => {
    const r = pgRecordset(pgSteps, [...stepCols.key, ...stepCols.run]);
    return `UPDATE steps AS s SET ${stepCols.run.map((c) => `${c} = ${r.value(c)}`).join(", ")}
            FROM ${r.from} WHERE ${stepCols.key.map((c) => `s.${c} = r.${c}`).join(" AND ")}`;
  }),
  upsertSteps: query<[string]>("plans.upsertSteps", () => {
    const r = pgRecordset(pgSteps, stepCols.all);
    return `INSERT INTO steps (${stepCols.all.join(", ")}) SELECT ${stepCols.all.map(r.value).join(", ")} FROM ${r.from}
            ON CONFLICT (${stepCols.key.join(", ")}) DO UPDATE SET ${notKey(stepCols).map((c) => `${c} = excluded.${c}`).join(", ")}`;
  }),
  byIdempotencyKey: query<[string], Row>("plans.byIdempotencyKey", "SELECT * FROM plans WHERE idempotency_key = ?"),
  setIdempotencyHash: query("plans.setIdempotencyHash", "UPDATE plans SET idempotency_hash = ? WHERE id = ?"),
  // The READY steps of a role in claim order, read from the claim-queue index (the plan's part
  // of the order is copied onto its steps: claimCrisis, claimServed), passing over the plans not
  // running or at maxParallel. CROSS JOIN keeps SQLite from starting at plans.
  claimable: query<[string, number], ClaimCandidate>(
    "plans.claimable",
    `SELECT s.plan_id AS "planId", s.key, s.role, s.priority, s.ready_at AS "readyAt", s.position, s.claim_crisis AS crisis, s.claim_served AS served
       FROM steps s CROSS JOIN plans p
      WHERE s.state = 'READY' AND s.role = ? AND p.id = s.plan_id
        AND p.state IN ('RUNNING', 'COMPENSATING') AND p.running_count < p.max_parallel
      ORDER BY s.claim_crisis DESC, s.priority DESC, s.claim_served ASC, s.ready_at ASC, s.position ASC LIMIT ?`,
  ),
};

export class PlanRepository {
  private readonly cache = new Map<string, PlanAggregate>();

  constructor(private readonly sql: Sql) {}

  async insert(a: PlanAggregate): Promise<void> {
    await this.sql.run(Q.insertPlan, PLAN_ROWS.params(a, a.plan));
    await this.writeSteps([], a.steps.map((s) => STEP_ROWS.params(a.plan, s)));
    this.remember(a);
  }

  /** Saves `next` over `prev` (see saveAll). */
  async save(prev: PlanAggregate, next: PlanAggregate): Promise<void> {
    await this.saveAll([{ prev, next }]);
  }

  /**
   * Saves each `next` over its `prev`: the plan row guarded by prev's version (CONFLICT, and
   * nothing of that plan written, when it moved), then every changed step of all of them
   * together. When only run state changed (the usual case) the narrow statements write just
   * those columns.
   */
  async saveAll(changes: readonly { prev: PlanAggregate; next: PlanAggregate }[]): Promise<void> {
    const run: Row[] = [];
    const full: Row[] = [];
    // PostgreSQL, several plans whose run state alone changed: their rows in one statement.
    const batched = this.sql.dialect.name === "postgres" && changes.filter((c) => c.next.plan !== c.prev.plan).length > 1;
    const planRuns: { prev: PlanAggregate; params: Row }[] = [];
    for (const { prev, next } of changes) {
      if (next.plan !== prev.plan) {
        if (batched && PLAN.spec.every((f) => prev.plan[f] === next.plan[f])) {
          const params = PLAN_ROWS.runParams(next, next.plan);
          params.expected_version = prev.plan.version;
          planRuns.push({ prev, params });
        } else await this.savePlanRow(prev, next);
      }
      const before = new Map(prev.steps.map((s) => [s.key, s] as const));
      if (next.steps.length !== prev.steps.length || next.steps.some((s) => !before.has(s.key))) {
        const kept = new Set(next.steps.map((s) => s.key));
        for (const s of prev.steps) if (!kept.has(s.key)) await this.sql.run(Q.deleteStep, next.plan.id, s.key);
      }
      // The plan's place in the claim queue moved (served a claim): its READY steps carry it.
      const requeue = claimCrisis(prev.plan) !== claimCrisis(next.plan) || claimServed(prev.plan) !== claimServed(next.plan);
      for (const s of next.steps) {
        const old = before.get(s.key);
        if (old === s && !(requeue && s.state === "READY")) continue;
        if (old && STEP.spec.every((f) => old[f] === s[f])) run.push(STEP_ROWS.runParams(next.plan, s));
        else full.push(STEP_ROWS.params(next.plan, s));
      }
    }
    if (planRuns.length > 0) await this.savePlanRuns(planRuns);
    await this.writeSteps(run, full);
    for (const { next } of changes) this.remember(next);
  }

  /** Plan rows' run columns in one statement (PostgreSQL); CONFLICT, nothing saved, when one of them moved. */
  private async savePlanRuns(rows: readonly { prev: PlanAggregate; params: Row }[]): Promise<void> {
    const changed = await this.sql.run(Q.updatePlanRuns, JSON.stringify(rows.map((r) => r.params)));
    if (changed === rows.length) return;
    for (const { prev } of rows) this.cache.delete(prev.plan.id);
    const ids = rows.map((r) => r.prev.plan.id);
    throw conflict(`one of plans ${ids.join(", ")} changed since it was read`, { planIds: ids });
  }

  private async savePlanRow(prev: PlanAggregate, next: PlanAggregate): Promise<void> {
    const specSame = PLAN.spec.every((f) => prev.plan[f] === next.plan[f]);
    const params = specSame ? PLAN_ROWS.runParams(next, next.plan) : PLAN_ROWS.params(next, next.plan);
    params.expected_version = prev.plan.version;
    const changes = await this.sql.run(specSame ? Q.updatePlanRun : Q.updatePlan, params);
    if (changes !== 1) {
      this.cache.delete(prev.plan.id);
      throw conflict(`plan ${prev.plan.id} changed since version ${prev.plan.version} was read`, {
        planId: prev.plan.id,
        expectedVersion: prev.plan.version,
      });
    }
  }

  /**
   * Step rows: `run` updates the run columns of existing steps, `full` inserts or replaces whole
   * steps. On PostgreSQL many rows go in one statement each (a round trip per row is what costs
   * there); SQLite runs its prepared single-row statements.
   */
  private async writeSteps(run: readonly Row[], full: readonly Row[]): Promise<void> {
    const batched = this.sql.dialect.name === "postgres";
    if (batched && run.length > 1) await this.sql.run(Q.updateStepRuns, JSON.stringify(run));
    else for (const p of run) await this.sql.run(Q.updateStepRun, p);
    if (batched && full.length > 1) await this.sql.run(Q.upsertSteps, JSON.stringify(full));
    else for (const p of full) await this.sql.run(Q.upsertStep, p);
  }

  /**
   * The plan with its steps in position order, or null. A cached aggregate is used only when its
   * version is the row's. `forUpdate` (in a transaction that may change it): its row is locked
   * until the transaction ends.
   */
  async load(id: string, forUpdate = false): Promise<PlanAggregate | null> {
    const row = await this.sql.get(forUpdate ? Q.versionForUpdate : Q.version, id);
    if (!row) {
      this.cache.delete(id);
      return null;
    }
    const cached = this.cache.get(id);
    if (cached && cached.plan.version === row.version) return cached;
    const planRow = await this.sql.get(Q.plan, id);
    if (!planRow) return null;
    const stepRows = await this.sql.all(Q.steps, id);
    const a = { plan: PLAN_ROWS.fromRow(planRow), steps: stepRows.map(STEP_ROWS.fromRow) };
    this.remember(a);
    return a;
  }

  /**
   * Locks the plans' rows for this transaction, passing over those another transaction holds (a
   * claim takes the next candidate): the ids locked.
   */
  async lockOrSkip(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    return new Set((await this.sql.all(Q.lockOrSkip, JSON.stringify(ids))).map((r) => r.id));
  }

  /** Drops every cached aggregate (after a rolled-back transaction). */
  forgetAll(): void {
    this.cache.clear();
  }

  async findByIdempotencyKey(key: string): Promise<PlanModel | null> {
    return (await this.findIdempotent(key))?.plan ?? null;
  }

  /** The plan created with this idempotency key, and the hash of the request that created it (null for plans made before it was kept). */
  async findIdempotent(key: string): Promise<{ plan: PlanModel; requestHash: string | null } | null> {
    const row = await this.sql.get(Q.byIdempotencyKey, key);
    return row ? { plan: PLAN_ROWS.fromRow(row), requestHash: (row.idempotency_hash as string | null) ?? null } : null;
  }

  /** Records the hash of the createPlan request behind a plan's idempotency key (in the creating transaction). */
  async setIdempotencyHash(planId: string, hash: string): Promise<void> {
    await this.sql.run(Q.setIdempotencyHash, hash, planId);
  }

  /**
   * READY steps an agent serving `roles` may claim now, in claim order (see the statement):
   * at most `limit`, and at most `limitOf(role)` of each role.
   */
  async claimable(roles: readonly string[], limit: number, limitOf: (role: string) => number = () => limit): Promise<ClaimCandidate[]> {
    const all: ClaimCandidate[] = [];
    for (const r of roles) all.push(...(await this.sql.all(Q.claimable, r, limitOf(r))));
    if (roles.length > 1) {
      all.sort((a, b) => b.crisis - a.crisis || b.priority - a.priority || a.served - b.served || (a.readyAt ?? 0) - (b.readyAt ?? 0) || a.position - b.position);
    }
    return all.slice(0, limit);
  }

  /** Plans newest first, after the cursor, with the total matching the filter. */
  async list(filter: PlanFilter, first: number, after: PlanCursor | null): Promise<{ plans: PlanModel[]; hasMore: boolean; total: number }> {
    const rows = await this.page(filter, { after }, first + 1);
    return { plans: rows.slice(0, first), hasMore: rows.length > first, total: await this.count(filter) };
  }

  /**
   * Plans matching the filter in a range of the newest-first list (paging.ts): `after` a cursor
   * is older, `before` it newer; read newest first, or oldest first when `backward`.
   */
  async page(filter: PlanFilter, range: Range<PlanCursor>, limit: number): Promise<PlanModel[]> {
    const { where, params } = filterSql(this.sql.dialect, filter);
    if (range.after) {
      where.push("(created_at < ? OR (created_at = ? AND id < ?))");
      params.push(range.after.createdAt, range.after.createdAt, range.after.id);
    }
    if (range.before) {
      where.push("(created_at > ? OR (created_at = ? AND id > ?))");
      params.push(range.before.createdAt, range.before.createdAt, range.before.id);
    }
    const order = range.backward ? "ASC" : "DESC";
    const text = `SELECT * FROM plans${whereClause(where)} ORDER BY created_at ${order}, id ${order} LIMIT ?`;
    return (await this.sql.all(dynamic<Row>(text), ...params, limit)).map(PLAN_ROWS.fromRow);
  }

  /** How many plans match the filter. */
  async count(filter: PlanFilter): Promise<number> {
    const { where, params } = filterSql(this.sql.dialect, filter);
    return (await this.sql.get(dynamic<{ n: number }>(`SELECT count(*) AS n FROM plans${whereClause(where)}`), ...params))?.n ?? 0;
  }

  private remember(a: PlanAggregate): void {
    this.cache.delete(a.plan.id);
    this.cache.set(a.plan.id, a);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
  }
}

const whereClause = (where: readonly string[]): string => (where.length ? ` WHERE ${where.join(" AND ")}` : "");

/** The filter's conditions on `plans`, with their parameters in order. */
function filterSql(d: Dialect, filter: PlanFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.states?.length) {
    where.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
    params.push(...filter.states);
  }
  if (filter.labels?.length) {
    where.push(`EXISTS (SELECT 1 FROM ${d.jsonElements("plans.labels")} WHERE value IN (SELECT value FROM ${d.jsonElements("?")}))`);
    params.push(JSON.stringify(filter.labels));
  }
  if (filter.nameContains) {
    where.push(d.contains("lower(name)", "lower(?)"));
    params.push(filter.nameContains);
  }
  if (filter.search) {
    where.push(`(id = ? OR ${d.contains("lower(name)", "lower(?)")})`);
    params.push(filter.search, filter.search);
  }
  // Served by the plans_created index (created_at, id), as the page order is.
  if (filter.createdAfter != null) {
    where.push("created_at >= ?");
    params.push(filter.createdAfter);
  }
  if (filter.createdBefore != null) {
    where.push("created_at < ?");
    params.push(filter.createdBefore);
  }
  if (filter.template) {
    const { name, version } = filter.template;
    where.push(`template_id IN (SELECT id FROM templates WHERE name = ?${version === null ? "" : " AND version = ?"})`);
    params.push(name, ...(version === null ? [] : [version]));
  }
  return { where, params };
}
