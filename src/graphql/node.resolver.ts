import { Arg, Authorized, Ctx, ID, Query, Resolver } from "type-graphql";
import { BatonError } from "../domain/errors.js";
import { leaseIdOfAttempt, parseStepId, prefixOf, roleOfLimitId, sequenceOfSignalId } from "../domain/ids.js";
import type { Json } from "../domain/model.js";
import { contextData, visibleTo } from "../store/context.js";
import { ownLease } from "./access.js";
import { StepLease, StepTrace } from "./agents/agent.type.js";
import { RoleLimit } from "./limits/limit.type.js";
import { Step } from "./plans/plan.type.js";
import { ApiToken } from "./tokens/token.type.js";
import { Agent } from "./agents/agent.type.js";
import { Checkpoint } from "./checkpoints/checkpoint.type.js";
import { Node } from "./common.types.js";
import { Webhook, WebhookDelivery } from "./webhooks/webhook.type.js";
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
        adminOnly(ctx, "webhooks", id);
        const w = store.webhooks.get(id);
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
      case "stp":
        return stepNode(ctx, id);
      case "att": {
        const leaseId = leaseIdOfAttempt(id);
        const a = leaseId ? store.attempts.get(leaseId) : null;
        return a ? StepTrace.from(a) : null;
      }
      case "lease":
        return leaseNode(ctx, id);
      case "tok": {
        adminOnly(ctx, "tokens", id);
        const t = store.tokens.get(id);
        return t ? ApiToken.from(t) : null;
      }
      case "whd": {
        adminOnly(ctx, "webhook deliveries", id);
        const m = /^whd_(\d+)$/.exec(id);
        const d = m ? store.webhooks.delivery(Number(m[1])) : null;
        return d ? WebhookDelivery.from(d) : null;
      }
      case "lim": {
        const role = roleOfLimitId(id);
        const l = role === null ? undefined : ctx.coordinator.roleLimits().find((r) => r.role === role);
        return l ? RoleLimit.from(l) : null;
      }
      default:
        return null;
    }
  }
}

function adminOnly(ctx: Context, what: string, id: string): void {
  if (ctx.principal?.role !== "admin") throw new BatonError("FORBIDDEN", `${what} are for admins`, { id });
}

/**
 * A step by its derived id (src/domain/ids.ts `stepId`): a plan's step as it is, a step of a
 * snapshot taken from a checkpoint as it was then, or a template's step. Its `mappedInput` is
 * hidden from agents as on every other path (StepResolver).
 */
function stepNode(ctx: Context, id: string): Step | null {
  const parsed = parseStepId(id);
  if (!parsed) return null;
  const { ownerId, key } = parsed;
  const store = ctx.coordinator.store;
  switch (prefixOf(ownerId)) {
    case "plan": {
      const a = store.plans.load(ownerId);
      const step = a ? Plan.from(a).steps.find((s) => s.key === key) : undefined;
      if (step) chargeSteps(ctx, 1);
      return step ?? null;
    }
    case "ckp": {
      const record = store.checkpoints.get(ownerId);
      const s = record ? store.checkpoints.aggregate(ownerId)?.steps.find((x) => x.key === key) : undefined;
      if (!record || !s) return null;
      chargeSteps(ctx, 1);
      return Step.from(record.planId, s, ownerId);
    }
    case "tpl": {
      const t = store.templates.byId(ownerId);
      return (t && PlanTemplate.from(t).steps.find((s) => s.key === key)) ?? null;
    }
    default:
      return null;
  }
}

/**
 * A lease while its attempt runs, as its agent sees it: its step's input (the mapped input of this
 * attempt) and the plan's context as the agent may see it now. An agent principal reads only its
 * own agents' leases (FORBIDDEN otherwise, as for heartbeats); other readers see every context
 * entry anyway. A lease that ended is null: its attempt is node(att_<lease id>).
 */
function leaseNode(ctx: Context, id: string): StepLease | null {
  const store = ctx.coordinator.store;
  const lease = store.attempts.get(id);
  if (!lease || lease.outcome !== "RUNNING") return null;
  ownLease(ctx, id);
  const a = store.plans.load(lease.planId);
  const step = a?.steps.find((s) => s.key === lease.stepKey);
  if (!a || !step || step.state !== "RUNNING" || step.attempts !== lease.attempt) return null;
  const agent = lease.agentId ? store.agents.get(lease.agentId) : null;
  const reader = { id: lease.agentId ?? "", roles: agent?.roles ?? [] };
  const version = store.context.version(lease.planId);
  const context = (): { data: { [key: string]: Json }; version: number } => ({
    data: contextData(store.context.entries(lease.planId, version).filter((e) => visibleTo(e, reader))),
    version,
  });
  return StepLease.from({ lease, step, plan: a.plan, context });
}
