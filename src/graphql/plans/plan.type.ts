import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import type { ExecutionPolicy as PolicyModel, Json, PlanAggregate, RetryPolicy as RetryModel, StepError as ErrorModel, StepModel } from "../../domain/model.js";
import { Complexity, isFinishedStepState, PlanState, Priority, StepState } from "../../domain/statuses.js";
import { waves } from "../../engine/graph.js";
import { stepId } from "../../domain/ids.js";
import { STEP_TIME_FIELDS } from "../../store/fields.js";
import { Node, PageInfo, toDate } from "../common.types.js";
import { JSONScalar } from "../scalars.js";

@ObjectType({ simpleResolvers: true, description: "How a failed step attempt is retried." })
export class RetryPolicy {
  @Field(() => Int, { description: "Most attempts in all, the first included." })
  maxAttempts!: number;

  @Field(() => Int, { description: "Delay before the second attempt." })
  initialIntervalMs!: number;

  @Field(() => Float, { description: "Each further delay is the previous one times this." })
  backoffCoefficient!: number;

  @Field(() => Int, { description: "Upper bound of any delay." })
  maxIntervalMs!: number;

  @Field(() => [String], { description: "Error types that are never retried." })
  nonRetryableErrorTypes!: string[];

  @Field(() => Float, { description: "0..1: each delay is shortened by up to this fraction, fixed by plan, step and attempt (replays agree)." })
  jitter!: number;

  static from(r: RetryModel): RetryPolicy {
    return Object.assign(new RetryPolicy(), r, { jitter: r.jitter ?? 0 }); // stored before jitter existed: none
  }
}

@ObjectType({ simpleResolvers: true, description: "How a plan runs: parallelism and timeouts." })
export class ExecutionPolicy {
  @Field(() => Complexity, { description: "Execution profile; sets the default maxParallel." })
  complexity!: Complexity;

  @Field(() => Int, { description: "Most steps of this plan RUNNING at once." })
  maxParallel!: number;

  @Field(() => Int, { description: "Default start-to-close timeout of a step attempt." })
  stepTimeoutMs!: number;

  @Field(() => Int, { nullable: true, description: "Whole-plan deadline; null = none." })
  planTimeoutMs!: number | null;

  @Field(() => Int, { description: "A lease not heartbeaten for this long expires and its step is handed out again." })
  heartbeatTimeoutMs!: number;

  @Field(() => RetryPolicy, { description: "The retry policy of the steps that name none; a step's own retry fields override it one by one." })
  retry!: RetryPolicy;

  static from(p: PolicyModel): ExecutionPolicy {
    return Object.assign(new ExecutionPolicy(), p, { retry: RetryPolicy.from(p.retry) });
  }
}

@ObjectType({ simpleResolvers: true, description: "Why a step attempt or a plan failed." })
export class StepError {
  @Field({ description: "Human-readable message." })
  message!: string;

  @Field(() => String, { nullable: true, description: "Machine-readable error type, e.g. TIMEOUT or LEASE_EXPIRED." })
  type!: string | null;

  @Field({ description: "Whether the failure may be retried." })
  retryable!: boolean;

  @Field(() => JSONScalar, { nullable: true, description: "Structured details." })
  details!: Json | null;

  static from(e: ErrorModel | null): StepError | null {
    return e ? Object.assign(new StepError(), e) : null;
  }
}

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description:
    "One unit of work in a plan, run by an agent of its role. Its id (stp_…) is derived from its plan and key, so it is the same on every read; a snapshot's steps (taken from a checkpoint) and a template's steps have ids of their own.",
})
export class Step extends Node {
  @Field(() => ID, { nullable: true, description: "The plan the step belongs to; null for a template's steps." })
  planId!: string | null;
  /** The agent of the current or last attempt. */
  agentId!: string | null;

  @Field({ description: "Unique within its plan." })
  key!: string;

  @Field(() => String, { nullable: true, description: "Display name." })
  name!: string | null;

  @Field(() => String, { nullable: true, description: "What the step is for." })
  description!: string | null;

  @Field({ description: "Which agents may run it: an agent serves the roles it registered with." })
  role!: string;

  @Field(() => StepState, { description: "Where the step is in its life." })
  state!: StepState;

  @Field(() => [String], { description: "Keys of the steps that must succeed (or be skipped) first." })
  dependsOn!: string[];

  @Field(() => Priority, { description: "Claim priority." })
  priority!: Priority;

  @Field(() => JSONScalar, { nullable: true, description: "Input handed to the agent." })
  input!: Json | null;

