/**
 * The GraphQL operations of the plans list's bulk actions (./bulk.tsx): `npm run generate`
 * after a change here. Each mutation takes either `plans` (ids with the versions seen) or
 * `filter` (walked with `first`/`after`), and a reason.
 */
import { graphql } from "../gql/index.js";

/** How many plans a filter matches now (the count a confirmation names). */
export const BulkCountQuery = graphql(`
  query ConsoleBulkCount($filter: PlanFilter) {
    plans(first: 1, filter: $filter) { totalCount }
  }
`);

export const CancelPlansMutation = graphql(`
  mutation ConsoleCancelPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!, $compensate: Boolean) {
    cancelPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason, compensate: $compensate) {
      applied { planId interventionId planVersion state }
      rejected { planId code message interventionId }
      hasMore endCursor
    }
  }
`);

export const RetryPlansMutation = graphql(`
  mutation ConsoleRetryPlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {
    retryPlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {
      applied { planId interventionId planVersion state }
      rejected { planId code message interventionId }
      hasMore endCursor
    }
  }
`);

export const PausePlansMutation = graphql(`
  mutation ConsolePausePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {
    pausePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {
      applied { planId interventionId planVersion state }
      rejected { planId code message interventionId }
      hasMore endCursor
    }
  }
`);

export const ResumePlansMutation = graphql(`
  mutation ConsoleResumePlans($plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!) {
    resumePlans(plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason) {
      applied { planId interventionId planVersion state }
      rejected { planId code message interventionId }
      hasMore endCursor
    }
  }
`);
