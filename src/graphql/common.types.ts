import { Field, ID, InterfaceType, ObjectType } from "type-graphql";

@InterfaceType({
  description:
    "An object with a globally unique id. Ids are opaque strings with a type prefix (plan_, agt_, sig_, ckp_, int_, tpl_, lease_).",
})
export abstract class Node {
  @Field(() => ID, { description: "Globally unique id." })
  id!: string;
}

@ObjectType({ simpleResolvers: true, description: "Relay page information." })
export class PageInfo {
  @Field({ description: "Whether more items follow this page." })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the last item of this page." })
  endCursor!: string | null;

  @Field({ description: "Whether items precede this page." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the first item of this page." })
  startCursor!: string | null;
}

export const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
