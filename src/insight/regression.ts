/**
 * Regression detection (PURE: no I/O, no clock; ./assess.ts reads the runs from the store).
 *
 * A COMPLETED plan made from a template version is compared with its **baseline**: the median of
 * each metric over the last BASELINE_RUNS (10) COMPLETED plans of the same template version that
 * finished strictly before it (forks left out). Below MIN_BASELINE_RUNS (3) such runs there is no
 * baseline and nothing is judged. The run regressed when, by more than REGRESSION_PERCENT (10%):
 *
 *   durationMs  > baseline × 1.1   slower (paused time excluded, see ./evaluation.ts)
 *   retries     > baseline × 1.1   more retries (with a baseline of 0 retries, any retry)
 *   meanQuality < baseline × 0.9   lower quality (only when the run and the baseline have one)
 *
 * Exactly 10% worse is not a regression. Only COMPLETED runs are compared, on both sides: a
 * failed or cancelled run stopped early (or late) for reasons its own signals already report.
 */

/** Runs the baseline is the median of. */
export const BASELINE_RUNS = 10;
/** Fewest earlier runs for a baseline; with fewer, a run is not judged. */
export const MIN_BASELINE_RUNS = 3;
/** How much worse than the baseline is a regression, in percent. */
export const REGRESSION_PERCENT = 10;

/** What is compared of a run. */
export interface RunMetrics {
  /** Time from start to end, paused time excluded; null if it never started. */
  durationMs: number | null;
  retries: number;
  /** Mean reported quality (0..1); null when no step reported one. */
  meanQuality: number | null;
}

/** The median of each metric over the earlier runs. */
export interface Baseline {
  /** Runs it was taken over (MIN_BASELINE_RUNS to BASELINE_RUNS). */
  runs: number;
  /** Rounded to the millisecond; null when no run has a duration. */
  durationMs: number | null;
  retries: number;
  /** Over the runs that have a quality; null when none has. */
  meanQuality: number | null;
}

export interface Regression {
  /** Whether any metric is more than 10% worse than the baseline. */
  detected: boolean;
  runs: number;
  baselineDurationMs: number | null;
  baselineRetries: number;
  baselineQuality: number | null;
  /** One plain sentence per metric that regressed. */
  details: string[];
}

/** The median (the mean of the middle two for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The baseline of these earlier runs, or null when there are fewer than MIN_BASELINE_RUNS. */
export function baselineOf(runs: readonly RunMetrics[]): Baseline | null {
  if (runs.length < MIN_BASELINE_RUNS) return null;
  const duration = median(runs.flatMap((r) => (r.durationMs === null ? [] : [r.durationMs])));
  return {
    runs: runs.length,
    durationMs: duration === null ? null : Math.round(duration),
    retries: median(runs.map((r) => r.retries))!,
    meanQuality: median(runs.flatMap((r) => (r.meanQuality === null ? [] : [r.meanQuality]))),
  };
}

/**
 * Worse by more than REGRESSION_PERCENT: higher for durations and retries (`higherIsWorse`),
 * lower for quality. Compared in percent, rounded to 9 decimals, so that exactly 10% is never
 * taken for more by floating point (0.8 − 0.72 is 0.08000000000000007).
 */
const worse = (value: number, base: number, higherIsWorse: boolean): boolean =>
  round((higherIsWorse ? value - base : base - value) * 100, 9) > round(base * REGRESSION_PERCENT, 9);

/** "35% above" / "20% below", or "above" when the baseline is 0. */
const by = (value: number, base: number, word: "above" | "below"): string =>
  base === 0 ? word : `${Math.round(Math.abs(value / base - 1) * 100)}% ${word}`;

/** The run against the baseline; every metric that regressed gets a sentence in `details`. */
export function compare(run: RunMetrics, baseline: Baseline): Regression {
  const details: string[] = [];
  const of = `the median of the last ${baseline.runs} runs`;
  if (run.durationMs !== null && baseline.durationMs !== null && worse(run.durationMs, baseline.durationMs, true)) {
    details.push(`duration: ${formatMs(run.durationMs)}, ${by(run.durationMs, baseline.durationMs, "above")} ${of} (${formatMs(baseline.durationMs)})`);
  }
  if (worse(run.retries, baseline.retries, true)) {
    details.push(`retries: ${round(run.retries)}, ${by(run.retries, baseline.retries, "above")} ${of} (${round(baseline.retries)})`);
  }
  if (run.meanQuality !== null && baseline.meanQuality !== null && worse(run.meanQuality, baseline.meanQuality, false)) {
    details.push(`mean quality: ${round(run.meanQuality)}, ${by(run.meanQuality, baseline.meanQuality, "below")} ${of} (${round(baseline.meanQuality)})`);
  }
  return {
    detected: details.length > 0,
    runs: baseline.runs,
    baselineDurationMs: baseline.durationMs,
    baselineRetries: baseline.retries,
    baselineQuality: baseline.meanQuality,
    details,
  };
}

/** 850 ms, 12.5 s, 3.2 min, 1.5 h: how durations read in details and recommendations. */
export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${round(ms / 1_000, 1)} s`;
  if (ms < 3_600_000) return `${round(ms / 60_000, 1)} min`;
  return `${round(ms / 3_600_000, 1)} h`;
}

/** At most `digits` decimals, no trailing zeros. */
export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** "1 retry", "3 retries". */
export const plural = (n: number, one: string, many: string): string => `${round(n)} ${n === 1 ? one : many}`;
