import { Field, ID, Int, ObjectType } from "type-graphql";
import type { Json, SignalModel } from "../../domain/model.js";
import { signalId } from "../../domain/ids.js";
import { SignalKind } from "../../domain/statuses.js";
import { Node, PageInfo } from "../common.types.js";
import { JSONScalar } from "../scalars.js";

@ObjectType({ simpleResolvers: true, implements: Node, description: "One event on the timeline. Sequences are global, increasing, and never reused or skipped." })
export class Signal extends Node {
  @Field(() => Int, { description: "Global position in the signal log." })
  sequence!: number;

  @Field(() => SignalKind, { description: "What it reports." })
  kind!: SignalKind;

  @Field(() => String, { nullable: true, description: "Free name for CUSTOM and MESSAGE signals (e.g. agent_completed)." })
  name!: string | null;

  @Field(() => ID, { nullable: true, description: "The plan it concerns." })
  planId!: string | null;

  @Field(() => String, { nullable: true, description: "The step it concerns." })
  stepKey!: string | null;

  @Field(() => ID, { nullable: true, description: "The agent it concerns." })
  agentId!: string | null;

  @Field({ description: "Who caused it: an agent id, a principal, or 'system'." })
  sender!: string;

  @Field(() => String, { nullable: true, description: "For MESSAGE: the agent id, role, or * (every agent of the plan) it is addressed to." })
  recipient!: string | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description: "Details of the event. Context values the caller may not see (an UPDATE_CONTEXT INTERVENTION_APPLIED diff) are null and named in diff.redacted.",
  })
  payload!: Json | null;

  @Field(() => Date, { description: "When it happened." })
  at!: Date;

  static from(s: SignalModel): Signal {
    return Object.assign(new Signal(), { ...s, id: signalId(s.sequence), at: new Date(s.at) });
  }
}

@ObjectType({ simpleResolvers: true, description: "A signal in a connection." })
export class SignalEdge {
  @Field({ description: "Cursor of this signal." })
  cursor!: string;

  @Field(() => Signal, { description: "The signal." })
  node!: Signal;
}

@ObjectType({ simpleResolvers: true, description: "A page of signals, oldest first." })
export class SignalConnection {
  @Field(() => [SignalEdge], { description: "The signals of this page." })
  edges!: SignalEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;
}
