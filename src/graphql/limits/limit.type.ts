import { Field, Float, InputType, Int, ObjectType } from "type-graphql";
import type { RoleLimitStatus } from "../../coordinator/limits.js";
import { roleLimitId } from "../../domain/ids.js";
import { Node } from "../common.types.js";

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description:
    "A role's queue policy: a claim rate (a token bucket of `claims` per `intervalMs`, kept across restarts) and/or a cap on its leases running at once. A step of a limited role is not handed out while the role has no token or is at its cap; other roles are unaffected.",
})
export class RoleLimit extends Node {
  @Field({ description: "The role limited." })
  role!: string;

  @Field(() => Int, { nullable: true, description: "Claims per interval: the bucket's capacity, refilled continuously over intervalMs. Null = no rate limit." })
  claims!: number | null;

  @Field(() => Int, { nullable: true, description: "The interval of the rate, in milliseconds. Null = no rate limit." })
  intervalMs!: number | null;

  @Field(() => Int, { nullable: true, description: "Most leases of the role RUNNING at once. Null = no cap." })
  maxConcurrent!: number | null;

  @Field(() => Float, { nullable: true, description: "Tokens in the bucket now (a claim takes one whole token). Null without a rate." })
  tokens!: number | null;

  @Field(() => Int, { description: "Leases of the role running now." })
  running!: number;

  @Field(() => Date, { description: "When the limits were last set." })
  updatedAt!: Date;

  @Field({ description: "Who last set them: the actor, or 'system' for BATON_RATE_LIMITS at start-up." })
  updatedBy!: string;

  static from(l: RoleLimitStatus): RoleLimit {
    return Object.assign(new RoleLimit(), { ...l, id: roleLimitId(l.role), updatedAt: new Date(l.updatedAt) });
  }
}

@InputType({ description: "A role's limits: a rate (claims and intervalMs together), a cap (maxConcurrent), or both." })
export class RoleLimitInput {
  @Field({ description: "The role to limit." })
  role!: string;

  @Field(() => Int, { nullable: true, description: "Claims per interval (with intervalMs); null = no rate limit." })
  claims?: number | null;

  @Field(() => Int, { nullable: true, description: "The interval of the rate in milliseconds (with claims); null = no rate limit." })
  intervalMs?: number | null;

  @Field(() => Int, { nullable: true, description: "Most leases of the role RUNNING at once; null = no cap, 0 holds the role's steps back." })
  maxConcurrent?: number | null;
}
