import { Field, ID, Int, ObjectType } from "type-graphql";
import type { Json } from "../../domain/model.js";
import { CheckpointReason, type CheckpointRecord } from "../../store/checkpoints.js";
import { Node, PageInfo } from "../common.types.js";
import { JSONScalar } from "../scalars.js";

@ObjectType({ simpleResolvers: true, implements: Node, description: "The plan as it was at one point of its timeline, to look at, compare, restore or fork." })
export class Checkpoint extends Node {
  @Field(() => ID, { description: "The plan." })
  planId!: string;

  @Field(() => Int, { description: "The last signal sequence included." })
  sequence!: number;

  @Field(() => CheckpointReason, { description: "Why it was taken." })
  reason!: CheckpointReason;

  @Field(() => String, { nullable: true, description: "Step whose completion produced it, for STEP checkpoints." })
  stepKey!: string | null;

  @Field(() => String, { nullable: true, description: "The label given to a MANUAL checkpoint." })
  label!: string | null;

  @Field(() => Int, { description: "The plan's version at the checkpoint." })
  planVersion!: number;

  @Field(() => Int, { description: "Bytes stored for it (checkpoints are stored as deltas)." })
  bytes!: number;

  @Field(() => Date, { description: "When it was taken." })
  createdAt!: Date;

  static from(r: CheckpointRecord): Checkpoint {
    return Object.assign(new Checkpoint(), { ...r, createdAt: new Date(r.createdAt) });
  }
}

@ObjectType({ simpleResolvers: true, description: "A checkpoint in a connection." })
export class CheckpointEdge {
  @Field({ description: "Cursor of this checkpoint." })
  cursor!: string;

  @Field(() => Checkpoint, { description: "The checkpoint." })
  node!: Checkpoint;
}

@ObjectType({ simpleResolvers: true, description: "A page of checkpoints, oldest first." })
export class CheckpointConnection {
  @Field(() => [CheckpointEdge], { description: "The checkpoints of this page." })
  edges!: CheckpointEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;
}

@ObjectType({ simpleResolvers: true, description: "What changed between two checkpoints of a plan." })
export class CheckpointDiff {
  @Field(() => ID, { description: "The earlier checkpoint." })
  from!: string;

  @Field(() => ID, { description: "The later checkpoint." })
  to!: string;

  @Field(() => JSONScalar, { description: "Per changed step key: { from, to } with state, output, attempts (null where the step did not exist)." })
  steps!: Json;

  @Field(() => JSONScalar, { description: "Changed context keys visible to the caller: key → { from, to } (null where absent or not visible then)." })
  context!: Json;
}
