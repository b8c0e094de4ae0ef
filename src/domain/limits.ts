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
  else if (spec.role.length > MAX_NAME) problems.push({ path: "role", message: `must be at most ${MAX_NAME} characters, got ${spec.role.length}` });
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

// ---------------------------------------------------------------- lengths of names and text

/**
 * The longest name, key or role a client may give: plan, step, signal and message names, roles,
 * recipients, context keys, idempotency keys, error types, step references. (Step keys and
 * template names are shorter still: 100 characters, by their pattern.)
 */
export const MAX_NAME = 200;
/** The longest label of a plan, and the most labels a plan may carry. */
export const MAX_LABEL = 200;
export const MAX_LABELS = 50;
/** The longest free text: a plan's goal, a step's or template's description, an error message, a reason. */
export const MAX_TEXT = 10_000;
/** The longest dotted path of a route rule (`output.review.score`, `context.<key>.…`). */
export const MAX_PATH = 1_000;
/** The most step keys one list may name (a plan's steps: engine/validate.ts MAX_STEPS). */
export const MAX_STEPS_LISTED = 10_000;
/** The most items of a list of names (context targets, non-retryable error types, PII names and patterns). */
export const MAX_LIST = 100;

/** A problem when `value` (if given) is longer than `max` characters (code units). */
export function tooLong(path: string, value: string | null | undefined, max: number = MAX_NAME): Problem | null {
  return value != null && value.length > max ? { path, message: `must be at most ${max} characters, got ${value.length}` } : null;
}

/** Pushes the problems of those values that are longer than `max`. */
export function checkLengths(problems: Problem[], entries: readonly (readonly [path: string, value: string | null | undefined, max?: number])[]): void {
  for (const [path, value, max] of entries) {
    const p = tooLong(path, value, max);
    if (p) problems.push(p);
  }
}

/** A list's problems: more than `maxItems` items, or items longer than `max` (each named by its index). */
export function checkList(problems: Problem[], path: string, items: readonly string[] | null | undefined, max: number = MAX_NAME, maxItems: number = MAX_LIST): void {
  if (!items) return;
  if (items.length > maxItems) problems.push({ path, message: `must have at most ${maxItems} items, got ${items.length}` });
  items.forEach((item, i) => {
    const p = tooLong(`${path}[${i}]`, item, max);
    if (p) problems.push(p);
  });
}

/** A client's value as quoted in a message: JSON, cut after 60 characters so that a huge value is not echoed back. */
export const shown = (value: string): string => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
