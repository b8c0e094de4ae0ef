/**
 * Plan evaluation (PURE: no I/O, no clock; ./assess.ts gathers the facts from the store): a
 * finished plan, its attempts (the traces) and the time it was suspended → a score, a grade and
 * recommendations in plain words.
 *
 * What is measured of a run (RunSummary):
 *   durationMs   finishedAt − startedAt − the time it was suspended: PAUSED, or finished before a
 *                retry or a restore reopened it (null if it never started)
 *   retries      attempts that followed an unsuccessful attempt (FAILED, TIMED_OUT, LOST) of the
 *                same step: the step ran again because the one before did not succeed. Revoked
 *                attempts (CANCELLED) and re-runs after a success (loops) are not retries.
 *   successRate  SUCCEEDED attempts / attempts that ended (CANCELLED and RUNNING ones left out);
 *                with no such attempt, 1 for a COMPLETED plan and 0 for another
 *   meanQuality  the mean of the qualities its steps reported on success (0..1); null if none did
 *                (both rounded to 4 decimals)
 *
 * Score, 0..100 with one decimal: 100 × Σ wᵢ·cᵢ / Σ wᵢ over the components present,
 *   success    c = successRate                                    w = 0.40
 *   quality    c = meanQuality                  (absent if null)   w = 0.30
 *   retries    c = max(0, 1 − retries / steps that ran)            w = 0.15
 *   duration   c = min(1, baselineDurationMs / durationMs)         w = 0.15
 *              (absent without a baseline: see ./regression.ts; 1 for a 0 ms run)
 * A plan that did not COMPLETE scores at most 49, which is POOR.
 * Grades: EXCELLENT ≥ 90, GOOD ≥ 75, FAIR ≥ 50, POOR below 50.
 */
import type { AttemptModel, PlanModel, StepModel } from "../domain/model.js";
import type { TraceOutcome } from "../domain/statuses.js";
import type { SuspensionChange } from "../store/evaluations.js";
import { formatMs, plural, round, type Regression, type RunMetrics } from "./regression.js";

export const QualityGrade = { EXCELLENT: "EXCELLENT", GOOD: "GOOD", FAIR: "FAIR", POOR: "POOR" } as const;
export type QualityGrade = (typeof QualityGrade)[keyof typeof QualityGrade];

/** Lowest score of each grade but POOR, best first. */
export const GRADE_THRESHOLDS: readonly (readonly [QualityGrade, number])[] = [
  ["EXCELLENT", 90],
  ["GOOD", 75],
  ["FAIR", 50],
];
export const WEIGHTS = { success: 0.4, quality: 0.3, retries: 0.15, duration: 0.15 } as const;
/** Highest score of a plan that did not COMPLETE. */
export const UNFINISHED_CAP = 49;
/** A step reporting a quality below this gets a recommendation. */
export const LOW_QUALITY = 0.6;
/** A step that waited for an agent this long, and this share of the run, gets a recommendation. */
export const LONG_WAIT_MS = 1_000;
export const LONG_WAIT_SHARE = 0.25;

/** Everything the evaluation reads of one finished plan. */
export interface RunFacts {
  plan: PlanModel;
  steps: readonly StepModel[];
  /** Every attempt of the plan (its traces), in any order. */
  attempts: readonly AttemptModel[];
  /** Time the plan was suspended (see {@link suspendedTime}) between its start and its end. */
  suspendedMs: number;
}

export interface RunSummary extends RunMetrics {
  successRate: number;
}

export interface Evaluation extends RunSummary {
  grade: QualityGrade;
  score: number;
  /** Null unless the plan COMPLETED from a template version with enough earlier runs (./regression.ts). */
  regression: Regression | null;
  recommendations: string[];
}

const UNSUCCESSFUL: ReadonlySet<TraceOutcome> = new Set(["FAILED", "TIMED_OUT", "LOST"]);

/** A step's attempts in attempt order, and the unsuccessful ones that made it run again. */
interface StepTrace {
  attempts: AttemptModel[];
  /** The attempts followed by a retry (each one is why the next attempt ran). */
  retried: AttemptModel[];
}

