import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Json } from "../../domain/model.js";
import type { ControlRequest } from "../../coordinator/coordinator.js";
import type { StepPatch } from "../../engine/interventions.js";
import type { Context } from "../context.js";
import { connection, type PageArgs } from "../pagination.js";
import { StepInput } from "../plans/plan.input.js";
import { Plan } from "../plans/plan.type.js";
import { JSONScalar } from "../scalars.js";
import { contextVisibility } from "../visibility.js";
import { Intervention, InterventionConnection, StepPatchInput } from "./intervention.type.js";

@ArgsType()
export class Audit {
  @Field(() => String, { nullable: true, description: "Why, recorded with the intervention." })
  reason?: string | null;

  @Field(() => Int, { nullable: true, description: "The plan version the change is based on; a stale one is REJECTED with VERSION_CONFLICT." })
  expectedVersion?: number | null;
}

const isSeqCursor = (v: unknown): v is { i: number } => typeof v === "object" && v !== null && Number.isInteger((v as { i: number }).i);

export async function intervene(ctx: Context, planId: string, request: ControlRequest, audit: Audit): Promise<Intervention> {
  const row = await ctx.coordinator.intervene(planId, request, { actor: ctx.actor, reason: audit.reason, expectedVersion: audit.expectedVersion });
  return Intervention.from(row);
}

/** GraphQL nulls on plain fields mean "leave as is"; on JSON fields they clear the value. */
function toPatch(p: StepPatchInput): StepPatch {
  const patch: StepPatch = {};
  if (p.input !== undefined) patch.input = p.input;
  if (p.config !== undefined) patch.config = p.config;
  if (p.role != null) patch.role = p.role;
  if (p.timeoutMs != null) patch.timeoutMs = p.timeoutMs;
  if (p.retry != null) patch.retry = p.retry;
  if (p.priority != null) patch.priority = p.priority;
  if (p.dependsOn != null) patch.dependsOn = p.dependsOn;
  return patch;
}

export function interventionConnection(ctx: Context, planId: string | null | undefined, args: PageArgs): Promise<InterventionConnection> {
  const store = ctx.coordinator.store.queries.interventions;
  const visibility = contextVisibility(ctx);
  return connection(
    args,
    {
      isCursor: isSeqCursor,
      read: (range, limit) => store.list(planId, { after: range.after?.i, before: range.before?.i, backward: range.backward }, limit),
      cursorOf: (r) => ({ i: r.seq }),
    },
    async (r) => Intervention.from(await visibility.intervention(r)),
  );
}

