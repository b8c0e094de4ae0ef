/**
 * Every GraphQL operation of the console, typed by GraphQL Code Generator's client preset
 * (codegen.yml → ./gql/): `npm run generate` after a change here.
 */
import { graphql } from "./gql/index.js";

export const ViewerQuery = graphql(`
  query ConsoleViewer {
    viewer { name role tokenId version }
  }
`);

/** The newest signal (of one plan, or of the log): a live view follows the log from there. */
export const LogHeadQuery = graphql(`
  query ConsoleLogHead($planId: ID) {
    signals(last: 1, planId: $planId) { edges { node { id sequence } } }
  }
`);

export const SignalsSubscription = graphql(`
  subscription ConsoleSignals($afterSequence: Int, $planId: ID, $kinds: [SignalKind!]) {
    signals(afterSequence: $afterSequence, planId: $planId, kinds: $kinds) { id sequence kind planId stepKey at }
  }
`);

export const PlansQuery = graphql(`
  query ConsolePlans($first: Int, $after: String, $last: Int, $before: String, $filter: PlanFilter) {
    plans(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        node {
          id name state progress version labels createdAt startedAt finishedAt
          template { id name version }
        }
      }
    }
  }
`);

export const PlanQuery = graphql(`
  query ConsolePlan($id: ID!) {
    plan(id: $id) {
      id name goal state progress version labels createdAt startedAt finishedAt
      error { type message }
      template { id name version }
      steps {
        id key name description role state attempts visits dependsOn onSuccess onFailure compensate
        progress progressMessage input inputMapping mappedInput output startedAt finishedAt
        error { type message retryable details }
        agent { id name roles }
      }
      traces {
        id stepKey attempt outcome queuedAt startedAt finishedAt elapsedMs waitMs
        agent { id name }
        error { type message }
      }
    }
  }
`);
