/**
 * Queue policies per role: a claim rate (a token bucket of `claims` per `intervalMs`) and a cap
 * on the leases of the role running at once. Set by BATON_RATE_LIMITS and setRoleLimit.
 */
import type { Problem } from "./errors.js";

/** A role's limits as asked for: a rate (claims and intervalMs together), a cap, or both. */
export interface RoleLimitSpec {
  role: string;
  /** Claims per interval: the bucket's capacity and refill (null = no rate limit). */
  claims: number | null;
  intervalMs: number | null;
  /** Most leases of the role RUNNING at once (null = no cap; 0 holds the role's steps back). */
  maxConcurrent: number | null;
}

/** A role's limits as stored, with its token bucket. */
export interface RoleLimit extends RoleLimitSpec {
  /** Tokens in the bucket at `refilledAt` (null without a rate). */
  tokens: number | null;
  refilledAt: number | null;
  updatedAt: number;
  /** Who set them: an actor, or 'system' for BATON_RATE_LIMITS at start-up. */
  updatedBy: string;
}

/** The largest count or duration a limit may have (GraphQL's Int). */
export const MAX_LIMIT = 2_147_483_647;

const wholeIn = (v: number, min: number): boolean => Number.isInteger(v) && v >= min && v <= MAX_LIMIT;

/** Every problem of a limit request, at once. */
export function roleLimitProblems(spec: RoleLimitSpec): Problem[] {
  const problems: Problem[] = [];
  if (spec.role.trim() === "") problems.push({ path: "role", message: "must not be empty" });
  if ((spec.claims === null) !== (spec.intervalMs === null)) {
    problems.push({ path: spec.claims === null ? "claims" : "intervalMs", message: "claims and intervalMs go together: give both for a rate limit, or neither" });
  }
  if (spec.claims !== null && !wholeIn(spec.claims, 1)) problems.push({ path: "claims", message: `must be a whole number from 1 to ${MAX_LIMIT}, got ${spec.claims}` });
  if (spec.intervalMs !== null && !wholeIn(spec.intervalMs, 1)) problems.push({ path: "intervalMs", message: `must be a whole number from 1 to ${MAX_LIMIT}, got ${spec.intervalMs}` });
  if (spec.maxConcurrent !== null && !wholeIn(spec.maxConcurrent, 0)) {
    problems.push({ path: "maxConcurrent", message: `must be a whole number from 0 to ${MAX_LIMIT}, got ${spec.maxConcurrent}` });
  }
  if (spec.claims === null && spec.intervalMs === null && spec.maxConcurrent === null) {
    problems.push({ path: "maxConcurrent", message: "sets no limit: give a rate (claims and intervalMs), maxConcurrent, or both" });
  }
  return problems;
}
