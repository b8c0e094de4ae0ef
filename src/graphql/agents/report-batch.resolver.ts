/**
 * Reports in bulk: `completeSteps` and `failSteps` take a list of reports and answer each one
 * alone (its step, or why it was refused), so that an agent with many leases reports them in one
 * request. The reports go to the coordinator together and commit in one transaction with the
 * other reports of that moment (src/coordinator/batcher.ts); a refused report is refused alone.
 */
import { Arg, Authorized, Ctx, Field, Float, ID, InputType, Mutation, ObjectType, Resolver } from "type-graphql";
import type { Report, StepResult } from "../../coordinator/requests.js";
import { MAX_CLAIM_BATCH } from "../../coordinator/leases.js";
import { badInput, isBatonError } from "../../domain/errors.js";
import type { Json } from "../../domain/model.js";
import type { Context } from "../context.js";
import { StepInput } from "../plans/plan.input.js";
import { Step } from "../plans/plan.type.js";
import { JSONScalar } from "../scalars.js";
import { StepErrorInput } from "./agent.resolver.js";
import { sendReports } from "./report-group.js";

@InputType({ description: "One completion in completeSteps: the arguments of completeStep." })
export class StepCompletionInput {
  @Field(() => ID, { description: "The lease." })
  leaseId!: string;

  @Field(() => JSONScalar, { nullable: true, description: "The step's output." })
  output?: Json;

  @Field(() => Float, { nullable: true, description: "Quality score, 0..1." })
  quality?: number | null;

  @Field(() => [StepInput], { nullable: true, description: "Steps to add to the plan, as completeStep's addSteps." })
  addSteps?: StepInput[] | null;
}

@InputType({ description: "One failure in failSteps: the arguments of failStep." })
export class StepFailureInput {
  @Field(() => ID, { description: "The lease." })
  leaseId!: string;

  @Field(() => StepErrorInput, { description: "Why it failed." })
  error!: StepErrorInput;
}

@ObjectType({ description: "Why one report of completeSteps or failSteps was refused (nothing of it was saved)." })
export class ReportRefusal {
  @Field({ description: "The error code completeStep or failStep would have answered with (CONFLICT, BAD_USER_INPUT, FORBIDDEN…)." })
  code!: string;

  @Field({ description: "What was wrong." })
  message!: string;
}

@ObjectType({ description: "The answer to one report of completeSteps or failSteps: its step, or why it was refused." })
export class StepReportResult {
  @Field(() => ID, { description: "The lease reported on." })
  leaseId!: string;

  @Field(() => Step, { nullable: true, description: "The step after the report; null when the report was refused." })
  step!: Step | null;

  @Field(() => ReportRefusal, { nullable: true, description: "Why the report was refused; null when it was saved." })
  refusal!: ReportRefusal | null;
}

@Resolver()
export class ReportBatchResolver {
  @Authorized("agent")
  @Mutation(() => [StepReportResult], {
    description: `Completes many leased attempts at once (at most ${MAX_CLAIM_BATCH}), each as completeStep would: the answers come in the order of the reports, each with its step or its refusal; a refused report changes nothing and does not stop the others.`,
  })
  async completeSteps(
    @Ctx() ctx: Context,
    @Arg("reports", () => [StepCompletionInput], { description: "The completions, one per lease." }) reports: StepCompletionInput[],
  ): Promise<StepReportResult[]> {
    return reportAll(
      ctx,
      reports.map((r) => ({ kind: "complete", leaseId: r.leaseId, output: r.output ?? null, quality: r.quality ?? null, addSteps: r.addSteps ?? null })),
    );
  }

  @Authorized("agent")
  @Mutation(() => [StepReportResult], {
    description: `Fails many leased attempts at once (at most ${MAX_CLAIM_BATCH}), each as failStep would: the answers come in the order of the reports, each with its step or its refusal; a refused report changes nothing and does not stop the others.`,
  })
  async failSteps(
    @Ctx() ctx: Context,
    @Arg("reports", () => [StepFailureInput], { description: "The failures, one per lease." }) reports: StepFailureInput[],
  ): Promise<StepReportResult[]> {
    return reportAll(
      ctx,
      reports.map((r) => ({ kind: "fail", leaseId: r.leaseId, error: r.error })),
    );
  }
}

/**
 * Checks each report for the caller, then sends them all in the same turn (one transaction with
 * the other reports of that moment). A refusal (an error with a code) answers its report alone;
 * anything else (the database went away) fails the whole request, as it would each report.
 */
async function reportAll(ctx: Context, reports: Report[]): Promise<StepReportResult[]> {
  if (reports.length === 0 || reports.length > MAX_CLAIM_BATCH) throw badInput([{ path: "reports", message: `must hold 1 to ${MAX_CLAIM_BATCH} reports, got ${reports.length}` }]);
  const settled = await Promise.allSettled(sendReports(ctx, reports));
  return settled.map((s, i) => {
    const leaseId = reports[i]!.leaseId;
    if (s.status === "fulfilled") return answer(leaseId, s.value);
    if (!isBatonError(s.reason)) throw s.reason;
    return { leaseId, step: null, refusal: { code: s.reason.code, message: s.reason.message } };
  });
}

const answer = (leaseId: string, r: StepResult): StepReportResult => ({ leaseId, step: Step.from(r.planId, r.step), refusal: null });
