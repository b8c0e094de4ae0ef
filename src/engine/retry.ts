import type { RetryPolicy, StepError } from "../domain/model.js";

/**
 * Delay before attempt `attempt + 1`, after `attempt` attempts failed:
 * initialIntervalMs × backoffCoefficient^(attempt − 1), capped at maxIntervalMs, then shortened
 * by up to `jitter` of itself. The jitter is drawn from `seed` (plan, step, attempt), not from a
 * random source, so that replaying the same events gives the same delays.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, seed = ""): number {
  const raw = Math.min(policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, attempt - 1), policy.maxIntervalMs);
  const jitter = policy.jitter ?? 0; // policies stored before jitter existed have none
  return Math.round(raw * (1 - jitter * unitHash(seed)));
}

/** A number in [0, 1) fixed by the text (FNV-1a, 32 bits). */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/** Whether a failed attempt may be tried again under the policy. */
export function mayRetry(policy: RetryPolicy, attempts: number, error: StepError): boolean {
  if (!error.retryable) return false;
  if (error.type !== null && policy.nonRetryableErrorTypes.includes(error.type)) return false;
  return attempts < policy.maxAttempts;
}
