/** Plan evaluation and regression detection as pure functions: fixtures with known answers. */
import { describe, expect, it } from "vitest";
import type { AttemptModel, PlanAggregate, StepError, StepModel } from "../../src/domain/model.js";
import type { TraceOutcome } from "../../src/domain/statuses.js";
import { evaluate, gradeOf, suspendedTime, summarize, type RunFacts } from "../../src/insight/evaluation.js";
import { baselineOf, compare, formatMs, median, type RunMetrics } from "../../src/insight/regression.js";
import { plan, T0, type StepList } from "../helpers/engine.js";

const NAMES: Record<string, string> = { agt_a: "alice", agt_b: "bob" };
const agentName = (id: string): string => NAMES[id] ?? id;

/** A finished plan: COMPLETED by default, started at T0 and finished `ms` later; `steps` patch each step's run state. */
function finished(specs: StepList, runState: Record<string, Partial<StepModel>>, more: { state?: "COMPLETED" | "FAILED"; ms?: number; error?: StepError } = {}): PlanAggregate {
  const a = plan(specs, {}, more.state ?? "COMPLETED", { startedAt: T0, finishedAt: T0 + (more.ms ?? 1_000), error: more.error ?? null });
  return { plan: a.plan, steps: a.steps.map((s) => ({ ...s, state: "SUCCEEDED", ...runState[s.key] })) };
}

let leases = 0;
/** An attempt of a step: `outcome`, run by `agentId`, queued at `queuedAt` and started at `startedAt`. */
function attempt(stepKey: string, n: number, outcome: TraceOutcome, more: { agentId?: string; error?: StepError; queuedAt?: number; startedAt?: number } = {}): AttemptModel {
  return {
    id: `lease_${++leases}`,
    planId: "plan_test",
    stepKey,
    attempt: n,
    agentId: more.agentId ?? "agt_a",
    role: "worker",
    outcome,
    error: more.error ?? (outcome === "SUCCEEDED" || outcome === "CANCELLED" ? null : { message: "boom", type: null, retryable: true, details: null }),
    queuedAt: more.queuedAt ?? T0,
    startedAt: more.startedAt ?? T0,
    finishedAt: T0 + 1,
    expiresAt: T0 + 10_000,
    heartbeatTimeoutMs: 10_000,
    cancelRequested: false,
    output: null,
  } as AttemptModel;
}

const facts = (a: PlanAggregate, attempts: AttemptModel[], suspendedMs = 0): RunFacts => ({ plan: a.plan, steps: a.steps, attempts, suspendedMs });

