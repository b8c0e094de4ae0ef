import "reflect-metadata";
import "./enums.js";
import { createPubSub } from "@graphql-yoga/subscription";
import type { GraphQLSchema } from "graphql";
import { buildSchemaSync } from "type-graphql";
import { AgentResolver, StepResolver, TraceResolver } from "./agents/agent.resolver.js";
import { ReportBatchResolver } from "./agents/report-batch.resolver.js";
import { CheckpointResolver, PlanCheckpointsResolver } from "./checkpoints/checkpoint.resolver.js";
import { ContextResolver, PlanContextResolver } from "./plan-context/context.resolver.js";
import { Checkpoint } from "./checkpoints/checkpoint.type.js";
import { Node } from "./common.types.js";
import { BulkInterventionResolver } from "./interventions/bulk.resolver.js";
import { InterventionResolver, PlanInterventionsResolver, StructureResolver } from "./interventions/intervention.resolver.js";
import { Intervention } from "./interventions/intervention.type.js";
import { RoleLimitResolver } from "./limits/limit.resolver.js";
import { AgentStatsResolver, RoleStatsResolver, TemplateStatsResolver } from "./insight/stats.resolver.js";
import { NodeResolver } from "./node.resolver.js";
import { PlanEvaluationResolver } from "./insight/evaluation.resolver.js";
import { PlanResolver } from "./plans/plan.resolver.js";
import { MessageResolver } from "./signals/message.resolver.js";
import { SignalResolver } from "./signals/signal.resolver.js";
import { PlanTemplateResolver, TemplateResolver } from "./templates/template.resolver.js";
import { TokenResolver } from "./tokens/token.resolver.js";
import { authChecker } from "./access.js";
import { PlanTemplate } from "./templates/template.type.js";
import { WebhookDeliveryResolver, WebhookResolver } from "./webhooks/webhook.resolver.js";
import { Agent } from "./agents/agent.type.js";
import { Plan } from "./plans/plan.type.js";
import { Signal } from "./signals/signal.type.js";

let built: GraphQLSchema | null = null;

/** The Baton schema, built once from the type-graphql classes. */
export function batonSchema(): GraphQLSchema {
  built ??= describeRoots(buildSchemaSync({
    resolvers: [PlanResolver, StepResolver, TraceResolver, AgentResolver, ReportBatchResolver, SignalResolver, InterventionResolver, StructureResolver, BulkInterventionResolver, PlanInterventionsResolver, CheckpointResolver, PlanCheckpointsResolver, TemplateResolver, PlanTemplateResolver, NodeResolver, WebhookResolver, WebhookDeliveryResolver, RoleLimitResolver, ContextResolver, PlanContextResolver, MessageResolver, TokenResolver, PlanEvaluationResolver, AgentStatsResolver, RoleStatsResolver, TemplateStatsResolver],
    authChecker,
    orphanedTypes: [Node, Plan, Agent, Signal, Intervention, Checkpoint, PlanTemplate],
    validate: false,
    // Every subscription brings its own `subscribe` (replay-then-live from the signal log,
    // src/signals/hub.ts); type-graphql still insists on a pub/sub, which stays unused.
    pubSub: createPubSub(),
  }));
  return built;
}

/** type-graphql has no option for root type descriptions; introspecting tools show them. */
function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  const roots = [
    [schema.getQueryType(), "Reads: plans, steps, traces, signals, agents, templates, webhooks, role limits, tokens."],
    [schema.getMutationType(), "Writes: create and start plans, register agents and templates, claim and report work, send signals and messages, manage webhooks, role limits and tokens."],
    [schema.getSubscriptionType(), "Live updates over graphql-ws (graphql-transport-ws protocol) on /graphql."],
  ] as const;
  for (const [type, description] of roots) if (type) type.description = description;
  return schema;
}
