import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { notFound } from "../../domain/errors.js";
import { SignalKind } from "../../domain/statuses.js";
import { DeliveryStatus } from "../../webhooks/model.js";
import { registerWebhook, removeWebhook } from "../../webhooks/registry.js";
import type { Context } from "../context.js";
import { connection } from "../pagination.js";
import { Signal } from "../signals/signal.type.js";
import { Webhook, WebhookDelivery, WebhookDeliveryConnection, WebhookRegistration } from "./webhook.type.js";

const isDeliveryCursor = (v: unknown): v is { d: number } =>
  typeof v === "object" && v !== null && Number.isInteger((v as { d: number }).d);

@Resolver(() => Webhook)
export class WebhookResolver {
  @Authorized("admin")
  @Query(() => [Webhook], { description: "Registered webhooks, oldest first." })
  async webhooks(
    @Ctx() ctx: Context,
    @Arg("includeRemoved", () => Boolean, { nullable: true, description: "Also list removed webhooks (default false)." }) includeRemoved?: boolean,
  ): Promise<Webhook[]> {
    return (await ctx.coordinator.store.queries.webhooks.list(includeRemoved ?? false)).map(Webhook.from);
  }

  @Authorized("admin")
  @Mutation(() => WebhookRegistration, {
    description:
      "Registers an HTTP(S) endpoint for signals of the given kinds committed from now on (optionally of one plan). Returns the signing secret, once.",
  })
  async registerWebhook(
    @Ctx() ctx: Context,
    @Arg("url", { description: "An http or https URL that receives the POSTs." }) url: string,
    @Arg("kinds", () => [SignalKind], { description: "The signal kinds to send (at least one)." }) kinds: SignalKind[],
    @Arg("planId", () => ID, { nullable: true, description: "Only this plan's signals." }) planId?: string,
  ): Promise<WebhookRegistration> {
    const { webhook, secret } = await registerWebhook(ctx.coordinator.store, ctx.coordinator.clock.now(), { url, kinds, planId });
    return Object.assign(new WebhookRegistration(), { webhook: Webhook.from(webhook), secret });
  }

  @Authorized("admin")
  @Mutation(() => Boolean, {
    description: "Removes a webhook: nothing more is sent to it, and its pending deliveries are FAILED. False if it was already removed.",
  })
  async removeWebhook(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "The webhook." }) id: string): Promise<boolean> {
    return removeWebhook(ctx.coordinator.store, id);
  }

  @Authorized("admin")
  @Query(() => WebhookDeliveryConnection, { description: "The delivery log, newest first, optionally of one webhook." })
  async webhookDeliveries(
    @Ctx() ctx: Context,
    @Arg("webhookId", () => ID, { nullable: true, description: "Only this webhook's deliveries." }) webhookId?: string,
    @Arg("status", () => DeliveryStatus, { nullable: true, description: "Only deliveries in this status." }) status?: DeliveryStatus,
    @Arg("first", () => Int, { nullable: true, description: "Page size (default 50, at most 500)." }) first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the last delivery of the previous page." }) after?: string,
    @Arg("last", () => Int, { nullable: true, description: "Page backward: the last this many deliveries before `before` (at most 500; not with first)." }) last?: number,
    @Arg("before", () => String, { nullable: true, description: "Cursor of the first delivery of the next page, to page backward from." }) before?: string,
  ): Promise<WebhookDeliveryConnection> {
    const repo = ctx.coordinator.store.queries.webhooks;
    if (webhookId && !(await repo.get(webhookId))) throw notFound("webhook", webhookId);
    return connection(
      { first, after, last, before },
      {
        isCursor: isDeliveryCursor,
        read: (range, limit) => repo.page({ webhookId, status }, { after: range.after?.d, before: range.before?.d, backward: range.backward }, limit),
        cursorOf: (d) => ({ d: d.seq }),
      },
      WebhookDelivery.from,
    );
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => Signal, { nullable: true, description: "The signal it carries." })
  async signal(@Root() d: WebhookDelivery, @Ctx() ctx: Context): Promise<Signal | null> {
    const s = await ctx.coordinator.store.queries.signals.get(d.signalSequence);
    return s ? Signal.from(s) : null;
  }
}
