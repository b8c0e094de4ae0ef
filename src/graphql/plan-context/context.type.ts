import { Field, Int, ObjectType } from "type-graphql";
import type { Json } from "../../domain/model.js";
import { contextData, type ContextEntryModel } from "../../store/context.js";
import { JSONScalar } from "../scalars.js";

@ObjectType({ simpleResolvers: true, description: "One key of a plan's shared context, at one version." })
export class ContextEntry {
  @Field({ description: "The key. Step outputs are under steps.<key>.output." })
  key!: string;

  @Field(() => JSONScalar, { nullable: true, description: "The value (null also when a restore removed the key, in history)." })
  value!: Json | null;

  @Field(() => Int, { description: "The entry's version: 1 for the key's first write, then one more per write." })
  version!: number;

  @Field(() => Int, { description: "The plan context's version this write made." })
  contextVersion!: number;

  @Field(() => [String], { description: "Roles or agent ids that may see it; empty = all." })
  targets!: string[];

  @Field({ description: "Who wrote it: an agent id (its lease, or a step's output), a principal, or 'system'." })
  updatedBy!: string;

  @Field(() => Date, { description: "When it was written." })
  updatedAt!: Date;

  static from(e: ContextEntryModel): ContextEntry {
    return Object.assign(new ContextEntry(), { ...e, updatedAt: new Date(e.updatedAt) });
  }
}

@ObjectType({ simpleResolvers: true, description: "A plan's shared context: versioned keys every write of which is kept." })
export class PlanContext {
  /** The plan, for the history and entry resolvers. */
  planId!: string;

  @Field(() => Int, { description: "Rises by one with every write; pass it as expectedVersion to refuse a write based on a stale read." })
  version!: number;

  @Field(() => JSONScalar, { description: "All entries visible to the caller, as one JSON object (key → value)." })
  data!: Json;

  @Field(() => [ContextEntry], { description: "The current entries visible to the caller, by key." })
  entries!: ContextEntry[];

  static from(planId: string, entries: readonly ContextEntryModel[], version: number): PlanContext {
    return Object.assign(new PlanContext(), { planId, version, data: contextData(entries), entries: entries.map(ContextEntry.from) });
  }
}