  @Field(() => JSONScalar, { nullable: true, description: "Output reported by the agent on success." })
  output!: Json | null;

  @Field(() => StepError, { nullable: true, description: "The last failure, if any." })
  error!: StepError | null;

  @Field(() => Int, { description: "Attempts started so far." })
  attempts!: number;

  @Field(() => RetryPolicy, { description: "How failed attempts are retried." })
  retryPolicy!: RetryPolicy;

  @Field(() => Int, { description: "Start-to-close timeout of one attempt." })
  timeoutMs!: number;

  @Field(() => JSONScalar, { nullable: true, description: "Settings for built-in roles (http url, wait duration, ...)." })
  config!: Json | null;

  @Field(() => Float, { nullable: true, description: "0..1, as last reported by the agent running it." })
  progress!: number | null;

  @Field(() => String, { nullable: true, description: "Message sent with the last progress report." })
  progressMessage!: string | null;

  @Field(() => Float, { nullable: true, description: "Quality score reported on completion, 0..1." })
  quality!: number | null;

  @Field(() => Float, { nullable: true, description: "The quality gate: a lower reported quality fails the attempt as QUALITY_GATE." })
  qualityThreshold!: number | null;

  @Field(() => Int, { nullable: true, description: "A READY step not claimed within this long fails (SCHEDULE_TO_START_TIMEOUT)." })
  scheduleToStartMs!: number | null;

  @Field(() => String, { nullable: true, description: "Step made READY (a new visit) when this one succeeds." })
  onSuccess!: string | null;

  @Field(() => String, { nullable: true, description: "Step made READY when this one fails for good (retries spent): the failure is handled and the plan goes on." })
  onFailure!: string | null;

  @Field(() => String, { nullable: true, description: "Step that undoes this one if the plan fails after it succeeded (saga compensation)." })
  compensate!: string | null;

  @Field(() => JSONScalar, { nullable: true, description: "Conditional routes checked in order when the step succeeds: [{ if: { path, op, value }, then: { goto | retry | skip | fail | complete } }]." })
  when!: Json | null;

  @Field(() => Int, { nullable: true, description: "Most visits (runs started anew by dependencies or transitions); null = no bound." })
  maxVisits!: number | null;

  @Field(() => Int, { description: "Times the step was started anew: 1 on its first run, one more each time a transition or a re-run dependency brings it back." })
  visits!: number;

  @Field({ description: "True when a SKIPPED dependency skips this step too (otherwise SKIPPED counts as satisfied)." })
  skipIfDependencySkipped!: boolean;

  @Field(() => JSONScalar, { nullable: true, description: "The input mapping (JSONPath template), if any." })
  inputMapping!: Json | null;

  @Field(() => JSONScalar, { nullable: true, description: "The output mapping (context key → JSONPath template), if any." })
  outputMapping!: Json | null;

  @Field(() => JSONScalar, { nullable: true, description: "The input the last attempt received from the input mapping (null without one)." })
  mappedInput!: Json | null;

  @Field(() => JSONScalar, { nullable: true, description: "What made the current visit run, when a transition or a compensation did: { from, via, outcome, output, error } or { compensates }." })
  trigger!: Json | null;

  @Field(() => Date, { nullable: true, description: "Not READY before this time." })
  runAt!: Date | null;

  @Field(() => Int, { nullable: true, description: "Not READY until this many ms after its dependencies were done." })
  delayMs!: number | null;

  @Field(() => Date, { nullable: true, description: "When a WAITING step becomes READY: after its retry backoff or its schedule." })
  retryAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "When it last became READY." })
  readyAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "When its current or last attempt was claimed." })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "When it finished." })
  finishedAt!: Date | null;

  /**
   * `ownerId` is what the id is derived from (src/domain/ids.ts `stepId`): the plan for its live
   * steps, the checkpoint for a snapshot's, the template version for a template's.
   */
  static from(planId: string | null, s: StepModel, ownerId: string | null = planId): Step {
    // Every model field under its own name (GraphQL reads only the declared ones), then those
    // shown otherwise: the times (the store's "time" fields) as dates, the error and retry policy as objects.
    const step: Step = Object.assign(new Step(), s as Omit<StepModel, TimeField>, {
      id: stepId(ownerId ?? "", s.key),
      planId,
      error: StepError.from(s.error),
      retryPolicy: RetryPolicy.from(s.retry),
    });
    for (const f of STEP_TIME_FIELDS) step[f] = toDate(s[f]);
    return step;
  }
}

