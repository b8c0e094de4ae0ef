import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { badInput, notFound } from "../../domain/errors.js";
import type { Json, StepModel } from "../../domain/model.js";
import type { ContextEntryModel } from "../../store/context.js";
import type { Context } from "../context.js";
import { Audit, intervene } from "../interventions/intervention.resolver.js";
import { Intervention } from "../interventions/intervention.type.js";
import { connection as pageOf, type PageArgs } from "../pagination.js";
import { loadPlan } from "../plans/plan.resolver.js";
import { Plan } from "../plans/plan.type.js";
import { contextVisibility } from "../visibility.js";
import { Checkpoint, CheckpointConnection, CheckpointDiff } from "./checkpoint.type.js";

const isSeqCursor = (v: unknown): v is { c: number } => typeof v === "object" && v !== null && Number.isInteger((v as { c: number }).c);

async function connection(ctx: Context, planId: string, args: PageArgs): Promise<CheckpointConnection> {
  await loadPlan(ctx, planId);
  const store = ctx.coordinator.store.queries.checkpoints;
  return pageOf(
    args,
    {
      isCursor: isSeqCursor,
      read: (range, limit) => store.list(planId, { after: range.after?.c, before: range.before?.c, backward: range.backward }, limit),
      cursorOf: (r) => ({ c: r.seq }),
    },
    Checkpoint.from,
  );
}

const view = (s: StepModel | undefined): Json => (s ? { state: s.state, output: s.output, attempts: s.attempts } : null);

@Resolver(() => Checkpoint)
export class CheckpointResolver {
  @Authorized("viewer")
  @Query(() => CheckpointConnection, { description: "A plan's checkpoints, oldest first." })
  async checkpoints(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("first", () => Int, { nullable: true, description: "Page size (default 50, at most 500)." }) first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the last checkpoint of the previous page." }) after?: string,
    @Arg("last", () => Int, { nullable: true, description: "Page backward: the last this many checkpoints before `before` (at most 500; not with first)." }) last?: number,
    @Arg("before", () => String, { nullable: true, description: "Cursor of the first checkpoint of the next page, to page backward from." }) before?: string,
  ): Promise<CheckpointConnection> {
    return connection(ctx, planId, { first, after, last, before });
  }

  @FieldResolver(() => [String], { description: "Steps finished (SUCCEEDED or SKIPPED) at the checkpoint." })
  async completedSteps(@Root() checkpoint: Checkpoint, @Ctx() ctx: Context): Promise<string[]> {
    const state = await ctx.coordinator.store.queries.checkpoints.aggregate(checkpoint.id);
    return (state?.steps ?? []).filter((s) => s.state === "SUCCEEDED" || s.state === "SKIPPED").map((s) => s.key);
  }

