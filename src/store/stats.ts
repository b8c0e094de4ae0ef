/**
 * Statistics over history: attempts (traces) per agent and per role, plans per template.
 * Read-only SQL over indexes made for it (src/store/schema.ts); no rollup tables to keep.
 *
 * A run is an attempt or a plan. Counted are the runs that finished in a window [since, until):
 * completed (an attempt SUCCEEDED, a plan COMPLETED), failed (an attempt FAILED, TIMED_OUT or
 * LOST; a plan FAILED, or COMPENSATED after a failure) and the others (CANCELLED, or a plan
 * COMPENSATED on a cancel). successRate = completed / (completed + failed), 0 when both are 0.
 * Durations (finished − started) are those of the completed runs; p50 / p95 are nearest-rank
 * percentiles: the k-th smallest, k = ⌈p·n/100⌉.
 *
 * Each series (attempts by agent, by role; plans by template) has two indexes:
 * `<prefix>_finished` (key, kind, finish time, start time…) and `<prefix>_duration` (key, duration,
 * finish time…) over completed runs. The counts are a range scan of the first per kind. A
 * percentile is then read either by sorting the window's durations (at most SORT_LIMIT of them),
 * or by walking the second in duration order, from the nearer end, to the k-th entry inside the
 * window: no sort, however long the history (100,000 attempts of one agent: about 10 ms).
 * SQLite is told which index to use (INDEXED BY); PostgreSQL, which has no such hint, picks it
 * from the same conditions.
 */
import { query, type Dialect, type Query, type Sql } from "./sql.js";

/** Runs that finished at or after `since` and before `until` (epoch ms; null = unbounded). */
export interface StatsWindow {
  since: number | null;
  until: number | null;
}

/** How the runs that finished in a window went. */
export interface RunStats {
  /** Every finished run: completed, failed and cancelled. */
  runs: number;
  completed: number;
  failed: number;
  successRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Mean of the qualities reported by the completed runs that reported one (attempts only). */
  meanQuality: number | null;
}

/** Up to this many durations in a window are sorted; beyond, percentiles walk the duration index. */
export const SORT_LIMIT = 10_000;
export const DAY_MS = 86_400_000;

export const successRate = (completed: number, failed: number): number => (completed + failed === 0 ? 0 : completed / (completed + failed));

/** One kind of run counted per key, and the indexes made for it (src/store/schema.ts). */
interface Series {
  table: string;
  prefix: string;
  /** The condition on the key, over @key (and @role). */
  key: string | ((d: Dialect) => string);
  /** The column of the run's state, every finished value of it, the completed one and the failed ones. */
  column: string;
  finished: readonly string[];
  ok: string;
  failed: readonly string[];
  /** Runs of a failed kind that count as cancelled after all, when the column alone cannot tell. */
  excused: { kind: string; where: string } | null;
  /** The run's quality, averaged over the completed runs (NULL when runs have none). */
  quality: string;
  /** False when @key selects several index keys, whose durations no single walk visits in order. */
  walkable: boolean;
}

const ATTEMPTS = { table: "attempts", column: "outcome", finished: ["SUCCEEDED", "FAILED", "TIMED_OUT", "LOST", "CANCELLED"], ok: "SUCCEEDED", failed: ["FAILED", "TIMED_OUT", "LOST"], excused: null, quality: "quality", walkable: true } as const;
const PLANS = {
  table: "plans",
  prefix: "plans_template",
  column: "state",
  finished: ["COMPLETED", "FAILED", "CANCELLED", "COMPENSATED"],
  ok: "COMPLETED",
  failed: ["FAILED", "COMPENSATED"],
  // A plan COMPENSATED without an error was cancelled with compensation. Counted apart: reading
  // `error` is a table lookup, paid only for those rows.
  excused: { kind: "COMPENSATED", where: "error IS NULL" },
  // Typed: PostgreSQL has no avg of an untyped NULL.
  quality: "CAST(NULL AS double precision)",
} as const;

const SERIES = {
  agent: { ...ATTEMPTS, prefix: "attempts_agent", key: "agent_id = @key" },
  agentInRole: { ...ATTEMPTS, prefix: "attempts_agent", key: "agent_id = @key AND role = @role" },
  role: { ...ATTEMPTS, prefix: "attempts_role", key: "role = @key" },
  template: { ...PLANS, key: "template_id = @key", walkable: true },
  templates: { ...PLANS, key: (d) => `template_id IN (SELECT value FROM ${d.jsonElements("@key")})`, walkable: false },
} satisfies Record<string, Series>;

type Params = { key: string; role?: string | null; since: number; until: number };
type CountRow = { g: number; kind: string; n: number; quality: number | null };
type Bucketed = Params & { bucket?: number };

const EXCUSED = "";
const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

