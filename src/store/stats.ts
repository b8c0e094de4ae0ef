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
 */
import type Database from "better-sqlite3";

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
  key: string;
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
  quality: "NULL",
} as const;

const SERIES = {
  agent: { ...ATTEMPTS, prefix: "attempts_agent", key: "agent_id = @key" },
  agentInRole: { ...ATTEMPTS, prefix: "attempts_agent", key: "agent_id = @key AND role = @role" },
  role: { ...ATTEMPTS, prefix: "attempts_role", key: "role = @key" },
  template: { ...PLANS, key: "template_id = @key", walkable: true },
  templates: { ...PLANS, key: "template_id IN (SELECT value FROM json_each(@key))", walkable: false },
} satisfies Record<string, Series>;

type Params = { key: string; role?: string | null; since: number; until: number };
type CountRow = { g: number; kind: string; n: number; quality: number | null };
type Bucketed = Params & { bucket?: number };

const EXCUSED = "";
const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

function prepareSeries(sqlite: Database.Database, s: Series) {
  const window = "finished_at >= @since AND finished_at < @until";
  const duration = "finished_at - started_at";
  // Without buckets, grouped by kind only: in the index's order, no temporary b-tree.
  const counts = (bucket: string | null, kinds: string, where = "") =>
    sqlite.prepare<[Bucketed], CountRow>(
      `SELECT ${bucket ?? "0"} AS g, ${s.column} AS kind, count(*) AS n, avg(${s.quality}) AS quality FROM ${s.table} INDEXED BY ${s.prefix}_finished
       WHERE ${s.key} AND ${s.column} IN (${kinds}) AND ${window}${where} GROUP BY ${bucket ? "g, kind ORDER BY g" : "kind"}`,
    );
  const grouped = (bucket: string | null) => {
    const all = counts(bucket, list(s.finished));
    const excused = s.excused && counts(bucket, list([s.excused.kind]), ` AND ${s.excused.where}`);
    return (params: Bucketed): CountRow[] => [...all.all(params), ...(excused?.all(params) ?? []).map((r) => ({ ...r, kind: EXCUSED }))];
  };
  const kth = (index: "finished" | "duration", dir: "ASC" | "DESC") =>
    sqlite
      .prepare<[Params & { offset: number }], number>(
        `SELECT ${duration} FROM ${s.table} INDEXED BY ${s.prefix}_${index}
         WHERE ${s.column} = '${s.ok}' AND ${s.key} AND ${window} ORDER BY ${duration} ${dir} LIMIT 1 OFFSET @offset`,
      )
      .pluck();
  return {
    series: s,
    /** The runs per kind (EXCUSED: those of a failed kind that are not failures). */
    total: grouped(null),
    byBucket: grouped("CAST(finished_at / @bucket AS INTEGER)"),
    /** The k-th duration from either end: `sorted` sorts the window, `walk` walks the durations in order. */
    kth: { sorted: { ASC: kth("finished", "ASC"), DESC: kth("finished", "DESC") }, walk: s.walkable ? { ASC: kth("duration", "ASC"), DESC: kth("duration", "DESC") } : null },
  };
}

type Prepared = ReturnType<typeof prepareSeries>;

/** Folds the per-kind counts of one group, then reads its percentiles over `params`' window. */
function runStats(p: Prepared, rows: CountRow[], params: Params): RunStats {
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
  const percentile = (pct: number): number | null => {
    if (completed === 0) return null;
    const k = Math.max(1, Math.ceil((pct * completed) / 100));
    // From the nearer end: the k-th smallest is the (n − k + 1)-th largest.
    return k <= completed / 2 ? via.ASC.get({ ...params, offset: k - 1 })! : via.DESC.get({ ...params, offset: completed - k })!;
  };
  return { runs, completed, failed, successRate: successRate(completed, failed), p50Ms: percentile(50), p95Ms: percentile(95), meanQuality };
}

const bounds = (w: StatsWindow): { since: number; until: number } => ({
  since: w.since ?? Number.MIN_SAFE_INTEGER,
  until: w.until ?? Number.MAX_SAFE_INTEGER,
});

export class StatsRepository {
  private readonly series: { [K in keyof typeof SERIES]: Prepared };

  constructor(sqlite: Database.Database) {
    this.series = Object.fromEntries(Object.entries(SERIES).map(([name, s]) => [name, prepareSeries(sqlite, s)])) as StatsRepository["series"];
  }

  /** The attempts of one agent (only those of `role`, when given) that finished in the window. */
  agentTraces(agentId: string, window: StatsWindow, role: string | null = null): RunStats {
    return this.total(role === null ? this.series.agent : this.series.agentInRole, { key: agentId, role, ...bounds(window) });
  }

  /** The attempts of one role, by every agent, that finished in the window. */
  roleTraces(role: string, window: StatsWindow): RunStats {
    return this.total(this.series.role, { key: role, ...bounds(window) });
  }

  /**
   * The plans made from these template versions that finished in the window: in all, and per
   * bucket of `bucketMs` (UTC days by default) that has any, oldest first (`start`: epoch ms).
   */
  templateRuns(templateIds: string[], window: StatsWindow, bucketMs = DAY_MS): { total: RunStats; buckets: (RunStats & { start: number })[] } {
    const [p, key] = templateIds.length === 1 ? [this.series.template, templateIds[0]!] : [this.series.templates, JSON.stringify(templateIds)];
    const params = { key, ...bounds(window) };
    const groups = new Map<number, CountRow[]>();
    for (const r of p.byBucket({ ...params, bucket: bucketMs })) {
      if (!groups.has(r.g)) groups.set(r.g, []);
      groups.get(r.g)!.push(r);
    }
    const buckets = [...groups].map(([g, rows]) => {
      const start = g * bucketMs;
      const bucket = { ...params, since: Math.max(params.since, start), until: Math.min(params.until, start + bucketMs) };
      return { start, ...runStats(p, rows, bucket) };
    });
    return { total: this.total(p, params), buckets };
  }

  private total(p: Prepared, params: Params): RunStats {
    return runStats(p, p.total(params), params);
  }
}
