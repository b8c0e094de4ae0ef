import { Arg, Authorized, Ctx, ID, Query, Resolver } from "type-graphql";
import { BatonError } from "../domain/errors.js";
import { leaseIdOfAttempt, parseStepId, prefixOf, roleOfLimitId, sequenceOfSignalId } from "../domain/ids.js";
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
  async node(@Arg("id", () => ID, { description: "A global id." }) id: string, @Ctx() ctx: Context): Promise<Node | null> {
    const { queries } = ctx.coordinator.store;
    switch (prefixOf(id)) {
      case "plan": {
        const a = await queries.plans.load(id);
        if (a) chargeSteps(ctx, a.steps.length);
        return a ? Plan.from(a) : null;
      }
      case "agt": {
        const a = await queries.agents.get(id);
        return a ? Agent.from(a) : null;
      }
      case "sig": {
        const seq = sequenceOfSignalId(id);
        const s = seq === null ? null : await queries.signals.get(seq);
        return s ? Signal.from(await contextVisibility(ctx).signal(s)) : null;
      }
      case "ckp": {
        const r = await queries.checkpoints.get(id);
        return r ? Checkpoint.from(r) : null;
      }
      case "whk": {
        adminOnly(ctx, "webhooks", id);
        const w = await queries.webhooks.get(id);
        return w ? Webhook.from(w) : null;
      }
      case "int": {
        const r = await queries.interventions.get(id);
        return r ? Intervention.from(await contextVisibility(ctx).intervention(r)) : null;
      }
      case "tpl": {
        const t = await queries.templates.byId(id);
        return t ? PlanTemplate.from(t) : null;
      }
      case "stp":
        return stepNode(ctx, id);
      case "att": {
        const leaseId = leaseIdOfAttempt(id);
        const a = leaseId ? await queries.attempts.get(leaseId) : null;
        return a ? StepTrace.from(a) : null;
      }
      case "lease":
        return leaseNode(ctx, id);
      case "tok": {
        adminOnly(ctx, "tokens", id);
        const t = await queries.tokens.get(id);
        return t ? ApiToken.from(t) : null;
      }
      case "whd": {
        adminOnly(ctx, "webhook deliveries", id);
        const m = /^whd_(\d+)$/.exec(id);
        const d = m ? await queries.webhooks.delivery(Number(m[1])) : null;
        return d ? WebhookDelivery.from(d) : null;
      }
      case "lim": {
        const role = roleOfLimitId(id);
        const l = role === null ? undefined : (await ctx.coordinator.roleLimits()).find((r) => r.role === role);
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
async function stepNode(ctx: Context, id: string): Promise<Step | null> {
  const parsed = parseStepId(id);
  if (!parsed) return null;
  const { ownerId, key } = parsed;
  const store = ctx.coordinator.store;
  switch (prefixOf(ownerId)) {
    case "plan": {
      const a = await store.queries.plans.load(ownerId);
      const step = a ? Plan.from(a).steps.find((s) => s.key === key) : undefined;
      if (step) chargeSteps(ctx, 1);
      return step ?? null;
    }
    case "ckp": {
      // One read: the checkpoint and its state.
      const { record, s } = await store.read(async ({ checkpoints }) => {
        const record = await checkpoints.get(ownerId);
        return { record, s: record ? (await checkpoints.aggregate(ownerId))?.steps.find((x) => x.key === key) : undefined };
      });
      if (!record || !s) return null;
      chargeSteps(ctx, 1);
      return Step.from(record.planId, s, ownerId);
    }
    case "tpl": {
      const t = await store.queries.templates.byId(ownerId);
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
async function leaseNode(ctx: Context, id: string): Promise<StepLease | null> {
  const store = ctx.coordinator.store;
  const lease = await store.queries.attempts.get(id);
  if (!lease || lease.outcome !== "RUNNING") return null;
  await ownLease(ctx, id);
  // One read: the plan, the agent and the context, as of the same moment.
  const now = await store.read(async (r) => {
    const a = await r.plans.load(lease.planId);
    const step = a?.steps.find((s) => s.key === lease.stepKey);
    if (!a || !step || step.state !== "RUNNING" || step.attempts !== lease.attempt) return null;
    const agent = lease.agentId ? await r.agents.get(lease.agentId) : null;
    const reader = { id: lease.agentId ?? "", roles: agent?.roles ?? [] };
    const version = await r.context.version(lease.planId);
    const data = contextData((await r.context.entries(lease.planId, version)).filter((e) => visibleTo(e, reader)));
    return { plan: a.plan, step, context: { data, version } };
  });
  if (!now) return null;
  const { plan, step, context } = now;
  return StepLease.from({ lease, step, plan, context: async () => context });
}