type TimeField = (typeof STEP_TIME_FIELDS)[number];

@ObjectType({ simpleResolvers: true, implements: Node, description: "A plan of work: steps with dependencies, run by agents." })
export class Plan extends Node {
  /** The aggregate this view was made from (for field resolvers). */
  aggregate!: PlanAggregate;

  @Field({ description: "Display name." })
  name!: string;

  @Field(() => String, { nullable: true, description: "What the plan should achieve." })
  goal!: string | null;

  @Field(() => PlanState, { description: "Where the plan is in its life." })
  state!: PlanState;

  @Field(() => Int, { description: "Increases by one on every change to the plan; pass it as expectedVersion to refuse stale edits." })
  version!: number;

  @Field(() => Priority, { description: "Default priority of its steps." })
  priority!: Priority;

  @Field(() => [String], { description: "Free labels for filtering." })
  labels!: string[];

  @Field(() => JSONScalar, { nullable: true, description: "The plan's input." })
  input!: Json | null;

  @Field(() => ExecutionPolicy, { description: "How the plan runs." })
  policy!: ExecutionPolicy;

  @Field(() => [Step], { description: "Every step, in plan order." })
  steps!: Step[];

  @Field(() => [[String]], { description: "Steps grouped into the waves they can run in: each wave depends only on earlier waves." })
  waves!: string[][];

  @Field(() => Float, { description: "0..1: finished steps over all steps." })
  progress!: number;

  @Field(() => JSONScalar, {
    nullable: true,
    description: "The plan's result: the output of its final step, or an object of outputs keyed by step when several steps are final.",
  })
  result!: Json | null;

  @Field(() => StepError, { nullable: true, description: "Why the plan failed." })
  error!: StepError | null;

  @Field(() => Date, { description: "When it was created." })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When it started running." })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "When it finished." })
  finishedAt!: Date | null;

  /** Views are cached per aggregate: aggregates are immutable and shared while their version holds. */
  static from(a: PlanAggregate): Plan {
    let view = views.get(a);
    if (!view) views.set(a, (view = Plan.build(a)));
    return view;
  }

  private static build(a: PlanAggregate): Plan {
    const p = a.plan;
    return Object.assign(new Plan(), {
      aggregate: a,
      id: p.id,
      name: p.name,
      goal: p.goal,
      state: p.state,
      version: p.version,
      priority: p.priority,
      labels: p.labels,
      input: p.input,
      policy: ExecutionPolicy.from(p.policy),
      steps: a.steps.map((s) => Step.from(p.id, s)),
      waves: waves(a.steps),
      progress: a.steps.length === 0 ? 0 : a.steps.filter((s) => isFinishedStepState(s.state)).length / a.steps.length,
      result: p.result,
      error: StepError.from(p.error),
      createdAt: new Date(p.createdAt),
      startedAt: toDate(p.startedAt),
      finishedAt: toDate(p.finishedAt),
    });
  }
}

const views = new WeakMap<PlanAggregate, Plan>();

@ObjectType({ simpleResolvers: true, description: "A plan in a connection." })
export class PlanEdge {
  @Field({ description: "Cursor of this plan." })
  cursor!: string;

  @Field(() => Plan, { description: "The plan." })
  node!: Plan;
}

@ObjectType({ simpleResolvers: true, description: "A page of plans, newest first." })
export class PlanConnection {
  @Field(() => [PlanEdge], { description: "The plans of this page." })
  edges!: PlanEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "Plans matching the filter in all." })
  totalCount!: number;
}

@ObjectType({ simpleResolvers: true, description: "The whole state of a plan at one point of its timeline." })
export class PlanSnapshot {
  @Field(() => ID, { description: "The plan." })
  planId!: string;

  @Field(() => Int, { description: "The last signal sequence included in this snapshot." })
  sequence!: number;

  @Field(() => Date, { description: "When the snapshot was taken." })
  takenAt!: Date;

  @Field(() => PlanState, { description: "The plan's state." })
  state!: PlanState;

  @Field(() => Int, { description: "The plan's version." })
  version!: number;

  @Field(() => [Step], { description: "Every step as it was." })
  steps!: Step[];

  @Field(() => JSONScalar, { nullable: true, description: "The plan's shared context as it was: the entries visible to the caller." })
  context!: Json | null;

  @Field(() => ID, { nullable: true, description: "The checkpoint the snapshot was taken from, if any." })
  checkpointId!: string | null;
}
