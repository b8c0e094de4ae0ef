/**
 * The interventions on a plan and its steps, each with the operator's reason and the plan version
 * they saw (`expectedVersion`: a stale one is refused with VERSION_CONFLICT, nothing changed).
 */
import { graphql } from "../gql/index.js";

export const PausePlan = graphql(`
  mutation ConsoleIntervenePause($id: ID!, $reason: String!, $expectedVersion: Int!) {
    pausePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }
  }
`);
export const ResumePlan = graphql(`
  mutation ConsoleInterveneResume($id: ID!, $reason: String!, $expectedVersion: Int!) {
    resumePlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }
  }
`);
export const CancelPlan = graphql(`
  mutation ConsoleInterveneCancel($id: ID!, $reason: String!, $expectedVersion: Int!, $compensate: Boolean!) {
    cancelPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion, compensate: $compensate) { id status rejectionCode rejectionReason planVersion }
  }
`);
export const RetryPlan = graphql(`
  mutation ConsoleInterveneRetryPlan($id: ID!, $reason: String!, $expectedVersion: Int!) {
    retryPlan(id: $id, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }
  }
`);
export const RetryStep = graphql(`
  mutation ConsoleInterveneRetryStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $input: JSON) {
    retryStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, input: $input) { id status rejectionCode rejectionReason planVersion }
  }
`);
export const SkipStep = graphql(`
  mutation ConsoleInterveneSkipStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $output: JSON) {
    skipStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, output: $output) { id status rejectionCode rejectionReason planVersion }
  }
`);
export const ModifyStep = graphql(`
  mutation ConsoleInterveneModifyStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!, $patch: StepPatchInput!) {
    modifyStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion, patch: $patch) { id status rejectionCode rejectionReason planVersion }
  }
`);
export const RemoveStep = graphql(`
  mutation ConsoleInterveneRemoveStep($planId: ID!, $stepKey: String!, $reason: String!, $expectedVersion: Int!) {
    removeStep(planId: $planId, stepKey: $stepKey, reason: $reason, expectedVersion: $expectedVersion) { id status rejectionCode rejectionReason planVersion }
  }
`);
export const AddStep = graphql(`
  mutation ConsoleInterveneAddStep($planId: ID!, $reason: String!, $expectedVersion: Int!, $step: StepInput!, $after: String) {
    addStep(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, step: $step, after: $after) { id status rejectionCode rejectionReason planVersion }
  }
`);
export const ReorderSteps = graphql(`
  mutation ConsoleInterveneReorder($planId: ID!, $reason: String!, $expectedVersion: Int!, $order: [String!]!) {
    reorderSteps(planId: $planId, reason: $reason, expectedVersion: $expectedVersion, order: $order) { id status rejectionCode rejectionReason planVersion }
  }
`);
