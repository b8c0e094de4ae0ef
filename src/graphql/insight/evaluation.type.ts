import { Field, Float, Int, ObjectType } from "type-graphql";
import { QualityGrade, type Evaluation } from "../../insight/evaluation.js";
import type { Regression as RegressionModel } from "../../insight/regression.js";

/** GraphQL Int is 32-bit: a duration past ~24.8 days reads as the largest Int rather than failing the query. */
const MAX_INT = 2 ** 31 - 1;
const asInt = (ms: number | null): number | null => (ms === null ? null : Math.min(MAX_INT, Math.round(ms)));

@ObjectType({
  simpleResolvers: true,
  description:
    "A COMPLETED run against its baseline: the median of each metric over the last 10 COMPLETED plans of the same template version that finished before it (forks left out; judged from 3 such runs). More than 10% slower, more retries or more than 10% lower quality is a regression, announced by a REGRESSION signal when the plan completed.",
})
export class Regression {
  @Field({ description: "Whether the duration, the retries or the mean quality is more than 10% worse than the baseline." })
  detected!: boolean;

  @Field(() => Int, { nullable: true, description: "The baseline's duration (median, paused time excluded); null when no earlier run has one." })
  baselineDurationMs!: number | null;

  @Field(() => Float, { nullable: true, description: "The baseline's mean quality (median over the runs that reported one); null when none did." })
  baselineQuality!: number | null;

  @Field(() => Float, { description: "The baseline's retries (median)." })
  baselineRetries!: number;

  @Field(() => Int, { description: "Earlier runs the baseline was taken over (3 to 10)." })
  runs!: number;

  @Field(() => [String], { description: "One plain sentence per metric that regressed, e.g. \"duration: 2.5 s, 150% above the median of the last 5 runs (1 s)\"." })
  details!: string[];

  static from(r: RegressionModel): Regression {
    return Object.assign(new Regression(), r, { baselineDurationMs: asInt(r.baselineDurationMs) });
  }
}

@ObjectType({
  simpleResolvers: true,
  description:
    "How a finished plan ran. score = 100 × (0.40·successRate + 0.30·meanQuality + 0.15·(1 − retries / steps that ran, at least 0) + 0.15·min(1, baseline duration / durationMs)) / the weights present: quality is left out when no step reported one, duration when there is no baseline. A plan that did not complete scores at most 49.",
})
export class PlanEvaluation {
  @Field(() => QualityGrade, { description: "The score's grade: EXCELLENT ≥ 90, GOOD ≥ 75, FAIR ≥ 50, POOR below." })
  grade!: QualityGrade;

  @Field(() => Float, { description: "0..100, one decimal (see the type's description for the formula)." })
  score!: number;

  @Field(() => Float, { description: "0..1: attempts that succeeded over attempts that ended (revoked ones left out)." })
  successRate!: number;

  @Field(() => Float, { nullable: true, description: "Mean of the qualities its steps reported on success (0..1); null when none did." })
  meanQuality!: number | null;

  @Field(() => Int, { nullable: true, description: "From start to end, the time it was paused left out; null if it never started." })
  durationMs!: number | null;

  @Field(() => Int, { description: "Attempts that followed a failed, timed-out or lost attempt of the same step." })
  retries!: number;

  @Field(() => Regression, { nullable: true, description: "Compared with the earlier runs of its template version; null unless it COMPLETED from a template (not a fork) with at least 3 earlier runs." })
  regression!: Regression | null;

  @Field(() => [String], { description: "What to look at, in plain words, derived from what happened (retried, failed, low-quality or long-waiting steps, a regression); empty when nothing stood out." })
  recommendations!: string[];

  static from(e: Evaluation): PlanEvaluation {
    return Object.assign(new PlanEvaluation(), {
      grade: e.grade,
      score: e.score,
      successRate: e.successRate,
      meanQuality: e.meanQuality,
      durationMs: asInt(e.durationMs),
      retries: e.retries,
      regression: e.regression && Regression.from(e.regression),
      recommendations: e.recommendations,
    });
  }
}
