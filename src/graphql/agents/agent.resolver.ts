import type { GraphQLResolveInfo } from "graphql";
import { Arg, Authorized, Ctx, Field, FieldResolver, Float, ID, Info, InputType, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { StepResult } from "../../coordinator/requests.js";
import type { Json } from "../../domain/model.js";
import { mayRegisterRoles, ownAgent, ownLease } from "../access.js";
import type { Context } from "../context.js";
import { loadPlan } from "../plans/plan.resolver.js";
import { StepInput } from "../plans/plan.input.js";
import { Step } from "../plans/plan.type.js";
import { JSONScalar } from "../scalars.js";
import { seesAttemptInput } from "../visibility.js";
import { groupedReport } from "./report-group.js";
import { Agent, LeaseStatus, StepLease, StepTrace } from "./agent.type.js";

@InputType({ description: "A new agent." })
export class RegisterAgentInput {
  @Field({ description: "Display name (1-200 characters)." })
  name!: string;

  @Field(() => [String], { description: "Roles it serves: 1 to 100, each 1-200 characters; builtin.* roles are reserved for the gateway's own agents." })
  roles!: string[];

  @Field(() => Int, { nullable: true, description: "Most leases it holds at once (default 1, at most 1000)." })
  concurrency?: number | null;

  @Field(() => JSONScalar, { nullable: true, description: "Free metadata." })
  metadata?: Json;
}

@InputType({ description: "A request for work." })
export class ClaimStepsInput {
  @Field(() => ID, { description: "The claiming agent." })
  agentId!: string;

  @Field(() => Int, { nullable: true, description: "Claim at most this many (default 1, at most 100)." })
  max?: number | null;

  @Field(() => Int, { nullable: true, description: "Wait up to this long for work when none is ready (long poll, default 0, at most 30000)." })
  waitMs?: number | null;
}

@InputType({ description: "Why an attempt failed." })
export class StepErrorInput {
  @Field({ description: "Human-readable message." })
  message!: string;

  @Field(() => String, { nullable: true, description: "Machine-readable type; types in the retry policy's nonRetryableErrorTypes are not retried." })
  type?: string | null;

  @Field(() => Boolean, { nullable: true, description: "False: fail the step without retrying (default true)." })
  retryable?: boolean | null;

  @Field(() => JSONScalar, { nullable: true, description: "Structured details." })
  details?: Json;
}

const agentOf = async (ctx: Context, id: string | null): Promise<Agent | null> => {
  const a = id ? await ctx.coordinator.store.queries.agents.get(id) : null;
  return a ? Agent.from(a) : null;
};

@Resolver(() => Agent)
export class AgentResolver {
  @Authorized("viewer")
  @Query(() => [Agent], { description: "Every registered agent, oldest first." })
  async agents(@Ctx() ctx: Context): Promise<Agent[]> {
    return (await ctx.coordinator.store.queries.agents.list()).map(Agent.from);
  }

  @Authorized("viewer")
  @Query(() => Agent, { nullable: true, description: "One agent by id, or null." })
  async agent(@Arg("id", () => ID, { description: "The agent id." }) id: string, @Ctx() ctx: Context): Promise<Agent | null> {
    return agentOf(ctx, id);
  }

  @FieldResolver(() => Int, { description: "Leases it holds now." })
  async activeLeases(@Root() agent: Agent, @Ctx() ctx: Context): Promise<number> {
    return ctx.coordinator.store.queries.attempts.runningCount(agent.id);
  }

  @Authorized("agent")
  @Mutation(() => Agent, {
    description:
      "Registers an agent for the roles it serves. builtin.* roles are reserved for the gateway's own agents (FORBIDDEN); a token with a role limit registers only roles within it (FORBIDDEN).",
  })
  async registerAgent(@Arg("input", () => RegisterAgentInput, { description: "The agent." }) input: RegisterAgentInput, @Ctx() ctx: Context): Promise<Agent> {
    mayRegisterRoles(ctx, input.roles);
    return Agent.from(await ctx.coordinator.registerAgent({ ...input, owner: ctx.principal?.tokenId ? ctx.principal.name : null }));
  }

  @Authorized("agent")
  @Mutation(() => [StepLease], {
    description: "Claims READY steps of the agent's roles, highest priority first then oldest; with waitMs, long-polls for work.",
  })
  async claimSteps(@Arg("input", () => ClaimStepsInput, { description: "The request." }) input: ClaimStepsInput, @Ctx() ctx: Context): Promise<StepLease[]> {
    await ownAgent(ctx, input.agentId);
    const grants = await ctx.coordinator.claim(input.agentId, input.max ?? 1, input.waitMs ?? 0, ctx.signal);
    return Promise.all(grants.map(StepLease.from));
  }

  @Authorized("agent")
  @Mutation(() => LeaseStatus, { description: "Extends a lease and records progress; tells the agent whether to stop." })
  async heartbeatStep(
    @Ctx() ctx: Context,
    @Arg("leaseId", () => ID, { description: "The lease." }) leaseId: string,
    @Arg("progress", () => Float, { nullable: true, description: "0..1." }) progress?: number,
    @Arg("message", () => String, { nullable: true, description: "What the agent is doing." }) message?: string,
  ): Promise<LeaseStatus> {
    await ownLease(ctx, leaseId);
    const s = await ctx.coordinator.heartbeat(leaseId, progress ?? null, message ?? null);
    return { expiresAt: new Date(s.expiresAt), cancelRequested: s.cancelRequested };
  }

  @Authorized("agent")
  @Mutation(() => Step, { description: "Completes the leased attempt with its output; the plan advances." })
  async completeStep(
    @Ctx() ctx: Context,
    @Arg("leaseId", () => ID, { description: "The lease." }) leaseId: string,
    @Arg("output", () => JSONScalar, { nullable: true, description: "The step's output." }) output?: Json,
    @Arg("quality", () => Float, { nullable: true, description: "Quality score, 0..1." }) quality?: number,
    @Arg("addSteps", () => [StepInput], {
      nullable: true,
      description:
        "Steps to add to the plan (dynamic plans): appended at the end in this order, checked like addStep; they may depend on each other, on this step and on any other. If they are invalid, nothing is added and the attempt FAILS with error type INVALID_PLAN (not retried) naming every problem.",
    })
    addSteps?: StepInput[] | null,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<Step> {
    const grouped = info && groupedReport(ctx, info);
    if (grouped) return stepOf(await grouped);
    await ownLease(ctx, leaseId);
    return stepOf(await ctx.coordinator.complete(leaseId, output ?? null, quality ?? null, addSteps ?? null));
  }

  @Authorized("agent")
  @Mutation(() => Step, { description: "Fails the leased attempt; it is retried if the retry policy allows." })
  async failStep(
    @Ctx() ctx: Context,
    @Arg("leaseId", () => ID, { description: "The lease." }) leaseId: string,
    @Arg("error", () => StepErrorInput, { description: "Why it failed." }) error: StepErrorInput,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<Step> {
    const grouped = info && groupedReport(ctx, info);
    if (grouped) return stepOf(await grouped);
    await ownLease(ctx, leaseId);
    return stepOf(await ctx.coordinator.fail(leaseId, error));
  }
}

const stepOf = (r: StepResult): Step => Step.from(r.planId, r.step);

@Resolver(() => Step)
export class StepResolver {
  @FieldResolver(() => Agent, { nullable: true, description: "The agent of the current or last attempt." })
  async agent(@Root() step: Step, @Ctx() ctx: Context): Promise<Agent | null> {
    return agentOf(ctx, step.agentId);
  }

  /** Evaluated over the claiming agent's view of the context: hidden from other agents (see seesAttemptInput). */
  @FieldResolver()
  async mappedInput(@Root() step: Step, @Ctx() ctx: Context): Promise<Json | null> {
    if (step.mappedInput === null || step.planId === null) return null;
    return (await seesAttemptInput(ctx, step.planId, step.key, step.attempts)) ? step.mappedInput : null;
  }
}

@Resolver(() => StepTrace)
export class TraceResolver {
  @FieldResolver(() => Agent, { nullable: true, description: "The agent that ran the attempt." })
  async agent(@Root() trace: StepTrace, @Ctx() ctx: Context): Promise<Agent | null> {
    return agentOf(ctx, trace.agentId);
  }

  @Authorized("viewer")
  @Query(() => [StepTrace], { description: "One row per attempt of the plan's steps, oldest first." })
  async traces(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { description: "The plan." }) planId: string,
    @Arg("stepKey", () => String, { nullable: true, description: "Only this step's attempts." }) stepKey?: string,
  ): Promise<StepTrace[]> {
    await loadPlan(ctx, planId);
    return (await ctx.coordinator.store.queries.attempts.list(planId, stepKey)).map(StepTrace.from);
  }
}