describe("evaluate", () => {
  it("a perfect run (every attempt succeeded first time, quality 1) scores 100: EXCELLENT, nothing to recommend", () => {
    const a = finished({ a: {}, b: { dependsOn: ["a"] } }, { a: { quality: 1 }, b: { quality: 1 } }, { ms: 2_500 });
    const e = evaluate(facts(a, [attempt("a", 1, "SUCCEEDED"), attempt("b", 1, "SUCCEEDED")]), null, agentName);
    expect(e).toEqual({ grade: "EXCELLENT", score: 100, successRate: 1, meanQuality: 1, durationMs: 2_500, retries: 0, regression: null, recommendations: [] });
  });

  it("a run without reported qualities is scored on the other components only", () => {
    const a = finished({ a: {} }, {});
    expect(evaluate(facts(a, [attempt("a", 1, "SUCCEEDED")]), null)).toMatchObject({ score: 100, meanQuality: null, grade: "EXCELLENT" });
  });

  it("a retried failure lowers the score: 2 of 3 attempts succeeded, 1 retry over 2 steps, quality 0.85 → 70.2, FAIR", () => {
    const a = finished({ a: {}, b: { dependsOn: ["a"] } }, { a: { quality: 0.9 }, b: { quality: 0.8 } });
    const e = evaluate(facts(a, [attempt("a", 1, "SUCCEEDED"), attempt("b", 2, "SUCCEEDED", { agentId: "agt_b" }), attempt("b", 1, "FAILED")]), null, agentName);
    // 100 × (0.4 × 0.6667 + 0.3 × 0.85 + 0.15 × (1 − 1/2)) / 0.85
    expect(e.score).toBe(70.2);
    expect(e.grade).toBe("FAIR");
    expect(e).toMatchObject({ successRate: 0.6667, retries: 1, meanQuality: 0.85 });
    expect(e.recommendations).toEqual(['step b retried 1 time (1 failed: "boom"): check agent alice']);
  });

  it("says what to do about timeouts, lost leases and quality gates, naming the agents", () => {
    const gate: StepError = { message: "quality 0.2 is below the gate 0.5", type: "QUALITY_GATE", retryable: true, details: null };
    const a = finished({ review: { timeoutMs: 30_000, qualityThreshold: 0.5 } }, { review: { quality: 0.7 } }, { ms: 200_000 });
    const attempts = [
      attempt("review", 1, "TIMED_OUT", { agentId: "agt_a" }),
      attempt("review", 2, "TIMED_OUT", { agentId: "agt_b" }),
      attempt("review", 3, "LOST", { agentId: "agt_a" }),
      attempt("review", 4, "FAILED", { agentId: "agt_b", error: gate }),
      attempt("review", 5, "SUCCEEDED", { agentId: "agt_a" }),
    ];
    const e = evaluate(facts(a, attempts), null, agentName);
    expect(e.retries).toBe(4);
    expect(e.recommendations).toEqual([
      'step review retried 4 times (2 timed out, 1 lost its lease, 1 failed: "quality 0.2 is below the gate 0.5"): raise its timeout (now 30 s) or make sure its agent heartbeats within 10 s or improve its results or lower its quality gate (0.5) or check agents alice, bob',
    ]);
  });

  it("counts neither revoked attempts nor re-runs after a success (loops) as retries", () => {
    const a = finished({ code: { maxVisits: 3 } }, { code: { visits: 3 } });
    const attempts = [attempt("code", 1, "SUCCEEDED"), attempt("code", 2, "CANCELLED"), attempt("code", 3, "SUCCEEDED")];
    const e = evaluate(facts(a, attempts), null);
    expect(e).toMatchObject({ retries: 0, successRate: 1, score: 100, recommendations: [] });
  });

  it("a plan that did not complete is POOR (at most 49), and the step that failed it is named", () => {
    const error: StepError = { message: "no such table", type: null, retryable: false, details: null };
    const a = finished({ a: {}, b: {} }, { a: { quality: 1 }, b: { state: "FAILED", error } }, { state: "FAILED", error: { ...error, message: "step b failed: no such table" } });
    const e = evaluate(facts(a, [attempt("a", 1, "SUCCEEDED"), attempt("b", 1, "FAILED", { error, agentId: "agt_b" })]), null, agentName);
    // Uncapped: 100 × (0.4 × 1/2 + 0.3 × 1 + 0.15 × 1) / 0.85 = 76.5
    expect(e.score).toBe(49);
    expect(e.grade).toBe("POOR");
    expect(e.recommendations).toEqual(["step b failed for good: no such table; check agent bob or give it an onFailure route"]);
  });

  it("names the plan's own failure when no step failed (a deadline)", () => {
    const error: StepError = { message: "plan exceeded its deadline of 5000 ms", type: "PLAN_TIMEOUT", retryable: false, details: null };
    const a = finished({ a: {} }, { a: { state: "CANCELLED" } }, { state: "FAILED", error });
    const e = evaluate(facts(a, [attempt("a", 1, "CANCELLED")]), null);
    // No attempt ended (the one there was revoked): success 0; no retry; no quality: 100 × 0.15 / 0.55.
    expect(e).toMatchObject({ successRate: 0, retries: 0, score: 27.3, grade: "POOR" });
    expect(e.recommendations).toEqual(["the plan ended FAILED: plan exceeded its deadline of 5000 ms: raise policy.planTimeoutMs or make its steps faster"]);
  });

  it("recommends about low quality and long waits for an agent", () => {
    const a = finished({ draft: { role: "writer" } }, { draft: { quality: 0.42 } }, { ms: 10_000 });
    const e = evaluate(facts(a, [attempt("draft", 1, "SUCCEEDED", { agentId: "agt_b", queuedAt: T0, startedAt: T0 + 4_000 })]), null, agentName);
    expect(e.recommendations).toEqual([
      "step draft reported quality 0.42 (agent bob): review its output or set a qualityThreshold so that such results are retried",
      "step draft waited 4 s for an agent of role writer (40% of the run): add agents of that role, raise their concurrency or the plan's maxParallel",
    ]);
  });

  it("with a baseline, the duration counts: twice the baseline's duration halves that component (92.5)", () => {
    const a = finished({ a: {} }, { a: { quality: 1 } }, { ms: 2_000 });
    const regression = compare({ durationMs: 2_000, retries: 0, meanQuality: 1 }, baselineOf([run(1_000), run(1_000), run(1_000)])!);
    const e = evaluate(facts(a, [attempt("a", 1, "SUCCEEDED")]), regression);
    expect(e.score).toBe(92.5);
    expect(e.regression).toEqual({ detected: true, runs: 3, baselineDurationMs: 1_000, baselineRetries: 0, baselineQuality: 1, details: ["duration: 2 s, 100% above the median of the last 3 runs (1 s)"] });
    expect(e.recommendations).toEqual([
      "this run regressed against the last 3 runs of its template (duration: 2 s, 100% above the median of the last 3 runs (1 s)): look at what changed (agents, inputs, the template)",
    ]);
  });

  it("leaves suspended time out of the duration: paused, or finished until reopened", () => {
    const a = finished({ a: {} }, {}, { ms: 60 });
    expect(summarize(facts(a, [attempt("a", 1, "SUCCEEDED")], 30)).durationMs).toBe(30);
    // PAUSE at 10, RESUME at 30, PAUSE at 50 and no resume before the end at 60: 20 + 10 ms.
    expect(suspendedTime([{ kind: "PLAN_PAUSED", at: T0 + 10 }, { kind: "PLAN_RESUMED", at: T0 + 30 }, { kind: "PLAN_PAUSED", at: T0 + 50 }], T0, T0 + 60)).toBe(30);
    // FAILED at 10, reopened by a retry at 40, COMPLETED at 60 (its own end adds nothing): 30 ms.
    expect(suspendedTime([{ kind: "PLAN_FAILED", at: T0 + 10 }, { kind: "PLAN_RESUMED", at: T0 + 40 }, { kind: "PLAN_COMPLETED", at: T0 + 60 }], T0, T0 + 60)).toBe(30);
    // PAUSED at 10, CANCELLED while paused at 20, reopened at 45: one suspension, 35 ms.
    expect(suspendedTime([{ kind: "PLAN_PAUSED", at: T0 + 10 }, { kind: "PLAN_CANCELLED", at: T0 + 20 }, { kind: "PLAN_RESUMED", at: T0 + 45 }, { kind: "PLAN_COMPLETED", at: T0 + 60 }], T0, T0 + 60)).toBe(35);
    expect(suspendedTime([], T0, T0 + 60)).toBe(0);
  });

  it("grades by thresholds 90 / 75 / 50", () => {
    expect([100, 90, 89.9, 75, 74.9, 50, 49.9, 0].map(gradeOf)).toEqual(["EXCELLENT", "EXCELLENT", "GOOD", "GOOD", "FAIR", "FAIR", "POOR", "POOR"]);
  });
});

