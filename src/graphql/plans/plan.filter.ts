import { Field, InputType } from "type-graphql";
import { badInput, type Problem } from "../../domain/errors.js";
import { checkLengths } from "../../domain/limits.js";
import { PlanState } from "../../domain/statuses.js";
import type { PlanCursor, PlanFilter as StoreFilter } from "../../store/plans.js";
import { parseTemplateRef } from "../../templates/templates.js";

@InputType({ description: "Which plans to list (or to act on: cancelPlans, retryPlans, pausePlans, resumePlans). A plan must match every field given." })
export class PlanFilter {
  @Field(() => [PlanState], { nullable: true, description: "Only plans in one of these states." })
  states?: PlanState[] | null;

  @Field(() => [String], { nullable: true, description: "Only plans with at least one of these labels." })
  labels?: string[] | null;

  @Field(() => String, { nullable: true, description: "Only plans whose name contains this text." })
  nameContains?: string | null;

  @Field(() => String, { nullable: true, description: 'Only plans made from this template: "name" (any version) or "name@version".' })
  template?: string | null;

  @Field(() => Date, { nullable: true, description: "Only plans created at or after this time." })
  createdAfter?: Date | null;

  @Field(() => Date, { nullable: true, description: "Only plans created before this time (exclusive: createdAfter and createdBefore make a half-open range)." })
  createdBefore?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: "Only the plan with exactly this id, or plans whose name contains this text (case-insensitively for ASCII, as nameContains); leading and trailing spaces are ignored.",
  })
  search?: string | null;
}

/** The store's filter for a PlanFilter argument at `path`: the template reference parsed, times as epoch ms, the search trimmed. */
export function storeFilter(filter: PlanFilter | null | undefined, path = "filter"): StoreFilter {
  if (!filter) return {};
  const problems: Problem[] = [];
  const search = filter.search?.trim() || null;
  checkLengths(problems, [[`${path}.search`, search]]);
  if (problems.length) throw badInput(problems);
  return {
    states: filter.states,
    labels: filter.labels,
    nameContains: filter.nameContains,
    template: filter.template ? parseTemplateRef(filter.template, `${path}.template`) : null,
    createdAfter: filter.createdAfter?.getTime() ?? null,
    createdBefore: filter.createdBefore?.getTime() ?? null,
    search,
  };
}

/** Whether a decoded cursor is one of the plan list's (its position: creation time, then id). */
export const isPlanCursor = (v: unknown): v is PlanCursor =>
  typeof v === "object" && v !== null && typeof (v as PlanCursor).createdAt === "number" && typeof (v as PlanCursor).id === "string";
