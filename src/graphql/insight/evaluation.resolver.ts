import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { evaluatePlan } from "../../insight/assess.js";
import type { Context } from "../context.js";
import { Plan } from "../plans/plan.type.js";
import { PlanEvaluation } from "./evaluation.type.js";

@Resolver(() => Plan)
export class PlanEvaluationResolver {
  @FieldResolver(() => PlanEvaluation, {
    nullable: true,
    description: "How the plan ran: score, grade, recommendations and, for a plan made from a template, regressions against its earlier runs. Null until the plan is finished; computed on read from its traces.",
  })
  async evaluation(@Root() plan: Plan, @Ctx() ctx: Context): Promise<PlanEvaluation | null> {
    // One read: the plan's attempts and the earlier runs it is compared with agree.
    const e = await ctx.coordinator.store.read((r) => evaluatePlan(r, plan.aggregate));
    return e && PlanEvaluation.from(e);
  }
}