const run = (durationMs: number | null, retries = 0, meanQuality: number | null = 1): RunMetrics => ({ durationMs, retries, meanQuality });

describe("regression", () => {
  it("needs 3 earlier runs; the baseline is the median of each metric", () => {
    expect(baselineOf([run(1_000), run(2_000)])).toBeNull();
    expect(baselineOf([run(1_000, 0, 0.8), run(3_000, 2, null), run(2_000, 1, 0.6), run(9_000, 5, 0.9)])).toEqual({ runs: 4, durationMs: 2_500, retries: 1.5, meanQuality: 0.8 });
    expect(median([3, 1, 2])).toBe(2);
    expect(median([])).toBeNull();
  });

  it("a run 10% worse is not a regression; more than 10% is, for each metric", () => {
    const base = baselineOf([run(1_000, 10, 0.8), run(1_000, 10, 0.8), run(1_000, 10, 0.8)])!;
    expect(compare(run(1_100, 11, 0.72), base)).toMatchObject({ detected: false, details: [] });
    expect(compare(run(1_101, 12, 0.71), base).details).toEqual([
      "duration: 1.1 s, 10% above the median of the last 3 runs (1 s)",
      "retries: 12, 20% above the median of the last 3 runs (10)",
      "mean quality: 0.71, 11% below the median of the last 3 runs (0.8)",
    ]);
  });

  it("any retry regresses a baseline of none; a run or baseline without quality is not judged on it", () => {
    const base = baselineOf([run(1_000, 0, null), run(1_000, 0, null), run(1_000, 0, null)])!;
    expect(compare(run(900, 1, 0.1), base).details).toEqual(["retries: 1, above the median of the last 3 runs (0)"]);
  });

  it("formats durations for people", () => {
    expect([850, 1_000, 12_540, 90_000, 5_400_000].map(formatMs)).toEqual(["850 ms", "1 s", "12.5 s", "1.5 min", "1.5 h"]);
  });
});
