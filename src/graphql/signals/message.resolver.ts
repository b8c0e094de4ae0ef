import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, Resolver } from "type-graphql";
import type { Json } from "../../domain/model.js";
import { agentNeedsLease } from "../access.js";
import type { Context } from "../context.js";
import { JSONScalar } from "../scalars.js";
import { Signal } from "./signal.type.js";

@InputType({ description: "A MESSAGE to agents of a plan: plain, a request expecting a reply, or a reply." })
export class SendMessageInput {
  @Field(() => ID, { description: "The plan." })
  planId!: string;

  @Field({ description: "An agent id (agt_…), a role, or * for every agent of the plan. A reply's must be the request's sender." })
  recipient!: string;

  @Field(() => String, { nullable: true, description: 'Free name (default "message").' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: "The step it concerns." })
  stepKey?: string | null;

  @Field(() => JSONScalar, { nullable: true, description: "The content, delivered as the signal payload's `payload`." })
  payload?: Json;

  @Field(() => Boolean, { nullable: true, description: "A request: a reply is expected (implied by replyTimeoutMs)." })
  expectReply?: boolean | null;

  @Field(() => Int, { nullable: true, description: "A request that, unanswered this long (ms, ≥ 1), gets a reply_timeout MESSAGE sent to its sender." })
  replyTimeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: "Makes it the reply to the request with this sequence (of the same plan; one reply per request, none after its timeout)." })
  inReplyTo?: number | null;
}

@Resolver(() => Signal)
export class MessageResolver {
  @Authorized("operator", "agent")
  @Mutation(() => Signal, {
    description:
      "Sends a MESSAGE signal, payload {payload, expectReply?, replyTimeoutMs?, inReplyTo?}, received by subscribing to signals with the recipient. Bad input (a reply to an unknown message, a non-request or another plan's message included) is BAD_USER_INPUT; a second reply, or one after the timeout, CONFLICT.",
  })
  async sendMessage(
    @Ctx() ctx: Context,
    @Arg("input", () => SendMessageInput, { description: "The message." }) input: SendMessageInput,
    @Arg("leaseId", () => ID, { nullable: true, description: "An agent's running lease of this plan: the agent holding it is the sender (otherwise the caller is)." })
    leaseId?: string | null,
  ): Promise<Signal> {
    await agentNeedsLease(ctx, leaseId);
    return Signal.from(await ctx.coordinator.sendMessage(input, { actor: ctx.actor, leaseId }));
  }
}
