/**
 * The GraphQL documents of a plan's checkpoints panel (./checkpoints.tsx): its checkpoints, the
 * diff of two, and restoring or forking one. `npm run generate` after a change here.
 */
import { graphql } from "../gql/index.js";

/** The newest checkpoints of a plan (oldest first, as the API lists them). */
export const CheckpointsQuery = graphql(`
  query ConsoleCheckpoints($planId: ID!, $last: Int) {
    plan(id: $planId) { id forkedFrom }
    checkpoints(planId: $planId, last: $last) {
      edges {
        node {
          id
          createdAt
          reason
          stepKey
          label
          planVersion
          sequence
          completedSteps
        }
      }
    }
  }
`);

export const CheckpointDiffQuery = graphql(`
  query ConsoleCheckpointDiff($from: ID!, $to: ID!) {
    checkpointDiff(from: $from, to: $to) {
      from
      to
      steps
      context
    }
  }
`);

export const RestoreCheckpointMutation = graphql(`
  mutation ConsoleRestoreCheckpoint($planId: ID!, $checkpointId: ID!, $reason: String!, $expectedVersion: Int!) {
    restoreCheckpoint(planId: $planId, checkpointId: $checkpointId, reason: $reason, expectedVersion: $expectedVersion) {
      id
      status
      rejectionCode
      rejectionReason
      planVersion
    }
  }
`);

export const ForkCheckpointMutation = graphql(`
  mutation ConsoleForkCheckpoint($checkpointId: ID!, $name: String, $reason: String!) {
    forkFromCheckpoint(checkpointId: $checkpointId, name: $name, reason: $reason) {
      id
      name
      state
      forkedFrom
    }
  }
`);
