import { Field, ID, InterfaceType, ObjectType } from "type-graphql";

@InterfaceType({
  description:
    "An object with a globally unique id. Ids are opaque strings with a type prefix (plan_, stp_, att_, lease_, agt_, sig_, ckp_, int_, tpl_, whk_, whd_, tok_, lim_), stable across reads: node(id:) finds the object again. Every object type without an id is a value that belongs to the object it is read from (a normalised cache merges it into that object).",
})
export abstract class Node {
  @Field(() => ID, { description: "Globally unique id." })
  id!: string;
}

@ObjectType({
  simpleResolvers: true,
  description:
    "Relay page information. Page forward with first/after, backward with last/before; edges are always in list order. Both flags are exact.",
})
export class PageInfo {
  @Field({
    description:
      "Whether items follow this page. With first: whether more items lie between this page and `before` (or the end of the list). With last: whether any item follows the page, the one at `before` included (false without `before`).",
  })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the last item of this page; null when the page is empty." })
  endCursor!: string | null;

  @Field({
    description:
      "Whether items precede this page. With last: whether more items lie between `after` (or the start of the list) and this page. With first: whether any item precedes the page, the one at `after` included (false without `after`).",
  })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the first item of this page; null when the page is empty." })
  startCursor!: string | null;
}

export const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
