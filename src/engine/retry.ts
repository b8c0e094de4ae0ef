import type { RetryPolicy, StepError } from "../domain/model.js";

/**
 * Delay before attempt `attempt + 1`, after `attempt` attempts failed:
 * initialIntervalMs × backoffCoefficient^(attempt − 1), capped at maxIntervalMs.
 */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const raw = policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, attempt - 1);
  return Math.round(Math.min(raw, policy.maxIntervalMs));
}

/** Whether a failed attempt may be tried again under the policy. */
export function mayRetry(policy: RetryPolicy, attempts: number, error: StepError): boolean {
  if (!error.retryable) return false;
  if (error.type !== null && policy.nonRetryableErrorTypes.includes(error.type)) return false;
  return attempts < policy.maxAttempts;
}
