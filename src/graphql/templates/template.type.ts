import { Field, InputType, Int, ObjectType } from "type-graphql";
import type { TemplateRecord } from "../../store/templates.js";
import { BUILTIN_TEMPLATE_NAMES } from "../../templates/builtins.js";
import { templateSpec } from "../../templates/templates.js";
import { Node } from "../common.types.js";
import { PolicyInput, StepInput } from "../plans/plan.input.js";
import { ExecutionPolicy, Step } from "../plans/plan.type.js";

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description: 'One version of a named step list that plans are made from (createPlan template: "name" or "name@version"). Versions never change.',
})
export class PlanTemplate extends Node {
  @Field({ description: "The template's name; its versions share it." })
  name!: string;

  @Field(() => Int, { description: "1 for the first registration of the name, then 2, 3, …" })
  version!: number;

  @Field(() => String, { nullable: true, description: "What the template is for and how to use it." })
  description!: string | null;

  @Field(() => [Step], {
    description: "The steps as a plan made from this version starts them (PENDING, defaults applied); empty for a generator, whose steps come from each plan's input.",
  })
  steps!: Step[];

  @Field(() => ExecutionPolicy, { description: "The policy its plans get, unless the plan's own policy sets a field." })
  policy!: ExecutionPolicy;

  @Field({ description: "True for the templates that come with Baton (build-website, linear-pipeline): their names are reserved." })
  builtin!: boolean;

  @Field(() => String, { nullable: true, description: "Set when the steps are built from each plan's input (linear-pipeline: from input.stages)." })
  generator!: string | null;

  @Field(() => Date, { description: "When this version was registered." })
  createdAt!: Date;

  static from(t: TemplateRecord): PlanTemplate {
    const spec = templateSpec(t);
    return Object.assign(new PlanTemplate(), {
      id: t.id,
      name: t.name,
      version: t.version,
      description: t.description,
      steps: spec.steps.map((s) => Step.from(null, s, t.id)),
      policy: ExecutionPolicy.from(spec.policy),
      builtin: BUILTIN_TEMPLATE_NAMES.has(t.name),
      generator: t.generator,
      createdAt: new Date(t.createdAt),
    });
  }
}

@InputType({ description: "A template to register: the first version of a new name, or the next version of an existing one. Checked like a plan's steps." })
export class RegisterTemplateInput {
  @Field({ description: "1-100 letters, digits, '_', '.', '-'; the built-in names are reserved." })
  name!: string;

  @Field(() => String, { nullable: true, description: "What the template is for and how to use it." })
  description?: string | null;

  @Field(() => [StepInput], { description: "The steps of every plan made from it; a step with no input receives the plan's input." })
  steps!: StepInput[];

  @Field(() => PolicyInput, { nullable: true, description: "Its plans' policy; a plan's own policy fields win." })
  policy?: PolicyInput | null;
}
