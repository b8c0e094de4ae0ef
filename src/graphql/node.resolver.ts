import { Arg, Authorized, Ctx, ID, Query, Resolver } from "type-graphql";
import { BatonError } from "../domain/errors.js";
import { prefixOf, sequenceOfSignalId } from "../domain/ids.js";
import { Agent } from "./agents/agent.type.js";
import { Checkpoint } from "./checkpoints/checkpoint.type.js";
import { Node } from "./common.types.js";
import { Webhook } from "./webhooks/webhook.type.js";
import { webhookRepository } from "../webhooks/repository.js";
import { Intervention } from "./interventions/intervention.type.js";
import { chargeSteps } from "./budget.js";
import type { Context } from "./context.js";
import { Plan } from "./plans/plan.type.js";
import { Signal } from "./signals/signal.type.js";
import { PlanTemplate } from "./templates/template.type.js";
import { contextVisibility } from "./visibility.js";

@Resolver()
export class NodeResolver {
  @Authorized("viewer")
  @Query(() => Node, { nullable: true, description: "Any object by its global id, or null." })
  node(@Arg("id", () => ID, { description: "A global id." }) id: string, @Ctx() ctx: Context): Node | null {
    const store = ctx.coordinator.store;
    switch (prefixOf(id)) {
      case "plan": {
        const a = store.plans.load(id);
        if (a) chargeSteps(ctx, a.steps.length);
        return a ? Plan.from(a) : null;
      }
      case "agt": {
        const a = store.agents.get(id);
        return a ? Agent.from(a) : null;
      }
      case "sig": {
        const seq = sequenceOfSignalId(id);
        const s = seq === null ? null : store.signals.get(seq);
        return s ? Signal.from(contextVisibility(ctx).signal(s)) : null;
      }
      case "ckp": {
        const r = store.checkpoints.get(id);
        return r ? Checkpoint.from(r) : null;
      }
      case "whk": {
        if (ctx.principal?.role !== "admin") throw new BatonError("FORBIDDEN", "webhooks are for admins", { id });
        const w = webhookRepository(store).get(id);
        return w ? Webhook.from(w) : null;
      }
      case "int": {
        const r = store.interventions.get(id);
        return r ? Intervention.from(contextVisibility(ctx).intervention(r)) : null;
      }
      case "tpl": {
        const t = store.templates.byId(id);
        return t ? PlanTemplate.from(t) : null;
      }
      default:
        return null;
    }
  }
}