function seriesQueries(name: string, s: Series) {
  const window = "finished_at >= @since AND finished_at < @until";
  const duration = "finished_at - started_at";
  const from = (d: Dialect, index: "finished" | "duration") => (d.name === "sqlite" ? `${s.table} INDEXED BY ${s.prefix}_${index}` : s.table);
  const key = (d: Dialect) => (typeof s.key === "string" ? s.key : s.key(d));
  // Without buckets, grouped by kind only: in the index's order, no temporary b-tree.
  const counts = (label: string, bucket: string | null, kinds: string, where = "") =>
    query<[Bucketed], CountRow>(
      `stats.${name}.${label}`,
      (d) => `SELECT ${bucket ?? "0"} AS g, ${s.column} AS kind, count(*) AS n, avg(${s.quality}) AS quality FROM ${from(d, "finished")}
              WHERE ${key(d)} AND ${s.column} IN (${kinds}) AND ${window}${where} GROUP BY ${bucket ? `g, ${s.column} ORDER BY g` : s.column}`,
    );
  const grouped = (label: string, bucket: string | null) => ({
    all: counts(label, bucket, list(s.finished)),
    excused: s.excused && counts(`${label}Excused`, bucket, list([s.excused.kind]), ` AND ${s.excused.where}`),
  });
  const kth = (index: "finished" | "duration", dir: "ASC" | "DESC") =>
    query<[Params & { offset: number }], { d: number }>(
      `stats.${name}.${index === "finished" ? "sorted" : "walk"}${dir}`,
      (d) => `SELECT ${duration} AS d FROM ${from(d, index)}
              WHERE ${s.column} = '${s.ok}' AND ${key(d)} AND ${window} ORDER BY ${duration} ${dir} LIMIT 1 OFFSET @offset`,
    );
  return {
    series: s,
    /** The runs per kind (and `excused`: those of a failed kind that are not failures). */
    total: grouped("total", null),
    // bigint: a short bucket over epoch milliseconds overflows PostgreSQL's integer.
    byBucket: grouped("byBucket", "CAST(finished_at / @bucket AS bigint)"),
    /** The k-th duration from either end: `sorted` sorts the window, `walk` walks the durations in order. */
    kth: { sorted: { ASC: kth("finished", "ASC"), DESC: kth("finished", "DESC") }, walk: s.walkable ? { ASC: kth("duration", "ASC"), DESC: kth("duration", "DESC") } : null },
  };
}

type Prepared = ReturnType<typeof seriesQueries>;

const Q = Object.fromEntries(Object.entries(SERIES).map(([name, s]) => [name, seriesQueries(name, s)])) as { [K in keyof typeof SERIES]: Prepared };

/** The runs per kind of one statement pair (EXCUSED: those of a failed kind that are not failures). */
async function grouped(sql: Sql, q: { all: Query<[Bucketed], CountRow>; excused: Query<[Bucketed], CountRow> | null }, params: Bucketed): Promise<CountRow[]> {
  const all = await sql.all(q.all, params);
  const excused = q.excused ? await sql.all(q.excused, params) : [];
  return [...all, ...excused.map((r) => ({ ...r, kind: EXCUSED }))];
}

/** Folds the per-kind counts of one group, then reads its percentiles over `params`' window. */
async function runStats(sql: Sql, p: Prepared, rows: CountRow[], params: Params): Promise<RunStats> {
  const { ok, failed: failedKinds } = p.series;
  let runs = 0;
  let completed = 0;
  let failed = 0;
  let meanQuality: number | null = null;
  for (const r of rows) {
    if (r.kind === EXCUSED) {
      failed -= r.n; // also counted under their own (failed) kind
      continue;
    }
    runs += r.n;
    if (r.kind === ok) [completed, meanQuality] = [r.n, r.quality];
    else if (failedKinds.includes(r.kind)) failed += r.n;
  }
  const via = p.kth.walk && completed > SORT_LIMIT ? p.kth.walk : p.kth.sorted;
  const percentile = async (pct: number): Promise<number | null> => {
    if (completed === 0) return null;
    const k = Math.max(1, Math.ceil((pct * completed) / 100));
    // From the nearer end: the k-th smallest is the (n − k + 1)-th largest.
    const row = k <= completed / 2 ? await sql.get(via.ASC, { ...params, offset: k - 1 }) : await sql.get(via.DESC, { ...params, offset: completed - k });
    return row!.d;
  };
  const p50Ms = await percentile(50);
  const p95Ms = await percentile(95);
  return { runs, completed, failed, successRate: successRate(completed, failed), p50Ms, p95Ms, meanQuality };
}

const bounds = (w: StatsWindow): { since: number; until: number } => ({
  since: w.since ?? Number.MIN_SAFE_INTEGER,
  until: w.until ?? Number.MAX_SAFE_INTEGER,
});

export class StatsRepository {
  constructor(private readonly sql: Sql) {}

  /** The attempts of one agent (only those of `role`, when given) that finished in the window. */
  async agentTraces(agentId: string, window: StatsWindow, role: string | null = null): Promise<RunStats> {
    return this.total(role === null ? Q.agent : Q.agentInRole, { key: agentId, role, ...bounds(window) });
  }

  /** The attempts of one role, by every agent, that finished in the window. */
  async roleTraces(role: string, window: StatsWindow): Promise<RunStats> {
    return this.total(Q.role, { key: role, ...bounds(window) });
  }

  /**
   * The plans made from these template versions that finished in the window: in all, and per
   * bucket of `bucketMs` (UTC days by default) that has any, oldest first (`start`: epoch ms).
   */
  async templateRuns(templateIds: string[], window: StatsWindow, bucketMs = DAY_MS): Promise<{ total: RunStats; buckets: (RunStats & { start: number })[] }> {
    const [p, key] = templateIds.length === 1 ? [Q.template, templateIds[0]!] : [Q.templates, JSON.stringify(templateIds)];
    const params = { key, ...bounds(window) };
    const groups = new Map<number, CountRow[]>();
    for (const r of await grouped(this.sql, p.byBucket, { ...params, bucket: bucketMs })) {
      if (!groups.has(r.g)) groups.set(r.g, []);
      groups.get(r.g)!.push(r);
    }
    const buckets: (RunStats & { start: number })[] = [];
    for (const [g, rows] of groups) {
      const start = g * bucketMs;
      const bucket = { ...params, since: Math.max(params.since, start), until: Math.min(params.until, start + bucketMs) };
      buckets.push({ start, ...(await runStats(this.sql, p, rows, bucket)) });
    }
    return { total: await this.total(p, params), buckets };
  }

  private async total(p: Prepared, params: Params): Promise<RunStats> {
    return runStats(this.sql, p, await grouped(this.sql, p.total, params), params);
  }
}
