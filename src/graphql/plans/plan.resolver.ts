import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { badInput, notFound } from "../../domain/errors.js";
import type { PlanAggregate } from "../../domain/model.js";
import { SignalKind } from "../../domain/statuses.js";
import { contextData, type ContextEntryModel } from "../../store/context.js";
import { StepTrace } from "../agents/agent.type.js";
import type { Context } from "../context.js";
import { connection } from "../pagination.js";
import { SignalConnection } from "../signals/signal.type.js";
import { signalConnection } from "../signals/signal.resolver.js";
import { contextVisibility } from "../visibility.js";
import { chargeSteps } from "../budget.js";
import { CreatePlanInput } from "./plan.input.js";
import { isPlanCursor, PlanFilter, storeFilter } from "./plan.filter.js";
import { Plan, PlanConnection, PlanSnapshot, Step } from "./plan.type.js";
import { PlanValidation } from "./validation.type.js";

/** The plan's state at one point, read together: its steps, and its context entries then. */
interface SnapshotRead {
  a: PlanAggregate;
  sequence: number;
  takenAt: number;
  checkpointId: string | null;
  entries: ContextEntryModel[];
}

async function snapshotOf(ctx: Context, { a, sequence, takenAt, checkpointId, entries }: SnapshotRead): Promise<PlanSnapshot> {
  chargeSteps(ctx, a.steps.length);
  return {
    planId: a.plan.id,
    sequence,
    takenAt: new Date(takenAt),
    state: a.plan.state,
    version: a.plan.version,
    // A checkpoint's steps are the plan's steps as they were: ids of their own (src/domain/ids.ts).
    steps: a.steps.map((s) => Step.from(a.plan.id, s, checkpointId ?? a.plan.id)),
    context: contextData(await contextVisibility(ctx).entries(entries)),
    checkpointId,
  };
}

export async function loadPlan(ctx: Context, id: string): Promise<Plan> {
  const a = await ctx.coordinator.store.queries.plans.load(id);
  if (!a) throw notFound("plan", id);
  return Plan.from(a);
}

@Resolver(() => Plan)
export class PlanResolver {
  @Authorized("viewer")
  @Query(() => Plan, { nullable: true, description: "One plan by id, or null." })
  async plan(@Arg("id", () => ID, { description: "The plan id." }) id: string, @Ctx() ctx: Context): Promise<Plan | null> {
    const a = await ctx.coordinator.store.queries.plans.load(id);
    if (a) chargeSteps(ctx, a.steps.length);
    return a ? Plan.from(a) : null;
  }

