import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../context.js";
import { Plan } from "../plans/plan.type.js";
import { PlanTemplate, RegisterTemplateInput } from "./template.type.js";

@Resolver(() => PlanTemplate)
export class TemplateResolver {
  @Authorized("viewer")
  @Query(() => [PlanTemplate], { description: "Plan templates, every version: by name, newest version first within a name." })
  async templates(
    @Ctx() ctx: Context,
    @Arg("name", () => String, { nullable: true, description: "Only the versions of this template." }) name?: string,
  ): Promise<PlanTemplate[]> {
    return (await ctx.coordinator.store.queries.templates.list(name ?? null)).map(PlanTemplate.from);
  }

  @Authorized("viewer")
  @Query(() => PlanTemplate, { nullable: true, description: "One template version, or null." })
  async template(
    @Ctx() ctx: Context,
    @Arg("name", { description: "The template's name." }) name: string,
    @Arg("version", () => Int, { nullable: true, description: "The version (default: the latest)." }) version?: number,
  ): Promise<PlanTemplate | null> {
    const t = await ctx.coordinator.store.queries.templates.get(name, version ?? null);
    return t ? PlanTemplate.from(t) : null;
  }

  @Authorized("operator")
  @Mutation(() => PlanTemplate, {
    description: "Registers a new version of a template, checked like createPlan's steps (every problem at once, BAD_USER_INPUT). Earlier versions stay as they are.",
  })
  async registerTemplate(@Ctx() ctx: Context, @Arg("input", () => RegisterTemplateInput, { description: "The template." }) input: RegisterTemplateInput): Promise<PlanTemplate> {
    return PlanTemplate.from(await ctx.coordinator.templates.register(input));
  }
}

@Resolver(() => Plan)
export class PlanTemplateResolver {
  @FieldResolver(() => PlanTemplate, { nullable: true, description: "The template version the plan was made from, if any." })
  async template(@Root() plan: Plan, @Ctx() ctx: Context): Promise<PlanTemplate | null> {
    const id = plan.aggregate.plan.templateId;
    const t = id === null ? null : await ctx.coordinator.store.queries.templates.byId(id);
    return t ? PlanTemplate.from(t) : null;
  }
}
