import { ArgsType, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { PlanState } from "../../domain/statuses.js";
import { PlanFilter } from "../plans/plan.filter.js";

@InputType({ description: "A plan a bulk action names, with the version the caller saw." })
export class PlanTarget {
  @Field(() => ID, { description: "The plan." })
  id!: string;

  @Field(() => Int, { nullable: true, description: "The plan version the change is based on; a stale one is REJECTED with VERSION_CONFLICT." })
  expectedVersion?: number | null;
}

@ArgsType()
export class BulkArgs {
  @Field(() => [PlanTarget], { nullable: true, description: "The plans to act on (at most 1,000, none twice), each optionally with the version seen. Not with filter." })
  plans?: PlanTarget[] | null;

  @Field(() => PlanFilter, {
    nullable: true,
    description:
      "Act on the plans matching this filter that are in a state the action accepts, newest first: at most `first` of them, then continue with `after`. Not with plans.",
  })
  filter?: PlanFilter | null;

  @Field(() => Int, { nullable: true, description: "With filter: at most this many plans in this call (1 to 1,000; default 1,000)." })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "With filter: continue after this cursor, the endCursor of the previous call." })
  after?: string | null;

  @Field(() => String, { description: "Why, recorded with each plan's intervention (not empty)." })
  reason!: string;
}

@ObjectType({ simpleResolvers: true, description: "A plan a bulk action changed." })
export class BulkApplied {
  @Field(() => ID, { description: "The plan." })
  planId!: string;

  @Field(() => ID, { description: "The APPLIED intervention recorded for it." })
  interventionId!: string;

  @Field(() => Int, { description: "The plan's version after the change." })
  planVersion!: number;

  @Field(() => PlanState, { description: "The plan's state after the change." })
  state!: PlanState;
}

@ObjectType({ simpleResolvers: true, description: "A plan a bulk action did not change, and why." })
export class BulkRejected {
  @Field(() => ID, { description: "The plan." })
  planId!: string;

  @Field({
    description:
      "Machine-readable reason: the intervention's rejection code (INVALID_STATE, VERSION_CONFLICT); or, with nothing recorded, NOT_FOUND for an unknown plan, STORAGE_* for a change the database could not save, INTERNAL_SERVER_ERROR for an unexpected failure (logged).",
  })
  code!: string;

  @Field({ description: "Why, in words." })
  message!: string;

  @Field(() => ID, { nullable: true, description: "The REJECTED intervention recorded for it; null when nothing could be recorded (an unknown plan, a change that could not be saved)." })
  interventionId!: string | null;
}

@ObjectType({ simpleResolvers: true, description: "What a bulk action did: each plan it considered is either applied or rejected, in the order they were taken." })
export class BulkInterventionResult {
  @Field(() => [BulkApplied], { description: "The plans changed, each with its new version and state." })
  applied!: BulkApplied[];

  @Field(() => [BulkRejected], { description: "The plans not changed, each with a code and a reason." })
  rejected!: BulkRejected[];

  @Field({ description: "With filter: more plans match after endCursor; call again with after: endCursor. Always false with plans." })
  hasMore!: boolean;

  @Field(() => String, { nullable: true, description: "With filter: the cursor of the last plan considered, to pass as after; null with plans or when no plan matched." })
  endCursor!: string | null;
}