  @Authorized("viewer")
  @Query(() => PlanConnection, { description: "Plans, newest first." })
  async plans(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size (default 50, at most 500)." }) first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the last plan of the previous page." }) after?: string,
    @Arg("filter", () => PlanFilter, { nullable: true, description: "Which plans to list." }) filter?: PlanFilter,
    @Arg("last", () => Int, { nullable: true, description: "Page backward: the last this many plans before `before` (at most 500; not with first)." }) last?: number,
    @Arg("before", () => String, { nullable: true, description: "Cursor of the first plan of the next page, to page backward from." }) before?: string,
  ): Promise<PlanConnection> {
    const where = storeFilter(filter);
    // One read: the page, its plans and the total agree with each other.
    return ctx.coordinator.store.read(async ({ plans }) => {
      const page = await connection(
        { first, after, last, before },
        {
          isCursor: isPlanCursor,
          read: (range, limit) => plans.page(where, range, limit),
          cursorOf: (p) => ({ createdAt: p.createdAt, id: p.id }),
        },
        async (p) => {
          const a = (await plans.load(p.id))!;
          chargeSteps(ctx, a.steps.length);
          return Plan.from(a);
        },
      );
      return { ...page, totalCount: await plans.count(where) };
    });
  }

  @Authorized("viewer")
  @Query(() => PlanSnapshot, {
    description: "The plan as it is now, or as it was at a checkpoint, or at the newest checkpoint at or before a signal sequence.",
  })
  async snapshot(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("checkpointId", () => ID, { nullable: true, description: "Take the snapshot at this checkpoint." }) checkpointId?: string,
    @Arg("sequence", () => Int, { nullable: true, description: "Take the snapshot as of this signal sequence." }) sequence?: number,
  ): Promise<PlanSnapshot> {
    const { store, clock } = ctx.coordinator;
    // One read: the plan, the signal head or the checkpoint, and the context entries agree.
    const at = await store.read(async (r): Promise<SnapshotRead> => {
      const current = await r.plans.load(planId);
      if (!current) throw notFound("plan", planId);
      if (checkpointId == null && sequence == null) {
        return { a: current, sequence: await r.signals.head(), takenAt: clock.now(), checkpointId: null, entries: await r.context.entries(planId) };
      }
      // A sequence is served by the newest checkpoint at or before it.
      const record =
        checkpointId != null ? await r.checkpoints.get(checkpointId) : await r.checkpoints.atSequence(planId, sequence!);
      if (!record || record.planId !== planId) {
        throw checkpointId != null
          ? notFound("checkpoint", checkpointId)
          : badInput([{ path: "sequence", message: `the plan has no checkpoint at or before sequence ${sequence}` }]);
      }
      const a = (await r.checkpoints.aggregate(record.id))!;
      return { a, sequence: record.sequence, takenAt: record.createdAt, checkpointId: record.id, entries: await r.context.entries(a.plan.id, record.contextVersion) };
    });
    return snapshotOf(ctx, at);
  }

  @Authorized("operator")
  @Mutation(() => Plan, { description: "Creates a plan from inline steps or a template; starts it unless start is false." })
  async createPlan(@Arg("input", () => CreatePlanInput, { description: "The new plan." }) input: CreatePlanInput, @Ctx() ctx: Context): Promise<Plan> {
    const plan = await ctx.coordinator.createPlan(input, ctx.actor);
    return loadPlan(ctx, plan.id);
  }

  @Authorized("operator")
  @Query(() => PlanValidation, {
    description:
      "A dry run of createPlan: the same checks (template and its input included) on the same request, every problem at once, and nothing written. For a form that checks as it is typed.",
  })
  async validatePlan(@Arg("input", () => CreatePlanInput, { description: "The plan as it would be given to createPlan." }) input: CreatePlanInput, @Ctx() ctx: Context): Promise<PlanValidation> {
    return PlanValidation.from(await ctx.coordinator.validatePlan(input));
  }

  @Authorized("operator")
  @Mutation(() => Plan, { description: "Starts an IDLE plan." })
  async startPlan(@Arg("id", () => ID, { description: "The plan." }) id: string, @Ctx() ctx: Context): Promise<Plan> {
    await ctx.coordinator.startPlan(id, ctx.actor);
    return loadPlan(ctx, id);
  }

  @FieldResolver(() => Step, { nullable: true, description: "One step by key, or null." })
  step(@Root() plan: Plan, @Arg("key", { description: "The step key." }) key: string): Step | null {
    return plan.steps.find((s) => s.key === key) ?? null;
  }

  @FieldResolver(() => [StepTrace], { description: "One row per attempt, oldest first." })
  async traces(
    @Root() plan: Plan,
    @Ctx() ctx: Context,
    @Arg("stepKey", () => String, { nullable: true, description: "Only this step's attempts." }) stepKey?: string,
  ): Promise<StepTrace[]> {
    return (await ctx.coordinator.store.queries.attempts.list(plan.id, stepKey)).map(StepTrace.from);
  }

  @FieldResolver(() => SignalConnection, { description: "The plan's signals, oldest first." })
  async signals(
    @Root() plan: Plan,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size (default 50, at most 500)." }) first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the last signal of the previous page." }) after?: string,
    @Arg("kinds", () => [SignalKind], { nullable: true, description: "Only these kinds." }) kinds?: SignalKind[],
    @Arg("last", () => Int, { nullable: true, description: "Page backward: the last this many signals before `before` (at most 500; not with first)." }) last?: number,
    @Arg("before", () => String, { nullable: true, description: "Cursor of the first signal of the next page, to page backward from." }) before?: string,
  ): Promise<SignalConnection> {
    return signalConnection(ctx, { planId: plan.id, kinds }, { first, after, last, before });
  }
}
