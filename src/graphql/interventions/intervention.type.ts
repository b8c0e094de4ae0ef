import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import type { Json } from "../../domain/model.js";
import { Priority } from "../../domain/statuses.js";
import { InterventionKind, InterventionStatus } from "../../engine/interventions.js";
import type { InterventionRecord } from "../../store/interventions.js";
import { Node, PageInfo } from "../common.types.js";
import { RetryPolicyInput } from "../plans/plan.input.js";
import { JSONScalar } from "../scalars.js";

@ObjectType({ simpleResolvers: true, implements: Node, description: "An operator's change to a plan, applied or refused, with who asked and why." })
export class Intervention extends Node {
  @Field(() => ID, { description: "The plan." })
  planId!: string;

  @Field(() => InterventionKind, { description: "What was asked." })
  kind!: InterventionKind;

  @Field(() => String, { nullable: true, description: "The step it concerns." })
  stepKey!: string | null;

  @Field({ description: "Who asked: the x-baton-actor header (or connection param `actor`), else anonymous." })
  actor!: string;

  @Field(() => String, { nullable: true, description: "Why, in the actor's words." })
  reason!: string | null;

  @Field(() => InterventionStatus, { description: "APPLIED or REJECTED." })
  status!: InterventionStatus;

  @Field(() => String, { nullable: true, description: "Machine-readable refusal: INVALID_STATE, VERSION_CONFLICT, INVALID_PLAN, NOT_FOUND." })
  rejectionCode!: string | null;

  @Field(() => String, { nullable: true, description: "Why it was refused, in words." })
  rejectionReason!: string | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      "What changed: before/after of the touched fields. For UPDATE_CONTEXT, a value targeted away from the caller (an agent token) is null and named in redacted.",
  })
  diff!: Json | null;

  @Field(() => JSONScalar, { nullable: true, description: "The arguments as given (an UPDATE_CONTEXT value the caller may not see: null, with redacted: [value])." })
  args!: Json | null;

  @Field(() => Int, { description: "The plan's version after the change (or as it was, when refused)." })
  planVersion!: number;

  @Field(() => Date, { description: "When it was asked." })
  at!: Date;

  static from(r: InterventionRecord): Intervention {
    return Object.assign(new Intervention(), { ...r, kind: r.kind as InterventionKind, at: new Date(r.at) });
  }
}

@ObjectType({ simpleResolvers: true, description: "An intervention in a connection." })
export class InterventionEdge {
  @Field({ description: "Cursor of this intervention." })
  cursor!: string;

  @Field(() => Intervention, { description: "The intervention." })
  node!: Intervention;
}

@ObjectType({ simpleResolvers: true, description: "A page of interventions, oldest first." })
export class InterventionConnection {
  @Field(() => [InterventionEdge], { description: "The interventions of this page." })
  edges!: InterventionEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;
}

@InputType({ description: "A change to a step that has not started; omitted fields stay as they are." })
export class StepPatchInput {
  @Field(() => JSONScalar, { nullable: true, description: "New input (null clears it)." })
  input?: Json;

  @Field(() => String, { nullable: true, description: "New role." })
  role?: string | null;

  @Field(() => Int, { nullable: true, description: "New attempt timeout." })
  timeoutMs?: number | null;

  @Field(() => RetryPolicyInput, { nullable: true, description: "Retry policy fields to change." })
  retry?: RetryPolicyInput | null;

  @Field(() => Priority, { nullable: true, description: "New claim priority." })
  priority?: Priority | null;

  @Field(() => [String], { nullable: true, description: "New dependencies (replaces the list)." })
  dependsOn?: string[] | null;

  @Field(() => JSONScalar, { nullable: true, description: "New config (null clears it)." })
  config?: Json;
}