function traces(attempts: readonly AttemptModel[]): Map<string, StepTrace> {
  const byStep = new Map<string, StepTrace>();
  for (const a of attempts) {
    const t = byStep.get(a.stepKey);
    if (t) t.attempts.push(a);
    else byStep.set(a.stepKey, { attempts: [a], retried: [] });
  }
  for (const t of byStep.values()) {
    t.attempts.sort((a, b) => a.attempt - b.attempt);
    t.retried = t.attempts.slice(0, -1).filter((a) => UNSUCCESSFUL.has(a.outcome));
  }
  return byStep;
}

/**
 * Time suspended, inside [startedAt, finishedAt]: from each signal that suspends the run
 * (PLAN_PAUSED, or one that ends it: PLAN_COMPLETED, PLAN_FAILED, PLAN_CANCELLED,
 * PLAN_COMPENSATED) to the next PLAN_RESUMED (a resume, or a retry or restore that reopened the
 * plan), or to the end when none came.
 */
export function suspendedTime(changes: readonly SuspensionChange[], startedAt: number, finishedAt: number): number {
  let suspended = 0;
  let since: number | null = null;
  const clamp = (t: number): number => Math.min(finishedAt, Math.max(startedAt, t));
  for (const c of changes) {
    if (c.kind !== "PLAN_RESUMED") since ??= clamp(c.at);
    else if (since !== null) {
      suspended += clamp(c.at) - since;
      since = null;
    }
  }
  return since === null ? suspended : suspended + finishedAt - since;
}

/** The measured facts of a run (see the header). */
export function summarize(run: RunFacts): RunSummary {
  return summaryOf(run, traces(run.attempts));
}

function summaryOf(run: RunFacts, byStep: Map<string, StepTrace>): RunSummary {
  const { plan } = run;
  let retries = 0;
  for (const t of byStep.values()) retries += t.retried.length;
  const ended = run.attempts.filter((a) => a.outcome !== "RUNNING" && a.outcome !== "CANCELLED");
  const successRate = ended.length === 0 ? (plan.state === "COMPLETED" ? 1 : 0) : round(ended.filter((a) => a.outcome === "SUCCEEDED").length / ended.length, 4);
  const qualities = run.steps.flatMap((s) => (s.quality === null ? [] : [s.quality]));
  return {
    durationMs: plan.startedAt === null || plan.finishedAt === null ? null : Math.max(0, plan.finishedAt - plan.startedAt - run.suspendedMs),
    retries,
    successRate,
    meanQuality: qualities.length === 0 ? null : round(qualities.reduce((x, y) => x + y, 0) / qualities.length, 4),
  };
}

export const gradeOf = (score: number): QualityGrade => GRADE_THRESHOLDS.find(([, min]) => score >= min)?.[0] ?? "POOR";

/** The score of a run (see the header); `baselineDurationMs` adds the duration component. */
export function scoreOf(s: RunSummary, stepsRun: number, completed: boolean, baselineDurationMs: number | null): number {
  const parts: [number, number][] = [
    [WEIGHTS.success, s.successRate],
    [WEIGHTS.retries, Math.max(0, 1 - s.retries / Math.max(1, stepsRun))],
  ];
  if (s.meanQuality !== null) parts.push([WEIGHTS.quality, s.meanQuality]);
  if (baselineDurationMs !== null && s.durationMs !== null) parts.push([WEIGHTS.duration, s.durationMs === 0 ? 1 : Math.min(1, baselineDurationMs / s.durationMs)]);
  const weight = parts.reduce((n, [w]) => n + w, 0);
  const score = round((100 * parts.reduce((n, [w, c]) => n + w * c, 0)) / weight, 1);
  return completed ? score : Math.min(score, UNFINISHED_CAP);
}

/**
 * Evaluates a finished plan. `regression` is its verdict against the earlier runs of its
 * template (null when not judged); `agentName` names agents in the recommendations.
 */
export function evaluate(run: RunFacts, regression: Regression | null, agentName: (id: string) => string = (id) => id): Evaluation {
  const byStep = traces(run.attempts);
  const summary = summaryOf(run, byStep);
  const score = scoreOf(summary, byStep.size, run.plan.state === "COMPLETED", regression?.baselineDurationMs ?? null);
  return { ...summary, grade: gradeOf(score), score, regression, recommendations: recommend(run, summary, byStep, regression, agentName) };
}

// ---------------------------------------------------------------- recommendations

