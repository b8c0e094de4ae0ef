/**
 * What a normalised GraphQL cache (Apollo Client's InMemoryCache, urql's graphcache) needs to
 * know about Baton's schema. test/api/node.test.ts checks these lists against the schema, so a new
 * object type must be put in one of them: an entity (implements Node, has an id) or a value.
 *
 * - Entities have a global `id` (a type prefix and an opaque rest, stable across reads) and are
 *   normalised by `__typename` + `id`, the default of both caches: they need no configuration.
 * - Values have no id. Each belongs to the object it is read from (a plan's policy, a step's
 *   error, a page of a connection, …) and is replaced with it; the cache is told so:
 *   `merge: true` for Apollo (a value read with other fields is merged, not dropped with a
 *   "Cache data may be lost" warning), `keys: () => null` for graphcache (embedded on purpose,
 *   without an "Invalid key" warning).
 * - Lists of objects on entities and on Query are replaced by the newest answer (a removed step,
 *   role limit or webhook leaves them shorter): `merge: false` for Apollo.
 *
 * Plain objects only: no import of either client, so this module costs nothing to those who
 * use neither.
 */

/** Object types that implement Node: normalised by id. */
export const NODE_TYPES = [
  "Agent",
  "ApiToken",
  "Checkpoint",
  "Intervention",
  "Plan",
  "PlanTemplate",
  "RoleLimit",
  "Signal",
  "Step",
  "StepLease",
  "StepTrace",
  "Webhook",
  "WebhookDelivery",
] as const;

/** Object types without an id, on purpose: values that belong to the object they are read from. */
export const VALUE_TYPES = [
  "AgentStats",
  "BulkApplied",
  "BulkInterventionResult",
  "BulkRejected",
  "CheckpointConnection",
  "CheckpointDiff",
  "CheckpointEdge",
  "ContextEntry",
  "CreatedToken",
  "ExecutionPolicy",
  "InterventionConnection",
  "InterventionEdge",
  "LeaseStatus",
  "PageInfo",
  "PlanConnection",
  "PlanContext",
  "PlanEdge",
  "PlanEvaluation",
  "PlanProblem",
  "PlanSnapshot",
  "PlanValidation",
  "Regression",
  "ReportRefusal",
  "RetryPolicy",
  "RoleAgentStats",
  "RoleStats",
  "SignalConnection",
  "SignalEdge",
  "StepError",
  "StepReportResult",
  "TemplateStats",
  "TemplateStatsBucket",
  "Viewer",
  "WebhookDeliveryConnection",
  "WebhookDeliveryEdge",
  "WebhookRegistration",
] as const;

/** Fields of entities and of Query that return lists of objects: each answer replaces the list. */
export const REPLACED_LISTS = {
  Plan: ["steps", "traces"],
  PlanTemplate: ["steps"],
  Query: ["agents", "roleLimits", "templates", "tokens", "traces", "webhooks"],
} as const satisfies Record<string, readonly string[]>;

/** A type policy as Apollo Client's InMemoryCache takes it (the part used here). */
export interface ApolloTypePolicy {
  merge?: boolean;
  fields?: Record<string, { merge: boolean }>;
}

/**
 * `new InMemoryCache({ typePolicies: apolloTypePolicies(), possibleTypes: { Node: [...NODE_TYPES] } })`.
 * To add policies of your own to a type named here, spread ours into yours (`fields` too).
 */
export function apolloTypePolicies(): Record<string, ApolloTypePolicy> {
  const policies: Record<string, ApolloTypePolicy> = {};
  for (const t of VALUE_TYPES) policies[t] = { merge: true };
  for (const [t, fields] of Object.entries(REPLACED_LISTS)) {
    policies[t] = { ...policies[t], fields: Object.fromEntries(fields.map((f) => [f, { merge: false }])) };
  }
  return policies;
}

/** `cacheExchange({ keys: graphcacheKeys() })`: values are embedded in their parent on purpose. */
export function graphcacheKeys(): Record<string, () => null> {
  return Object.fromEntries(VALUE_TYPES.map((t) => [t, () => null]));
}
