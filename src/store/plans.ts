/**
 * Plan aggregates: a plan row and its step rows, loaded and saved together.
 * Saves are guarded by the version the caller read (`WHERE version = ?`); a stale save
 * throws CONFLICT and writes nothing. Hot-path writes use prepared better-sqlite3
 * statements (drizzle rebuilds the query on every call, a third of raw speed).
 */
import type Database from "better-sqlite3";
import { and, asc, count, desc, eq, getTableColumns, gt, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { conflict } from "../domain/errors.js";
import { storedPolicy, type PlanAggregate, type PlanModel, type StepModel } from "../domain/model.js";
import { priorityFromRank, priorityRank, type PlanState } from "../domain/statuses.js";
import type { Db } from "./database.js";
import type { Range } from "./paging.js";
import { plans, steps, templates } from "./schema.js";
import type { TemplateRef } from "./templates.js";

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
  policy: storedPolicy(r.policy),
  result: r.result ?? null,
  error: r.error ?? null,
  idempotencyKey: r.idempotencyKey,
  createdAt: r.createdAt,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
  pausedAt: r.pausedAt,
  forkedFrom: r.forkedFrom,
  lastClaimedAt: r.lastClaimedAt,
  templateId: r.templateId,
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
  attemptBase: r.attemptBase,
  runAt: r.runAt,
  delayMs: r.delayMs,
  qualityThreshold: r.qualityThreshold,
  scheduleToStartMs: r.scheduleToStartMs,
  onSuccess: r.onSuccess,
  onFailure: r.onFailure,
  compensate: r.compensate,
  when: r.when ?? null,
  maxVisits: r.maxVisits,
  skipIfDependencySkipped: r.skipIfDependencySkipped,
  visits: r.visits,
  trigger: r.trigger ?? null,
  inputMapping: r.inputMapping ?? null,
  outputMapping: r.outputMapping ?? null,
  mappedInput: r.mappedInput ?? null,
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
  paused_at: p.pausedAt,
  forked_from: p.forkedFrom,
  last_claimed_at: p.lastClaimedAt,
  template_id: p.templateId,
});


/** Plan fields fixed at creation; when none changed, a save writes only the run columns. */
const PLAN_SPEC_FIELDS = ["name", "goal", "priority", "labels", "input", "policy", "idempotencyKey", "createdAt", "forkedFrom", "templateId"] as const;
const PLAN_RUN_COLUMNS = ["state", "version", "running_count", "result", "error", "started_at", "finished_at", "paused_at", "last_claimed_at"] as const;
const planRunParams = (a: PlanAggregate) => {
  const p = a.plan;
  return {
    id: p.id,
    state: p.state,
    version: p.version,
    running_count: runningCount(a),
    result: toJson(p.result),
    error: toJson(p.error),
    started_at: p.startedAt,
    finished_at: p.finishedAt,
    paused_at: p.pausedAt,
    last_claimed_at: p.lastClaimedAt,
  };
};

/** Step fields an operator writes; when none changed, a save writes only the run columns. */
const STEP_SPEC_FIELDS = ["position", "name", "description", "role", "dependsOn", "priority", "input", "timeoutMs", "retry", "config", "runAt", "delayMs", "qualityThreshold", "scheduleToStartMs",
  "onSuccess", "onFailure", "compensate", "when", "maxVisits", "skipIfDependencySkipped", "inputMapping", "outputMapping",
] as const;
const STEP_RUN_COLUMNS = [
  "state", "output", "error", "attempts", "progress", "progress_message", "quality",
  "agent_id", "lease_id", "ready_at", "started_at", "finished_at", "retry_at", "attempt_base", "visits", "trigger", "mapped_input",
] as const;
const stepRunParams = (planId: string, s: StepModel) => ({
  plan_id: planId,
  key: s.key,
  state: s.state,
  output: toJson(s.output),
  error: toJson(s.error),
  attempts: s.attempts,
  progress: s.progress,
  progress_message: s.progressMessage,
  quality: s.quality,
  agent_id: s.agentId,
  lease_id: s.leaseId,
  ready_at: s.readyAt,
  started_at: s.startedAt,
  finished_at: s.finishedAt,
  retry_at: s.retryAt,
  attempt_base: s.attemptBase,
  visits: s.visits,
  trigger: toJson(s.trigger),
  mapped_input: toJson(s.mappedInput),
});

