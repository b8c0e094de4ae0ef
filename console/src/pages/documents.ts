/**
 * The GraphQL operations of the agents, templates, webhooks, tokens, role limits and new plan
 * pages (typed into ../gql/ by `npm run generate`).
 */
import { graphql } from "../gql/index.js";

export const AgentsQuery = graphql(`
  query ConsoleAgents {
    agents {
      id name roles status lastSeenAt activeLeases concurrency builtin createdAt
      stats { completed failed successRate p50Ms p95Ms }
    }
  }
`);

/** The steps running now, with who holds them: the agents' current leases. */
export const RunningStepsQuery = graphql(`
  query ConsoleRunningSteps {
    plans(first: 200, filter: { states: [RUNNING, PAUSED, COMPENSATING] }) {
      edges { node { id name steps { key state role startedAt attempts agent { id } } } }
    }
  }
`);

export const TemplatesQuery = graphql(`
  query ConsoleTemplates {
    templates { id name version description builtin createdAt steps { key role } }
  }
`);

export const TemplateStatsQuery = graphql(`
  query ConsoleTemplateStats($name: String!, $version: Int) {
    templateStats(name: $name, version: $version) { runs completed failed cancelled successRate p50DurationMs p95DurationMs }
  }
`);

export const CreatePlanMutation = graphql(`
  mutation ConsoleCreatePlan($input: CreatePlanInput!) {
    createPlan(input: $input) { id name state }
  }
`);

/** createPlan's checks without creating anything: the new plan page asks as the operator types. */
export const ValidatePlanQuery = graphql(`
  query ConsoleValidatePlan($input: CreatePlanInput!) {
    validatePlan(input: $input) { valid problems { code path message } }
  }
`);

export const WebhooksQuery = graphql(`
  query ConsoleWebhooks {
    webhooks(includeRemoved: true) { id url active kinds planId fromSequence createdAt }
  }
`);

export const WebhookDeliveriesQuery = graphql(`
  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus) {
    webhookDeliveries(last: 50, status: $status) {
      edges { node { id webhookId status attempts lastStatusCode lastError signalSequence createdAt deliveredAt nextAttemptAt signal { kind planId stepKey } } }
    }
  }
`);

export const TokensQuery = graphql(`
  query ConsoleTokens {
    tokens { id name prefix role roles createdAt createdBy expiresAt revokedAt }
  }
`);

export const RoleLimitsQuery = graphql(`
  query ConsoleRoleLimits {
    roleLimits { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }
  }
`);

export const CreateTokenMutation = graphql(`
  mutation ConsoleCreateToken($input: CreateTokenInput!) {
    createToken(input: $input) { token info { id name prefix role roles createdAt createdBy expiresAt revokedAt } }
  }
`);

export const RevokeTokenMutation = graphql(`
  mutation ConsoleRevokeToken($id: ID!) {
    revokeToken(id: $id) { id revokedAt }
  }
`);

export const SetRoleLimitMutation = graphql(`
  mutation ConsoleSetRoleLimit($input: RoleLimitInput!) {
    setRoleLimit(input: $input) { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }
  }
`);

export const RemoveRoleLimitMutation = graphql(`
  mutation ConsoleRemoveRoleLimit($role: String!) {
    removeRoleLimit(role: $role)
  }
`);
