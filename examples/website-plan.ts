/**
 * The "build a website" plan: product manager → coder → reviewer, one step each, in a row.
 * Each step reads what came before from the plan (hub and spoke: agents never talk to each
 * other, only to the gateway). Run it with the agents of ./agents.ts.
 */
import type { CreatePlanInput } from "../src/client/index.js";

/** The roles the plan's steps are handed to. */
export const WEBSITE_ROLES = { productManager: "product-manager", coder: "coder", reviewer: "reviewer" } as const;

/** The step keys, in order. */
export const WEBSITE_STEPS = { spec: "spec", code: "code", review: "review" } as const;

/** A plan that turns a goal into a reviewed website; its result is the review. */
export function websitePlan(goal: string, options: { name?: string; idempotencyKey?: string } = {}): CreatePlanInput {
  const retry = { maxAttempts: 3, initialIntervalMs: 200, backoffCoefficient: 2 };
  return {
    name: options.name ?? "build-website",
    goal,
    idempotencyKey: options.idempotencyKey,
    input: { goal },
    labels: ["example", "website"],
    policy: { complexity: "SIMPLE", heartbeatTimeoutMs: 5_000 },
    steps: [
      {
        key: WEBSITE_STEPS.spec,
        name: "Write the specification",
        role: WEBSITE_ROLES.productManager,
        input: { goal },
        retry,
      },
      {
        key: WEBSITE_STEPS.code,
        name: "Implement the pages",
        role: WEBSITE_ROLES.coder,
        dependsOn: [WEBSITE_STEPS.spec],
        retry,
      },
      {
        key: WEBSITE_STEPS.review,
        name: "Review the code",
        role: WEBSITE_ROLES.reviewer,
        dependsOn: [WEBSITE_STEPS.code],
        retry,
      },
    ],
  };
}
