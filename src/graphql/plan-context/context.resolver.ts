import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import type { Json } from "../../domain/model.js";
import { agentNeedsLease } from "../access.js";
import type { Context } from "../context.js";
import { Plan } from "../plans/plan.type.js";
import { JSONScalar } from "../scalars.js";
import { contextVisibility } from "../visibility.js";
import { ContextEntry, PlanContext } from "./context.type.js";

/** The plan's context as it is now, as far as the caller may read it (the one rule: src/graphql/visibility.ts). */
export async function planContext(ctx: Context, planId: string): Promise<PlanContext> {
  const store = ctx.coordinator.store.queries.context;
  const version = await store.version(planId);
  return PlanContext.from(planId, await contextVisibility(ctx).entries(await store.entries(planId, version)), version);
}

@Resolver(() => PlanContext)
export class ContextResolver {
  @FieldResolver(() => ContextEntry, { nullable: true, description: "One entry by key, or null." })
  entry(@Root() context: PlanContext, @Arg("key", { description: "The key." }) key: string): ContextEntry | null {
    return context.entries.find((e) => e.key === key) ?? null;
  }

  @FieldResolver(() => [ContextEntry], { description: "Every write, oldest first: of one key, or of all." })
  async history(@Root() context: PlanContext, @Ctx() ctx: Context, @Arg("key", () => String, { nullable: true, description: "Only this key's writes." }) key?: string | null): Promise<ContextEntry[]> {
    const history = await ctx.coordinator.store.queries.context.history(context.planId, key);
    return (await contextVisibility(ctx).entries(history)).map(ContextEntry.from);
  }

  @Authorized("operator", "agent")
  @Mutation(() => PlanContext, {
    description:
      "Writes one key of a plan's shared context (a new version, CONTEXT_UPDATED). From an operator it is also an UPDATE_CONTEXT intervention; an agent passes the lease it works under. A stale expectedVersion is CONFLICT and writes nothing.",
  })
  async updateContext(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("key", { description: "The key (1-200 characters; steps.… is written by Baton only)." }) key: string,
    @Arg("value", () => JSONScalar, { nullable: true, description: "The new value." }) value: Json | null,
    @Arg("targets", () => [String], { nullable: true, description: "Roles or agent ids that may see it; omitted or empty = all." }) targets?: string[] | null,
    @Arg("expectedVersion", () => Int, { nullable: true, description: "The context version the write is based on; a stale one is refused with CONFLICT." })
    expectedVersion?: number | null,
    @Arg("leaseId", () => ID, { nullable: true, description: "An agent's running lease of this plan: the write is the agent's, not an intervention." })
    leaseId?: string | null,
    @Arg("reason", () => String, { nullable: true, description: "Why (recorded on the intervention)." }) reason?: string | null,
  ): Promise<PlanContext> {
    await agentNeedsLease(ctx, leaseId);
    await ctx.coordinator.updateContext({ planId, key, value, targets, expectedVersion }, { actor: ctx.actor, leaseId, reason });
    return planContext(ctx, planId);
  }
}

@Resolver(() => Plan)
export class PlanContextResolver {
  @FieldResolver(() => PlanContext, { description: "The plan's shared context." })
  async context(@Root() plan: Plan, @Ctx() ctx: Context): Promise<PlanContext> {
    return planContext(ctx, plan.id);
  }
}