/** Recommendations, step by step in plan order (retries, failures, low quality, long waits), then the regression and the plan's own failure. */
function recommend(run: RunFacts, summary: RunSummary, byStep: Map<string, StepTrace>, regression: Regression | null, agentName: (id: string) => string): string[] {
  const out: string[] = [];
  const agentsOf = (attempts: readonly AttemptModel[]): string => {
    const names = [...new Set(attempts.flatMap((a) => (a.agentId === null ? [] : [agentName(a.agentId)])))];
    return names.length === 0 ? "" : `agent${names.length > 1 ? "s" : ""} ${names.join(", ")}`;
  };
  for (const step of run.steps) {
    const t = byStep.get(step.key);
    if (t && t.retried.length > 0) out.push(retryAdvice(run, step, t.retried, agentsOf(t.retried)));
    if (step.state === "FAILED" && step.error) {
      const who = agentsOf(t?.attempts.slice(-1) ?? []);
      const route = step.onFailure ? `its onFailure route went on to ${step.onFailure}` : `check ${who || "its agent"} or give it an onFailure route`;
      out.push(`step ${step.key} failed for good: ${step.error.message}; ${route}`);
    }
    if (step.quality !== null && step.quality < LOW_QUALITY) {
      const who = agentsOf(t?.attempts.filter((a) => a.outcome === "SUCCEEDED").slice(-1) ?? []);
      const gate = step.qualityThreshold === null ? "set a qualityThreshold so that such results are retried" : `raise its qualityThreshold (now ${step.qualityThreshold})`;
      out.push(`step ${step.key} reported quality ${round(step.quality)}${who ? ` (${who})` : ""}: review its output or ${gate}`);
    }
    const waited = (t?.attempts ?? []).reduce((n, a) => n + (a.queuedAt === null ? 0 : Math.max(0, a.startedAt - a.queuedAt)), 0);
    if (summary.durationMs && waited >= LONG_WAIT_MS && waited >= LONG_WAIT_SHARE * summary.durationMs) {
      out.push(
        `step ${step.key} waited ${formatMs(waited)} for an agent of role ${step.role} (${Math.round((100 * waited) / summary.durationMs)}% of the run): ` +
          "add agents of that role, raise their concurrency or the plan's maxParallel",
      );
    }
  }
  if (regression?.detected) {
    out.push(`this run regressed against the last ${regression.runs} runs of its template (${regression.details.join("; ")}): look at what changed (agents, inputs, the template)`);
  }
  const { plan } = run;
  if (plan.error && !run.steps.some((s) => s.state === "FAILED")) {
    const fix = plan.error.type === "PLAN_TIMEOUT" ? ": raise policy.planTimeoutMs or make its steps faster" : "";
    out.push(`the plan ended ${plan.state}: ${plan.error.message}${fix}`);
  }
  return out;
}

/** "step review retried 3 times (2 timed out, 1 failed: "boom"): raise its timeout (now 30 s) or check agent alpha". */
function retryAdvice(run: RunFacts, step: StepModel, retried: readonly AttemptModel[], agents: string): string {
  const count = (o: TraceOutcome): number => retried.filter((a) => a.outcome === o).length;
  const failed = retried.filter((a) => a.outcome === "FAILED");
  const gated = failed.filter((a) => a.error?.type === "QUALITY_GATE").length;
  const last = failed.at(-1)?.error?.message;
  const causes = [
    count("TIMED_OUT") > 0 ? `${count("TIMED_OUT")} timed out` : null,
    count("LOST") > 0 ? `${count("LOST")} lost ${count("LOST") === 1 ? "its lease" : "their leases"}` : null,
    failed.length > 0 ? `${failed.length} failed${last ? `: "${last}"` : ""}` : null,
  ].filter((c) => c !== null);
  const advice = [
    count("TIMED_OUT") > 0 ? `raise its timeout (now ${formatMs(step.timeoutMs)})` : null,
    count("LOST") > 0 ? `make sure its agent heartbeats within ${formatMs(run.plan.policy.heartbeatTimeoutMs)}` : null,
    gated > 0 ? `improve its results or lower its quality gate (${step.qualityThreshold})` : null,
    agents ? `check ${agents}` : null,
  ].filter((a) => a !== null);
  return `step ${step.key} retried ${plural(retried.length, "time", "times")} (${causes.join(", ")}): ${advice.join(" or ") || "check its agent"}`;
}
