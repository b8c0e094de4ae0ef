import { Field, ObjectType } from "type-graphql";
import type { CodedProblem } from "../../domain/errors.js";

@ObjectType({ simpleResolvers: true, description: "One reason createPlan would refuse a request." })
export class PlanProblem {
  @Field({
    description:
      "The error code createPlan would refuse the request with (its extensions.code): BAD_USER_INPUT (the request's own problems, one per problem), NOT_FOUND (an unknown template or version) or CONFLICT (an idempotencyKey used for another request).",
  })
  code!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Where in the input, as createPlan\'s extensions.problems name it: "steps[2].dependsOn", "input.stages[0].role", "name"…; null for a refusal of the whole request (NOT_FOUND, CONFLICT).',
  })
  path!: string | null;

  @Field({ description: "What is wrong, in createPlan's words." })
  message!: string;
}

@ObjectType({ simpleResolvers: true, description: "What createPlan would say of a request now (validatePlan); nothing was created." })
export class PlanValidation {
  @Field({ description: "True when createPlan would take the request as it is (or return the plan its idempotencyKey made)." })
  valid!: boolean;

  @Field(() => [PlanProblem], { description: "Every problem createPlan would refuse the request for, at once; empty when valid." })
  problems!: PlanProblem[];

  static from(problems: CodedProblem[]): PlanValidation {
    return Object.assign(new PlanValidation(), { valid: problems.length === 0, problems: problems.map((p) => Object.assign(new PlanProblem(), p)) });
  }
}
