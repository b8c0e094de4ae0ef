import { Arg, Args, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import type { BulkRequest } from "../../coordinator/coordinator.js";
import type { Context } from "../context.js";
import { decodeCursor, encodeCursor } from "../pagination.js";
import { isPlanCursor, storeFilter } from "../plans/plan.filter.js";
import { BulkArgs, BulkInterventionResult } from "./bulk.type.js";

/** One plan-wide intervention on the selected plans, each in its own transaction (src/coordinator/bulk.ts). */
async function interveneMany(ctx: Context, request: BulkRequest, args: BulkArgs): Promise<BulkInterventionResult> {
  const selection = {
    plans: args.plans,
    filter: args.filter ? storeFilter(args.filter) : null,
    first: args.first,
    after: args.after ? decodeCursor(args.after, isPlanCursor, "after") : null,
  };
  const outcome = await ctx.coordinator.interveneMany(selection, request, { actor: ctx.actor, reason: args.reason });
  return { ...outcome, endCursor: outcome.endCursor && encodeCursor(outcome.endCursor) };
}

@Resolver()
export class BulkInterventionResolver {
  @Authorized("operator")
  @Mutation(() => BulkInterventionResult, { description: "Pauses many RUNNING plans, as pausePlan does each: by id, or every RUNNING plan matching a filter." })
  async pausePlans(@Ctx() ctx: Context, @Args(() => BulkArgs) args: BulkArgs): Promise<BulkInterventionResult> {
    return interveneMany(ctx, { kind: "PAUSE" }, args);
  }

  @Authorized("operator")
  @Mutation(() => BulkInterventionResult, { description: "Resumes many PAUSED plans, as resumePlan does each: by id, or every PAUSED plan matching a filter." })
  async resumePlans(@Ctx() ctx: Context, @Args(() => BulkArgs) args: BulkArgs): Promise<BulkInterventionResult> {
    return interveneMany(ctx, { kind: "RESUME" }, args);
  }

  @Authorized("operator")
  @Mutation(() => BulkInterventionResult, {
    description: "Cancels many plans, as cancelPlan does each: by id, or every unfinished plan (IDLE, RUNNING, PAUSED, COMPENSATING) matching a filter.",
  })
  async cancelPlans(
    @Ctx() ctx: Context,
    @Args(() => BulkArgs) args: BulkArgs,
    @Arg("compensate", () => Boolean, { nullable: true, description: "Run each plan's saga compensations first, as cancelPlan(compensate: true) does (default false)." })
    compensate?: boolean | null,
  ): Promise<BulkInterventionResult> {
    return interveneMany(ctx, { kind: "CANCEL", compensate: compensate ?? false }, args);
  }

  @Authorized("operator")
  @Mutation(() => BulkInterventionResult, { description: "Runs many FAILED plans again, as retryPlan does each: by id, or every FAILED plan matching a filter." })
  async retryPlans(@Ctx() ctx: Context, @Args(() => BulkArgs) args: BulkArgs): Promise<BulkInterventionResult> {
    return interveneMany(ctx, { kind: "RETRY_PLAN" }, args);
  }
}
