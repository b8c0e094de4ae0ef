/** What the plan page's tabs read: its signals, its context, its interventions, its evaluation. */
import { graphql } from "../gql/index.js";

export const PlanSignalsTab = graphql(`
  query ConsolePlanSignals($id: ID!, $last: Int!) {
    plan(id: $id) {
      id
      signals(last: $last) { edges { node { id sequence kind stepKey sender name payload at } } }
    }
  }
`);

export const PlanContextTab = graphql(`
  query ConsolePlanContext($id: ID!) {
    plan(id: $id) {
      id
      context { version entries { key value version contextVersion updatedBy updatedAt targets } }
    }
  }
`);

export const PlanAuditTab = graphql(`
  query ConsolePlanAudit($id: ID!, $last: Int!) {
    plan(id: $id) {
      id
      interventions(last: $last) { edges { node { id kind actor reason status rejectionCode rejectionReason stepKey planVersion at } } }
    }
  }
`);

export const PlanEvaluationTab = graphql(`
  query ConsolePlanEvaluation($id: ID!) {
    plan(id: $id) {
      id
      evaluation {
        score grade successRate meanQuality retries durationMs recommendations
        regression { detected runs details baselineDurationMs baselineQuality baselineRetries }
      }
    }
  }
`);
