/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ConsoleViewer {\n    viewer { name role tokenId version }\n  }\n": typeof types.ConsoleViewerDocument,
    "\n  query ConsoleLogHead($planId: ID) {\n    signals(last: 1, planId: $planId) { edges { node { id sequence } } }\n  }\n": typeof types.ConsoleLogHeadDocument,
    "\n  subscription ConsoleSignals($afterSequence: Int, $planId: ID, $kinds: [SignalKind!]) {\n    signals(afterSequence: $afterSequence, planId: $planId, kinds: $kinds) { id sequence kind planId stepKey at }\n  }\n": typeof types.ConsoleSignalsDocument,
    "\n  query ConsolePlans($first: Int, $after: String, $last: Int, $before: String, $filter: PlanFilter) {\n    plans(first: $first, after: $after, last: $last, before: $before, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      edges {\n        node {\n          id name state progress version labels createdAt startedAt finishedAt\n          template { id name version }\n        }\n      }\n    }\n  }\n": typeof types.ConsolePlansDocument,
    "\n  query ConsolePlan($id: ID!) {\n    plan(id: $id) {\n      id name goal state progress version labels createdAt startedAt finishedAt\n      error { type message }\n      template { id name version }\n      steps {\n        id key name description role state attempts visits dependsOn onSuccess onFailure compensate\n        progress progressMessage input inputMapping mappedInput output startedAt finishedAt\n        error { type message retryable details }\n        agent { id name roles }\n      }\n      traces {\n        id stepKey attempt outcome queuedAt startedAt finishedAt elapsedMs waitMs\n        agent { id name }\n        error { type message }\n      }\n    }\n  }\n": typeof types.ConsolePlanDocument,
    "\n  query ConsoleAgents {\n    agents {\n      id name roles status lastSeenAt activeLeases concurrency builtin createdAt\n      stats { completed failed successRate p50Ms p95Ms }\n    }\n  }\n": typeof types.ConsoleAgentsDocument,
    "\n  query ConsoleRunningSteps {\n    plans(first: 200, filter: { states: [RUNNING, PAUSED, COMPENSATING] }) {\n      edges { node { id name steps { key state role startedAt attempts agent { id } } } }\n    }\n  }\n": typeof types.ConsoleRunningStepsDocument,
    "\n  query ConsoleTemplates {\n    templates { id name version description builtin createdAt steps { key role } }\n  }\n": typeof types.ConsoleTemplatesDocument,
    "\n  query ConsoleTemplateStats($name: String!, $version: Int) {\n    templateStats(name: $name, version: $version) { runs completed failed cancelled successRate p50DurationMs p95DurationMs }\n  }\n": typeof types.ConsoleTemplateStatsDocument,
    "\n  mutation ConsoleCreatePlan($input: CreatePlanInput!) {\n    createPlan(input: $input) { id name state }\n  }\n": typeof types.ConsoleCreatePlanDocument,
    "\n  query ConsoleValidatePlan($input: CreatePlanInput!) {\n    validatePlan(input: $input) { valid problems { code path message } }\n  }\n": typeof types.ConsoleValidatePlanDocument,
    "\n  query ConsoleWebhooks {\n    webhooks(includeRemoved: true) { id url active kinds planId fromSequence createdAt }\n  }\n": typeof types.ConsoleWebhooksDocument,
    "\n  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus) {\n    webhookDeliveries(last: 50, status: $status) {\n      edges { node { id webhookId status attempts lastStatusCode lastError signalSequence createdAt deliveredAt nextAttemptAt signal { kind planId stepKey } } }\n    }\n  }\n": typeof types.ConsoleWebhookDeliveriesDocument,
    "\n  query ConsoleTokens {\n    tokens { id name prefix role roles createdAt createdBy expiresAt revokedAt }\n  }\n": typeof types.ConsoleTokensDocument,
    "\n  query ConsoleRoleLimits {\n    roleLimits { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }\n  }\n": typeof types.ConsoleRoleLimitsDocument,
    "\n  mutation ConsoleCreateToken($input: CreateTokenInput!) {\n    createToken(input: $input) { token info { id name prefix role roles createdAt createdBy expiresAt revokedAt } }\n  }\n": typeof types.ConsoleCreateTokenDocument,
    "\n  mutation ConsoleRevokeToken($id: ID!) {\n    revokeToken(id: $id) { id revokedAt }\n  }\n": typeof types.ConsoleRevokeTokenDocument,
    "\n  mutation ConsoleSetRoleLimit($input: RoleLimitInput!) {\n    setRoleLimit(input: $input) { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }\n  }\n": typeof types.ConsoleSetRoleLimitDocument,
    "\n  mutation ConsoleRemoveRoleLimit($role: String!) {\n    removeRoleLimit(role: $role)\n  }\n": typeof types.ConsoleRemoveRoleLimitDocument,
    "\n  query ConsoleCheckpoints($planId: ID!, $last: Int) {\n    plan(id: $planId) { id forkedFrom }\n    checkpoints(planId: $planId, last: $last) {\n      edges {\n        node {\n          id\n          createdAt\n          reason\n          stepKey\n          label\n          planVersion\n          sequence\n          completedSteps\n        }\n      }\n    }\n  }\n": typeof types.ConsoleCheckpointsDocument,
    "\n  query ConsoleCheckpointDiff($from: ID!, $to: ID!) {\n    checkpointDiff(from: $from, to: $to) {\n      from\n      to\n      steps\n      context\n    }\n  }\n": typeof types.ConsoleCheckpointDiffDocument,
    "\n  mutation ConsoleRestoreCheckpoint($planId: ID!, $checkpointId: ID!, $reason: String!, $expectedVersion: Int!) {\n    restoreCheckpoint(planId: $planId, checkpointId: $checkpointId, reason: $reason, expectedVersion: $expectedVersion) {\n      id\n      status\n      rejectionCode\n      rejectionReason\n      planVersion\n    }\n  }\n": typeof types.ConsoleRestoreCheckpointDocument,
    "\n  mutation ConsoleForkCheckpoint($checkpointId: ID!, $name: String, $reason: String!) {\n    forkFromCheckpoint(checkpointId: $checkpointId, name: $name, reason: $reason) {\n      id\n      name\n      state\n      forkedFrom\n    }\n  }\n": typeof types.ConsoleForkCheckpointDocument,
    "\n  mutation ConsoleIntervenePause($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    pausePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleIntervenePauseDocument,
    "\n  mutation ConsoleInterveneResume($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    resumePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleInterveneResumeDocument,
    "\n  mutation ConsoleInterveneCancel($id: ID!, $reason: String!, $expectedVersion: Int!, $compensate: Boolean!) {\n    cancelPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion, compensate: $compensate) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleInterveneCancelDocument,
    "\n  mutation ConsoleInterveneRetryPlan($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    retryPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleInterveneRetryPlanDocument,
    "\n  mutation ConsoleInterveneRetryStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $input: JSON) {\n    retryStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, input: $input) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleInterveneRetryStepDocument,
    "\n  mutation ConsoleInterveneSkipStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $output: JSON) {\n    skipStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, output: $output) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleInterveneSkipStepDocument,
    "\n  mutation ConsoleInterveneModifyStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $patch: StepPatchInput!) {\n    modifyStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, patch: $patch) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleInterveneModifyStepDocument,
    "\n  mutation ConsoleInterveneRemoveStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!) {\n    removeStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleInterveneRemoveStepDocument,
    "\n  mutation ConsoleInterveneAddStep($planId: ID!, $reason: String!, $expectedVersion: Int!, $step: StepInput!, $after: String) {\n    addStep(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, step: $step, after: $after) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleInterveneAddStepDocument,
    "\n  mutation ConsoleInterveneReorder($planId: ID!, $reason: String!, $expectedVersion: Int!, $order: [String!]!) {\n    reorderSteps(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, order: $order) { id status rejectionCode rejectionReason planVersion }\n  }\n": typeof types.ConsoleInterveneReorderDocument,
    "\n  query ConsolePlanSignals($id: ID!, $last: Int!) {\n    plan(id: $id) {\n      id\n      signals(last: $last) { edges { node { id sequence kind stepKey sender name payload at } } }\n    }\n  }\n": typeof types.ConsolePlanSignalsDocument,
    "\n  query ConsolePlanContext($id: ID!) {\n    plan(id: $id) {\n      id\n      context { version entries { key value version contextVersion updatedBy updatedAt targets } }\n    }\n  }\n": typeof types.ConsolePlanContextDocument,
    "\n  query ConsolePlanAudit($id: ID!, $last: Int!) {\n    plan(id: $id) {\n      id\n      interventions(last: $last) { edges { node { id kind actor reason status rejectionCode rejectionReason stepKey planVersion at } } }\n    }\n  }\n": typeof types.ConsolePlanAuditDocument,
    "\n  query ConsolePlanEvaluation($id: ID!) {\n    plan(id: $id) {\n      id\n      evaluation {\n        score grade successRate meanQuality retries durationMs recommendations\n        regression { detected runs details baselineDurationMs baselineQuality baselineRetries }\n      }\n    }\n  }\n": typeof types.ConsolePlanEvaluationDocument,
    "\n  query ConsoleBulkCount($filter: PlanFilter) {\n    plans(first: 1, filter: $filter) { totalCount }\n  }\n": typeof types.ConsoleBulkCountDocument,
    "\n  mutation ConsoleCancelPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!, $compensate: Boolean) {\n    cancelPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason, compensate: $compensate) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n": typeof types.ConsoleCancelPlansDocument,
    "\n  mutation ConsoleRetryPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    retryPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n": typeof types.ConsoleRetryPlansDocument,
    "\n  mutation ConsolePausePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    pausePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n": typeof types.ConsolePausePlansDocument,
    "\n  mutation ConsoleResumePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    resumePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n": typeof types.ConsoleResumePlansDocument,
};
const documents: Documents = {
    "\n  query ConsoleViewer {\n    viewer { name role tokenId version }\n  }\n": types.ConsoleViewerDocument,
    "\n  query ConsoleLogHead($planId: ID) {\n    signals(last: 1, planId: $planId) { edges { node { id sequence } } }\n  }\n": types.ConsoleLogHeadDocument,
    "\n  subscription ConsoleSignals($afterSequence: Int, $planId: ID, $kinds: [SignalKind!]) {\n    signals(afterSequence: $afterSequence, planId: $planId, kinds: $kinds) { id sequence kind planId stepKey at }\n  }\n": types.ConsoleSignalsDocument,
    "\n  query ConsolePlans($first: Int, $after: String, $last: Int, $before: String, $filter: PlanFilter) {\n    plans(first: $first, after: $after, last: $last, before: $before, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      edges {\n        node {\n          id name state progress version labels createdAt startedAt finishedAt\n          template { id name version }\n        }\n      }\n    }\n  }\n": types.ConsolePlansDocument,
    "\n  query ConsolePlan($id: ID!) {\n    plan(id: $id) {\n      id name goal state progress version labels createdAt startedAt finishedAt\n      error { type message }\n      template { id name version }\n      steps {\n        id key name description role state attempts visits dependsOn onSuccess onFailure compensate\n        progress progressMessage input inputMapping mappedInput output startedAt finishedAt\n        error { type message retryable details }\n        agent { id name roles }\n      }\n      traces {\n        id stepKey attempt outcome queuedAt startedAt finishedAt elapsedMs waitMs\n        agent { id name }\n        error { type message }\n      }\n    }\n  }\n": types.ConsolePlanDocument,
    "\n  query ConsoleAgents {\n    agents {\n      id name roles status lastSeenAt activeLeases concurrency builtin createdAt\n      stats { completed failed successRate p50Ms p95Ms }\n    }\n  }\n": types.ConsoleAgentsDocument,
    "\n  query ConsoleRunningSteps {\n    plans(first: 200, filter: { states: [RUNNING, PAUSED, COMPENSATING] }) {\n      edges { node { id name steps { key state role startedAt attempts agent { id } } } }\n    }\n  }\n": types.ConsoleRunningStepsDocument,
    "\n  query ConsoleTemplates {\n    templates { id name version description builtin createdAt steps { key role } }\n  }\n": types.ConsoleTemplatesDocument,
    "\n  query ConsoleTemplateStats($name: String!, $version: Int) {\n    templateStats(name: $name, version: $version) { runs completed failed cancelled successRate p50DurationMs p95DurationMs }\n  }\n": types.ConsoleTemplateStatsDocument,
    "\n  mutation ConsoleCreatePlan($input: CreatePlanInput!) {\n    createPlan(input: $input) { id name state }\n  }\n": types.ConsoleCreatePlanDocument,
    "\n  query ConsoleValidatePlan($input: CreatePlanInput!) {\n    validatePlan(input: $input) { valid problems { code path message } }\n  }\n": types.ConsoleValidatePlanDocument,
    "\n  query ConsoleWebhooks {\n    webhooks(includeRemoved: true) { id url active kinds planId fromSequence createdAt }\n  }\n": types.ConsoleWebhooksDocument,
    "\n  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus) {\n    webhookDeliveries(last: 50, status: $status) {\n      edges { node { id webhookId status attempts lastStatusCode lastError signalSequence createdAt deliveredAt nextAttemptAt signal { kind planId stepKey } } }\n    }\n  }\n": types.ConsoleWebhookDeliveriesDocument,
    "\n  query ConsoleTokens {\n    tokens { id name prefix role roles createdAt createdBy expiresAt revokedAt }\n  }\n": types.ConsoleTokensDocument,
    "\n  query ConsoleRoleLimits {\n    roleLimits { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }\n  }\n": types.ConsoleRoleLimitsDocument,
    "\n  mutation ConsoleCreateToken($input: CreateTokenInput!) {\n    createToken(input: $input) { token info { id name prefix role roles createdAt createdBy expiresAt revokedAt } }\n  }\n": types.ConsoleCreateTokenDocument,
    "\n  mutation ConsoleRevokeToken($id: ID!) {\n    revokeToken(id: $id) { id revokedAt }\n  }\n": types.ConsoleRevokeTokenDocument,
    "\n  mutation ConsoleSetRoleLimit($input: RoleLimitInput!) {\n    setRoleLimit(input: $input) { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }\n  }\n": types.ConsoleSetRoleLimitDocument,
    "\n  mutation ConsoleRemoveRoleLimit($role: String!) {\n    removeRoleLimit(role: $role)\n  }\n": types.ConsoleRemoveRoleLimitDocument,
    "\n  query ConsoleCheckpoints($planId: ID!, $last: Int) {\n    plan(id: $planId) { id forkedFrom }\n    checkpoints(planId: $planId, last: $last) {\n      edges {\n        node {\n          id\n          createdAt\n          reason\n          stepKey\n          label\n          planVersion\n          sequence\n          completedSteps\n        }\n      }\n    }\n  }\n": types.ConsoleCheckpointsDocument,
    "\n  query ConsoleCheckpointDiff($from: ID!, $to: ID!) {\n    checkpointDiff(from: $from, to: $to) {\n      from\n      to\n      steps\n      context\n    }\n  }\n": types.ConsoleCheckpointDiffDocument,
    "\n  mutation ConsoleRestoreCheckpoint($planId: ID!, $checkpointId: ID!, $reason: String!, $expectedVersion: Int!) {\n    restoreCheckpoint(planId: $planId, checkpointId: $checkpointId, reason: $reason, expectedVersion: $expectedVersion) {\n      id\n      status\n      rejectionCode\n      rejectionReason\n      planVersion\n    }\n  }\n": types.ConsoleRestoreCheckpointDocument,
    "\n  mutation ConsoleForkCheckpoint($checkpointId: ID!, $name: String, $reason: String!) {\n    forkFromCheckpoint(checkpointId: $checkpointId, name: $name, reason: $reason) {\n      id\n      name\n      state\n      forkedFrom\n    }\n  }\n": types.ConsoleForkCheckpointDocument,
    "\n  mutation ConsoleIntervenePause($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    pausePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleIntervenePauseDocument,
    "\n  mutation ConsoleInterveneResume($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    resumePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleInterveneResumeDocument,
    "\n  mutation ConsoleInterveneCancel($id: ID!, $reason: String!, $expectedVersion: Int!, $compensate: Boolean!) {\n    cancelPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion, compensate: $compensate) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleInterveneCancelDocument,
    "\n  mutation ConsoleInterveneRetryPlan($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    retryPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleInterveneRetryPlanDocument,
    "\n  mutation ConsoleInterveneRetryStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $input: JSON) {\n    retryStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, input: $input) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleInterveneRetryStepDocument,
    "\n  mutation ConsoleInterveneSkipStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $output: JSON) {\n    skipStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, output: $output) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleInterveneSkipStepDocument,
    "\n  mutation ConsoleInterveneModifyStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $patch: StepPatchInput!) {\n    modifyStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, patch: $patch) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleInterveneModifyStepDocument,
    "\n  mutation ConsoleInterveneRemoveStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!) {\n    removeStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleInterveneRemoveStepDocument,
    "\n  mutation ConsoleInterveneAddStep($planId: ID!, $reason: String!, $expectedVersion: Int!, $step: StepInput!, $after: String) {\n    addStep(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, step: $step, after: $after) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleInterveneAddStepDocument,
    "\n  mutation ConsoleInterveneReorder($planId: ID!, $reason: String!, $expectedVersion: Int!, $order: [String!]!) {\n    reorderSteps(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, order: $order) { id status rejectionCode rejectionReason planVersion }\n  }\n": types.ConsoleInterveneReorderDocument,
    "\n  query ConsolePlanSignals($id: ID!, $last: Int!) {\n    plan(id: $id) {\n      id\n      signals(last: $last) { edges { node { id sequence kind stepKey sender name payload at } } }\n    }\n  }\n": types.ConsolePlanSignalsDocument,
    "\n  query ConsolePlanContext($id: ID!) {\n    plan(id: $id) {\n      id\n      context { version entries { key value version contextVersion updatedBy updatedAt targets } }\n    }\n  }\n": types.ConsolePlanContextDocument,
    "\n  query ConsolePlanAudit($id: ID!, $last: Int!) {\n    plan(id: $id) {\n      id\n      interventions(last: $last) { edges { node { id kind actor reason status rejectionCode rejectionReason stepKey planVersion at } } }\n    }\n  }\n": types.ConsolePlanAuditDocument,
    "\n  query ConsolePlanEvaluation($id: ID!) {\n    plan(id: $id) {\n      id\n      evaluation {\n        score grade successRate meanQuality retries durationMs recommendations\n        regression { detected runs details baselineDurationMs baselineQuality baselineRetries }\n      }\n    }\n  }\n": types.ConsolePlanEvaluationDocument,
    "\n  query ConsoleBulkCount($filter: PlanFilter) {\n    plans(first: 1, filter: $filter) { totalCount }\n  }\n": types.ConsoleBulkCountDocument,
    "\n  mutation ConsoleCancelPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!, $compensate: Boolean) {\n    cancelPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason, compensate: $compensate) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n": types.ConsoleCancelPlansDocument,
    "\n  mutation ConsoleRetryPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    retryPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n": types.ConsoleRetryPlansDocument,
    "\n  mutation ConsolePausePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    pausePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n": types.ConsolePausePlansDocument,
    "\n  mutation ConsoleResumePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    resumePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n": types.ConsoleResumePlansDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleViewer {\n    viewer { name role tokenId version }\n  }\n"): (typeof documents)["\n  query ConsoleViewer {\n    viewer { name role tokenId version }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleLogHead($planId: ID) {\n    signals(last: 1, planId: $planId) { edges { node { id sequence } } }\n  }\n"): (typeof documents)["\n  query ConsoleLogHead($planId: ID) {\n    signals(last: 1, planId: $planId) { edges { node { id sequence } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleSignals($afterSequence: Int, $planId: ID, $kinds: [SignalKind!]) {\n    signals(afterSequence: $afterSequence, planId: $planId, kinds: $kinds) { id sequence kind planId stepKey at }\n  }\n"): (typeof documents)["\n  subscription ConsoleSignals($afterSequence: Int, $planId: ID, $kinds: [SignalKind!]) {\n    signals(afterSequence: $afterSequence, planId: $planId, kinds: $kinds) { id sequence kind planId stepKey at }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePlans($first: Int, $after: String, $last: Int, $before: String, $filter: PlanFilter) {\n    plans(first: $first, after: $after, last: $last, before: $before, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      edges {\n        node {\n          id name state progress version labels createdAt startedAt finishedAt\n          template { id name version }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsolePlans($first: Int, $after: String, $last: Int, $before: String, $filter: PlanFilter) {\n    plans(first: $first, after: $after, last: $last, before: $before, filter: $filter) {\n      totalCount\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      edges {\n        node {\n          id name state progress version labels createdAt startedAt finishedAt\n          template { id name version }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePlan($id: ID!) {\n    plan(id: $id) {\n      id name goal state progress version labels createdAt startedAt finishedAt\n      error { type message }\n      template { id name version }\n      steps {\n        id key name description role state attempts visits dependsOn onSuccess onFailure compensate\n        progress progressMessage input inputMapping mappedInput output startedAt finishedAt\n        error { type message retryable details }\n        agent { id name roles }\n      }\n      traces {\n        id stepKey attempt outcome queuedAt startedAt finishedAt elapsedMs waitMs\n        agent { id name }\n        error { type message }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsolePlan($id: ID!) {\n    plan(id: $id) {\n      id name goal state progress version labels createdAt startedAt finishedAt\n      error { type message }\n      template { id name version }\n      steps {\n        id key name description role state attempts visits dependsOn onSuccess onFailure compensate\n        progress progressMessage input inputMapping mappedInput output startedAt finishedAt\n        error { type message retryable details }\n        agent { id name roles }\n      }\n      traces {\n        id stepKey attempt outcome queuedAt startedAt finishedAt elapsedMs waitMs\n        agent { id name }\n        error { type message }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleAgents {\n    agents {\n      id name roles status lastSeenAt activeLeases concurrency builtin createdAt\n      stats { completed failed successRate p50Ms p95Ms }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleAgents {\n    agents {\n      id name roles status lastSeenAt activeLeases concurrency builtin createdAt\n      stats { completed failed successRate p50Ms p95Ms }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRunningSteps {\n    plans(first: 200, filter: { states: [RUNNING, PAUSED, COMPENSATING] }) {\n      edges { node { id name steps { key state role startedAt attempts agent { id } } } }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleRunningSteps {\n    plans(first: 200, filter: { states: [RUNNING, PAUSED, COMPENSATING] }) {\n      edges { node { id name steps { key state role startedAt attempts agent { id } } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleTemplates {\n    templates { id name version description builtin createdAt steps { key role } }\n  }\n"): (typeof documents)["\n  query ConsoleTemplates {\n    templates { id name version description builtin createdAt steps { key role } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleTemplateStats($name: String!, $version: Int) {\n    templateStats(name: $name, version: $version) { runs completed failed cancelled successRate p50DurationMs p95DurationMs }\n  }\n"): (typeof documents)["\n  query ConsoleTemplateStats($name: String!, $version: Int) {\n    templateStats(name: $name, version: $version) { runs completed failed cancelled successRate p50DurationMs p95DurationMs }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCreatePlan($input: CreatePlanInput!) {\n    createPlan(input: $input) { id name state }\n  }\n"): (typeof documents)["\n  mutation ConsoleCreatePlan($input: CreatePlanInput!) {\n    createPlan(input: $input) { id name state }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleValidatePlan($input: CreatePlanInput!) {\n    validatePlan(input: $input) { valid problems { code path message } }\n  }\n"): (typeof documents)["\n  query ConsoleValidatePlan($input: CreatePlanInput!) {\n    validatePlan(input: $input) { valid problems { code path message } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleWebhooks {\n    webhooks(includeRemoved: true) { id url active kinds planId fromSequence createdAt }\n  }\n"): (typeof documents)["\n  query ConsoleWebhooks {\n    webhooks(includeRemoved: true) { id url active kinds planId fromSequence createdAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus) {\n    webhookDeliveries(last: 50, status: $status) {\n      edges { node { id webhookId status attempts lastStatusCode lastError signalSequence createdAt deliveredAt nextAttemptAt signal { kind planId stepKey } } }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus) {\n    webhookDeliveries(last: 50, status: $status) {\n      edges { node { id webhookId status attempts lastStatusCode lastError signalSequence createdAt deliveredAt nextAttemptAt signal { kind planId stepKey } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleTokens {\n    tokens { id name prefix role roles createdAt createdBy expiresAt revokedAt }\n  }\n"): (typeof documents)["\n  query ConsoleTokens {\n    tokens { id name prefix role roles createdAt createdBy expiresAt revokedAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRoleLimits {\n    roleLimits { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }\n  }\n"): (typeof documents)["\n  query ConsoleRoleLimits {\n    roleLimits { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCreateToken($input: CreateTokenInput!) {\n    createToken(input: $input) { token info { id name prefix role roles createdAt createdBy expiresAt revokedAt } }\n  }\n"): (typeof documents)["\n  mutation ConsoleCreateToken($input: CreateTokenInput!) {\n    createToken(input: $input) { token info { id name prefix role roles createdAt createdBy expiresAt revokedAt } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleRevokeToken($id: ID!) {\n    revokeToken(id: $id) { id revokedAt }\n  }\n"): (typeof documents)["\n  mutation ConsoleRevokeToken($id: ID!) {\n    revokeToken(id: $id) { id revokedAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleSetRoleLimit($input: RoleLimitInput!) {\n    setRoleLimit(input: $input) { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }\n  }\n"): (typeof documents)["\n  mutation ConsoleSetRoleLimit($input: RoleLimitInput!) {\n    setRoleLimit(input: $input) { id role maxConcurrent running claims intervalMs tokens updatedAt updatedBy }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleRemoveRoleLimit($role: String!) {\n    removeRoleLimit(role: $role)\n  }\n"): (typeof documents)["\n  mutation ConsoleRemoveRoleLimit($role: String!) {\n    removeRoleLimit(role: $role)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleCheckpoints($planId: ID!, $last: Int) {\n    plan(id: $planId) { id forkedFrom }\n    checkpoints(planId: $planId, last: $last) {\n      edges {\n        node {\n          id\n          createdAt\n          reason\n          stepKey\n          label\n          planVersion\n          sequence\n          completedSteps\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleCheckpoints($planId: ID!, $last: Int) {\n    plan(id: $planId) { id forkedFrom }\n    checkpoints(planId: $planId, last: $last) {\n      edges {\n        node {\n          id\n          createdAt\n          reason\n          stepKey\n          label\n          planVersion\n          sequence\n          completedSteps\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleCheckpointDiff($from: ID!, $to: ID!) {\n    checkpointDiff(from: $from, to: $to) {\n      from\n      to\n      steps\n      context\n    }\n  }\n"): (typeof documents)["\n  query ConsoleCheckpointDiff($from: ID!, $to: ID!) {\n    checkpointDiff(from: $from, to: $to) {\n      from\n      to\n      steps\n      context\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleRestoreCheckpoint($planId: ID!, $checkpointId: ID!, $reason: String!, $expectedVersion: Int!) {\n    restoreCheckpoint(planId: $planId, checkpointId: $checkpointId, reason: $reason, expectedVersion: $expectedVersion) {\n      id\n      status\n      rejectionCode\n      rejectionReason\n      planVersion\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleRestoreCheckpoint($planId: ID!, $checkpointId: ID!, $reason: String!, $expectedVersion: Int!) {\n    restoreCheckpoint(planId: $planId, checkpointId: $checkpointId, reason: $reason, expectedVersion: $expectedVersion) {\n      id\n      status\n      rejectionCode\n      rejectionReason\n      planVersion\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleForkCheckpoint($checkpointId: ID!, $name: String, $reason: String!) {\n    forkFromCheckpoint(checkpointId: $checkpointId, name: $name, reason: $reason) {\n      id\n      name\n      state\n      forkedFrom\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleForkCheckpoint($checkpointId: ID!, $name: String, $reason: String!) {\n    forkFromCheckpoint(checkpointId: $checkpointId, name: $name, reason: $reason) {\n      id\n      name\n      state\n      forkedFrom\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleIntervenePause($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    pausePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleIntervenePause($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    pausePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleInterveneResume($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    resumePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleInterveneResume($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    resumePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleInterveneCancel($id: ID!, $reason: String!, $expectedVersion: Int!, $compensate: Boolean!) {\n    cancelPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion, compensate: $compensate) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleInterveneCancel($id: ID!, $reason: String!, $expectedVersion: Int!, $compensate: Boolean!) {\n    cancelPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion, compensate: $compensate) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleInterveneRetryPlan($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    retryPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleInterveneRetryPlan($id: ID!, $reason: String!, $expectedVersion: Int!) {\n    retryPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleInterveneRetryStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $input: JSON) {\n    retryStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, input: $input) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleInterveneRetryStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $input: JSON) {\n    retryStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, input: $input) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleInterveneSkipStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $output: JSON) {\n    skipStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, output: $output) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleInterveneSkipStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $output: JSON) {\n    skipStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, output: $output) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleInterveneModifyStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $patch: StepPatchInput!) {\n    modifyStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, patch: $patch) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleInterveneModifyStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $patch: StepPatchInput!) {\n    modifyStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, patch: $patch) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleInterveneRemoveStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!) {\n    removeStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleInterveneRemoveStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!) {\n    removeStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleInterveneAddStep($planId: ID!, $reason: String!, $expectedVersion: Int!, $step: StepInput!, $after: String) {\n    addStep(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, step: $step, after: $after) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleInterveneAddStep($planId: ID!, $reason: String!, $expectedVersion: Int!, $step: StepInput!, $after: String) {\n    addStep(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, step: $step, after: $after) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleInterveneReorder($planId: ID!, $reason: String!, $expectedVersion: Int!, $order: [String!]!) {\n    reorderSteps(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, order: $order) { id status rejectionCode rejectionReason planVersion }\n  }\n"): (typeof documents)["\n  mutation ConsoleInterveneReorder($planId: ID!, $reason: String!, $expectedVersion: Int!, $order: [String!]!) {\n    reorderSteps(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, order: $order) { id status rejectionCode rejectionReason planVersion }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePlanSignals($id: ID!, $last: Int!) {\n    plan(id: $id) {\n      id\n      signals(last: $last) { edges { node { id sequence kind stepKey sender name payload at } } }\n    }\n  }\n"): (typeof documents)["\n  query ConsolePlanSignals($id: ID!, $last: Int!) {\n    plan(id: $id) {\n      id\n      signals(last: $last) { edges { node { id sequence kind stepKey sender name payload at } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePlanContext($id: ID!) {\n    plan(id: $id) {\n      id\n      context { version entries { key value version contextVersion updatedBy updatedAt targets } }\n    }\n  }\n"): (typeof documents)["\n  query ConsolePlanContext($id: ID!) {\n    plan(id: $id) {\n      id\n      context { version entries { key value version contextVersion updatedBy updatedAt targets } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePlanAudit($id: ID!, $last: Int!) {\n    plan(id: $id) {\n      id\n      interventions(last: $last) { edges { node { id kind actor reason status rejectionCode rejectionReason stepKey planVersion at } } }\n    }\n  }\n"): (typeof documents)["\n  query ConsolePlanAudit($id: ID!, $last: Int!) {\n    plan(id: $id) {\n      id\n      interventions(last: $last) { edges { node { id kind actor reason status rejectionCode rejectionReason stepKey planVersion at } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePlanEvaluation($id: ID!) {\n    plan(id: $id) {\n      id\n      evaluation {\n        score grade successRate meanQuality retries durationMs recommendations\n        regression { detected runs details baselineDurationMs baselineQuality baselineRetries }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsolePlanEvaluation($id: ID!) {\n    plan(id: $id) {\n      id\n      evaluation {\n        score grade successRate meanQuality retries durationMs recommendations\n        regression { detected runs details baselineDurationMs baselineQuality baselineRetries }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleBulkCount($filter: PlanFilter) {\n    plans(first: 1, filter: $filter) { totalCount }\n  }\n"): (typeof documents)["\n  query ConsoleBulkCount($filter: PlanFilter) {\n    plans(first: 1, filter: $filter) { totalCount }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCancelPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!, $compensate: Boolean) {\n    cancelPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason, compensate: $compensate) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleCancelPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!, $compensate: Boolean) {\n    cancelPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason, compensate: $compensate) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleRetryPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    retryPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleRetryPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    retryPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsolePausePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    pausePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n"): (typeof documents)["\n  mutation ConsolePausePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    pausePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleResumePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    resumePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleResumePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {\n    resumePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {\n      applied { planId interventionId planVersion state }\n      rejected { planId code message interventionId }\n      hasMore endCursor\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;