// Object.assign over a spread: see newStep.
const stepParams = (planId: string, s: StepModel) =>
  Object.assign(stepRunParams(planId, s), {
    position: s.position,
  name: s.name,
  description: s.description,
  role: s.role,
  depends_on: JSON.stringify(s.dependsOn),
  priority: priorityRank(s.priority),
  input: toJson(s.input),
  retry: JSON.stringify(s.retry),
  timeout_ms: s.timeoutMs,
  config: toJson(s.config),
  run_at: s.runAt,
  delay_ms: s.delayMs,
  quality_threshold: s.qualityThreshold,
  schedule_to_start_ms: s.scheduleToStartMs,
  on_success: s.onSuccess,
  on_failure: s.onFailure,
  compensate: s.compensate,
  route_rules: toJson(s.when),
  max_visits: s.maxVisits,
  skip_if_dependency_skipped: s.skipIfDependencySkipped ? 1 : 0,
  input_mapping: toJson(s.inputMapping),
  output_mapping: toJson(s.outputMapping),
  });

/** The SQL column names of a table, from its drizzle definition. */
const columns = (table: typeof plans | typeof steps): string[] => Object.values(getTableColumns(table)).map((c) => c.name);
const insertSql = (table: string, cols: string[], conflictClause = "") =>
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
    // idempotency_hash is written once, by setIdempotencyHash, and is not part of PlanModel.
    const planCols = columns(plans).filter((c) => c !== "idempotency_hash");
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
      updatePlanRun: sqlite.prepare(
        `UPDATE plans SET ${PLAN_RUN_COLUMNS.map((c) => `${c} = @${c}`).join(", ")} WHERE id = @id AND version = @expected_version`,
      ),
      updateStepRun: sqlite.prepare(
        `UPDATE steps SET ${STEP_RUN_COLUMNS.map((c) => `${c} = @${c}`).join(", ")} WHERE plan_id = @plan_id AND key = @key`,
      ),
      deleteStep: sqlite.prepare("DELETE FROM steps WHERE plan_id = ? AND key = ?"),
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
    this.stmt.insertPlan.run(planParams(a.plan, runningCount(a)));
    for (const s of a.steps) this.stmt.upsertStep.run(stepParams(a.plan.id, s));
    this.remember(a);
  }

  /**
   * Saves `next` over `prev`: the plan row guarded by prev's version, then every changed step.
   * When only run state changed (the usual case) the narrow statements write just those columns.
   */
  save(prev: PlanAggregate, next: PlanAggregate): void {
    if (next.plan !== prev.plan) {
      const specSame = PLAN_SPEC_FIELDS.every((f) => prev.plan[f] === next.plan[f]);
      const params = specSame ? planRunParams(next) : planParams(next.plan, runningCount(next));
      const res = (specSame ? this.stmt.updatePlanRun : this.stmt.updatePlan).run({ ...params, expected_version: prev.plan.version });
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
      if (old && STEP_SPEC_FIELDS.every((f) => old[f] === s[f])) this.stmt.updateStepRun.run(stepRunParams(next.plan.id, s));
      else this.stmt.upsertStep.run(stepParams(next.plan.id, s));
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
    const a = { plan: planFromRow(planRow), steps: stepRows.map(stepFromRow) };
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
    return row ? { plan: planFromRow(row), requestHash: row.idempotencyHash ?? null } : null;
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
      .map(planFromRow);
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