@Resolver(() => Intervention)
export class InterventionResolver {
  @Authorized("viewer")
  @Query(() => InterventionConnection, { description: "Interventions, oldest first, optionally of one plan." })
  async interventions(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { nullable: true, description: "Only this plan's interventions." }) planId?: string,
    @Arg("first", () => Int, { nullable: true, description: "Page size (default 50, at most 500)." }) first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the last intervention of the previous page." }) after?: string,
    @Arg("last", () => Int, { nullable: true, description: "Page backward: the last this many interventions before `before` (at most 500; not with first)." }) last?: number,
    @Arg("before", () => String, { nullable: true, description: "Cursor of the first intervention of the next page, to page backward from." }) before?: string,
  ): Promise<InterventionConnection> {
    return interventionConnection(ctx, planId, { first, after, last, before });
  }

  @Authorized("operator")
  @Mutation(() => Intervention, { description: "Pauses a RUNNING plan: no new claims, running attempts may finish, clocks freeze." })
  async pausePlan(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "The plan." }) id: string, @Args(() => Audit) audit: Audit): Promise<Intervention> {
    return intervene(ctx, id, { kind: "PAUSE" }, audit);
  }

  @Authorized("operator")
  @Mutation(() => Intervention, { description: "Resumes a PAUSED plan exactly where it stopped; frozen clocks run again." })
  async resumePlan(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "The plan." }) id: string, @Args(() => Audit) audit: Audit): Promise<Intervention> {
    return intervene(ctx, id, { kind: "RESUME" }, audit);
  }

  @Authorized("operator")
  @Mutation(() => Intervention, {
    description:
      "Cancels the plan: unfinished steps are CANCELLED and running leases learn it from heartbeatStep. With compensate, the compensations of the steps that succeeded run first (plan COMPENSATING, then COMPENSATED).",
  })
  async cancelPlan(
    @Ctx() ctx: Context,
    @Arg("id", () => ID, { description: "The plan." }) id: string,
    @Args(() => Audit) audit: Audit,
    @Arg("compensate", () => Boolean, { nullable: true, description: "Run the saga compensations of the succeeded steps, in reverse completion order (default false)." })
    compensate?: boolean | null,
  ): Promise<Intervention> {
    return intervene(ctx, id, { kind: "CANCEL", compensate: compensate ?? false }, audit);
  }

  @Authorized("operator")
  @Mutation(() => Intervention, {
    description:
      "Runs a FAILED plan again: the step that failed it, as retryStep does (and the steps cancelled with the plan); a plan failed by its deadline runs its cancelled steps again.",
  })
  async retryPlan(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "The plan." }) id: string, @Args(() => Audit) audit: Audit): Promise<Intervention> {
    return intervene(ctx, id, { kind: "RETRY_PLAN" }, audit);
  }

  @Authorized("operator")
  @Mutation(() => Intervention, {
    description: "Runs a FAILED, CANCELLED or SKIPPED step again (and the steps cancelled because of it), optionally with a new input; a FAILED or CANCELLED plan runs again.",
  })
  async retryStep(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("stepKey", { description: "The step." }) stepKey: string,
    @Args(() => Audit) audit: Audit,
    @Arg("input", () => JSONScalar, { nullable: true, description: "A new input for the step; omitted keeps the old one." }) input?: Json,
  ): Promise<Intervention> {
    return intervene(ctx, planId, input === undefined ? { kind: "RETRY_STEP", stepKey } : { kind: "RETRY_STEP", stepKey, input }, audit);
  }

  @Authorized("operator")
  @Mutation(() => Intervention, { description: "Skips a PENDING, READY or FAILED step; dependents see `output` as its output." })
  async skipStep(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("stepKey", { description: "The step." }) stepKey: string,
    @Args(() => Audit) audit: Audit,
    @Arg("output", () => JSONScalar, { nullable: true, description: "A substitute output for dependents." }) output?: Json,
  ): Promise<Intervention> {
    return intervene(ctx, planId, { kind: "SKIP_STEP", stepKey, output: output ?? null }, audit);
  }

  @Authorized("operator")
  @Mutation(() => Intervention, { description: "Changes a step that has not started (PENDING, READY or WAITING); the whole plan is validated again." })
  async modifyStep(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("stepKey", { description: "The step." }) stepKey: string,
    @Arg("patch", () => StepPatchInput, { description: "The fields to change." }) patch: StepPatchInput,
    @Args(() => Audit) audit: Audit,
  ): Promise<Intervention> {
    return intervene(ctx, planId, { kind: "MODIFY_STEP", stepKey, patch: toPatch(patch) }, audit);
  }
}

@Resolver()
export class StructureResolver {
  @Authorized("operator")
  @Mutation(() => Intervention, { description: "Adds a step to a plan that has not finished, after the named step (default: at the end); the whole plan is validated again." })
  async addStep(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("step", () => StepInput, { description: "The new step." }) step: StepInput,
    @Args(() => Audit) audit: Audit,
    @Arg("after", () => String, { nullable: true, description: "Insert after this step; omitted: at the end." }) after?: string,
  ): Promise<Intervention> {
    return intervene(ctx, planId, { kind: "ADD_STEP", step, after: after ?? null }, audit);
  }

  @Authorized("operator")
  @Mutation(() => Intervention, { description: "Removes a step that has not started and that no other step depends on." })
  async removeStep(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("stepKey", { description: "The step." }) stepKey: string,
    @Args(() => Audit) audit: Audit,
  ): Promise<Intervention> {
    return intervene(ctx, planId, { kind: "REMOVE_STEP", stepKey }, audit);
  }

  @Authorized("operator")
  @Mutation(() => Intervention, {
    description: "Reorders steps: the listed steps take their places among themselves in this order, which becomes their claim order after priority. Orders that put a step before one it depends on are refused.",
  })
  async reorderSteps(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("order", () => [String], { description: "Step keys in the new order." }) order: string[],
    @Args(() => Audit) audit: Audit,
  ): Promise<Intervention> {
    return intervene(ctx, planId, { kind: "REORDER_STEPS", order }, audit);
  }
}

@Resolver(() => Plan)
export class PlanInterventionsResolver {
  @FieldResolver(() => InterventionConnection, { description: "The plan's interventions, oldest first." })
  async interventions(
    @Root() plan: Plan,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size (default 50, at most 500)." }) first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the last intervention of the previous page." }) after?: string,
    @Arg("last", () => Int, { nullable: true, description: "Page backward: the last this many interventions before `before` (at most 500; not with first)." }) last?: number,
    @Arg("before", () => String, { nullable: true, description: "Cursor of the first intervention of the next page, to page backward from." }) before?: string,
  ): Promise<InterventionConnection> {
    return interventionConnection(ctx, plan.id, { first, after, last, before });
  }
}
