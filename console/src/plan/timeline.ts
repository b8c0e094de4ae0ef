/**
 * A plan's attempts (its traces) on one time axis: a row per attempt, placed from the first
 * attempt's queue time, with the time it waited to be claimed and the time it ran. Plain
 * functions: test/console/timeline.test.ts.
 */

export interface TraceShape {
  id: string;
  stepKey: string;
  attempt: number;
  outcome: string;
  queuedAt?: string | null;
  startedAt: string;
  finishedAt?: string | null;
}

export interface TimelineRow {
  id: string;
  stepKey: string;
  attempt: number;
  outcome: string;
  /** Fractions (0..1) of the whole span: where the wait starts, where the run starts, its end. */
  queued: number;
  started: number;
  ended: number;
  /** Milliseconds waiting for a claim, and running (to now while it runs). */
  waitMs: number;
  runMs: number;
}

/** The rows, in start order, over the span from the first queue time to the last end (or now). */
export function timelineRows(traces: readonly TraceShape[], now: number): { rows: TimelineRow[]; spanMs: number } {
  if (traces.length === 0) return { rows: [], spanMs: 0 };
  const times = traces.map((t) => {
    const started = Date.parse(t.startedAt);
    const queued = t.queuedAt ? Math.min(Date.parse(t.queuedAt), started) : started;
    const ended = t.finishedAt ? Math.max(Date.parse(t.finishedAt), started) : Math.max(now, started);
    return { t, queued, started, ended };
  });
  const origin = Math.min(...times.map((x) => x.queued));
  const end = Math.max(...times.map((x) => x.ended));
  const spanMs = Math.max(1, end - origin);
  const at = (ms: number) => (ms - origin) / spanMs;
  const rows = times
    .sort((a, b) => a.started - b.started || a.t.attempt - b.t.attempt)
    .map(({ t, queued, started, ended }) => ({
      id: t.id,
      stepKey: t.stepKey,
      attempt: t.attempt,
      outcome: t.outcome,
      queued: at(queued),
      started: at(started),
      ended: at(ended),
      waitMs: started - queued,
      runMs: ended - started,
    }));
  return { rows, spanMs };
}

/** A duration in words a person reads at a glance: 850 ms, 4.2 s, 3 min 5 s, 2 h 10 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}