  @Authorized("viewer")
  @Query(() => CheckpointDiff, { description: "What changed between two checkpoints of the same plan." })
  async checkpointDiff(
    @Ctx() ctx: Context,
    @Arg("from", () => ID, { description: "The earlier checkpoint." }) from: string,
    @Arg("to", () => ID, { description: "The later checkpoint." }) to: string,
  ): Promise<CheckpointDiff> {
    // One read: both checkpoints and the context entries at each, none of them pruned in between.
    const { a, b, entries } = await ctx.coordinator.store.read(async (r) => {
      const a = await r.checkpoints.aggregate(from);
      if (!a) throw notFound("checkpoint", from);
      const b = await r.checkpoints.aggregate(to);
      if (!b) throw notFound("checkpoint", to);
      if (a.plan.id !== b.plan.id) throw badInput([{ path: "to", message: "the checkpoints belong to different plans" }]);
      const entriesAt = async (id: string): Promise<ContextEntryModel[]> => {
        const c = (await r.checkpoints.get(id))!;
        return r.context.entries(c.planId, c.contextVersion);
      };
      return { a, b, entries: { from: await entriesAt(from), to: await entriesAt(to) } };
    });
    const before = new Map(a.steps.map((s) => [s.key, s] as const));
    const after = new Map(b.steps.map((s) => [s.key, s] as const));
    const steps: Record<string, Json> = {};
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      const x = view(before.get(key));
      const y = view(after.get(key));
      if (JSON.stringify(x) !== JSON.stringify(y)) steps[key] = { from: x, to: y };
    }
    // Each side as far as the caller may see it: an entry hidden from it is absent there.
    const visibility = contextVisibility(ctx);
    const contextAt = async (all: readonly ContextEntryModel[]): Promise<Map<string, Json | null>> =>
      new Map((await visibility.entries(all)).map((e) => [e.key, e.value] as const));
    const [cx, cy] = [await contextAt(entries.from), await contextAt(entries.to)];
    const context: Record<string, Json> = {};
    for (const key of new Set([...cx.keys(), ...cy.keys()])) {
      const [x, y] = [cx.get(key) ?? null, cy.get(key) ?? null];
      if (cx.has(key) !== cy.has(key) || JSON.stringify(x) !== JSON.stringify(y)) context[key] = { from: x, to: y };
    }
    return { from, to, steps, context };
  }

  @Authorized("operator")
  @Mutation(() => Checkpoint, { description: "Takes a MANUAL checkpoint of the plan as it is now." })
  async createCheckpoint(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("label", () => String, { nullable: true, description: "A name for it." }) label?: string,
  ): Promise<Checkpoint> {
    return Checkpoint.from(await ctx.coordinator.createCheckpoint(planId, label ?? null, ctx.actor));
  }

  @Authorized("operator")
  @Mutation(() => Intervention, {
    description:
      "Rewinds the plan in place to a checkpoint: steps finished since then return to their state at the checkpoint, running leases are revoked; the plan runs on (or stays PAUSED). History is kept.",
  })
  async restoreCheckpoint(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("checkpointId", () => ID, { description: "The checkpoint." }) checkpointId: string,
    @Args(() => Audit) audit: Audit,
  ): Promise<Intervention> {
    return intervene(ctx, planId, { kind: "RESTORE_CHECKPOINT", checkpointId }, audit);
  }

  @Authorized("operator")
  @Mutation(() => Plan, {
    description:
      "Creates a new plan that starts from a checkpoint's state. The original is not changed; its interventions record the fork (FORK_CHECKPOINT, with the actor and reason).",
  })
  async forkFromCheckpoint(
    @Ctx() ctx: Context,
    @Arg("checkpointId", () => ID, { description: "The checkpoint." }) checkpointId: string,
    @Arg("name", () => String, { nullable: true, description: "The new plan's name (default: the original name followed by (fork))." }) name?: string,
    @Arg("reason", () => String, { nullable: true, description: "Why, recorded with the fork in the original plan's interventions and in the new plan's PLAN_CREATED signal." }) reason?: string,
  ): Promise<Plan> {
    const plan = await ctx.coordinator.forkFromCheckpoint(checkpointId, name ?? null, ctx.actor, reason ?? null);
    return loadPlan(ctx, plan.id);
  }
}

@Resolver(() => Plan)
export class PlanCheckpointsResolver {
  @FieldResolver(() => CheckpointConnection, { description: "The plan's checkpoints, oldest first." })
  async checkpoints(
    @Root() plan: Plan,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size (default 50, at most 500)." }) first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the last checkpoint of the previous page." }) after?: string,
    @Arg("last", () => Int, { nullable: true, description: "Page backward: the last this many checkpoints before `before` (at most 500; not with first)." }) last?: number,
    @Arg("before", () => String, { nullable: true, description: "Cursor of the first checkpoint of the next page, to page backward from." }) before?: string,
  ): Promise<CheckpointConnection> {
    return connection(ctx, plan.id, { first, after, last, before });
  }

  @FieldResolver(() => ID, { nullable: true, description: "The checkpoint this plan was forked from, if any." })
  forkedFrom(@Root() plan: Plan): string | null {
    return plan.aggregate.plan.forkedFrom;
  }
}
