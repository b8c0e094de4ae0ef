import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import type { AgentModel, AttemptModel, Json } from "../../domain/model.js";
import { AgentStatus, TraceOutcome } from "../../domain/statuses.js";
import type { LeaseGrant } from "../../coordinator/coordinator.js";
import { Node, toDate } from "../common.types.js";
import { StepError } from "../plans/plan.type.js";
import { JSONScalar } from "../scalars.js";
import { attemptInput } from "../../engine/mappings.js";
import { attemptId } from "../../domain/ids.js";

@ObjectType({ simpleResolvers: true, implements: Node, description: "A worker that claims steps of its roles: an AI agent, a service or a person." })
export class Agent extends Node {
  @Field({ description: "Display name." })
  name!: string;

  @Field(() => [String], { description: "Roles it serves." })
  roles!: string[];

  @Field(() => Int, { description: "Most leases it holds at once." })
  concurrency!: number;

  @Field(() => AgentStatus, { description: "Whether it has been heard from recently." })
  status!: AgentStatus;

  @Field(() => Date, { nullable: true, description: "When it last claimed, heartbeat or reported." })
  lastSeenAt!: Date | null;

  @Field({ description: "Whether it runs inside the gateway (builtin.* roles)." })
  builtin!: boolean;

  @Field(() => JSONScalar, { nullable: true, description: "Free metadata given at registration." })
  metadata!: Json | null;

  @Field(() => Date, { description: "When it registered." })
  createdAt!: Date;

  static from(a: AgentModel): Agent {
    return Object.assign(new Agent(), {
      ...a,
      lastSeenAt: toDate(a.lastSeenAt),
      createdAt: new Date(a.createdAt),
    });
  }
}

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description: "One attempt of one step: who ran it, when, how long, how it ended. Its id is att_ followed by the id of the lease it ran under.",
})
export class StepTrace extends Node {
  agentId!: string | null;

  @Field(() => ID, { description: "The plan." })
  planId!: string;

  @Field(() => ID, { description: "The lease the attempt ran under (the id of the StepLease its agent was handed)." })
  leaseId!: string;

  @Field({ description: "The step." })
  stepKey!: string;

  @Field(() => Int, { description: "Attempt number, from 1." })
  attempt!: number;

  @Field(() => TraceOutcome, { description: "How the attempt ended, or RUNNING." })
  outcome!: TraceOutcome;

  @Field(() => StepError, { nullable: true, description: "Why it failed." })
  error!: StepError | null;

  @Field(() => JSONScalar, { nullable: true, description: "What the attempt produced, when it succeeded (each visit of a loop keeps its own; e.g. a prefetch's hit, bytes and duration)." })
  output!: Json | null;

  @Field(() => Float, { nullable: true, description: "The quality (0..1) reported with the completion, when the attempt succeeded with one." })
  quality!: number | null;

  @Field(() => Date, { nullable: true, description: "When the step became READY for this attempt." })
  queuedAt!: Date | null;

  @Field(() => Date, { description: "When the attempt was claimed." })
  startedAt!: Date;

  @Field(() => Date, { nullable: true, description: "When the attempt ended." })
  finishedAt!: Date | null;

  @Field(() => Int, { nullable: true, description: "Milliseconds from claim to finish; null while running." })
  elapsedMs!: number | null;

  @Field(() => Int, { nullable: true, description: "Milliseconds from READY to claim." })
  waitMs!: number | null;

  static from(a: AttemptModel): StepTrace {
    return Object.assign(new StepTrace(), {
      id: attemptId(a.id),
      planId: a.planId,
      leaseId: a.id,
      agentId: a.agentId,
      stepKey: a.stepKey,
      attempt: a.attempt,
      outcome: a.outcome,
      error: StepError.from(a.error),
      output: a.output,
      quality: a.quality,
      queuedAt: toDate(a.queuedAt),
      startedAt: new Date(a.startedAt),
      finishedAt: toDate(a.finishedAt),
      elapsedMs: a.finishedAt === null ? null : a.finishedAt - a.startedAt,
      waitMs: a.queuedAt === null ? null : a.startedAt - a.queuedAt,
    });
  }
}

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description:
    "A step handed to one agent for one attempt, until it completes, fails or the lease expires. node(id:) finds it while it runs (its agent's principal, or a reader who is not an agent), with the context as its agent may see it at that moment; once it ended, its attempt is the StepTrace att_<lease id>.",
})
export class StepLease {
  @Field(() => ID, { description: "The lease id: name it in heartbeatStep, completeStep and failStep." })
  id!: string;

  @Field(() => ID, { description: "The plan." })
  planId!: string;

  @Field({ description: "The step." })
  stepKey!: string;

  @Field({ description: "The step's role." })
  role!: string;

  @Field(() => Int, { description: "Attempt number, from 1." })
  attempt!: number;

  @Field(() => JSONScalar, { nullable: true, description: "The step's input." })
  input!: Json | null;

  @Field(() => JSONScalar, { nullable: true, description: "The plan's shared context as this agent may see it, pinned to contextVersion." })
  context!: Json | null;

  @Field(() => Int, { description: "Version of the context handed out." })
  contextVersion!: number;

  @Field(() => JSONScalar, { nullable: true, description: "The step's config." })
  config!: Json | null;

  @Field(() => Int, { description: "The step's visit: 1 on its first run, more when a transition or a re-run dependency brought it back." })
  visit!: number;

  @Field(() => JSONScalar, { nullable: true, description: "What brought the step back, when a transition or a compensation did: { from, via, outcome, output, error } (e.g. the reviewer's rejection) or { compensates }." })
  trigger!: Json | null;

  @Field(() => Date, { description: "When the lease expires unless heartbeaten." })
  expiresAt!: Date;

  @Field(() => Int, { description: "Heartbeat at least this often or lose the lease." })
  heartbeatTimeoutMs!: number;

  static async from(g: LeaseGrant): Promise<StepLease> {
    const context = await g.context();
    return Object.assign(new StepLease(), {
      id: g.lease.id,
      planId: g.plan.id,
      stepKey: g.step.key,
      role: g.step.role,
      attempt: g.lease.attempt,
      input: attemptInput(g.step),
      context: context.data,
      contextVersion: context.version,
      config: g.step.config,
      visit: g.step.visits,
      trigger: g.step.trigger,
      expiresAt: new Date(g.lease.expiresAt),
      heartbeatTimeoutMs: g.lease.heartbeatTimeoutMs,
    });
  }
}

@ObjectType({ simpleResolvers: true, description: "The state of a lease after a heartbeat." })
export class LeaseStatus {
  @Field(() => Date, { description: "When the lease now expires unless heartbeaten again." })
  expiresAt!: Date;

  @Field({ description: "True when the plan was cancelled or failed: stop work; a later completion is refused." })
  cancelRequested!: boolean;
}
