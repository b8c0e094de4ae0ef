import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../context.js";
import { Plan } from "../plans/plan.type.js";
import { PlanTemplate, RegisterTemplateInput } from "./template.type.js";

@Resolver(() => PlanTemplate)
export class TemplateResolver {
  @Authorized("viewer")
  @Query(() => [PlanTemplate], { description: "Plan templates, every version: by name, newest version first within a name." })
  templates(
    @Ctx() ctx: Context,
    @Arg("name", () => String, { nullable: true, description: "Only the versions of this template." }) name?: string,
  ): PlanTemplate[] {
    return ctx.coordinator.store.templates.list(name ?? null).map(PlanTemplate.from);
  }

  @Authorized("viewer")
  @Query(() => PlanTemplate, { nullable: true, description: "One template version, or null." })
  template(
    @Ctx() ctx: Context,
    @Arg("name", { description: "The template's name." }) name: string,
    @Arg("version", () => Int, { nullable: true, description: "The version (default: the latest)." }) version?: number,
  ): PlanTemplate | null {
    const t = ctx.coordinator.store.templates.get(name, version ?? null);
    return t ? PlanTemplate.from(t) : null;
  }

  @Authorized("operator")
  @Mutation(() => PlanTemplate, {
    description: "Registers a new version of a template, checked like createPlan's steps (every problem at once, BAD_USER_INPUT). Earlier versions stay as they are.",
  })
  registerTemplate(@Ctx() ctx: Context, @Arg("input", () => RegisterTemplateInput, { description: "The template." }) input: RegisterTemplateInput): PlanTemplate {
    return PlanTemplate.from(ctx.coordinator.templates.register(input));
  }
}

@Resolver(() => Plan)
export class PlanTemplateResolver {
  @FieldResolver(() => PlanTemplate, { nullable: true, description: "The template version the plan was made from, if any." })
  template(@Root() plan: Plan, @Ctx() ctx: Context): PlanTemplate | null {
    const id = plan.aggregate.plan.templateId;
    const t = id === null ? null : ctx.coordinator.store.templates.byId(id);
    return t ? PlanTemplate.from(t) : null;
  }
}
