import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { SignalKind } from "../../domain/statuses.js";
import { DeliveryStatus, deliveryId, type DeliveryModel, type WebhookModel } from "../../webhooks/model.js";
import { Node, PageInfo, toDate } from "../common.types.js";

registerEnumType(DeliveryStatus, {
  name: "WebhookDeliveryStatus",
  description: "Where a webhook delivery is in its life.",
  valuesConfig: {
    PENDING: { description: "Not accepted yet: waiting for its first attempt or for a retry." },
    DELIVERED: { description: "The endpoint answered 2xx." },
    FAILED: { description: "Given up: not accepted within the retry period, or the webhook was removed." },
  },
});

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description:
    "An HTTP endpoint that receives matching signals as signed JSON POSTs (headers x-baton-signature, x-baton-delivery, x-baton-event). Its secret is shown only once, by registerWebhook.",
})
export class Webhook extends Node {
  @Field({ description: "Where signals are POSTed." })
  url!: string;

  @Field(() => [SignalKind], { description: "The signal kinds it receives." })
  kinds!: SignalKind[];

  @Field(() => ID, { nullable: true, description: "Only this plan's signals; null = every plan's." })
  planId!: string | null;

  @Field(() => Int, { description: "The signal log's head at registration: only signals after this sequence are delivered." })
  fromSequence!: number;

  @Field({ description: "False once removed: it receives nothing more; its deliveries stay readable." })
  active!: boolean;

  @Field(() => Date, { description: "When it was registered." })
  createdAt!: Date;

  static from(h: WebhookModel): Webhook {
    const { id, url, kinds, planId, fromSequence, active, createdAt } = h;
    return Object.assign(new Webhook(), { id, url, kinds, planId, fromSequence, active, createdAt: new Date(createdAt) });
  }
}

@ObjectType({ simpleResolvers: true, description: "A new webhook and its signing secret." })
export class WebhookRegistration {
  @Field(() => Webhook, { description: "The webhook." })
  webhook!: Webhook;

  @Field({
    description:
      "The HMAC-SHA256 key of x-baton-signature (sha256=<hex HMAC of the exact body>). Shown only here: store it now.",
  })
  secret!: string;
}

@ObjectType({ simpleResolvers: true, implements: Node, description: "One signal queued for one webhook, and how sending it went." })
export class WebhookDelivery {
  @Field(() => ID, { description: "Id (whd_…), also sent as the x-baton-delivery header: the same on every retry." })
  id!: string;

  @Field(() => ID, { description: "The webhook." })
  webhookId!: string;

  @Field(() => Int, { description: "Sequence of the signal it carries." })
  signalSequence!: number;

  @Field(() => DeliveryStatus, { description: "Where it is in its life." })
  status!: DeliveryStatus;

  @Field(() => Int, { description: "Attempts made so far." })
  attempts!: number;

  @Field(() => Date, { nullable: true, description: "When the next attempt is due (null once DELIVERED or FAILED)." })
  nextAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true, description: "HTTP status of the last attempt (null: no reply)." })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true, description: "Why the last attempt failed (null if it succeeded)." })
  lastError!: string | null;

  @Field(() => Date, { description: "When it was queued." })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When the endpoint accepted it." })
  deliveredAt!: Date | null;

  static from(d: DeliveryModel): WebhookDelivery {
    return Object.assign(new WebhookDelivery(), {
      id: deliveryId(d.seq),
      webhookId: d.webhookId,
      signalSequence: d.signalSequence,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: toDate(d.nextAttemptAt),
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      createdAt: new Date(d.createdAt),
      deliveredAt: toDate(d.deliveredAt),
    });
  }
}

@ObjectType({ simpleResolvers: true, description: "A delivery in a connection." })
export class WebhookDeliveryEdge {
  @Field({ description: "Cursor of this delivery." })
  cursor!: string;

  @Field(() => WebhookDelivery, { description: "The delivery." })
  node!: WebhookDelivery;
}

@ObjectType({ simpleResolvers: true, description: "A page of webhook deliveries, newest first." })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge], { description: "The deliveries of this page." })
  edges!: WebhookDeliveryEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;
}
