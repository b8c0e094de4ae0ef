/**
 * Evaluations and regressions of stored plans: gathers a finished plan's facts from the store —
 * its attempts, its paused time, the earlier runs of its template version — for the pure
 * ./evaluation.ts and ./regression.ts.
 *
 * Two readers, one answer: the coordinator judges a plan as it COMPLETES (the REGRESSION signal,
 * in the transaction of the completion, after the plans are saved) and `Plan.evaluation` judges it
 * again on read. Both read the same rows — runs that finished strictly before this one, plus this
 * plan's own attempts and suspensions, none of which change once it is finished — so the verdict read
 * later is the one the signal reported. (It could differ only if one of those earlier runs were
 * itself restored and finished again later, which moves it out of the window; the signal stays
 * the record of what was reported.)
 */
import type { Json, PlanAggregate } from "../domain/model.js";
import { isFinalPlanState } from "../domain/statuses.js";
import type { Repositories } from "../store/store.js";
import { evaluate, summarize, suspendedTime, type Evaluation, type RunFacts } from "./evaluation.js";
import { BASELINE_RUNS, baselineOf, compare, type Regression, type RunMetrics } from "./regression.js";

/** The facts of a finished plan the evaluation reads. */
export async function runFacts(store: Repositories, a: PlanAggregate): Promise<RunFacts> {
  const { plan } = a;
  const suspendedMs = plan.startedAt === null || plan.finishedAt === null ? 0 : suspendedTime(await store.evaluations.suspensions(plan.id), plan.startedAt, plan.finishedAt);
  return { plan, steps: a.steps, attempts: await store.attempts.list(plan.id), suspendedMs };
}

/**
 * The plan against the earlier runs of its template version, or null when it is not judged: not
 * COMPLETED, not made from a template, a fork, or fewer than MIN_BASELINE_RUNS earlier runs.
 */
export async function regressionOf(store: Repositories, a: PlanAggregate, run: RunMetrics): Promise<Regression | null> {
  const { plan } = a;
  if (plan.state !== "COMPLETED" || plan.templateId === null || plan.forkedFrom !== null || plan.finishedAt === null) return null;
  const earlier: RunMetrics[] = [];
  for (const id of await store.evaluations.completedBefore(plan.templateId, plan.finishedAt, BASELINE_RUNS)) {
    const before = await store.plans.load(id);
    if (before) earlier.push(summarize(await runFacts(store, before)));
  }
  const baseline = baselineOf(earlier);
  return baseline && compare(run, baseline);
}

/** The evaluation of a finished plan; null while it is not finished. */
export async function evaluatePlan(store: Repositories, a: PlanAggregate): Promise<Evaluation | null> {
  if (!isFinalPlanState(a.plan.state)) return null;
  const facts = await runFacts(store, a);
  const regression = await regressionOf(store, a, summarize(facts));
  const names = new Map<string, string>();
  for (const id of new Set(facts.attempts.flatMap((t) => (t.agentId === null ? [] : [t.agentId])))) {
    names.set(id, (await store.agents.get(id))?.name ?? id);
  }
  return evaluate(facts, regression, (id) => names.get(id) ?? id);
}

/**
 * The payload of the REGRESSION signal of a plan that just COMPLETED, or null when it did not
 * regress (or is not judged): both metrics and baselines, the details, the template and the
 * number of runs the baseline was taken over.
 */
export async function regressionSignal(store: Repositories, a: PlanAggregate): Promise<Json | null> {
  const run = summarize(await runFacts(store, a));
  const r = await regressionOf(store, a, run);
  if (!r?.detected) return null;
  const template = await store.templates.byId(a.plan.templateId!);
  return {
    durationMs: run.durationMs,
    baselineDurationMs: r.baselineDurationMs,
    retries: run.retries,
    baselineRetries: r.baselineRetries,
    meanQuality: run.meanQuality,
    baselineQuality: r.baselineQuality,
    details: r.details,
    template: { id: a.plan.templateId, name: template?.name ?? null, version: template?.version ?? null },
    runs: r.runs,
  };
}
